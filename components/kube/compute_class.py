"""ComputeClass: GKE's own ordered fallback between a site's tiers, as a pulumi-kubernetes CustomResource.

The body is decided by `gpufabric.decide.gcp.compute_class`; it is applied through the provider built from
the site's cluster endpoint, so it lands in that cluster and nowhere else.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s


class ComputeClass(pulumi.ComponentResource):
    def __init__(
        self, name: str, *, body: dict[str, Any], provider: k8s.Provider, opts: pulumi.ResourceOptions
    ) -> None:
        super().__init__("gpufabric:kube:ComputeClass", name, None, opts)
        self.resource = k8s.apiextensions.CustomResource(
            name,
            api_version=body["apiVersion"],
            kind=body["kind"],
            metadata=body["metadata"],
            spec=body["spec"],
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )
        self.register_outputs({"name": body["metadata"]["name"]})

"""Gateway: the ordered-spill HAProxy on its site, declared through that site's Kubernetes provider.

The objects (namespace, ConfigMap, Deployment, PDB, Service, NetworkPolicies) were decided in
`gpufabric.decide.gateway_objects` and the configuration in `gpufabric.decide.haproxy`; this class only
declares them, the namespace first.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.kube.baseline import declare_manifest
from gpufabric.decide.gateway import Backend
from gpufabric.decide.gateway_objects import GatewaySite, gateway_objects


class Gateway(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        site: GatewaySite,
        config: str,
        backends: list[Backend],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("gpufabric:gateway:Gateway", name, None, opts)
        inside = pulumi.ResourceOptions(parent=self, provider=provider)
        namespace, *rest = gateway_objects(site, config)
        ns = declare_manifest(name, namespace, inside)
        after = pulumi.ResourceOptions.merge(inside, pulumi.ResourceOptions(depends_on=[ns]))
        self.objects = [ns, *(declare_manifest(name, m, after) for m in rest)]
        self.backends = [
            f"{b.site}={b.address}:{b.port}" + (f" maxconn {b.maxconn}" if b.maxconn else "") for b in backends
        ]
        self.register_outputs({"site": site.name, "backends": self.backends})

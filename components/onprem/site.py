"""OnpremSite: an existing Kubernetes cluster in the operator's own data centre.

Bill of materials: a Kubernetes provider from the site's secret kubeconfig (never printed; nothing is read
from the API server during a plan), the ClusterBaseline, one ConfigMap per owned tier telling which labels
and taint its nodes must carry, and node labels only where the site declared `node_labels` (explicit).
The fabric creates no machines here and labels nothing it does not own.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.aws import SiteContext
from components.kube.baseline import ClusterBaseline
from gpufabric.decide.baseline import onprem_baseline, owned_tier_notes
from gpufabric.spec.sites import OnpremSiteSpec


class OnpremSite(pulumi.ComponentResource):
    def __init__(
        self, name: str, *, site: OnpremSiteSpec, ctx: SiteContext, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("gpufabric:onprem:Site", name, None, opts)
        namespace, key = site.kubeconfig.secret.split(":", 1)
        kubeconfig = pulumi.Config(namespace).require_secret(key)
        self.k8s_provider = k8s.Provider(
            name,
            kubeconfig=kubeconfig,
            enable_server_side_apply=True,
            opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["kubeconfig"]),
        )
        self.cluster_name = site.name
        self.baseline = ClusterBaseline(
            name,
            site=onprem_baseline(site),
            provider=self.k8s_provider,
            extra=owned_tier_notes(site, ctx.ranks),
            opts=pulumi.ResourceOptions(parent=self),
        )
        inside = pulumi.ResourceOptions(parent=self, provider=self.k8s_provider)
        self.node_labels = [
            k8s.core.v1.NodePatch(f"{name}-{tier.name}-{node}", metadata={"name": node, "labels": labels}, opts=inside)
            for tier in site.tiers
            for node, labels in sorted(tier.node_labels.items())
        ]
        self.register_outputs({"country": site.country, "cluster_name": self.cluster_name})

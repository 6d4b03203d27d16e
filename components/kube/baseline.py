"""ClusterBaseline: what every site's cluster gets, declared through that site's Kubernetes provider.

The NVIDIA GPU Operator as a Helm release, then the objects `gpufabric.decide.baseline` rendered
(namespaces, quota, priority classes, network policies). What goes in them was decided there; this class
only declares it.
"""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from gpufabric.decide.baseline import (
    OPERATOR_NAMESPACE,
    BaselineSite,
    baseline_objects,
    operator_chart,
    operator_values,
)

# The typed resource of each manifest kind the baseline renders.
_RESOURCE_OF: dict[tuple[str, str], Any] = {
    ("v1", "Namespace"): k8s.core.v1.Namespace,
    ("v1", "ResourceQuota"): k8s.core.v1.ResourceQuota,
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
    ("scheduling.k8s.io/v1", "PriorityClass"): k8s.scheduling.v1.PriorityClass,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("policy/v1", "PodDisruptionBudget"): k8s.policy.v1.PodDisruptionBudget,
    ("v1", "Service"): k8s.core.v1.Service,
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
}


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def declare_manifest(prefix: str, manifest: dict[str, Any], opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
    """Declare one rendered manifest as its typed resource, named `<site>-<namespace or kind>-<name>`
    (URNs do not carry the parent's name: the site prefix keeps two sites' objects apart)."""
    cls = _RESOURCE_OF[(manifest["apiVersion"], manifest["kind"])]
    meta = manifest["metadata"]
    name = f"{prefix}-{meta.get('namespace') or manifest['kind'].lower()}-{meta['name']}"
    args = {_snake(k): v for k, v in manifest.items() if k not in ("apiVersion", "kind")}
    return cls(name, **args, opts=opts)


class ClusterBaseline(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        site: BaselineSite,
        provider: k8s.Provider,
        extra: list[dict[str, Any]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("gpufabric:kube:ClusterBaseline", name, None, opts)
        inside = pulumi.ResourceOptions(parent=self, provider=provider)
        self.site = site  # its registry mirror is where other workloads on the site pull images from too
        self.objects = [declare_manifest(name, m, inside) for m in [*baseline_objects(site), *(extra or [])]]
        namespaces = [o for o in self.objects if isinstance(o, k8s.core.v1.Namespace)]
        chart = operator_chart(site)
        self.gpu_operator = k8s.helm.v3.Release(
            f"{name}-gpu-operator",
            name="gpu-operator",
            chart=chart.chart,
            version=chart.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=chart.repository) if chart.repository else None,
            namespace=OPERATOR_NAMESPACE,
            create_namespace=False,
            values=operator_values(site),
            atomic=True,
            cleanup_on_fail=True,
            opts=pulumi.ResourceOptions.merge(inside, pulumi.ResourceOptions(depends_on=namespaces)),
        )
        self.register_outputs({"gpu_operator_version": chart.version})

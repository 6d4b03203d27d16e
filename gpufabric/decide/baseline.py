"""What every site's cluster gets (the cluster baseline), decided as plain data per site kind.

A site is described by a small `BaselineSite` (kind, Kubernetes version, GPU ceiling, mirrors), so each
site kind (aws, gcp, onprem) attaches the same baseline: the NVIDIA GPU Operator's Helm values, the
inference namespace with Pod Security `restricted`, a GPU ResourceQuota derived from the site's tiers,
PriorityClasses (serving preempts batch) and a default-deny NetworkPolicy with the allows inference needs.
The objects are Kubernetes manifests (camelCase dicts): components declare them, tests validate them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gpufabric.core import charts, hardware
from gpufabric.core.jurisdictions import aws_dns_suffix
from gpufabric.core.vocabulary import (
    GPU_TAINT_EFFECT,
    GPU_TAINT_KEY,
    GPU_TAINT_VALUE,
    INFERENCE_NAMESPACE,
    LABEL_OVERFLOW_RANK,
    LABEL_REGION,
    LABEL_SITE,
    LABEL_TIER,
    LABEL_TIER_KIND,
    OPERATOR_NAMESPACE,
    SiteKind,
)
from gpufabric.spec.sites import AwsSiteSpec, GcpSiteSpec, OnpremSiteSpec
from gpufabric.spec.tiers import CommittedTier, ElasticTier

GATEWAY_NAMESPACE = "inference-gateway"  # the gateway in front of the model servers
MONITORING_NAMESPACE = "monitoring"  # the metrics scraper (Prometheus)
METRICS_PORT = "metrics"  # the named container port model servers expose metrics on
SERVING_PRIORITY = "gpufabric-serving"
BATCH_PRIORITY = "gpufabric-batch"
GPU_RESOURCE = "nvidia.com/gpu"
MANAGED_BY = {"app.kubernetes.io/managed-by": "gpufabric"}

# The operator's components whose images the chart takes from `<component>.repository`, with the upstream
# path each defaults to (below nvcr.io). A mirror serves the same paths.
_NVIDIA_REPOSITORIES: dict[str, str] = {
    "operator": "nvidia",
    "validator": "nvidia/cloud-native",
    "driver": "nvidia",
    "toolkit": "nvidia/k8s",
    "devicePlugin": "nvidia",
    "dcgm": "nvidia/cloud-native",
    "dcgmExporter": "nvidia/k8s",
    "gfd": "nvidia",
    "migManager": "nvidia/cloud-native",
    "nodeStatusExporter": "nvidia/cloud-native",
}


@dataclass(frozen=True)
class BaselineSite:
    """What the baseline needs to know about one site (any kind)."""

    name: str
    kind: SiteKind
    kubernetes_version: str
    gpu_ceiling: int  # the most GPUs the site's tiers can hold at once
    registry: str | None = None  # where the nodes pull images from (a mirror); None: the upstream registries
    chart_repository: str = charts.GPU_OPERATOR.repository
    nodes_have_driver: bool = False  # the node image ships the NVIDIA driver and container toolkit


@dataclass(frozen=True)
class ChartRef:
    """The chart a release installs: chart (a name, or a full oci:// reference), version, repository."""

    chart: str
    version: str
    repository: str | None


def ecr_mirror(account_id: str, region: str) -> str:
    """An AWS site's in-region ECR registry, where the GPU Operator's images are mirrored (upstream paths)."""
    return f"{account_id}.dkr.ecr.{region}.{aws_dns_suffix(region)}"


def site_gpu_ceiling(site: AwsSiteSpec | GcpSiteSpec | OnpremSiteSpec) -> int:
    """GPUs of every tier at its ceiling: committed `count`, elastic `max`, times GPUs per node."""
    total = 0
    for tier in site.tiers:
        nodes = tier.count if isinstance(tier, CommittedTier) else tier.max if isinstance(tier, ElasticTier) else 0
        if isinstance(site, OnpremSiteSpec):
            per_node = tier.gpus_per_node
        else:
            per_node = max(hardware.lookup(t, site.kind).gpus_per_node for t in tier.instance_types)
        total += nodes * per_node
    return total


def aws_baseline(site: AwsSiteSpec, account_id: str) -> BaselineSite:
    """EKS on the AL2023 NVIDIA AMI: the image ships the driver and toolkit; images and the chart from the
    in-region ECR (the chart pushed there as an OCI artifact), never from outside the jurisdiction."""
    ecr = ecr_mirror(account_id, site.region)
    return BaselineSite(
        name=site.name,
        kind=SiteKind.AWS,
        kubernetes_version=site.cluster.kubernetes_version,
        gpu_ceiling=site_gpu_ceiling(site),
        registry=ecr,
        chart_repository=f"oci://{ecr}/charts",
        nodes_have_driver=True,
    )


def artifact_registry_mirror(project: str, region: str) -> str:
    """A GCP site's in-region Artifact Registry repository, where the GPU Operator's images are mirrored."""
    return f"{region}-docker.pkg.dev/{project}/gpufabric-mirror"


def gcp_baseline(site: GcpSiteSpec) -> BaselineSite:
    """GKE Standard with GKE-managed drivers (`gpu_driver_version` on each pool): the operator installs no
    driver or toolkit; images and the chart from the in-region Artifact Registry, never from outside."""
    return BaselineSite(
        name=site.name,
        kind=SiteKind.GCP,
        kubernetes_version=site.cluster.kubernetes_version,
        gpu_ceiling=site_gpu_ceiling(site),
        registry=artifact_registry_mirror(site.project, site.region),
        chart_repository=f"oci://{site.region}-docker.pkg.dev/{site.project}/charts",
        nodes_have_driver=True,
    )


def onprem_baseline(site: OnpremSiteSpec) -> BaselineSite:
    """An existing cluster: driver and toolkit installed by the operator unless the site says its nodes
    have them; images and chart from the site's mirrors when set."""
    return BaselineSite(
        name=site.name,
        kind=SiteKind.ONPREM,
        kubernetes_version=site.kubernetes_version,
        gpu_ceiling=site_gpu_ceiling(site),
        registry=site.registry_mirror,
        chart_repository=site.chart_mirror or charts.GPU_OPERATOR.repository,
        nodes_have_driver=site.nodes_have_driver,
    )


def operator_chart(site: BaselineSite) -> ChartRef:
    """The GPU Operator chart from the site's repository (an oci:// mirror names the chart in the URL)."""
    c = charts.GPU_OPERATOR
    if site.chart_repository.startswith("oci://"):
        return ChartRef(f"{site.chart_repository.rstrip('/')}/{c.name}", c.version, None)
    return ChartRef(c.name, c.version, site.chart_repository)


def operator_values(site: BaselineSite) -> dict[str, Any]:
    """The GPU Operator's Helm values for a site: operands by site kind, every image from its registry."""
    ships_driver = site.nodes_have_driver or site.kind in (SiteKind.AWS, SiteKind.GCP)
    values: dict[str, Any] = {
        "driver": {"enabled": not ships_driver},
        "toolkit": {"enabled": not ships_driver},
        "devicePlugin": {"enabled": True},
        "dcgmExporter": {"enabled": True, "serviceMonitor": {"enabled": False}},
        "gfd": {"enabled": True},
        "nfd": {"enabled": True},
        "daemonsets": {
            "tolerations": [{"key": GPU_TAINT_KEY, "operator": "Exists", "effect": GPU_TAINT_EFFECT}],
        },
    }
    if site.kind == SiteKind.GCP:  # GKE installs the driver under /home/kubernetes/bin/nvidia
        values["hostPaths"] = {"driverInstallDir": "/home/kubernetes/bin/nvidia"}
        values["toolkit"]["installDir"] = "/home/kubernetes/bin/nvidia"
    if site.registry:
        for component, path in _NVIDIA_REPOSITORIES.items():
            values.setdefault(component, {})["repository"] = f"{site.registry}/{path}"
        values["operator"]["initContainer"] = {"repository": f"{site.registry}/nvidia"}
        values["driver"]["manager"] = {"repository": f"{site.registry}/nvidia/cloud-native"}
        values["node-feature-discovery"] = {"image": {"repository": f"{site.registry}/nfd/node-feature-discovery"}}
    return values


def _meta(name: str, site: BaselineSite, namespace: str | None = None, **labels: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": {**MANAGED_BY, LABEL_SITE: site.name, **labels}}
    if namespace:
        meta["namespace"] = namespace
    return meta


def namespaces(site: BaselineSite) -> list[dict[str, Any]]:
    """The operator's namespace (privileged: it installs drivers) and the inference namespace (restricted)."""
    psa = "pod-security.kubernetes.io"
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": _meta(OPERATOR_NAMESPACE, site, **{f"{psa}/enforce": "privileged"}),
        },
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": _meta(
                INFERENCE_NAMESPACE,
                site,
                **{f"{psa}/enforce": "restricted", f"{psa}/audit": "restricted", f"{psa}/warn": "restricted"},
            ),
        },
    ]


def namespaced_objects(site: BaselineSite) -> list[dict[str, Any]]:
    """Quota, priorities and network policies of the inference namespace."""
    ns = INFERENCE_NAMESPACE
    dns_peer = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
    }

    def from_namespace(name: str) -> dict[str, Any]:
        return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}

    return [
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": _meta("gpu-quota", site, ns),
            "spec": {"hard": {f"requests.{GPU_RESOURCE}": str(site.gpu_ceiling)}},
        },
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": _meta(SERVING_PRIORITY, site),
            "value": 100000,
            "preemptionPolicy": "PreemptLowerPriority",
            "globalDefault": False,
            "description": "Online inference: preempts batch work when GPUs run out.",
        },
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": _meta(BATCH_PRIORITY, site),
            "value": 1000,
            "preemptionPolicy": "Never",
            "globalDefault": False,
            "description": "Batch inference: runs on spare GPUs, preempted by serving, never preempts.",
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta("default-deny", site, ns),
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta("allow-dns", site, ns),
            "spec": {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [{"to": [dns_peer], "ports": [{"protocol": p, "port": 53} for p in ("UDP", "TCP")]}],
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta("allow-gateway", site, ns),
            "spec": {
                "podSelector": {},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [from_namespace(GATEWAY_NAMESPACE)]}],
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta("allow-metrics", site, ns),
            "spec": {
                "podSelector": {},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [from_namespace(MONITORING_NAMESPACE)], "ports": [{"port": METRICS_PORT}]}],
            },
        },
    ]


def owned_tier_notes(site: OnpremSiteSpec, ranks: dict[str, int]) -> list[dict[str, Any]]:
    """One ConfigMap per owned tier telling (in the plan and in the cluster) which labels and taint the
    operators must put on its nodes: the fabric labels nothing it does not own."""
    notes = []
    for tier in site.tiers:
        # The region label carries the site's country: workloads pin it (residency), as on cloud nodes.
        required = {**tier.node_selector, LABEL_SITE: site.name, LABEL_TIER: tier.name, LABEL_REGION: site.country}
        notes.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": _meta(
                    f"tier-{tier.name}",
                    onprem_baseline(site),
                    INFERENCE_NAMESPACE,
                    **{
                        LABEL_TIER: tier.name,
                        LABEL_TIER_KIND: tier.kind.value,
                        LABEL_OVERFLOW_RANK: str(ranks[tier.name]),
                    },
                ),
                "data": {
                    "nodes": str(tier.count),
                    "gpu": tier.gpu,
                    "gpusPerNode": str(tier.gpus_per_node),
                    "requiredNodeLabels": ",".join(f"{k}={v}" for k, v in sorted(required.items())),
                    "requiredNodeTaint": f"{GPU_TAINT_KEY}={GPU_TAINT_VALUE}:{GPU_TAINT_EFFECT}",
                    "labelledByFabric": ",".join(sorted(tier.node_labels)) or "none",
                },
            }
        )
    return notes


def baseline_objects(site: BaselineSite) -> list[dict[str, Any]]:
    """Every Kubernetes object the baseline writes itself (the chart's own objects are the chart's)."""
    return [*namespaces(site), *namespaced_objects(site)]

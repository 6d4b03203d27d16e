"""The Helm charts the fabric installs, pinned in ONE place: name, repository and version.

The NVIDIA GPU Operator is published as chart `gpu-operator` in NVIDIA's NGC Helm repository. The pinned
version was chosen as a recent stable 25.3 release (v25.3.4, the chart's app version in public downstream
wrappers at the time of writing); it is NOT verified offline against the repository index: check it with
`helm search repo nvidia/gpu-operator --versions` before an upgrade. A site's chart mirror replaces the
repository (sites that cannot reach NVIDIA); the chart name and version stay the same.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chart:
    name: str
    repository: str  # a Helm repository URL (https://) or an OCI registry path (oci://)
    version: str


GPU_OPERATOR = Chart(name="gpu-operator", repository="https://helm.ngc.nvidia.com/nvidia", version="v25.3.4")

# Karpenter (aws/karpenter-provider-aws), published as an OCI chart. 1.8.1: the chart README of that release
# (`helm upgrade --install karpenter oci://public.ecr.aws/karpenter/karpenter --version 1.8.1`), checked
# 2026-11-29 with the search tool, not against the registry (unreachable here). v1 APIs; reserved capacity
# (ODCRs, `capacityReservationSelectorTerms`) since 1.3, on by default and Capacity Blocks since 1.6.
KARPENTER = Chart(name="karpenter", repository="oci://public.ecr.aws/karpenter", version="1.8.1")
KARPENTER_IMAGE_PATH = "karpenter/controller"  # public.ecr.aws/karpenter/controller, same path in a mirror
# The EKS AL2023 AMI release the EC2NodeClass pins (`al2023@latest` would roll every node on each AMI
# release); Karpenter picks the release's NVIDIA variant for GPU instance types. Seen in public v1
# EC2NodeClass examples (2026-11-29); bump it deliberately, like a chart.
KARPENTER_AMI_ALIAS = "al2023@v20250410"

# The Cluster Autoscaler chart (kubernetes/autoscaler). 9.52.1 was released 2025-10-20 (release assets of
# cluster-autoscaler-chart-9.52.1, checked 2026-11-29 with the search tool). Its image must match the
# cluster's Kubernetes minor version: 1.32-1.34 tags from kops' table for the same releases; 1.35's is the
# minor's first release, assumed, not seen: check it before using EKS 1.35 with the Cluster Autoscaler.
CLUSTER_AUTOSCALER = Chart(
    name="cluster-autoscaler", repository="https://kubernetes.github.io/autoscaler", version="9.52.1"
)
CLUSTER_AUTOSCALER_IMAGE_PATH = "autoscaling/cluster-autoscaler"  # registry.k8s.io/autoscaling/cluster-autoscaler
CLUSTER_AUTOSCALER_IMAGE_TAGS = {"1.32": "v1.32.3", "1.33": "v1.33.1", "1.34": "v1.34.0", "1.35": "v1.35.0"}

# Upstream registries of the GPU Operator's images (the chart's default `repository` values). A registry
# mirror serves the same paths below its own host: nvcr.io/nvidia/k8s -> <mirror>/nvidia/k8s.
NVIDIA_REGISTRY = "nvcr.io"
NFD_REGISTRY = "registry.k8s.io"

# Public registries (image and chart hosts anyone can push to or that live outside any jurisdiction's
# control): a site's registry or chart mirror must be its own, never one of these.
PUBLIC_REGISTRIES = frozenset(
    {
        NVIDIA_REGISTRY,
        NFD_REGISTRY,
        "helm.ngc.nvidia.com",
        "docker.io",
        "registry-1.docker.io",
        "index.docker.io",
        "quay.io",
        "ghcr.io",
        "gcr.io",
        "public.ecr.aws",
        "mcr.microsoft.com",
    }
)


def registry_host(reference: str) -> str:
    """The host of a registry, image or chart reference (`oci://reg.local/charts` -> `reg.local`)."""
    rest = reference.split("://", 1)[-1]
    return rest.split("/", 1)[0].lower()


# KEDA (autoscales the model servers on their own queue). Chart `keda` from the project's Helm repository;
# 2.17.2 is a published release seen in public deployments at the time of writing, NOT verified offline
# against the repository index: check `helm search repo kedacore/keda --versions` before an upgrade.
KEDA = Chart(name="keda", repository="https://kedacore.github.io/charts", version="2.17.2")
# Its images (the chart's `image.<component>.repository` defaults, paths below ghcr.io); a mirror serves them.
KEDA_IMAGES = {
    "keda": "kedacore/keda",
    "metricsApiServer": "kedacore/keda-metrics-apiserver",
    "webhooks": "kedacore/keda-admission-webhooks",
}

"""The model server on one site, decided as plain data: how many replicas, on which nodes, how it loads its
weights, how it scales, and the Kubernetes objects that say so (camelCase manifests, like the baseline's).

Capacity comes from the site's tiers and the sizing profile's per-GPU rows (passed in as `ReplicaShape`s:
decide does not read the sizing module). The Deployment runs `committed` replicas, the KEDA ScaledObject
adds up to the elastic tiers' replicas when requests queue, and the pending pods are what make the node
autoscalers buy elastic nodes. Every object is in the baseline's `inference` namespace (Pod Security
`restricted`); the server runs as a non-root user on a read-only root filesystem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gpufabric.core import hardware
from gpufabric.core.charts import KEDA, KEDA_IMAGES
from gpufabric.core.errors import DecisionError
from gpufabric.core.vocabulary import GPU_TAINT_KEY, LABEL_REGION, LABEL_SITE, LABEL_TIER, MODEL_SERVER, SiteKind
from gpufabric.decide.baseline import (
    GPU_RESOURCE,
    INFERENCE_NAMESPACE,
    MANAGED_BY,
    METRICS_PORT,
    MONITORING_NAMESPACE,
    SERVING_PRIORITY,
    ChartRef,
    artifact_registry_mirror,
    ecr_mirror,
)
from gpufabric.spec.models import FabricSpec
from gpufabric.spec.serving import ServingSpec, WeightsSpec
from gpufabric.spec.sites import AwsSiteSpec, GcpSiteSpec, OnpremSiteSpec
from gpufabric.spec.tiers import CommittedTier, ElasticTier

SERVER = MODEL_SERVER  # the Deployment and ClusterIP Service (the gateway's local backend)
INTERNAL_SERVICE = "vllm-internal"  # the internal load balancer other sites' gateways reach
APP = {"app.kubernetes.io/name": SERVER}
# The in-cluster Prometheus that scrapes the servers (kube-prometheus-stack's `prometheus-operated` Service in
# the baseline's monitoring namespace): an assumption, see docs/overflow.md "inference service".
PROMETHEUS = f"http://prometheus-operated.{MONITORING_NAMESPACE}.svc:9090"
QUEUE_METRIC = "vllm:num_requests_waiting"
USER_ID = 1000  # the server runs as this non-root user (the image's default user is root)
MODELS_MOUNT = "/models"  # where an on-prem site's weights claim is mounted, read-only
CACHE_MOUNT = "/cache"  # HOME and every cache (Hugging Face, vLLM, Triton, torch.compile): an emptyDir
# Host resources per GPU of a replica: small enough for the smallest GPU nodes of the tables (g6.xlarge:
# 4 vCPU, 16 GiB), large enough for vLLM's CPU-side buffers while it streams weights.
CPU_PER_GPU = "2"
MEMORY_PER_GPU_GIB = 12
STARTUP_BUDGET_SECONDS = 1800  # a 16 GB model streamed from a bucket and compiled: never killed while loading
# Internal load balancers by site kind (AWS: an internal NLB; GCP: an internal passthrough LB). An on-prem
# site's load balancer (MetalLB or the like) takes the spec's private address instead.
INTERNAL_LB_ANNOTATIONS: dict[SiteKind, dict[str, str]] = {
    SiteKind.AWS: {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    },
    SiteKind.GCP: {"networking.gke.io/load-balancer-type": "Internal"},
    SiteKind.ONPREM: {},
}
# Where pods get cloud credentials for the weights bucket: the EKS Pod Identity agent, the GKE metadata server.
IDENTITY_ENDPOINTS: dict[SiteKind, list[tuple[str, int]]] = {
    SiteKind.AWS: [("169.254.170.23/32", 80)],
    SiteKind.GCP: [("169.254.169.254/32", 80), ("169.254.169.252/32", 988)],
    SiteKind.ONPREM: [],
}


@dataclass(frozen=True)
class ReplicaShape:
    """One replica of the model on one GPU kind: the sizing profile's row, as plain numbers."""

    gpus_per_replica: int
    concurrency_at_slo: int


@dataclass(frozen=True)
class SiteCapacity:
    """What a site's tiers hold in replicas of the model."""

    gpus_per_replica: int
    committed_replicas: int  # on owned, reserved and capacity-block nodes: always running
    elastic_replicas: int  # on spot and on-demand nodes at their ceilings: added when requests queue
    concurrency_at_slo: int  # requests one replica serves at once within the SLO (the smallest of the site's)

    @property
    def min_replicas(self) -> int:
        """At least one: a site with no committed capacity still needs one replica to produce its queue signal."""
        return max(self.committed_replicas, 1)

    @property
    def max_replicas(self) -> int:
        return max(self.committed_replicas + self.elastic_replicas, self.min_replicas)


Site = AwsSiteSpec | GcpSiteSpec | OnpremSiteSpec


def _tier_gpus(site: Site, tier: Any) -> tuple[str, int, int]:
    """(GPU kind, fewest and most GPUs per node) of a tier's machine types."""
    if isinstance(site, OnpremSiteSpec):
        return tier.gpu, tier.gpus_per_node, tier.gpus_per_node
    machines = [hardware.lookup(t, site.kind) for t in tier.instance_types]
    kinds = {m.gpu for m in machines}
    counts = [m.gpus_per_node for m in machines]
    return min(kinds), min(counts), max(counts)


def site_capacity(site: Site, shapes: Mapping[str, ReplicaShape]) -> SiteCapacity:
    """Replicas the site's tiers hold: committed nodes x replicas per node (fewest GPUs of the tier's types),
    elastic ceilings x replicas per node (most GPUs). One Deployment asks one GPU count, so a replica takes
    the most any of the site's GPU kinds needs."""
    rows = {}
    for tier in site.tiers:
        gpu, fewest, most = _tier_gpus(site, tier)
        if gpu not in shapes:
            raise DecisionError(
                f"site {site.name!r} tier {tier.name!r}: the sizing profile has no row for GPU {gpu!r} "
                f"(it has {', '.join(sorted(shapes))}); add one or change the tier"
            )
        rows[tier.name] = (tier, shapes[gpu], fewest, most)
    per_replica = max(shape.gpus_per_replica for _, shape, _, _ in rows.values())
    committed = sum(
        t.count * (fewest // per_replica) for t, _, fewest, _ in rows.values() if isinstance(t, CommittedTier)
    )
    elastic = sum(t.max * (most // per_replica) for t, _, _, most in rows.values() if isinstance(t, ElasticTier))
    first = [shape for t, shape, _, _ in rows.values() if isinstance(t, CommittedTier)] or [
        shape for _, shape, _, _ in rows.values()
    ]
    return SiteCapacity(per_replica, committed, elastic, min(s.concurrency_at_slo for s in first))


@dataclass(frozen=True)
class ServerSite:
    """What the server's objects need to know about one site."""

    name: str
    kind: SiteKind
    location: str  # the nodes' topology.kubernetes.io/region: a cloud region, or an on-prem site's country
    registry: str  # host (and path) of the site's own registry: every image comes from here
    tiers: tuple[str, ...]  # the site's tiers in overflow order (first preferred)
    weights: WeightsSpec
    fabric_cidrs: tuple[str, ...]  # every site's address blocks: remote gateways, the site's own LB checks
    internal_address: str | None = None  # on-prem: the internal load balancer's address
    identity: str | None = None  # GCP: the Google service account the server acts as (Workload Identity)


def server_site(
    spec: FabricSpec, site: Site, ranks: Mapping[str, int], registry: str, identity: str | None = None
) -> ServerSite:
    """A site of a fabric that serves (`spec.serving` set, its weights declared: the spec rules say so)."""
    assert spec.serving is not None
    entry = spec.serving.sites[site.name]
    blocks = [
        str(net) for s in spec.sites for _, net in (s.cidrs() if isinstance(s, OnpremSiteSpec) else [((), s.cidr())])
    ]
    return ServerSite(
        name=site.name,
        kind=SiteKind(site.kind),
        location=site.region,
        registry=registry,
        tiers=tuple(sorted((t.name for t in site.tiers), key=lambda name: ranks[name])),
        weights=entry.weights,
        fabric_cidrs=tuple(blocks),
        internal_address=str(entry.internal_address) if entry.internal_address else None,
        identity=identity,
    )


def site_registry(site: Site, account_id: str | None = None) -> str:
    """The one registry a site pulls images from: its in-region ECR, its in-region Artifact Registry
    repository, or the on-prem mirror (the spec requires one when the site serves)."""
    if isinstance(site, AwsSiteSpec):
        if account_id is None:
            raise DecisionError(f"site {site.name!r}: the AWS account is needed to name its ECR registry")
        return ecr_mirror(account_id, site.region)
    if isinstance(site, GcpSiteSpec):
        return artifact_registry_mirror(site.project, site.region)
    if site.registry_mirror is None:
        raise DecisionError(f"site {site.name!r}: an on-prem site that serves needs `registry_mirror`")
    return site.registry_mirror


def gcp_service_account_id(site_name: str) -> str:
    """The Google service account id of a GCP site's server (6-30 characters, by site name)."""
    return f"vllm-{site_name}"[:30].rstrip("-")


def gcp_service_account_email(site_name: str, project: str) -> str:
    return f"{gcp_service_account_id(site_name)}@{project}.iam.gserviceaccount.com"


def gcs_prefix_condition(weights: WeightsSpec) -> str:
    """The IAM condition that narrows a bucket grant to the weights' prefix (objects below it)."""
    return f'resource.name.startsWith("projects/_/buckets/{weights.bucket}/objects/{weights.prefix}")'


def workload_identity_member(project: str) -> str:
    """The Kubernetes service account of the server, as Workload Identity names it."""
    return f"serviceAccount:{project}.svc.id.goog[{INFERENCE_NAMESPACE}/{SERVER}]"


def keda_chart(chart_repository: str | None) -> ChartRef:
    """KEDA's chart from the site's chart mirror (an oci:// mirror names the chart in the URL), else upstream."""
    if chart_repository and chart_repository.startswith("oci://"):
        return ChartRef(f"{chart_repository.rstrip('/')}/{KEDA.name}", KEDA.version, None)
    return ChartRef(KEDA.name, KEDA.version, chart_repository or KEDA.repository)


def image(site: ServerSite, serving: ServingSpec) -> str:
    """The server image in the site's own registry, pinned by tag or digest."""
    return f"{site.registry}/{serving.image.repository}{serving.image.pin()}"


def model_path(weights: WeightsSpec) -> str:
    """What the server loads: the bucket location itself (vLLM streams it), or the path in the mounted claim."""
    if weights.scheme == "pvc":
        return f"{MODELS_MOUNT}/{weights.prefix}".rstrip("/")
    return weights.uri.rstrip("/")


def tier_preferences(tiers: tuple[str, ...]) -> list[dict[str, Any]]:
    """Preferred node affinity by tier in overflow order: weights 100 down to 1, strictly decreasing."""
    n = len(tiers)
    return [
        {
            "weight": max(1, 100 * (n - i) // n),
            "preference": {"matchExpressions": [{"key": LABEL_TIER, "operator": "In", "values": [tier]}]},
        }
        for i, tier in enumerate(tiers)
    ]


def _meta(name: str, site: ServerSite, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": INFERENCE_NAMESPACE,
        "labels": {**MANAGED_BY, **APP, LABEL_SITE: site.name},
        **extra,
    }


def _env(site: ServerSite) -> list[dict[str, str]]:
    env = {
        "HF_HUB_OFFLINE": "1",  # never a public hub: weights come only from the site's store
        "TRANSFORMERS_OFFLINE": "1",
        "VLLM_NO_USAGE_STATS": "1",  # no usage reports leave the jurisdiction
        "DO_NOT_TRACK": "1",
        "HOME": CACHE_MOUNT,
        "XDG_CACHE_HOME": CACHE_MOUNT,
        "HF_HOME": f"{CACHE_MOUNT}/huggingface",
        "VLLM_CACHE_ROOT": f"{CACHE_MOUNT}/vllm",
    }
    if site.kind == SiteKind.AWS:
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = site.weights.location or site.location
    return [{"name": k, "value": v} for k, v in env.items()]


def _probe(period: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": "/health", "port": METRICS_PORT},
        "periodSeconds": period,
        "timeoutSeconds": 5,
        "failureThreshold": failures,
    }


def _container(site: ServerSite, serving: ServingSpec, cap: SiteCapacity) -> dict[str, Any]:
    args = [
        model_path(site.weights),
        "--served-model-name",
        serving.model,
        "--host",
        "0.0.0.0",
        "--port",
        str(serving.port),
        "--tensor-parallel-size",
        str(cap.gpus_per_replica),
        "--max-num-seqs",  # the SLO's concurrency: beyond it requests wait, and waiting is the scaling signal
        str(cap.concurrency_at_slo),
    ]
    if site.weights.scheme != "pvc":
        args += ["--load-format", "runai_streamer"]  # streams safetensors from the bucket, no local copy
    gpus = str(cap.gpus_per_replica)
    memory = f"{MEMORY_PER_GPU_GIB * cap.gpus_per_replica}Gi"
    mounts = [{"name": "cache", "mountPath": CACHE_MOUNT}, {"name": "tmp", "mountPath": "/tmp"}]
    mounts.append({"name": "dshm", "mountPath": "/dev/shm"})
    if site.weights.scheme == "pvc":
        mounts.append({"name": "weights", "mountPath": MODELS_MOUNT, "readOnly": True})
    return {
        "name": SERVER,
        "image": image(site, serving),
        "imagePullPolicy": "IfNotPresent",
        "command": ["vllm", "serve"],
        "args": args,
        # One port: vLLM serves the API and /metrics together; named as the baseline's metrics policy expects.
        "ports": [{"name": METRICS_PORT, "containerPort": serving.port, "protocol": "TCP"}],
        "env": _env(site),
        "resources": {
            "requests": {GPU_RESOURCE: gpus, "cpu": str(int(CPU_PER_GPU) * cap.gpus_per_replica), "memory": memory},
            "limits": {GPU_RESOURCE: gpus, "memory": memory},
        },
        "startupProbe": _probe(10, STARTUP_BUDGET_SECONDS // 10),
        "readinessProbe": _probe(5, 3),
        "livenessProbe": _probe(15, 4),
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": USER_ID,
            "runAsGroup": USER_ID,
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": mounts,
    }


def _volumes(site: ServerSite, cap: SiteCapacity) -> list[dict[str, Any]]:
    volumes: list[dict[str, Any]] = [
        {"name": "cache", "emptyDir": {"sizeLimit": "20Gi"}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "2Gi"}},
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": f"{2 * cap.gpus_per_replica}Gi"}},
    ]
    if site.weights.scheme == "pvc":
        volumes.append(
            {"name": "weights", "persistentVolumeClaim": {"claimName": site.weights.bucket, "readOnly": True}}
        )
    return volumes


def deployment(site: ServerSite, serving: ServingSpec, cap: SiteCapacity) -> dict[str, Any]:
    """The server: committed replicas, pinned to the site's location, preferring its tiers in overflow order,
    spread over zones and nodes, tolerating the GPU taint, restricted security context."""
    spread = [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",  # capacity sits where the reservations are: never block on it
            "labelSelector": {"matchLabels": dict(APP)},
        }
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]
    required = [
        {"key": LABEL_REGION, "operator": "In", "values": [site.location]},
        {"key": LABEL_SITE, "operator": "In", "values": [site.name]},
    ]
    pod_spec: dict[str, Any] = {
        "serviceAccountName": SERVER,
        "automountServiceAccountToken": False,  # Pod Identity and Workload Identity need no API token
        "priorityClassName": SERVING_PRIORITY,
        "terminationGracePeriodSeconds": 60,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": USER_ID,
            "runAsGroup": USER_ID,
            "fsGroup": USER_ID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "tolerations": [{"key": GPU_TAINT_KEY, "operator": "Exists"}],
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": required}]
                },
                "preferredDuringSchedulingIgnoredDuringExecution": tier_preferences(site.tiers),
            }
        },
        "topologySpreadConstraints": spread,
        "containers": [_container(site, serving, cap)],
        "volumes": _volumes(site, cap),
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(SERVER, site),
        "spec": {
            "replicas": cap.min_replicas,
            "selector": {"matchLabels": dict(APP)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
            "template": {"metadata": {"labels": {**APP, LABEL_SITE: site.name}}, "spec": pod_spec},
        },
    }


def service_account(site: ServerSite) -> dict[str, Any]:
    annotations = {"iam.gke.io/gcp-service-account": site.identity} if site.identity else {}
    meta = _meta(SERVER, site, **({"annotations": annotations} if annotations else {}))
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta, "automountServiceAccountToken": False}


def services(site: ServerSite, serving: ServingSpec) -> list[dict[str, Any]]:
    """`vllm` (ClusterIP: the local gateway's backend) and `vllm-internal` (an internal load balancer that
    only the fabric's own address blocks may reach)."""
    port = [{"name": "http", "port": serving.port, "targetPort": METRICS_PORT, "protocol": "TCP"}]
    local = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(SERVER, site),
        "spec": {"type": "ClusterIP", "selector": dict(APP), "ports": port},
    }
    annotations = dict(INTERNAL_LB_ANNOTATIONS[site.kind])
    internal_spec: dict[str, Any] = {
        "type": "LoadBalancer",
        "selector": dict(APP),
        "ports": port,
        "loadBalancerSourceRanges": list(site.fabric_cidrs),
    }
    if site.internal_address:
        internal_spec["loadBalancerIP"] = site.internal_address
        annotations["metallb.universe.tf/loadBalancerIPs"] = site.internal_address
    internal = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(INTERNAL_SERVICE, site, annotations=annotations),
        "spec": internal_spec,
    }
    return [local, internal]


def disruption_budget(site: ServerSite) -> dict[str, Any]:
    """One replica down at a time (node drains, upgrades): the gateway spills what it carried."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(SERVER, site),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(APP)}},
    }


def network_policies(site: ServerSite, serving: ServingSpec) -> list[dict[str, Any]]:
    """Beside the baseline's default deny: other sites' gateways (over the private links) and the load
    balancer's checks reach the port; cloud servers reach their identity endpoint and the weights bucket."""
    policies = [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta("allow-fabric-sites", site),
            "spec": {
                "podSelector": {"matchLabels": dict(APP)},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [{"ipBlock": {"cidr": c}} for c in site.fabric_cidrs],
                        "ports": [{"protocol": "TCP", "port": serving.port}],
                    }
                ],
            },
        }
    ]
    if site.weights.scheme != "pvc":
        egress = [
            {"to": [{"ipBlock": {"cidr": cidr}}], "ports": [{"protocol": "TCP", "port": port}]}
            for cidr, port in IDENTITY_ENDPOINTS[site.kind]
        ]
        # The bucket over HTTPS: a site without internet egress reaches only its in-region endpoints.
        egress.append({"ports": [{"protocol": "TCP", "port": 443}]})
        policies.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": _meta("allow-weights", site),
                "spec": {"podSelector": {"matchLabels": dict(APP)}, "policyTypes": ["Egress"], "egress": egress},
            }
        )
    return policies


def waiting_threshold(cap: SiteCapacity) -> int:
    """Requests waiting per replica that ask for another one: a sixteenth of the running batch (at least 1).
    Anything waiting means the batch is full (`--max-num-seqs`); a few absorb bursts without flapping."""
    return max(1, cap.concurrency_at_slo // 16)


def scaled_object(site: ServerSite, serving: ServingSpec, cap: SiteCapacity) -> dict[str, Any]:
    """KEDA scales the Deployment on the servers' own queue, between committed and committed + elastic
    replicas; replicas that find no GPU stay pending, and pending pods make the node autoscalers act."""
    query = f'sum({QUEUE_METRIC}{{model_name="{serving.model}",namespace="{INFERENCE_NAMESPACE}"}})'
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": _meta(SERVER, site),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": SERVER},
            "minReplicaCount": cap.min_replicas,
            "maxReplicaCount": cap.max_replicas,
            "pollingInterval": 15,
            "cooldownPeriod": 300,
            "advanced": {
                "horizontalPodAutoscalerConfig": {
                    "behavior": {
                        "scaleDown": {
                            "stabilizationWindowSeconds": 600,
                            "policies": [{"type": "Pods", "value": 1, "periodSeconds": 120}],
                        }
                    }
                }
            },
            "triggers": [
                {
                    "type": "prometheus",
                    "metadata": {
                        "serverAddress": PROMETHEUS,
                        "query": query,
                        "threshold": str(waiting_threshold(cap)),
                    },
                }
            ],
        },
    }


def server_objects(site: ServerSite, serving: ServingSpec, cap: SiteCapacity) -> list[dict[str, Any]]:
    """Every object of one site's server, in the order they are declared."""
    return [
        service_account(site),
        deployment(site, serving, cap),
        *services(site, serving),
        disruption_budget(site),
        *network_policies(site, serving),
        scaled_object(site, serving, cap),
    ]


def keda_values(registry: str) -> dict[str, Any]:
    """KEDA's Helm values: its images from the site's registry (the upstream paths below it)."""
    return {"image": {name: {"repository": f"{registry}/{path}"} for name, path in KEDA_IMAGES.items()}}

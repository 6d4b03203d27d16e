"""InferenceService: one site's model server, declared through the site's Kubernetes provider.

Bill of materials: KEDA (namespace and pinned Helm release, images from the site's registry), the objects
`gpufabric.decide.serving` rendered (ServiceAccount, Deployment, Services `vllm` and `vllm-internal`, PDB,
NetworkPolicies, the ScaledObject), and the identity that reads the site's weights: an EKS Pod Identity
role scoped to the bucket prefix, or a Google service account bound through Workload Identity with a grant
narrowed to the prefix. On-prem sites read a claim and need no identity. What goes in them was decided there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kube.baseline import declare_manifest
from gpufabric.decide import iam
from gpufabric.decide.baseline import INFERENCE_NAMESPACE
from gpufabric.decide.serving import (
    INTERNAL_SERVICE,
    SERVER,
    ServerSite,
    SiteCapacity,
    gcp_service_account_id,
    gcs_prefix_condition,
    keda_chart,
    keda_values,
    server_objects,
    workload_identity_member,
)
from gpufabric.spec.serving import ServingSpec

KEDA_NAMESPACE = "keda"
# The address offline plans show for a cloud site's internal load balancer, whose address the cloud assigns
# at deploy time (documented in docs/overflow.md; `.invalid` never resolves).
PLACEHOLDER_HOST = "{site}.vllm-internal.invalid"


@dataclass(frozen=True)
class WeightsAccess:
    """What the site gives the identity that reads its weights: the AWS account and provider, or the GCP
    project and provider (None for on-prem)."""

    provider: pulumi.ProviderResource | None = None
    account: iam.Account | None = None  # AWS
    cluster_name: pulumi.Input[str] | None = None  # AWS: the EKS cluster for the Pod Identity association
    project: str | None = None  # GCP


def _host(status: Any, site: str) -> str:
    ingress = ((status or {}).get("load_balancer") or {}).get("ingress") or []
    first = ingress[0] if ingress else {}
    return first.get("hostname") or first.get("ip") or PLACEHOLDER_HOST.format(site=site)


class InferenceService(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        site: ServerSite,
        serving: ServingSpec,
        capacity: SiteCapacity,
        provider: k8s.Provider,
        chart_repository: str | None,
        access: WeightsAccess,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("gpufabric:inference:Service", name, None, opts)
        inside = pulumi.ResourceOptions(parent=self, provider=provider)
        self.identity = self._identity(name, site, access)
        keda_ns = k8s.core.v1.Namespace(
            f"{name}-{KEDA_NAMESPACE}",
            metadata={"name": KEDA_NAMESPACE, "labels": {"pod-security.kubernetes.io/enforce": "restricted"}},
            opts=inside,
        )
        chart = keda_chart(chart_repository)
        self.keda = k8s.helm.v3.Release(
            f"{name}-keda",
            name="keda",
            chart=chart.chart,
            version=chart.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=chart.repository) if chart.repository else None,
            namespace=KEDA_NAMESPACE,
            create_namespace=False,
            values=keda_values(site.registry),
            atomic=True,
            cleanup_on_fail=True,
            opts=pulumi.ResourceOptions.merge(inside, pulumi.ResourceOptions(depends_on=[keda_ns])),
        )
        self.objects: dict[tuple[str, str], pulumi.CustomResource] = {}
        for manifest in server_objects(site, serving, capacity):
            key = (manifest["kind"], manifest["metadata"]["name"])
            if manifest["kind"] == "ScaledObject":
                self.objects[key] = k8s.apiextensions.CustomResource(
                    f"{name}-{INFERENCE_NAMESPACE}-{SERVER}-scaler",
                    api_version=manifest["apiVersion"],
                    kind=manifest["kind"],
                    metadata=manifest["metadata"],
                    spec=manifest["spec"],
                    opts=pulumi.ResourceOptions.merge(inside, pulumi.ResourceOptions(depends_on=[self.keda])),
                )
            else:
                extra = {"ignore_changes": ["spec.replicas"]} if manifest["kind"] == "Deployment" else {}
                self.objects[key] = declare_manifest(
                    name, manifest, pulumi.ResourceOptions.merge(inside, pulumi.ResourceOptions(**extra))
                )
        internal = self.objects[("Service", INTERNAL_SERVICE)]
        port = serving.port
        if site.internal_address:
            self.endpoint: pulumi.Output[str] = pulumi.Output.from_input(f"{site.internal_address}:{port}")
        else:
            self.endpoint = internal.status.apply(lambda s: f"{_host(s, site.name)}:{port}")  # type: ignore[attr-defined]
        self.register_outputs({"endpoint": self.endpoint})

    def _identity(self, name: str, site: ServerSite, access: WeightsAccess) -> list[pulumi.CustomResource]:
        """The cloud identity that reads the weights (nothing on-prem: the claim is mounted)."""
        w = site.weights
        if w.scheme == "s3" and access.account is not None:
            from components.aws.pod_identity import pod_identity  # pulumi_aws only for AWS sites

            opts = pulumi.ResourceOptions(parent=self, provider=access.provider)
            identity = pod_identity(
                f"{name}-vllm-weights",
                account=access.account,
                cluster_name=access.cluster_name,
                namespace=INFERENCE_NAMESPACE,
                service_account=SERVER,
                policy=iam.bucket_prefix_read_policy(access.account, w.bucket, w.prefix),
                opts=opts,
            )
            return [identity.role, identity.policy, identity.association]
        if w.scheme == "gs" and access.project is not None:
            import pulumi_gcp as gcp

            opts = pulumi.ResourceOptions(parent=self, provider=access.provider)
            account = gcp.serviceaccount.Account(
                f"{name}-vllm",
                account_id=gcp_service_account_id(site.name),
                display_name=f"vLLM on {site.name}: reads the model weights",
                project=access.project,
                opts=opts,
            )
            grant = gcp.storage.BucketIAMMember(
                f"{name}-vllm-weights",
                bucket=w.bucket,
                role="roles/storage.objectViewer",
                member=account.email.apply(lambda e: f"serviceAccount:{e}"),
                condition={"title": "model-weights-prefix", "expression": gcs_prefix_condition(w)},
                opts=opts,
            )
            binding = gcp.serviceaccount.IAMMember(
                f"{name}-vllm-workload-identity",
                service_account_id=account.name,
                role="roles/iam.workloadIdentityUser",
                member=workload_identity_member(access.project),
                opts=opts,
            )
            return [account, grant, binding]
        return []

"""ClusterAutoscaler: the site's managed node groups scaled in tier order by the priority expander.

Bill of materials: the autoscaler's role, given to its service account through EKS Pod Identity, with the
policy `gpufabric.decide.cluster_autoscaler` wrote (scaling only ASGs tagged as this cluster's); the
priority-expander ConfigMap compiled from the tier policy; the Helm release (pinned chart, from the site's
in-region mirror), installed after the ConfigMap so it starts with the order in place.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws.pod_identity import pod_identity
from components.kube.baseline import declare_manifest
from gpufabric.core import charts
from gpufabric.decide import cluster_autoscaler as decide
from gpufabric.decide import iam
from gpufabric.decide.tier_policy import SiteTierPolicy


class ClusterAutoscaler(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        policy: SiteTierPolicy,
        account: iam.Account,
        cluster: aws.eks.Cluster,
        cluster_name: str,
        kubernetes_version: str,
        node_groups: dict[str, list[str]],
        registry: str,
        provider: k8s.Provider,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__("gpufabric:aws:ClusterAutoscaler", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        identity = pod_identity(
            f"{name}-cluster-autoscaler",
            account=account,
            cluster_name=cluster.name,
            namespace=decide.NAMESPACE,
            service_account=decide.SERVICE_ACCOUNT,
            policy=decide.controller_policy(account, cluster_name),
            opts=child,
        )
        inside = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=depends_on)
        self.priorities = declare_manifest(name, decide.priority_expander(policy, node_groups), inside)
        chart = charts.CLUSTER_AUTOSCALER
        self.release = k8s.helm.v3.Release(
            f"{name}-cluster-autoscaler",
            name="cluster-autoscaler",
            chart=f"oci://{registry}/charts/{chart.name}",
            version=chart.version,
            namespace=decide.NAMESPACE,
            create_namespace=False,
            values=decide.helm_values(
                cluster_name=cluster_name,
                region=account.region,
                registry=registry,
                kubernetes_version=kubernetes_version,
            ),
            atomic=True,
            cleanup_on_fail=True,
            opts=pulumi.ResourceOptions.merge(
                inside, pulumi.ResourceOptions(depends_on=[self.priorities, identity.association, identity.policy])
            ),
        )
        self.register_outputs({"chart_version": chart.version})

"""Karpenter: the site's GPU tiers as NodePools (one per tier) over one EC2NodeClass, and what it runs on.

Bill of materials: a node role for the nodes Karpenter launches (same managed policies as the managed
node groups', no CNI policy) with its EKS access entry (EC2_LINUX); the controller's role, given to its
service account through EKS Pod Identity, with the scoped policy `gpufabric.decide.karpenter` wrote; the
interruption queue (SQS-managed encryption: EventBridge cannot publish to a queue under a customer key
without a key-policy grant to the events service) with its policy and four EventBridge rules; the Helm
release (pinned chart, from the site's in-region mirror); the EC2NodeClass and the NodePools, declared
through the site's Kubernetes provider after the release has installed the CRDs.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws.pod_identity import pod_identity
from gpufabric.core import charts
from gpufabric.decide import iam
from gpufabric.decide import karpenter as decide
from gpufabric.decide.tier_policy import SiteTierPolicy


class Karpenter(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        policy: SiteTierPolicy,
        account: iam.Account,
        stack: str,
        cluster: aws.eks.Cluster,
        cluster_name: str,
        zones: dict[str, list[str]],
        reservation_ids: dict[str, list[pulumi.Input[str]]],
        data_key_arn: pulumi.Input[str],
        disk_size_gib: int,
        tags: dict[str, str],
        registry: str,
        isolated: bool,
        provider: k8s.Provider,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__("gpufabric:aws:Karpenter", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        node_role = aws.iam.Role(
            f"{name}-karpenter-nodes", assume_role_policy=iam.assume_role_policy(account, "ec2"), opts=child
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-karpenter-nodes-{p}", role=node_role.name, policy_arn=account.managed_policy(p), opts=child
            )
            for p in iam.NODE_POLICIES
        ]
        access = aws.eks.AccessEntry(
            f"{name}-karpenter-nodes",
            cluster_name=cluster.name,
            principal_arn=node_role.arn,
            type="EC2_LINUX",
            opts=child,
        )

        queue = aws.sqs.Queue(
            f"{name}-karpenter",
            message_retention_seconds=decide.QUEUE_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            opts=child,
        )
        aws.sqs.QueuePolicy(
            f"{name}-karpenter",
            queue_url=queue.url,
            policy=queue.arn.apply(lambda arn: decide.queue_policy(account, arn)),
            opts=child,
        )
        for event in decide.INTERRUPTION_EVENTS:
            rule = aws.cloudwatch.EventRule(
                f"{name}-karpenter-{event}", event_pattern=decide.event_pattern(event), opts=child
            )
            aws.cloudwatch.EventTarget(f"{name}-karpenter-{event}", rule=rule.name, arn=queue.arn, opts=child)

        identity = pod_identity(
            f"{name}-karpenter",
            account=account,
            cluster_name=cluster.name,
            namespace=decide.NAMESPACE,
            service_account=decide.SERVICE_ACCOUNT,
            policy=pulumi.Output.all(queue.arn, node_role.arn, data_key_arn).apply(
                lambda a: decide.controller_policy(
                    account,
                    cluster_name=cluster_name,
                    queue_arn=a[0],
                    node_role_arn=a[1],
                    data_key_arn=a[2],
                    isolated=isolated,
                )
            ),
            opts=child,
        )

        inside = pulumi.ResourceOptions(parent=self, provider=provider)
        chart = charts.KARPENTER
        self.release = k8s.helm.v3.Release(
            f"{name}-karpenter",
            name="karpenter",
            chart=f"oci://{registry}/charts/{chart.name}",
            version=chart.version,
            namespace=decide.NAMESPACE,
            create_namespace=False,
            values=decide.helm_values(
                cluster_name=cluster_name, queue_name=queue.name, registry=registry, isolated=isolated
            ),
            atomic=True,
            cleanup_on_fail=True,
            opts=pulumi.ResourceOptions.merge(
                inside, pulumi.ResourceOptions(depends_on=[*depends_on, identity.association, identity.policy])
            ),
        )
        after_release = pulumi.ResourceOptions.merge(
            inside, pulumi.ResourceOptions(depends_on=[self.release, access, *attachments])
        )
        all_reservations = [r for rule in policy.tiers for r in reservation_ids.get(rule.tier, [])]
        self.node_class = _custom(
            f"{name}-ec2nodeclass-{decide.NODE_CLASS}",
            decide.node_class(
                policy,
                stack=stack,
                cluster_name=cluster_name,
                node_role=node_role.name,
                data_key_arn=data_key_arn,
                disk_size_gib=disk_size_gib,
                reservation_ids=all_reservations,
                tags=tags,
            ),
            after_release,
        )
        pools = pulumi.ResourceOptions.merge(after_release, pulumi.ResourceOptions(depends_on=[self.node_class]))
        self.node_pools = {
            rule.tier: _custom(
                f"{name}-nodepool-{rule.tier}",
                decide.node_pool(
                    policy, rule, zones=zones[rule.tier], reservation_ids=reservation_ids.get(rule.tier, [])
                ),
                pools,
            )
            for rule in policy.tiers
        }
        self.register_outputs({"chart_version": chart.version, "node_pools": sorted(self.node_pools)})


def _custom(name: str, body: dict[str, Any], opts: pulumi.ResourceOptions) -> k8s.apiextensions.CustomResource:
    return k8s.apiextensions.CustomResource(
        name,
        api_version=body["apiVersion"],
        kind=body["kind"],
        metadata=body["metadata"],
        spec=body["spec"],
        opts=opts,
    )

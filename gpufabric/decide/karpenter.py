"""Karpenter on an AWS site, as plain data: the controller's IAM policy, the interruption queue's rules and
policy, the Helm values, the site's EC2NodeClass and one NodePool per tier (from the tier policy).

Karpenter v1 objects (karpenter.sh/v1 NodePool, karpenter.k8s.aws/v1 EC2NodeClass). Failure modes designed
against (docs/overflow.md): a reserved pool at a higher weight that did not use up its reservation first
(aws/karpenter-provider-aws#8255, kubernetes-sigs/karpenter#2359) - the reserved NodePool selects exactly its
tier's reservation ids and is limited to them; open ODCRs left idle unless selected (zalando
kubernetes-on-aws#11623) - the EC2NodeClass names every reservation by id; pods pending instead of falling
back (aws/karpenter-provider-aws#8885, #5789) - every tier is limited (`nvidia.com/gpu`), so the next weight
takes over once a tier is full, and the pools differ only by capacity type, never by a requirement that
could leave a pod unschedulable on the fallback pool.
"""

from __future__ import annotations

import json
from typing import Any

from gpufabric.core import charts
from gpufabric.core.vocabulary import LABEL_OVERFLOW_RANK, LABEL_SITE, LABEL_TIER, TAG_SITE, TAG_STACK
from gpufabric.decide.iam import Account
from gpufabric.decide.placement import TierPlacement
from gpufabric.decide.tier_policy import SiteTierPolicy, TierRule

NAMESPACE = "kube-system"  # Karpenter's recommended namespace (its pods run on the system node group)
SERVICE_ACCOUNT = "karpenter"
NODE_CLASS = "gpu"  # the site's one EC2NodeClass
GPU_RESOURCE = "nvidia.com/gpu"
ROOT_DEVICE = "/dev/xvda"
MANAGED_BY = {"app.kubernetes.io/managed-by": "gpufabric"}

# A GPU pool is consolidated only when empty (a busy inference node is never drained to save money), and
# only after it has been empty this long (a burst that comes back within minutes finds its node).
CONSOLIDATE_AFTER = "10m"
# At most one node of a pool is disrupted at a time (drift, emptiness, expiry): capacity drains slowly.
DISRUPTION_BUDGETS = [{"nodes": "1"}]

# EventBridge rules Karpenter's interruption handling reads (its documented CloudFormation): name ->
# event pattern. Karpenter drains a node ahead of spot reclaim, rebalance, health events and stop/terminate.
INTERRUPTION_EVENTS: dict[str, dict[str, Any]] = {
    "scheduled-change": {"source": ["aws.health"], "detail-type": ["AWS Health Event"]},
    "spot-interruption": {"source": ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"]},
    "rebalance": {"source": ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"]},
    "instance-state-change": {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"]},
}
QUEUE_RETENTION_SECONDS = 300  # interruption messages are useless after five minutes


def event_pattern(name: str) -> str:
    return json.dumps(INTERRUPTION_EVENTS[name], sort_keys=True)


def _doc(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def queue_policy(account: Account, queue_arn: str) -> str:
    """Only EventBridge (and SQS itself) may send to the interruption queue, and only over TLS."""
    return _doc(
        [
            {
                "Sid": "EventBridgeWrite",
                "Effect": "Allow",
                "Principal": {"Service": [account.service("events"), account.service("sqs")]},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account.account_id}},
            },
            {
                "Sid": "DenyHTTP",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": queue_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ]
    )


def controller_policy(
    account: Account, *, cluster_name: str, queue_arn: str, node_role_arn: str, data_key_arn: str, isolated: bool
) -> str:
    """The controller's permissions, after Karpenter v1's documented controller policy: launches and tags only
    what carries this cluster's ownership tag, terminates only its own nodes, reads in its own region, passes
    only the Karpenter node role, manages only its own instance profiles; plus the site's data key for the
    encrypted volumes it launches. Every ARN is built from the account's partition."""
    p, region, acct = account.partition, account.region, account.account_id
    ec2 = f"arn:{p}:ec2:{region}"
    owned = {f"aws:ResourceTag/kubernetes.io/cluster/{cluster_name}": "owned"}
    request_owned = {
        f"aws:RequestTag/kubernetes.io/cluster/{cluster_name}": "owned",
        "aws:RequestTag/eks:eks-cluster-name": cluster_name,
    }
    profile = f"arn:{p}:iam::{acct}:instance-profile/*"
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AllowScopedEC2InstanceAccessActions",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            "Resource": [
                f"{ec2}::image/*",
                f"{ec2}::snapshot/*",
                f"{ec2}:*:security-group/*",
                f"{ec2}:*:subnet/*",
                f"{ec2}:*:capacity-reservation/*",
            ],
        },
        {
            "Sid": "AllowScopedEC2LaunchTemplateAccessActions",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            "Resource": f"{ec2}:*:launch-template/*",
            "Condition": {
                "StringEquals": owned,
                "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "AllowScopedEC2InstanceActionsWithTags",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            "Resource": [
                f"{ec2}:*:fleet/*",
                f"{ec2}:*:instance/*",
                f"{ec2}:*:volume/*",
                f"{ec2}:*:network-interface/*",
                f"{ec2}:*:launch-template/*",
                f"{ec2}:*:spot-instances-request/*",
            ],
            "Condition": {
                "StringEquals": request_owned,
                "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "AllowScopedResourceCreationTagging",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": [
                f"{ec2}:*:fleet/*",
                f"{ec2}:*:instance/*",
                f"{ec2}:*:volume/*",
                f"{ec2}:*:network-interface/*",
                f"{ec2}:*:launch-template/*",
                f"{ec2}:*:spot-instances-request/*",
            ],
            "Condition": {
                "StringEquals": {
                    **request_owned,
                    "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
                },
                "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "AllowScopedResourceTagging",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": f"{ec2}:*:instance/*",
            "Condition": {
                "StringEquals": owned,
                "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                "StringEqualsIfExists": {"aws:RequestTag/eks:eks-cluster-name": cluster_name},
                "ForAllValues:StringEquals": {
                    "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"]
                },
            },
        },
        {
            "Sid": "AllowScopedDeletion",
            "Effect": "Allow",
            "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            "Resource": [f"{ec2}:*:instance/*", f"{ec2}:*:launch-template/*"],
            "Condition": {
                "StringEquals": owned,
                "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "AllowRegionalReadActions",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeCapacityReservations",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets",
            ],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": region}},
        },
        {
            "Sid": "AllowSSMReadActions",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": f"arn:{p}:ssm:{region}::parameter/aws/service/*",
        },
        {
            "Sid": "AllowInterruptionQueueActions",
            "Effect": "Allow",
            "Action": ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            "Resource": queue_arn,
        },
        {
            "Sid": "AllowPassingInstanceRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": node_role_arn,
            "Condition": {"StringEquals": {"iam:PassedToService": account.service("ec2")}},
        },
        {
            "Sid": "AllowScopedInstanceProfileCreationActions",
            "Effect": "Allow",
            "Action": ["iam:CreateInstanceProfile"],
            "Resource": profile,
            "Condition": {
                "StringEquals": {**request_owned, "aws:RequestTag/topology.kubernetes.io/region": region},
                "StringLike": {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"},
            },
        },
        {
            "Sid": "AllowScopedInstanceProfileTagActions",
            "Effect": "Allow",
            "Action": ["iam:TagInstanceProfile"],
            "Resource": profile,
            "Condition": {
                "StringEquals": {
                    **owned,
                    "aws:ResourceTag/topology.kubernetes.io/region": region,
                    **request_owned,
                    "aws:RequestTag/topology.kubernetes.io/region": region,
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*",
                    "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*",
                },
            },
        },
        {
            "Sid": "AllowScopedInstanceProfileActions",
            "Effect": "Allow",
            "Action": [
                "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:DeleteInstanceProfile",
            ],
            "Resource": profile,
            "Condition": {
                "StringEquals": {**owned, "aws:ResourceTag/topology.kubernetes.io/region": region},
                "StringLike": {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*"},
            },
        },
        {
            "Sid": "AllowInstanceProfileReadActions",
            "Effect": "Allow",
            "Action": "iam:GetInstanceProfile",
            "Resource": profile,
        },
        {
            "Sid": "AllowAPIServerEndpointDiscovery",
            "Effect": "Allow",
            "Action": "eks:DescribeCluster",
            "Resource": f"arn:{p}:eks:{region}:{acct}:cluster/{cluster_name}",
        },
        {
            "Sid": "AllowSiteKeyForNodeVolumes",
            "Effect": "Allow",
            "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext"],
            "Resource": data_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"ec2.{region}.{account.dns_suffix}"}},
        },
    ]
    if not isolated:  # with no route out, Karpenter uses its built-in price list (settings.isolatedVPC)
        statements.append(
            {"Sid": "AllowPricingReadActions", "Effect": "Allow", "Action": "pricing:GetProducts", "Resource": "*"}
        )
    return _doc(statements)


def helm_values(*, cluster_name: str, queue_name: str, registry: str, isolated: bool) -> dict[str, Any]:
    """Two replicas on the system nodes, the interruption queue, the ReservedCapacity gate set explicitly
    (on by default from v1.6; the pinned chart is newer, set anyway so a downgrade cannot silently drop
    reserved pools), the controller image from the site's in-region mirror (same path as upstream)."""
    return {
        "replicas": 2,
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
        "settings": {
            "clusterName": cluster_name,
            "interruptionQueue": queue_name,
            "isolatedVPC": isolated,
            "featureGates": {"reservedCapacity": True},
        },
        "controller": {
            "image": {"repository": f"{registry}/{charts.KARPENTER_IMAGE_PATH}", "tag": charts.KARPENTER.version}
        },
    }


def _meta(name: str, policy: SiteTierPolicy, rule: TierRule | None = None) -> dict[str, Any]:
    labels = {**MANAGED_BY, LABEL_SITE: policy.site}
    meta: dict[str, Any] = {"name": name, "labels": labels}
    if rule is not None:
        labels[LABEL_TIER] = rule.tier
        meta["annotations"] = {LABEL_OVERFLOW_RANK: str(rule.rank)}
    return meta


def node_class(
    policy: SiteTierPolicy,
    *,
    stack: str,
    cluster_name: str,
    node_role: Any,
    data_key_arn: Any,
    disk_size_gib: int,
    reservation_ids: list[Any],
    tags: dict[str, str],
) -> dict[str, Any]:
    """The site's one EC2NodeClass: the pinned AL2023 alias (Karpenter picks its NVIDIA variant for GPU
    types), the site's private subnets and cluster security group by tag, IMDSv2 with hop limit 1, the root
    volume encrypted with the site key, every reservation of the site's reserved tiers by id, the residency
    tags on everything it launches."""
    spec: dict[str, Any] = {
        "role": node_role,
        "amiSelectorTerms": [{"alias": charts.KARPENTER_AMI_ALIAS}],
        "subnetSelectorTerms": [
            {"tags": {TAG_STACK: stack, TAG_SITE: policy.site, "kubernetes.io/role/internal-elb": "1"}}
        ],
        "securityGroupSelectorTerms": [{"tags": {"aws:eks:cluster-name": cluster_name}}],
        "associatePublicIPAddress": False,
        "metadataOptions": {
            "httpEndpoint": "enabled",
            "httpProtocolIPv6": "disabled",
            "httpPutResponseHopLimit": 1,
            "httpTokens": "required",
        },
        "blockDeviceMappings": [
            {
                "deviceName": ROOT_DEVICE,
                "rootVolume": True,
                "ebs": {
                    "volumeSize": f"{disk_size_gib}Gi",
                    "volumeType": "gp3",
                    "encrypted": True,
                    "kmsKeyID": data_key_arn,
                    "deleteOnTermination": True,
                },
            }
        ],
        "tags": dict(sorted(tags.items())),
    }
    if reservation_ids:
        spec["capacityReservationSelectorTerms"] = [{"id": r} for r in reservation_ids]
    return {
        "apiVersion": "karpenter.k8s.aws/v1",
        "kind": "EC2NodeClass",
        "metadata": _meta(NODE_CLASS, policy),
        "spec": spec,
    }


def pool_zones(placement: TierPlacement) -> list[str]:
    """The zones a tier's NodePool may launch in: a committed tier's reservation zones (its reservations and
    its pool in the same zones), an elastic tier's placed zones."""
    return sorted(placement.per_zone_count) if placement.per_zone_count else list(placement.zones)


def node_pool(
    policy: SiteTierPolicy, rule: TierRule, *, zones: list[str], reservation_ids: list[Any]
) -> dict[str, Any]:
    """One tier's NodePool: its capacity type (reserved pools only from their own reservations), instance
    types and zones, its weight, its GPU ceiling, the GPU taint, the tier's node labels, and disruption
    that never drains a busy GPU node."""
    requirements: list[dict[str, Any]] = [
        {"key": "karpenter.sh/capacity-type", "operator": "In", "values": [rule.capacity_type]},
        {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": list(rule.instance_types)},
        {"key": "topology.kubernetes.io/zone", "operator": "In", "values": list(zones)},
    ]
    if rule.reserved:
        requirements.append(
            {"key": "karpenter.k8s.aws/capacity-reservation-id", "operator": "In", "values": list(reservation_ids)}
        )
    return {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": _meta(rule.tier, policy, rule),
        "spec": {
            "weight": rule.weight,
            "limits": {GPU_RESOURCE: rule.gpu_limit},
            "template": {
                "metadata": {"labels": dict(sorted(rule.labels.items()))},
                "spec": {
                    "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": NODE_CLASS},
                    "requirements": requirements,
                    "taints": [{"key": t.key, "value": t.value, "effect": t.effect} for t in rule.taints],
                    "expireAfter": "Never",
                },
            },
            "disruption": {
                "consolidationPolicy": "WhenEmpty",
                "consolidateAfter": CONSOLIDATE_AFTER,
                "budgets": DISRUPTION_BUDGETS,
            },
        },
    }

"""The Cluster Autoscaler on an AWS site, as plain data: its IAM policy, Helm values, auto-discovery tags and
the priority-expander ConfigMap compiled from the tier policy.

Failure modes designed against (kubernetes/autoscaler#4958, #2835, #3981): the expander reads ConfigMap
`cluster-autoscaler-priority-expander` in the autoscaler's namespace, key `priorities` (not `priority`), whose
keys are integers (higher wins) and values lists of regexes over node-group (ASG) names; a catch-all `.*`
would match every group and win over them, so every pattern here is anchored and names exactly one managed
node group's ASG. Fallback from a group that cannot get capacity waits `--max-node-provision-time`
(15 minutes by default) plus backoff: see MAX_NODE_PROVISION_TIME.
"""

from __future__ import annotations

import json
import re
from typing import Any

from gpufabric.core import charts
from gpufabric.core.vocabulary import LABEL_SITE
from gpufabric.decide.iam import Account
from gpufabric.decide.tier_policy import SiteTierPolicy

NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "cluster-autoscaler"
CONFIGMAP = "cluster-autoscaler-priority-expander"  # the name the priority expander reads, nothing else
PRIORITIES_KEY = "priorities"  # the key it reads (`priority` is silently ignored: kubernetes/autoscaler#4958)
EXPANDER = "priority,least-waste"  # tier order first; within one priority, the group wasting least
# How long a node group may take to bring up a node before the autoscaler gives up on it and the next
# priority is tried. The default (15m) leaves pods pending a quarter of an hour when spot capacity is gone;
# a GPU node (p5, g6e) on the AL2023 NVIDIA AMI normally joins in 3-4 minutes, so 5 minutes spills after
# one missed launch without giving up on a slow but healthy one.
MAX_NODE_PROVISION_TIME = "5m"
MANAGED_BY = {"app.kubernetes.io/managed-by": "gpufabric"}

# An EKS managed node group's ASG is named `eks-<node group name>-<node group uuid>`.
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def discovery_tags(cluster_name: str) -> dict[str, str]:
    """The tags `--node-group-auto-discovery=asg:tag=...` finds the site's node groups by (EKS also puts them
    on a managed node group's ASG; on the node group they show in the plan)."""
    return {"k8s.io/cluster-autoscaler/enabled": "true", f"k8s.io/cluster-autoscaler/{cluster_name}": "owned"}


def asg_pattern(node_group: str) -> str:
    """An anchored regex matching exactly the ASG of one managed node group."""
    escaped = re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", node_group)  # RE2 metacharacters; `-` stays readable
    return f"^eks-{escaped}-{_UUID}$"


def priority_expander(policy: SiteTierPolicy, node_groups: dict[str, list[str]]) -> dict[str, Any]:
    """The ConfigMap: each tier's weight (higher = preferred) as an integer key, written as the YAML the
    autoscaler parses, with the anchored patterns of that tier's node groups (tier name -> node group names)."""
    lines = []
    for rule in sorted(policy.tiers, key=lambda r: -r.weight):
        lines.append(f"{rule.weight}:")
        lines.extend(f"  - {json.dumps(asg_pattern(g))}" for g in sorted(node_groups.get(rule.tier, [])))
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": CONFIGMAP,
            "namespace": NAMESPACE,
            "labels": {**MANAGED_BY, LABEL_SITE: policy.site},
        },
        "data": {PRIORITIES_KEY: "\n".join(lines) + "\n"},
    }


def controller_policy(account: Account, cluster_name: str) -> str:
    """Least privilege after the autoscaler's AWS documentation: scale and terminate only ASGs tagged as this
    cluster's; describe calls (which take no resource) in the site's region; the node groups of this cluster
    only (for scale-from-zero labels and taints)."""
    p, region, acct = account.partition, account.region, account.account_id
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ScaleOwnNodeGroups",
                    "Effect": "Allow",
                    "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                    "Resource": f"arn:{p}:autoscaling:{region}:{acct}:autoScalingGroup:*:autoScalingGroupName/*",
                    "Condition": {
                        "StringEquals": {
                            f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned",
                            "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
                        }
                    },
                },
                {
                    "Sid": "DescribeInRegion",
                    "Effect": "Allow",
                    "Action": [
                        "autoscaling:DescribeAutoScalingGroups",
                        "autoscaling:DescribeAutoScalingInstances",
                        "autoscaling:DescribeLaunchConfigurations",
                        "autoscaling:DescribeScalingActivities",
                        "autoscaling:DescribeTags",
                        "ec2:DescribeImages",
                        "ec2:DescribeInstanceTypes",
                        "ec2:DescribeLaunchTemplateVersions",
                        "ec2:GetInstanceTypesFromInstanceRequirements",
                    ],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:RequestedRegion": region}},
                },
                {
                    "Sid": "DescribeOwnNodeGroups",
                    "Effect": "Allow",
                    "Action": "eks:DescribeNodegroup",
                    "Resource": f"arn:{p}:eks:{region}:{acct}:nodegroup/{cluster_name}/*",
                },
            ],
        },
        sort_keys=True,
    )


def helm_values(*, cluster_name: str, region: str, registry: str, kubernetes_version: str) -> dict[str, Any]:
    """Auto-discovery of the site's node groups, the priority expander (our ConfigMap, not the chart's), the
    shorter provision timeout, the image matching the cluster's minor version from the in-region mirror."""
    return {
        "cloudProvider": "aws",
        "awsRegion": region,
        "autoDiscovery": {"clusterName": cluster_name},
        "replicaCount": 2,
        "rbac": {"serviceAccount": {"create": True, "name": SERVICE_ACCOUNT}},
        "image": {
            "repository": f"{registry}/{charts.CLUSTER_AUTOSCALER_IMAGE_PATH}",
            "tag": charts.CLUSTER_AUTOSCALER_IMAGE_TAGS[kubernetes_version],
        },
        "extraArgs": {
            "expander": EXPANDER,
            "max-node-provision-time": MAX_NODE_PROVISION_TIME,
            "balance-similar-node-groups": False,
            "skip-nodes-with-system-pods": True,
        },
    }

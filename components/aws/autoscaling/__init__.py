"""The engines that scale an AWS site's GPU tiers from its tier policy: Karpenter and the Cluster Autoscaler."""

from components.aws.autoscaling.cluster_autoscaler import ClusterAutoscaler
from components.aws.autoscaling.karpenter import Karpenter

__all__ = ["ClusterAutoscaler", "Karpenter"]

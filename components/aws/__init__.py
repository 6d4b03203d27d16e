"""AWS site components: PrivateNetwork, SiteKeys, GpuCluster, CapacityTier, SystemNodes, and AwsSite."""

from components.aws.site import AwsSite, SiteContext

__all__ = ["AwsSite", "SiteContext"]

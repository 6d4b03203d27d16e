"""GCP site components: GcpPrivateNetwork, GcpSiteKeys, GkeCluster, GcpCapacityTier, and GcpSite."""

from components.gcp.site import GcpSite

__all__ = ["GcpSite"]

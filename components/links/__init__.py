"""Private links: the cloud end of each link (AWS site-to-site VPN, GCP HA VPN), one component per cloud kind."""

from components.links.aws import AwsLink
from components.links.gcp import GcpLink

LINK_COMPONENTS = {"aws": AwsLink, "gcp": GcpLink}

__all__ = ["LINK_COMPONENTS", "AwsLink", "GcpLink"]

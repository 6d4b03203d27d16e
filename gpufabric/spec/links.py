"""Private links between sites: the on-prem VPN end and the `links` list of the fabric.

A link joins one on-prem site to one cloud site (AWS or GCP) over IPsec with BGP. The on-prem site declares
its end once (`vpn:` public IPs of its VPN gateways and its BGP ASN; it announces its network ranges); each
link names its two sites by name and carries the cloud side's ASN and options. Rules between links and sites
(names exist, ASNs distinct, inside CIDRs distinct) live in `link_rules.py`. No Pulumi import here.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator

from gpufabric.spec.base import Escape, Name, Strict

# BGP ASNs reserved for private use (RFC 6996): AWS and GCP accept these for their side and for peers.
PRIVATE_ASN_RANGES: tuple[tuple[int, int], ...] = ((64512, 65534), (4_200_000_000, 4_294_967_294))
# Tunnel inside addresses: /30 blocks of the link-local range, minus the ones AWS reserves for itself.
INSIDE_RANGE = ipaddress.IPv4Network("169.254.0.0/16")
AWS_RESERVED_INSIDE = tuple(
    ipaddress.IPv4Network(c)
    for c in (
        "169.254.0.0/30",
        "169.254.1.0/30",
        "169.254.2.0/30",
        "169.254.3.0/30",
        "169.254.4.0/30",
        "169.254.5.0/30",
        "169.254.169.252/30",
    )
)
TUNNELS_PER_LINK = 2  # AWS: one VPN connection has two tunnels; GCP HA VPN: two interfaces, one tunnel each


def _asn(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"expected a BGP ASN as a whole number, found {v!r}")
    if not any(lo <= v <= hi for lo, hi in PRIVATE_ASN_RANGES):
        ranges = " or ".join(f"{lo}-{hi}" for lo, hi in PRIVATE_ASN_RANGES)
        raise ValueError(f"expected a private BGP ASN ({ranges}, RFC 6996), found {v}")
    return v


def _public_ip(v: Any) -> str:
    try:
        ip = ipaddress.IPv4Address(v)
    except ValueError:
        raise ValueError(f"expected the public IPv4 address of a VPN gateway like 203.0.113.10, found {v!r}") from None
    if not ip.is_global or ip.is_multicast:
        raise ValueError(
            f"expected a public (globally routable) IPv4 address for the VPN gateway, found {v!r}, which is not"
        )
    return str(ip)


def _inside_cidr(v: Any) -> str:
    try:
        net = ipaddress.IPv4Network(v, strict=True)
    except (ValueError, TypeError):
        raise ValueError(f"expected a /30 inside 169.254.0.0/16 like 169.254.21.0/30, found {v!r}") from None
    if net.prefixlen != 30 or not net.subnet_of(INSIDE_RANGE):
        raise ValueError(f"expected a /30 inside 169.254.0.0/16 (link-local tunnel addresses), found {v!r}")
    if net in AWS_RESERVED_INSIDE:
        raise ValueError(f"expected a /30 that AWS does not reserve for itself, found {v!r}")
    return str(net)


Asn = Annotated[int, BeforeValidator(_asn)]
PublicIp = Annotated[str, BeforeValidator(_public_ip)]
InsideCidr = Annotated[str, BeforeValidator(_inside_cidr)]


class OnpremVpnSpec(Strict):
    """The on-prem end of every link of the site: its VPN gateways' public addresses and its BGP ASN.

    The site announces its network ranges (pods, services, nodes) over BGP; one address makes a single
    gateway, two make a redundant pair (GCP's external gateway gets both interfaces)."""

    public_ips: list[PublicIp] = Field(min_length=1, max_length=2)
    asn: Asn

    @field_validator("public_ips")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"expected distinct addresses, found {', '.join(v)}")
        return v


class AwsLinkSpec(Strict):
    """AWS options: a virtual private gateway on the site's VPC (default) or a transit gateway."""

    gateway: Literal["vpn_gateway", "transit_gateway"] = "vpn_gateway"


class LinkSpec(Strict):
    """A private link between an on-prem site and a cloud site, both named by their site names."""

    name: Name
    onprem: Name = Field(description="the on-prem site (it declares `vpn:`)")
    cloud: Name = Field(description="the AWS or GCP site")
    cloud_asn: Asn = Field(description="the cloud side's BGP ASN (VPN/transit gateway or Cloud Router)")
    aws: AwsLinkSpec | None = None
    tunnel_inside_cidrs: list[InsideCidr] | None = Field(
        default=None,
        min_length=TUNNELS_PER_LINK,
        max_length=TUNNELS_PER_LINK,
        description="one /30 per tunnel; decided from the link's name when absent",
    )
    vpn_args: Escape = Field(
        default_factory=dict,
        description="escape hatch: VpnConnection (AWS) or VPNTunnel (GCP, both tunnels) arguments, passed through",
    )

    @field_validator("tunnel_inside_cidrs")
    @classmethod
    def _distinct(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(set(v)) != len(v):
            raise ValueError(f"expected one /30 per tunnel, each different, found {', '.join(v)}")
        return v

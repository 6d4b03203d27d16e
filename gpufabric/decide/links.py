"""Private links as plain data: per link, every address, ASN, route and tunnel option both ends need.

The cloud components declare what these plans say and the on-prem renderer writes the same plans as the
operators' strongSwan configuration, so the two ends cannot disagree. Tunnel inside CIDRs the spec leaves
out are decided from the link's name (stable when links are added); a clash is refused naming both links.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from typing import Any

from gpufabric.core import ipsec
from gpufabric.core.errors import DecisionError
from gpufabric.spec.links import TUNNELS_PER_LINK, LinkSpec
from gpufabric.spec.models import FabricSpec

DEFAULT_INSIDE_RANGE = ipaddress.IPv4Network("169.254.192.0/18")  # clear of every /30 AWS reserves
AWS_BGP_ASN_MAX = 2_147_483_647  # CustomerGateway.bgp_asn; larger private ASNs use bgp_asn_extended
# The stack output the on-prem operators read what only the clouds know (their tunnel addresses, the keys):
# `links.<link>.<tunnel>.outside_ip` and `.preshared_key` (a secret).
STACK_OUTPUT = "links"
OUTSIDE_IP = "outside_ip"
PRESHARED_KEY = "preshared_key"
PSK_PREFIX = "g"  # AWS refuses pre-shared keys that start with 0: random keys get a letter in front
PSK_RANDOM_LENGTH = 47  # + the prefix = 48 characters (AWS allows 8-64, letters, digits, '.', '_')


@dataclass(frozen=True)
class TunnelPlan:
    """One tunnel: its /30, the cloud's and the on-prem inside addresses, the on-prem gateway it ends at."""

    key: str  # "t1", "t2": the AWS tunnel number; also names the GCP tunnel, interface and peer
    interface: int  # the GCP HA VPN gateway interface (0, 1)
    inside_cidr: str
    cloud_interface_range: str  # the cloud side's address with the /30 (GCP router interface ip_range)
    cloud_inside_ip: str
    onprem_inside_ip: str
    onprem_public_ip: str
    onprem_interface: int  # the on-prem gateway's interface id in GCP's external VPN gateway


@dataclass(frozen=True)
class LinkPlan:
    """Everything both ends of one link need, with no Pulumi in it."""

    name: str
    onprem_site: str
    cloud_site: str
    cloud_kind: str  # "aws" | "gcp"
    onprem_asn: int
    cloud_asn: int
    onprem_public_ips: tuple[str, ...]
    onprem_cidrs: tuple[str, ...]  # what the on-prem site announces; the only routes the cloud side gets
    cloud_cidrs: tuple[str, ...]  # what the cloud site advertises back
    aws_gateway: str | None  # "vpn_gateway" | "transit_gateway" for AWS links
    tunnels: tuple[TunnelPlan, ...]
    vpn_args: dict[str, Any]  # the escape hatch, checked against the provider's arguments by the component

    def onprem_routes(self) -> dict[str, str]:
        """The on-prem CIDRs by a resource-safe key (`10-60-0-0-16`): static routes to a transit gateway."""
        return {cidr.replace(".", "-").replace("/", "-"): cidr for cidr in self.onprem_cidrs}

    def aws_customer_gateway_args(self) -> dict[str, Any]:
        """The on-prem gateway as AWS sees it; 4-byte ASNs above 2^31 - 1 go in `bgp_asn_extended`."""
        key = "bgp_asn" if self.onprem_asn <= AWS_BGP_ASN_MAX else "bgp_asn_extended"
        return {"type": "ipsec.1", "ip_address": self.tunnels[0].onprem_public_ip, key: str(self.onprem_asn)}

    def aws_tunnel_args(self) -> dict[str, Any]:
        """The VPN connection's tunnel options: IKEv2 only, one strong suite, BGP (no static routes)."""
        args: dict[str, Any] = {"type": "ipsec.1", "static_routes_only": False}
        for n, tunnel in enumerate(self.tunnels, start=1):
            args |= {
                f"tunnel{n}_inside_cidr": tunnel.inside_cidr,
                f"tunnel{n}_ike_versions": list(ipsec.AWS_IKE_VERSIONS),
                f"tunnel{n}_phase1_encryption_algorithms": list(ipsec.AWS_ENCRYPTION),
                f"tunnel{n}_phase1_integrity_algorithms": list(ipsec.AWS_INTEGRITY),
                f"tunnel{n}_phase1_dh_group_numbers": list(ipsec.AWS_DH_GROUPS),
                f"tunnel{n}_phase2_encryption_algorithms": list(ipsec.AWS_ENCRYPTION),
                f"tunnel{n}_phase2_integrity_algorithms": list(ipsec.AWS_INTEGRITY),
                f"tunnel{n}_phase2_dh_group_numbers": list(ipsec.AWS_DH_GROUPS),
            }
        return args

    def gcp_redundancy(self) -> str:
        """The external VPN gateway's redundancy type for the on-prem gateways it describes."""
        return "SINGLE_IP_INTERNALLY_REDUNDANT" if len(self.onprem_public_ips) == 1 else "TWO_IPS_REDUNDANCY"

    def gcp_cipher_suite(self) -> dict[str, Any]:
        return {
            "phase1": {
                "encryptions": list(ipsec.GCP_ENCRYPTION),
                "prves": list(ipsec.GCP_PRF),
                "dhs": list(ipsec.GCP_DH),
            },
            "phase2": {"encryptions": list(ipsec.GCP_ENCRYPTION), "pfs": list(ipsec.GCP_DH)},
        }


def plan_links(spec: FabricSpec) -> list[LinkPlan]:
    """Every link of a valid spec as a plan (the spec rules already checked names, ASNs and explicit CIDRs)."""
    sites = {s.name: s for s in spec.sites}
    plans = [_plan(link, sites[link.onprem], sites[link.cloud]) for link in spec.links]
    _inside_cidrs_distinct(plans)
    return plans


def inside_cidrs(link: LinkSpec) -> list[str]:
    """The link's two tunnel /30s: the spec's, else two neighbours picked from a hash of the link's name."""
    if link.tunnel_inside_cidrs:
        return list(link.tunnel_inside_cidrs)
    pairs = DEFAULT_INSIDE_RANGE.num_addresses // (4 * TUNNELS_PER_LINK)
    pair = int.from_bytes(hashlib.sha256(link.name.encode()).digest()[:4], "big") % pairs
    first = int(DEFAULT_INSIDE_RANGE.network_address) + pair * 4 * TUNNELS_PER_LINK
    return [str(ipaddress.IPv4Network((first + 4 * t, 30))) for t in range(TUNNELS_PER_LINK)]


def _plan(link: LinkSpec, onprem: Any, cloud: Any) -> LinkPlan:
    ips = tuple(onprem.vpn.public_ips)
    tunnels = []
    for t, cidr in enumerate(inside_cidrs(link)):
        hosts = list(ipaddress.IPv4Network(cidr).hosts())  # AWS: its side takes the first, the customer the second
        peer = t % len(ips) if cloud.kind == "gcp" else 0  # an AWS connection has one customer gateway
        tunnels.append(
            TunnelPlan(
                key=f"t{t + 1}",
                interface=t,
                inside_cidr=cidr,
                cloud_interface_range=f"{hosts[0]}/{ipaddress.IPv4Network(cidr).prefixlen}",
                cloud_inside_ip=str(hosts[0]),
                onprem_inside_ip=str(hosts[1]),
                onprem_public_ip=ips[peer],
                onprem_interface=peer,
            )
        )
    return LinkPlan(
        name=link.name,
        onprem_site=onprem.name,
        cloud_site=cloud.name,
        cloud_kind=cloud.kind,
        onprem_asn=onprem.vpn.asn,
        cloud_asn=link.cloud_asn,
        onprem_public_ips=ips,
        onprem_cidrs=tuple(str(net) for _, net in onprem.cidrs()),
        cloud_cidrs=(str(cloud.cidr()),),
        aws_gateway=(link.aws.gateway if link.aws else "vpn_gateway") if cloud.kind == "aws" else None,
        tunnels=tuple(tunnels),
        vpn_args=dict(link.vpn_args),
    )


def _inside_cidrs_distinct(plans: list[LinkPlan]) -> None:
    seen: dict[str, str] = {}
    for plan in plans:
        for tunnel in plan.tunnels:
            other = seen.setdefault(tunnel.inside_cidr, plan.name)
            if other != plan.name:
                raise DecisionError(
                    f"gpufabric:fabric.links[{plan.name}].tunnel_inside_cidrs: the /30 {tunnel.inside_cidr} decided "
                    f"for this link is also used by link {other!r}: set tunnel_inside_cidrs on one of them"
                )

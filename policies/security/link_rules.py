"""Private-link rules: tunnels terminate only at declared on-prem gateways, IKEv2 only with no weak
algorithm, and the links carry only the address ranges the stack declares.

Pure functions over planned resources, registered in the security pack (rules.py). What counts as strong is
`gpufabric.core.ipsec`'s allowed sets; what is declared is the stack's own spec (sites' `vpn.public_ips` and
network ranges), so a gateway or route added through an escape hatch or by hand is caught.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Network

from gpufabric.core import ipsec
from policies.config import ResolvedConfig
from policies.model import Res, Rule, Severity, StackContext
from policies.resources import as_list, as_mapping, dig

AWS_VPN = "aws:ec2/vpnConnection:VpnConnection"
AWS_CUSTOMER_GATEWAY = "aws:ec2/customerGateway:CustomerGateway"
AWS_ROUTE = "aws:ec2/route:Route"
AWS_VPN_ROUTE = "aws:ec2/vpnConnectionRoute:VpnConnectionRoute"
GCP_TUNNEL = "gcp:compute/vPNTunnel:VPNTunnel"
GCP_EXTERNAL_GATEWAY = "gcp:compute/externalVpnGateway:ExternalVpnGateway"
GCP_ROUTER = "gcp:compute/router:Router"
GCP_ROUTER_PEER = "gcp:compute/routerPeer:RouterPeer"
TUNNELS = (1, 2)


def _declared_gateways(stack: StackContext) -> set[str]:
    fabric = stack.fabric
    return {ip for s in (fabric.sites if fabric else []) if getattr(s, "vpn", None) for ip in s.vpn.public_ips}


def _declared_ranges(stack: StackContext) -> list[IPv4Network]:
    fabric = stack.fabric
    if fabric is None:
        return []
    out = []
    for s in fabric.sites:
        many = getattr(s, "cidrs", None)
        out += [net for _, net in many()] if many is not None else [s.cidr()]
    return out


def check_tunnel_endpoints(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """A customer gateway or external VPN gateway points at a declared on-prem VPN address only."""
    if res.type == AWS_CUSTOMER_GATEWAY:
        addresses = [res.props.get("ipAddress")]
    elif res.type == GCP_EXTERNAL_GATEWAY:
        addresses = [as_mapping(i).get("ipAddress") for i in as_list(res.props.get("interfaces"))]
    elif res.type == GCP_TUNNEL and res.props.get("peerIp"):
        addresses = [res.props.get("peerIp")]
    else:
        return
    declared = _declared_gateways(stack)
    for address in addresses:
        if address not in declared:
            known = ", ".join(sorted(declared)) or "none declared"
            yield f"tunnel peer {address} is not a declared on-prem VPN gateway (sites[].vpn.public_ips: {known})"


def _weak(values: list, allowed: frozenset, what: str) -> Iterator[str]:
    if not values:
        yield f"{what} unset (the provider then also offers weak choices)"
    for value in values:
        if value not in allowed:
            yield f"{what} allows {value}"


def check_ike_strong(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """IKEv2 only, and every IKE/ESP algorithm from the strong set (unset lists let weak ones in)."""
    if res.type == AWS_VPN:
        for n in TUNNELS:
            p = f"tunnel{n}"
            versions = as_list(res.props.get(f"{p}IkeVersions"))
            if versions != list(ipsec.AWS_IKE_VERSIONS):
                yield f"{p}IkeVersions is {versions or 'unset (IKEv1 allowed)'}: IKEv2 only"
            for phase in ("Phase1", "Phase2"):
                yield from _weak(
                    as_list(res.props.get(f"{p}{phase}EncryptionAlgorithms")),
                    ipsec.AWS_ALLOWED_ENCRYPTION,
                    f"{p}{phase}EncryptionAlgorithms",
                )
                yield from _weak(
                    as_list(res.props.get(f"{p}{phase}IntegrityAlgorithms")),
                    ipsec.AWS_ALLOWED_INTEGRITY,
                    f"{p}{phase}IntegrityAlgorithms",
                )
                groups = [int(g) for g in as_list(res.props.get(f"{p}{phase}DhGroupNumbers"))]
                yield from _weak(groups, ipsec.AWS_ALLOWED_DH_GROUPS, f"{p}{phase}DhGroupNumbers")
    elif res.type == GCP_TUNNEL:
        version = res.props.get("ikeVersion")
        if version is not None and int(version) != ipsec.IKE_VERSION:
            yield f"ikeVersion is {int(version)}: IKEv2 only"
        suite = as_mapping(res.props.get("cipherSuite"))
        yield from _weak(
            as_list(dig(suite, "phase1", "encryptions")), ipsec.GCP_ALLOWED_ENCRYPTION, "cipherSuite.phase1.encryptions"
        )
        yield from _weak(as_list(dig(suite, "phase1", "prves")), ipsec.GCP_ALLOWED_PRF, "cipherSuite.phase1.prves")
        yield from _weak(as_list(dig(suite, "phase1", "dhs")), ipsec.GCP_ALLOWED_DH, "cipherSuite.phase1.dhs")
        for value in as_list(dig(suite, "phase1", "integrities")) + as_list(dig(suite, "phase2", "integrities")):
            if value not in ipsec.GCP_ALLOWED_INTEGRITY:
                yield f"cipherSuite integrity allows {value}"
        yield from _weak(
            as_list(dig(suite, "phase2", "encryptions")), ipsec.GCP_ALLOWED_ENCRYPTION, "cipherSuite.phase2.encryptions"
        )
        yield from _weak(as_list(dig(suite, "phase2", "pfs")), ipsec.GCP_ALLOWED_DH, "cipherSuite.phase2.pfs")


def _undeclared(cidrs: list, stack: StackContext) -> list[str]:
    declared = _declared_ranges(stack)
    out = []
    for cidr in cidrs:
        try:
            net = IPv4Network(str(cidr), strict=False)
        except ValueError:
            out.append(str(cidr))
            continue
        if not any(net.subnet_of(d) for d in declared):
            out.append(str(cidr))
    return out


def check_link_routes(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Routes into a link and what a Cloud Router advertises stay inside the stack's declared ranges."""
    if (res.type == AWS_ROUTE and res.props.get("transitGatewayId")) or res.type == AWS_VPN_ROUTE:
        cidrs = [res.props.get("destinationCidrBlock")]
    elif res.type == GCP_ROUTER:
        cidrs = [as_mapping(r).get("range") for r in as_list(dig(res.props, "bgp", "advertisedIpRanges"))]
    elif res.type == GCP_ROUTER_PEER:
        cidrs = [as_mapping(r).get("range") for r in as_list(res.props.get("advertisedIpRanges"))]
    else:
        return
    for cidr in _undeclared(cidrs, stack):
        yield f"route or advertisement for {cidr}, outside every declared site range"


def link_rules(pack: str) -> tuple[Rule, ...]:
    return (
        Rule(
            id="vpn-tunnel-endpoints-declared",
            number=12,
            pack=pack,
            description="VPN tunnels terminate only at on-prem gateways the stack declares (sites[].vpn.public_ips).",
            severity=Severity.CRITICAL,
            remediation="Declare the gateway under the on-prem site's vpn.public_ips, or remove the peer address.",
            check=check_tunnel_endpoints,
        ),
        Rule(
            id="vpn-ikev2-strong",
            number=12,
            pack=pack,
            description="VPN tunnels use IKEv2 only and strong IKE/ESP algorithms (AES-256, SHA-2, ECP groups).",
            severity=Severity.HIGH,
            remediation="Drop the escape-hatch override; gpufabric sets IKEv2 with AES-256-GCM, SHA-384 and ECP-384.",
            check=check_ike_strong,
        ),
        Rule(
            id="vpn-routes-declared",
            number=12,
            pack=pack,
            description="Routes into a private link and BGP advertisements cover only the stack's declared ranges.",
            severity=Severity.HIGH,
            remediation="Route and advertise only the sites' network ranges declared in the stack.",
            check=check_link_routes,
        ),
    )

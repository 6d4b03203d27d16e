"""Rules between links and sites: each link names an existing on-prem site with a VPN end and an existing
cloud site; ASNs are distinct per site; tunnel inside CIDRs never repeat.

Each problem is (key path, expected, found), placed by `rules.py` like the other cross-cutting rules; the
loader names sites and links by name in the key path.
"""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Any

from gpufabric.spec.links import LinkSpec

Problem = tuple[tuple[str | int, ...], str, str]
CLOUD_KINDS = ("aws", "gcp")  # the site kinds a link can reach: AWS site-to-site VPN, GCP HA VPN


def link_problems(sites: list[Any], links: list[LinkSpec]) -> list[Problem]:
    """Every problem of the fabric's links against its sites."""
    return [*_endpoints(sites, links), *_unique(links), *_asns(sites, links), *_inside_cidrs(links)]


def _endpoints(sites: list[Any], links: list[LinkSpec]) -> list[Problem]:
    by_name = {s.name: s for s in sites}
    onprem = sorted(s.name for s in sites if s.kind == "onprem")
    cloud = sorted(s.name for s in sites if s.kind in CLOUD_KINDS)
    out: list[Problem] = []
    for n, link in enumerate(links):
        here = ("links", n)
        site = by_name.get(link.onprem)
        if site is None or site.kind != "onprem":
            what = "no such site" if site is None else f"a {site.kind} site"
            out.append(
                (
                    (*here, "onprem"),
                    f"the name of an on-prem site ({', '.join(onprem) or 'none'})",
                    f"{link.onprem!r}, {what}",
                )
            )
        elif site.vpn is None:
            out.append(
                (
                    (*here, "onprem"),
                    f"an on-prem site that declares its VPN end (sites[{site.name}].vpn: public_ips, asn)",
                    f"site {site.name!r} without 'vpn'",
                )
            )
        site = by_name.get(link.cloud)
        if site is None or site.kind not in CLOUD_KINDS:
            what = "no such site" if site is None else f"a {site.kind} site"
            out.append(
                (
                    (*here, "cloud"),
                    f"the name of an AWS or GCP site ({', '.join(cloud) or 'none'})",
                    f"{link.cloud!r}, {what}",
                )
            )
        elif link.aws is not None and site.kind != "aws":
            out.append(((*here, "aws"), f"no 'aws' options for a link to the {site.kind} site {site.name!r}", "'aws'"))
    return out


def _unique(links: list[LinkSpec]) -> list[Problem]:
    out: list[Problem] = []
    names: dict[str, int] = {}
    pairs: dict[tuple[str, str], str] = {}
    for n, link in enumerate(links):
        if link.name in names:
            out.append(
                (
                    ("links", n, "name"),
                    "link names unique in the stack",
                    f"{link.name!r} also at links[{names[link.name]}]",
                )
            )
        names.setdefault(link.name, n)
        pair = (link.onprem, link.cloud)
        if pair in pairs:
            out.append(
                (
                    ("links", n, "cloud"),
                    f"one link per pair of sites ({link.onprem} and {link.cloud} are linked by {pairs[pair]!r})",
                    repr(link.cloud),
                )
            )
        pairs.setdefault(pair, link.name)
    return out


def _asns(sites: list[Any], links: list[LinkSpec]) -> list[Problem]:
    """One ASN per site, a different one for every site (BGP would drop routes carrying its own ASN)."""
    owner: dict[int, str] = {}
    site_asn: dict[str, int] = {}
    out: list[Problem] = []
    for i, s in enumerate(sites):
        vpn = getattr(s, "vpn", None)
        if vpn is None:
            continue
        if vpn.asn in owner:
            out.append(
                (("sites", i, "vpn", "asn"), f"an ASN no other site uses ({owner[vpn.asn]!r} has it)", str(vpn.asn))
            )
        owner.setdefault(vpn.asn, s.name)
        site_asn[s.name] = vpn.asn
    for n, link in enumerate(links):
        here = ("links", n, "cloud_asn")
        known = site_asn.get(link.cloud)
        if known is not None and known != link.cloud_asn:
            out.append((here, f"the ASN the other links give site {link.cloud!r} ({known})", str(link.cloud_asn)))
            continue
        if known is None and link.cloud_asn in owner:
            out.append((here, f"an ASN no other site uses ({owner[link.cloud_asn]!r} has it)", str(link.cloud_asn)))
            continue
        owner.setdefault(link.cloud_asn, link.cloud)
        site_asn.setdefault(link.cloud, link.cloud_asn)
    return out


def _inside_cidrs(links: list[LinkSpec]) -> list[Problem]:
    seen: list[tuple[IPv4Network, str]] = []
    out: list[Problem] = []
    for n, link in enumerate(links):
        for t, cidr in enumerate(link.tunnel_inside_cidrs or []):
            net = IPv4Network(cidr)
            other = next((name for o, name in seen if o.overlaps(net)), None)
            if other is not None and other != link.name:
                out.append(
                    (("links", n, "tunnel_inside_cidrs", t), f"a /30 no other link uses ({other!r} has it)", cidr)
                )
            seen.append((net, link.name))
    return out

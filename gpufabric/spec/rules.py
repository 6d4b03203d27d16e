"""Rules that relate several parts of a spec, each reported at the key path it is about.

Shape errors come from pydantic (models.py); these rules run on a spec that already has the right shape
and return every problem at once, so a user fixes a stack file in one round.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from gpufabric.core.hardware import cpu_architecture
from gpufabric.core.jurisdictions import Jurisdiction
from gpufabric.core.vocabulary import (
    DEFAULT_TIER_ORDER,
    POLICY_REGION_ALLOWED,
    SITE_TIER_KINDS,
    SUPPORTED_SITE_KINDS,
    SiteKind,
)
from gpufabric.spec.models import FabricSpec
from gpufabric.spec.sites.gcp import GcpSiteSpec
from gpufabric.spec.sites.gcp_rules import gcp_site_problems

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Issue:
    """One problem: where (a key path into the fabric object), what was expected, what was found."""

    path: Path
    expected: str
    found: str = ""
    policy: str = ""  # the policy-pack rule this problem also breaks (e.g. a region outside the jurisdiction)


def site_kind_issues(raw_sites: Any) -> list[Issue]:
    """Site kinds that are unknown or not built yet, checked on raw data before the models see it."""
    issues: list[Issue] = []
    if not isinstance(raw_sites, list):
        return issues
    supported = ", ".join(sorted(k.value for k in SUPPORTED_SITE_KINDS))
    for i, site in enumerate(raw_sites):
        if not isinstance(site, dict) or "kind" not in site:
            continue
        kind = site["kind"]
        if kind in {k.value for k in SiteKind} and kind not in {k.value for k in SUPPORTED_SITE_KINDS}:
            issues.append(
                Issue(
                    ("sites", i, "kind"),
                    f"a supported site kind ({supported})",
                    f"{kind!r}, which is not yet supported",
                )
            )
        elif kind not in {k.value for k in SiteKind}:
            issues.append(
                Issue(
                    ("sites", i, "kind"),
                    f"a site kind: one of {', '.join(k.value for k in SiteKind)}",
                    repr(kind),
                )
            )
    return issues


def spec_issues(spec: FabricSpec) -> list[Issue]:
    """Every cross-cutting problem of a well-shaped spec."""
    return [
        *_unique_names(spec),
        *_in_jurisdiction(spec, spec.resolved_jurisdiction()),
        *_tier_kinds_fit_sites(spec),
        *_zones_in_region(spec),
        *_cidrs_disjoint(spec),
        *_overflow_references(spec),
        *_one_architecture_per_tier(spec),
        *_gcp_sites(spec),
    ]


def _gcp_sites(spec: FabricSpec) -> list[Issue]:
    """Each GCP site's own rules (machine table, zones, GKE version), placed under the site's key path."""
    return [
        Issue(("sites", i, *path), expected, found)
        for i, site in enumerate(spec.sites)
        if isinstance(site, GcpSiteSpec) and spec.resolved_jurisdiction().allows("gcp", site.region)
        for path, expected, found in gcp_site_problems(site)
    ]


def _one_architecture_per_tier(spec: FabricSpec) -> list[Issue]:
    """A node group runs one AMI, so a tier's instance types share one CPU architecture."""
    issues = []
    for i, site in enumerate(spec.sites):
        for k, tier in enumerate(site.tiers):
            if len({cpu_architecture(t) for t in tier.instance_types}) > 1:
                issues.append(
                    Issue(
                        ("sites", i, "tiers", k, "instance_types"),
                        "instance types of one CPU architecture (all arm64 or all x86_64)",
                        f"a mix of arm64 and x86_64: {', '.join(tier.instance_types)}",
                    )
                )
    return issues


def _duplicates(names: list[str]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        seen.setdefault(n, []).append(i)
    return {n: idx for n, idx in seen.items() if len(idx) > 1}


def _unique_names(spec: FabricSpec) -> list[Issue]:
    issues = [
        Issue(("sites", idx[1], "name"), "site names unique in the stack", f"{name!r} also at sites[{idx[0]}]")
        for name, idx in _duplicates([s.name for s in spec.sites]).items()
    ]
    for i, site in enumerate(spec.sites):
        issues += [
            Issue(
                ("sites", i, "tiers", idx[1], "name"),
                "tier names unique within a site",
                f"{name!r} also at tiers[{idx[0]}]",
            )
            for name, idx in _duplicates([t.name for t in site.tiers]).items()
        ]
    return issues


_PROVIDER_NAME = {"aws": "an AWS", "gcp": "a GCP", "onprem": "an on-prem"}


def _in_jurisdiction(spec: FabricSpec, j: Jurisdiction) -> list[Issue]:
    issues = []
    for i, site in enumerate(spec.sites):
        if not j.allows(site.kind, site.region):
            allowed = sorted(j.aws_regions if site.kind == "aws" else j.gcp_regions)
            issues.append(
                Issue(
                    ("sites", i, "region"),
                    f"{_PROVIDER_NAME[site.kind]} region inside jurisdiction {j.name!r} ({', '.join(allowed)})",
                    repr(site.region),
                    policy=POLICY_REGION_ALLOWED,
                )
            )
    return issues


def _tier_kinds_fit_sites(spec: FabricSpec) -> list[Issue]:
    issues = []
    for i, site in enumerate(spec.sites):
        allowed = SITE_TIER_KINDS[SiteKind(site.kind)]
        for k, tier in enumerate(site.tiers):
            if tier.kind not in allowed:
                issues.append(
                    Issue(
                        ("sites", i, "tiers", k, "kind"),
                        f"a tier kind a {site.kind} site can have ({', '.join(sorted(t.value for t in allowed))})",
                        repr(tier.kind.value),
                    )
                )
    return issues


def _zones_in_region(spec: FabricSpec) -> list[Issue]:
    issues = []
    j = spec.resolved_jurisdiction()
    for i, site in enumerate(spec.sites):
        if site.kind != "aws":
            continue  # GCP zones are checked against the machine table (spec/sites/gcp_rules.py)
        if not j.allows(site.kind, site.region):
            continue  # the region is already reported; its zones would only repeat it
        zone_lists: list[tuple[Path, list[str]]] = []
        if site.network.availability_zones:
            zone_lists.append((("sites", i, "network", "availability_zones"), site.network.availability_zones))
        for k, tier in enumerate(site.tiers):
            if tier.availability_zones:
                zone_lists.append((("sites", i, "tiers", k, "availability_zones"), tier.availability_zones))
        for path, zones in zone_lists:
            for z, zone in enumerate(zones):
                if not (zone.startswith(site.region) and len(zone) == len(site.region) + 1 and zone[-1].isalpha()):
                    issues.append(
                        Issue(
                            (*path, z),
                            f"an availability zone of {site.region} like {site.region}a",
                            repr(zone),
                        )
                    )
            for zone, idx in _duplicates(zones).items():
                issues.append(Issue((*path, idx[1]), "each availability zone once", repr(zone)))
        if site.network.availability_zones:
            site_zones = set(site.network.availability_zones)
            for k, tier in enumerate(site.tiers):
                for z, zone in enumerate(tier.availability_zones or []):
                    if zone not in site_zones and zone.startswith(site.region):
                        issues.append(
                            Issue(
                                ("sites", i, "tiers", k, "availability_zones", z),
                                f"one of the site's zones ({', '.join(site.network.availability_zones)})",
                                repr(zone),
                            )
                        )
    return issues


def _cidrs_disjoint(spec: FabricSpec) -> list[Issue]:
    """Sites will be joined over private links, so their address spaces must not overlap."""
    issues = []
    nets = [(i, ipaddress.IPv4Network(s.network.cidr)) for i, s in enumerate(spec.sites)]
    for a, (i, net_i) in enumerate(nets):
        for j, net_j in nets[a + 1 :]:
            if net_i.overlaps(net_j):
                issues.append(
                    Issue(
                        ("sites", j, "network", "cidr"),
                        f"a CIDR that does not overlap site {spec.sites[i].name!r} ({net_i})",
                        str(net_j),
                    )
                )
    return issues


def _overflow_references(spec: FabricSpec) -> list[Issue]:
    if spec.overflow is None:
        return []
    known = [f"{s.name}/{t.name}" for s in spec.sites for t in s.tiers]
    kinds = {f"{s.name}/{t.name}": DEFAULT_TIER_ORDER.index(t.kind) for s in spec.sites for t in s.tiers}
    issues = []
    for n, ref in enumerate(spec.overflow):
        if ref not in known:
            issues.append(Issue(("overflow", n), f"a 'site/tier' reference, one of {', '.join(known)}", repr(ref)))
    for ref, idx in _duplicates(spec.overflow).items():
        issues.append(Issue(("overflow", idx[1]), "each tier once in the overflow order", f"{ref!r} again"))
    by_kind = sorted(known, key=lambda ref: kinds[ref])  # stable: site and tier order within a kind
    missing = [ref for ref in by_kind if ref not in spec.overflow]
    if missing:
        issues.append(Issue(("overflow",), "every tier of every site listed once", f"missing {', '.join(missing)}"))
    return issues

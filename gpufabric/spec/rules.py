"""Rules that relate several parts of a spec, each reported at the key path it is about.

Shape errors come from pydantic (models.py); these rules run on a spec that already has the right shape
and return every problem at once, so a user fixes a stack file in one round.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network

from gpufabric.core.charts import PUBLIC_REGISTRIES, registry_host
from gpufabric.core.hardware import cpu_architecture, known_machine_types
from gpufabric.core.jurisdictions import Jurisdiction, aws_partition_of
from gpufabric.core.naming import FABRIC_TAGS_PER_RESOURCE
from gpufabric.core.vocabulary import (
    DEFAULT_TIER_ORDER,
    POLICY_GUARDRAILS_INTACT,
    POLICY_IMAGE_REGISTRY_ALLOWED,
    POLICY_REGION_ALLOWED,
)
from gpufabric.spec.bounds import MAX_FABRIC_NODES, MAX_TAGS_PER_RESOURCE, is_wildcard_arn, partition_of_arn
from gpufabric.spec.link_rules import link_problems
from gpufabric.spec.models import FabricSpec
from gpufabric.spec.serving_rules import serving_problems
from gpufabric.spec.sites import SiteSpec
from gpufabric.spec.sites.aws import AwsSiteSpec
from gpufabric.spec.sites.gcp import GcpSiteSpec
from gpufabric.spec.sites.gcp_rules import gcp_site_problems
from gpufabric.spec.tiers import AwsTierFields

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Issue:
    """One problem: where (a key path into the fabric object), what was expected, what was found."""

    path: Path
    expected: str
    found: str = ""
    policy: str = ""  # the policy-pack rule this problem also breaks (e.g. a region outside the jurisdiction)


def spec_issues(spec: FabricSpec) -> list[Issue]:
    """Every cross-cutting problem of a well-shaped spec."""
    return [
        *_unique_names(spec),
        *_in_jurisdiction(spec, spec.resolved_jurisdiction()),
        *_zones_in_region(spec),
        *_cidrs_disjoint(spec),
        *_overflow_references(spec),
        *_one_architecture_per_tier(spec),
        *_gpu_instance_types(spec),
        *_fabric_node_total(spec),
        *_tags_per_resource(spec),
        *_arn_partitions(spec, spec.resolved_jurisdiction()),
        *_gcp_sites(spec),
        *_mirrors_are_own(spec),
        *_gateway_site(spec),
        *[Issue(path, expected, found, policy) for path, expected, found, policy in serving_problems(spec)],
        *_hatches_have_a_target(spec),
        *_node_group_names_fit(spec),
        *(Issue(path, expected, found) for path, expected, found in link_problems(spec.sites, spec.links)),
    ]


def _gateway_site(spec: FabricSpec) -> list[Issue]:
    """The gateway runs on a declared site."""
    if spec.serving is None or spec.serving.gateway.site is None:
        return []
    names = [s.name for s in spec.sites]
    if spec.serving.gateway.site in names:
        return []
    return [
        Issue(
            ("serving", "gateway", "site"),
            f"the name of a site of this stack, one of {', '.join(names)}",
            repr(spec.serving.gateway.site),
        )
    ]


def _hatches_have_a_target(spec: FabricSpec) -> list[Issue]:
    """Under Karpenter a tier has no node group or launch template: their escape hatches would be ignored
    silently, so they are refused (Karpenter's EC2NodeClass holds the hardened launch settings)."""
    issues = []
    for i, site in enumerate(spec.sites):
        if not isinstance(site, AwsSiteSpec) or site.cluster.autoscaler != "karpenter":
            continue
        for t, tier in enumerate(site.tiers):
            for key in ("node_group_args", "launch_template_args"):
                if getattr(tier, key):
                    issues.append(
                        Issue(
                            ("sites", i, "tiers", t, key),
                            f"no {key} on a site whose cluster.autoscaler is karpenter (Karpenter launches its "
                            "nodes itself: there is no node group or launch template to pass them to)",
                            f"{key} with {', '.join(sorted(getattr(tier, key)))}",
                        )
                    )
    return issues


EKS_NODE_GROUP_NAME_MAX = 63  # EKS CreateNodegroup: nodegroupName is at most 63 characters


def _node_group_names_fit(spec: FabricSpec) -> list[Issue]:
    """Under the Cluster Autoscaler node groups get physical names (`<site>-<tier>[-<zone>]`, the expander's
    patterns match them), so a long site and tier name would fail at deploy time: refuse it here. The zone
    part is the longest of the site's declared zones, else the region plus its zone letter."""
    issues = []
    for i, site in enumerate(spec.sites):
        if not isinstance(site, AwsSiteSpec) or site.cluster.autoscaler != "cluster-autoscaler":
            continue
        zones = site.network.availability_zones or [f"{site.region}a"]
        zone = max(zones, key=len)
        for t, tier in enumerate(site.tiers):
            longest = f"{site.name}-{tier.name}-{zone}"
            if len(longest) > EKS_NODE_GROUP_NAME_MAX:
                issues.append(
                    Issue(
                        ("sites", i, "tiers", t, "name"),
                        f"site and tier names short enough that node group names like {longest!r} stay within "
                        f"{EKS_NODE_GROUP_NAME_MAX} characters (the Cluster Autoscaler needs them named)",
                        f"{len(longest)} characters",
                    )
                )
    return issues


def _gcp_sites(spec: FabricSpec) -> list[Issue]:
    """Each GCP site's own rules (machine table, zones, GKE version), placed under the site's key path."""
    return [
        Issue(("sites", i, *path), expected, found)
        for i, site in enumerate(spec.sites)
        if isinstance(site, GcpSiteSpec) and site.in_jurisdiction(spec.resolved_jurisdiction())
        for path, expected, found in gcp_site_problems(site)
    ]


def _gpu_instance_types(spec: FabricSpec) -> list[Issue]:
    """Tiers carry GPU nodes (system nodes are separate): every instance type is one the hardware table knows."""
    issues = []
    for i, site in enumerate(spec.sites):
        gpu_types = known_machine_types(site.kind)
        for k, tier in enumerate(site.tiers):
            for n, t in enumerate(getattr(tier, "instance_types", None) or []):
                if t not in gpu_types:
                    issues.append(
                        Issue(
                            ("sites", i, "tiers", k, "instance_types", n),
                            f"a GPU instance type ({', '.join(gpu_types)})",
                            repr(t),
                        )
                    )
    return issues


def _fabric_node_total(spec: FabricSpec) -> list[Issue]:
    """Every tier's count or ceiling added up stays within the fabric bound (sizing and plans stay finite)."""
    total = sum(getattr(t, "count", None) or getattr(t, "max", 0) for s in spec.sites for t in s.tiers)
    if total <= MAX_FABRIC_NODES:
        return []
    return [
        Issue(("sites",), f"at most {MAX_FABRIC_NODES:,} nodes in the whole fabric (counts and maxes)", f"{total:,}")
    ]


def _tags_per_resource(spec: FabricSpec) -> list[Issue]:
    """A resource carries the fabric's tags, the site's and its own: AWS allows 50 in all."""
    issues = []
    room = MAX_TAGS_PER_RESOURCE - FABRIC_TAGS_PER_RESOURCE
    for i, site in enumerate(spec.sites):
        keys = {*spec.tags, *site.tags}
        if len(keys) > room:
            issues.append(
                Issue(
                    ("sites", i, "tags"),
                    f"at most {room} tags from the fabric's and the site's tags together (AWS allows "
                    f"{MAX_TAGS_PER_RESOURCE} per resource and the fabric adds {FABRIC_TAGS_PER_RESOURCE})",
                    str(len(keys)),
                )
            )
    return issues


def _arn_partitions(spec: FabricSpec, j: Jurisdiction) -> list[Issue]:
    """An ARN from another partition names a principal that cannot exist where the stack deploys."""
    issues = []
    for i, site in enumerate(spec.sites):
        arns = getattr(getattr(site, "cluster", None), "admin_role_arns", [])
        want = aws_partition_of(site.region)
        for n, arn in enumerate(arns):
            if partition_of_arn(arn) != want:
                issues.append(
                    Issue(
                        ("sites", i, "cluster", "admin_role_arns", n),
                        f"an ARN of the partition {want!r} (the region {site.region})",
                        repr(arn),
                    )
                )
    scp = spec.guardrails.aws_scp if spec.guardrails else None
    if scp is not None:
        allowed = sorted({aws_partition_of(r) for r in j.aws_regions})
        for n, arn in enumerate(scp.exempt_role_arns):
            if is_wildcard_arn(arn):
                issues.append(
                    Issue(
                        ("guardrails", "aws_scp", "exempt_role_arns", n),
                        "one IAM role ARN, not a wildcard (it would exempt every principal from the region deny)",
                        repr(arn),
                        policy=POLICY_GUARDRAILS_INTACT,
                    )
                )
            elif partition_of_arn(arn) not in allowed:
                issues.append(
                    Issue(
                        ("guardrails", "aws_scp", "exempt_role_arns", n),
                        f"an ARN of a partition of jurisdiction {j.name!r} ({', '.join(allowed)})",
                        repr(arn),
                    )
                )
    return issues


def _mirrors_are_own(spec: FabricSpec) -> list[Issue]:
    """A site's registry and chart mirrors are its own: a public registry is no mirror (images would leave
    the jurisdiction's control)."""
    issues = []
    for i, site in enumerate(spec.sites):
        for key in ("registry_mirror", "chart_mirror"):
            ref = getattr(site, key, None)
            if ref and registry_host(ref) in PUBLIC_REGISTRIES:
                issues.append(
                    Issue(
                        ("sites", i, key),
                        "the site's own registry (a mirror inside the jurisdiction), not a public registry",
                        repr(ref),
                        policy=POLICY_IMAGE_REGISTRY_ALLOWED,
                    )
                )
    return issues


def _one_architecture_per_tier(spec: FabricSpec) -> list[Issue]:
    """A node group runs one AMI, so a tier's instance types share one CPU architecture."""
    issues = []
    for i, site in enumerate(spec.sites):
        for k, tier in enumerate(site.tiers):
            if not isinstance(tier, AwsTierFields):
                continue  # owned tiers run nodes that already exist: no instance types
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


def _in_jurisdiction(spec: FabricSpec, j: Jurisdiction) -> list[Issue]:
    issues = []
    for i, site in enumerate(spec.sites):
        if not site.in_jurisdiction(j):
            allowed = site.allowed_regions(j)
            issues.append(
                Issue(
                    ("sites", i, getattr(site, "region_key", "region")),
                    f"{site.region_phrase} inside jurisdiction {j.name!r} ({', '.join(allowed)})",
                    repr(site.region),
                    policy=getattr(site, "region_policy", POLICY_REGION_ALLOWED),
                )
            )
    return issues


def _zones_in_region(spec: FabricSpec) -> list[Issue]:
    issues = []
    j = spec.resolved_jurisdiction()
    for i, site in enumerate(spec.sites):
        if not site.in_jurisdiction(j):
            continue  # the region is already reported; its zones would only repeat it
        for below, zones in site.zone_lists():
            path = ("sites", i, *below)
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
        site_zones = site.site_zones()
        if site_zones:
            for below, zones in site.zone_lists():
                if below[0] != "tiers":
                    continue
                for z, zone in enumerate(zones):
                    if zone not in site_zones and zone.startswith(site.region):
                        issues.append(
                            Issue(
                                ("sites", i, *below, z),
                                f"one of the site's zones ({', '.join(site_zones)})",
                                repr(zone),
                            )
                        )
    return issues


def _cidrs_disjoint(spec: FabricSpec) -> list[Issue]:
    """Sites will be joined over private links, so their address spaces must not overlap."""
    issues = []
    nets = [(i, path, net) for i, s in enumerate(spec.sites) for path, net in _site_cidrs(s)]
    for a, (i, _, net_i) in enumerate(nets):
        for j, path_j, net_j in nets[a + 1 :]:
            if i != j and net_i.overlaps(net_j):
                issues.append(
                    Issue(
                        ("sites", j, *path_j),
                        f"a CIDR that does not overlap site {spec.sites[i].name!r} ({net_i})",
                        str(net_j),
                    )
                )
    return issues


def _site_cidrs(site: SiteSpec) -> list[tuple[tuple[str, ...], IPv4Network]]:
    """A site's address spaces with their key paths: several on-prem (pods, services, nodes), one otherwise."""
    many = getattr(site, "cidrs", None)
    return many() if many is not None else [(site.cidr_path, site.cidr())]


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

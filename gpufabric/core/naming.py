"""Names, Kubernetes labels, taints and cloud tags for what a site declares.

Everything here is derived from names in the spec, so the same spec always yields the same names, and
residency and cost attribution travel with every resource (tags) and every GPU node (labels).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from gpufabric.core import vocabulary as v


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str  # Kubernetes spelling: NoSchedule, PreferNoSchedule, NoExecute


def gpu_taints() -> list[Taint]:
    """GPU nodes repel everything that does not tolerate the GPU taint (only GPU workloads land there)."""
    return [Taint(v.GPU_TAINT_KEY, v.GPU_TAINT_VALUE, v.GPU_TAINT_EFFECT)]


def eks_taint_effect(effect: str) -> str:
    """EKS managed node groups spell taint effects NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE."""
    return {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}[effect]


def node_labels(
    *,
    jurisdiction: str,
    site: str,
    region: str,
    tier: str,
    kind: v.TierKind,
    rank: int,
    extra: dict[str, str],
) -> dict[str, str]:
    """Labels every node of a tier carries: where it is, which tier it is, and its place in the overflow."""
    _refuse_reserved("label", extra, is_reserved_label)
    labels = {
        v.LABEL_JURISDICTION: jurisdiction,
        v.LABEL_SITE: site,
        v.LABEL_TIER: tier,
        v.LABEL_TIER_KIND: kind.value,
        v.LABEL_OVERFLOW_RANK: str(rank),
        v.LABEL_REGION: region,
    }
    return {**extra, **labels}


class ReservedKeyError(ValueError):
    """A user label or tag reuses a key the fabric sets itself (the spec refuses these first)."""


# Keys the fabric owns: a user label or tag with one of these would be overridden, so it is refused.
RESERVED_LABEL_KEYS: frozenset[str] = frozenset({v.LABEL_REGION})
RESERVED_LABEL_PREFIX = f"{v.LABEL_PREFIX}/"
RESERVED_TAG_PREFIX = "gpufabric:"
FABRIC_TAG_KEYS: tuple[str, ...] = (v.TAG_STACK, v.TAG_JURISDICTION, v.TAG_SITE, v.TAG_TIER)
FABRIC_TAGS_PER_RESOURCE = len(FABRIC_TAG_KEYS)  # the most tags the fabric adds to one resource


def is_reserved_label(key: str) -> bool:
    return key in RESERVED_LABEL_KEYS or key.startswith(RESERVED_LABEL_PREFIX)


def is_reserved_tag(key: str) -> bool:
    return key.startswith(RESERVED_TAG_PREFIX)


def _refuse_reserved(what: str, keys: dict[str, str], reserved: Callable[[str], bool]) -> None:
    taken = sorted(k for k in keys if reserved(k))
    if taken:
        raise ReservedKeyError(f"{what} {', '.join(map(repr, taken))} reserved by the fabric")


FABRIC_WIDE = "fabric"  # the site tag of resources that belong to no one site (e.g. the guardrails)


def resource_tags(
    *, stack: str, jurisdiction: str, site: str, fabric_tags: dict[str, str], site_tags: dict[str, str]
) -> dict[str, str]:
    """Tags for every taggable resource of a site (applied as the site provider's default tags)."""
    _refuse_reserved("tag", {**fabric_tags, **site_tags}, is_reserved_tag)
    return {
        **fabric_tags,
        **site_tags,
        v.TAG_STACK: stack,
        v.TAG_JURISDICTION: jurisdiction,
        v.TAG_SITE: site,
    }


def cluster_name(stack: str, site: str) -> str:
    """The EKS cluster's physical name (fixed, so its control-plane log group can be created first)."""
    return f"{stack}-{site}"[:100]


def zone_suffix(zone: str) -> str:
    """`eu-north-1a` -> `a`: short, unique within a region."""
    return zone[-1]


def tier_resource_name(site: str, tier: str, zone: str | None = None) -> str:
    """Logical names by site, tier and (for per-AZ resources) zone letter: stable, never positional."""
    return f"{site}-{tier}" + (f"-{zone_suffix(zone)}" if zone else "")


def role_name_of(arn: str) -> str:
    """`arn:aws:iam::123456789012:role/team/platform-admin` -> `team-platform-admin` (names access entries).

    The whole role path, not only its last part: roles of the same name on different paths are different
    principals and need different access entries.
    """
    return arn.split(":role/", 1)[-1].strip("/").replace("/", "-")


def gcp_label_key(tag: str) -> str:
    """GCP label keys allow lowercase letters, digits, `_` and `-`: `gpufabric:site` -> `gpufabric_site`."""
    return re.sub(r"[^a-z0-9_-]", "_", tag.lower())


def gcp_labels(tags: dict[str, str]) -> dict[str, str]:
    """Resource tags as GCP labels: keys and values made label-safe (lowercase, `_`/`-`, at most 63)."""
    return {gcp_label_key(k)[:63]: gcp_label_key(v)[:63] for k, v in tags.items()}

"""Placement: which availability zones a site and each of its tiers use, given what the region offers.

GPU instance types are offered in only some AZs of a region (p5.48xlarge in eu-north-1a/b/c but
p4d.24xlarge only in eu-north-1c). The program asks AWS which AZs offer each type and this module decides:
a tier goes only where at least one of its types is offered, a reserved tier's count is split over its AZs,
and a type no AZ offers is an error naming the type and region.
"""

from __future__ import annotations

from dataclasses import dataclass

from gpufabric.core.errors import DecisionError
from gpufabric.core.vocabulary import TierKind


class PlacementError(DecisionError):
    """No AZ can hold a tier; the message names the tier, its types and the region; `where` its key path."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.where = where


@dataclass(frozen=True)
class TierPlacement:
    tier: str
    zones: tuple[str, ...]  # AZs the tier's node group(s) span
    per_zone_count: dict[str, int]  # committed tiers: nodes (and reserved instances) per AZ; elastic: empty


def site_zones(
    requested: list[str] | None, offered: dict[str, set[str]], max_zones: int = 3, pinned: list[str] | None = None
) -> list[str]:
    """The site's AZs: those requested, else the (at most `max_zones`) AZs offering the most tier types plus
    the zones a tier is pinned to (a capacity block lives in its one AZ and needs a subnet there)."""
    if requested:
        return sorted(requested)
    score: dict[str, int] = {}
    for zones in offered.values():
        for z in zones:
            score[z] = score.get(z, 0) + 1
    best = sorted(score, key=lambda z: (-score[z], z))[:max_zones]
    return sorted(set(best) | set(pinned or []))


def place_tier(
    *,
    site: str,
    region: str,
    tier: str,
    kind: TierKind,
    instance_types: list[str],
    count: int | None,
    tier_zones: list[str] | None,
    site_zone_list: list[str],
    offered: dict[str, set[str]],
    where: str = "",
) -> TierPlacement:
    """Choose the tier's AZs among the site's, keeping only AZs that offer at least one of its types."""
    missing = [t for t in instance_types if not offered.get(t)]
    if len(missing) == len(instance_types):
        raise PlacementError(
            f"site {site!r} tier {tier!r}: no availability zone in {region} offers "
            f"{', '.join(instance_types)}; pick an instance type offered in {region} or another region",
            where,
        )
    candidates = tier_zones or site_zone_list
    zones = sorted(z for z in candidates if any(z in offered.get(t, set()) for t in instance_types))
    if not zones:
        offered_in = {t: sorted(offered.get(t, set())) for t in instance_types}
        raise PlacementError(
            f"site {site!r} tier {tier!r}: none of its zones ({', '.join(candidates)}) offers "
            f"{', '.join(instance_types)}; offered in: "
            + "; ".join(f"{t}: {', '.join(z) or 'none'}" for t, z in offered_in.items()),
            where,
        )
    per_zone = split_count(count, zones) if count is not None and kind != TierKind.CAPACITY_BLOCK else {}
    if kind == TierKind.CAPACITY_BLOCK and count is not None:
        per_zone = {zones[0]: count}
    return TierPlacement(tier=tier, zones=tuple(zones), per_zone_count=per_zone)


def split_count(count: int, zones: list[str]) -> dict[str, int]:
    """Split `count` nodes over AZs as evenly as possible, earlier AZs (by name) taking the remainder.

    AZs that get no node are left out (no empty reservation is made for them).
    """
    ordered = sorted(zones)
    base, extra = divmod(count, len(ordered))
    split = {z: base + (1 if i < extra else 0) for i, z in enumerate(ordered)}
    return {z: n for z, n in split.items() if n > 0}

"""The overflow order: which tier of which site takes traffic and capacity first.

By default tiers are ordered by kind (owned, reserved, capacity_block, spot, on_demand: the cheapest
already-paid capacity first, the most expensive last), then by the order of sites in the stack file. A stack
may give the whole order explicitly. The rank feeds labels, the autoscaler priorities, the spill gateway and
the overflow proofs (policies/overflow, which may import spec but not decide), so it is computed once, here.
"""

from __future__ import annotations

from dataclasses import dataclass

from gpufabric.core.vocabulary import DEFAULT_TIER_ORDER, TierKind
from gpufabric.spec.models import FabricSpec


@dataclass(frozen=True)
class TierRef:
    site: str
    tier: str
    kind: TierKind
    rank: int  # 1 = first to be used

    @property
    def ref(self) -> str:
        return f"{self.site}/{self.tier}"


def default_overflow_order(spec: FabricSpec) -> list[TierRef]:
    keyed = sorted(
        (
            (DEFAULT_TIER_ORDER.index(tier.kind), s, t, site.name, tier.name, tier.kind)
            for s, site in enumerate(spec.sites)
            for t, tier in enumerate(site.tiers)
        )
    )
    return [TierRef(site, tier, kind, rank) for rank, (*_, site, tier, kind) in enumerate(keyed, start=1)]


def overflow_order(spec: FabricSpec) -> list[TierRef]:
    """The effective order: the stack's explicit `overflow` list if given, else the default."""
    if spec.overflow is None:
        return default_overflow_order(spec)
    kinds = {f"{s.name}/{t.name}": t.kind for s in spec.sites for t in s.tiers}
    return [
        TierRef(*ref.split("/", 1), kinds[ref], rank)  # type: ignore[misc]
        for rank, ref in enumerate(spec.overflow, start=1)
    ]

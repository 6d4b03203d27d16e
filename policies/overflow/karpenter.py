"""Proofs over Karpenter's NodePools and EC2NodeClasses: the fabric's overflow order survives compilation.

Karpenter tries NodePools from the highest `weight` down and moves on only when a pool cannot launch: a
pool that never hits a limit never spills, and a reserved pool that can also launch on-demand, or that
does not select its reservations, uses on-demand while reservations sit idle (aws/karpenter-provider-aws#8255,
kubernetes-sigs/karpenter#2359, zalando-incubator/kubernetes-on-aws#11623).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gpufabric.core.autoscaling import (
    EC2_NODECLASS_TYPE,
    GPU_RESOURCE,
    INSTANCE_TYPE_KEY,
    KARPENTER_CAPACITY_TYPE,
    KARPENTER_INSTANCE_FAMILY,
    KARPENTER_RESERVATION_ID,
    NODEPOOL_TYPE,
    ZONE_KEY,
)
from gpufabric.core.vocabulary import TierKind
from policies.config import ResolvedConfig
from policies.model import Res, StackContext
from policies.overflow.view import (
    Order,
    Reservation,
    carried_rank,
    fabric_order,
    object_labels,
    object_name,
    of_type,
    requirement_allows,
    requirement_values,
    requirements,
    reservations,
    site_tier,
    where,
)
from policies.resources import as_list, as_mapping, aws_tags, dig

Findings = Iterator[tuple[str, str]]
# Tier kinds a Karpenter pool serves from capacity reservations (capacity type `reserved`).
RESERVED_KINDS = {TierKind.RESERVED.value, TierKind.CAPACITY_BLOCK.value}


def _weight(pool: Res) -> float:
    """A pool's weight; Karpenter treats an unset weight as the lowest (0)."""
    value = dig(pool.props, "spec", "weight")
    return float(value) if isinstance(value, int | float) else 0.0


def _pools_by_site(pools: Sequence[Res], order: Order) -> dict[str, list[tuple[int, Res]]]:
    """Each site's placed pools as (rank, pool), first used first."""
    out: dict[str, list[tuple[int, Res]]] = {}
    for pool in pools:
        site, tier = site_tier(pool)
        rank = order.rank(site, tier)
        if rank is not None:
            out.setdefault(site, []).append((rank, pool))
    return {site: sorted(items, key=lambda item: item[0]) for site, items in out.items()}


def check_weights(resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext) -> Findings:
    """Per site, NodePool weights strictly decrease in the fabric's overflow order; every pool names a tier
    of the order, and a rank it carries agrees with the order."""
    pools = of_type(resources, NODEPOOL_TYPE)
    order = fabric_order(stack, pools)
    for pool in pools:
        site, tier = site_tier(pool)
        rank = order.rank(site, tier)
        if rank is None:
            yield (
                f"NodePool {object_name(pool)!r} ({where(site, tier, order)}) serves no tier of the fabric's "
                "overflow order: label it with gpufabric.io/site and gpufabric.io/tier of a declared tier",
                pool.urn,
            )
        elif (carried := carried_rank(pool)) is not None and carried != rank:
            yield (
                f"NodePool {object_name(pool)!r} ({where(site, tier, order)}) carries overflow rank {carried}, "
                f"but the fabric's overflow order gives tier {tier} rank {rank}",
                pool.urn,
            )
    for ranked in _pools_by_site(pools, order).values():
        for (_, before), (_, after) in zip(ranked, ranked[1:], strict=False):
            if _weight(after) >= _weight(before):
                b_site, b_tier = site_tier(before)
                a_site, a_tier = site_tier(after)
                yield (
                    f"NodePool {object_name(after)!r} ({where(a_site, a_tier, order)}) has weight "
                    f"{_weight(after):g}, not below the {_weight(before):g} of NodePool {object_name(before)!r} "
                    f"({where(b_site, b_tier, order)}): Karpenter would not try tier {b_tier} before tier {a_tier} "
                    "(weights must strictly decrease in overflow order)",
                    after.urn,
                )


def _gpu_limit(pool: Res) -> Any:
    return as_mapping(dig(pool.props, "spec", "limits")).get(GPU_RESOURCE)


def check_limits(resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext) -> Findings:
    """Every NodePool of a tier that must spill (all but its site's last tier) caps `nvidia.com/gpu`: a pool
    without a limit never fills up, so Karpenter never moves on to the next tier."""
    pools = of_type(resources, NODEPOOL_TYPE)
    order = fabric_order(stack, pools)
    for site, ranked in _pools_by_site(pools, order).items():
        last = order.last_tier(site)
        for _, pool in ranked:
            _, tier = site_tier(pool)
            if tier == last:
                continue
            limit = _gpu_limit(pool)
            if limit is None or str(limit).strip() in ("", "0"):
                found = "no limit" if limit is None else f"limit {limit!r}"
                yield (
                    f"NodePool {object_name(pool)!r} ({where(site, tier, order)}) has {found} on "
                    f"{GPU_RESOURCE} in spec.limits: tier {tier} is not its site's last tier "
                    f"({last}), so it must be capped to spill over",
                    pool.urn,
                )


def _node_class(pool: Res, classes: Sequence[Res]) -> Res | None:
    ref = as_mapping(dig(pool.props, "spec", "template", "spec", "nodeClassRef"))
    name = ref.get("name")
    site, _ = site_tier(pool)
    candidates = [c for c in classes if object_name(c) == name]
    same_site = [c for c in candidates if object_labels(c).get("gpufabric.io/site") in (site, None, "")]
    return (same_site or candidates or [None])[0]


def _tags_match(wanted: Mapping[str, Any], tags: Mapping[str, str]) -> bool:
    return all(k in tags and (str(v) == "*" or tags[k] == str(v)) for k, v in wanted.items())


def selected(node_class: Res, pool: Res, known: Sequence[Reservation]) -> set[str]:
    """The reservation ids a pool can launch into: its EC2NodeClass's capacityReservationSelectorTerms (by id,
    or by tags over the plan's reservations), narrowed by the pool's capacity-reservation-id requirement."""
    ids: set[str] = set()
    for term in as_list(dig(node_class.props, "spec", "capacityReservationSelectorTerms")):
        term = as_mapping(term)
        if isinstance(term.get("id"), str):
            ids.add(term["id"])
        elif term.get("tags"):
            ids |= {r.id for r in known if _tags_match(as_mapping(term["tags"]), aws_tags(r.res))}
    narrowed = requirement_values(requirements(pool), KARPENTER_RESERVATION_ID)
    return ids if narrowed is None else ids & narrowed


def _reservation_fits(pool: Res, r: Reservation) -> Iterator[str]:
    reqs = requirements(pool)
    itype, zone = r.res.props.get("instanceType"), r.res.props.get("availabilityZone")
    if isinstance(itype, str) and not (
        requirement_allows(reqs, INSTANCE_TYPE_KEY, itype)
        and requirement_allows(reqs, KARPENTER_INSTANCE_FAMILY, itype.split(".", 1)[0])
    ):
        yield f"instance type {itype}"
    if isinstance(zone, str) and not requirement_allows(reqs, ZONE_KEY, zone):
        yield f"zone {zone}"


def check_reservations(resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext) -> Findings:
    """A reserved tier's NodePool launches only into reserved capacity, its EC2NodeClass selects exactly its
    tier's reservations (ids of the plan's capacity reservations of that tier), and its requirements admit
    each reservation's instance type and zone."""
    pools = of_type(resources, NODEPOOL_TYPE)
    order = fabric_order(stack, pools)
    classes = of_type(resources, EC2_NODECLASS_TYPE)
    known = reservations(resources, stack)
    by_id = {r.id: r for r in known if r.id}
    for pool in pools:
        site, tier = site_tier(pool)
        kind = order.kinds.get((site, tier)) or object_labels(pool).get("gpufabric.io/tier-kind")
        if kind not in RESERVED_KINDS:
            continue
        name, at = object_name(pool), where(site, tier, order)
        types = requirement_values(requirements(pool), KARPENTER_CAPACITY_TYPE)
        if types != {"reserved"}:
            found = "any capacity type" if types is None else ", ".join(sorted(types))
            yield (
                f"NodePool {name!r} ({at}) may launch {found}: a reserved tier's pool must require "
                f"{KARPENTER_CAPACITY_TYPE} In [reserved], or it spends on-demand before its reservations",
                pool.urn,
            )
        node_class = _node_class(pool, classes)
        if node_class is None:
            ref = dig(pool.props, "spec", "template", "spec", "nodeClassRef", "name")
            yield (f"NodePool {name!r} ({at}) uses EC2NodeClass {ref!r}, which the plan does not declare", pool.urn)
            continue
        mine = [r for r in known if (r.site, r.tier) == (site, tier)]
        got, want = selected(node_class, pool, known), {r.id for r in mine}
        for r in mine:
            if r.id not in got:
                yield (
                    f"NodePool {name!r} ({at}) does not select reservation {r.name!r} ({r.id}) of its own tier "
                    f"through EC2NodeClass {object_name(node_class)!r}: that capacity would sit idle",
                    pool.urn,
                )
        for rid in sorted(got - want):
            other = by_id.get(rid)
            owner = f"tier {other.tier} of site {other.site}" if other is not None else "no tier of this plan"
            label = f"{other.name!r} ({rid})" if other is not None else repr(rid)
            yield (
                f"NodePool {name!r} ({at}) selects reservation {label} through EC2NodeClass "
                f"{object_name(node_class)!r}, which belongs to {owner}",
                pool.urn,
            )
        for r in mine:
            misfits = list(_reservation_fits(pool, r))
            if misfits:
                yield (
                    f"NodePool {name!r} ({at}) requirements exclude the {' and '.join(misfits)} of its "
                    f"reservation {r.name!r}: Karpenter could never launch into it",
                    pool.urn,
                )

"""The tier policy compiler: the fabric's overflow order, compiled once into what each site's engine reads.

`tier_policy(spec)` returns, per site (by name), the engine that scales it and its tiers in overflow order,
each with everything an engine needs: capacity type, instance types, pinned zones, GPUs per node, node and
GPU ceilings, a weight (Karpenter NodePool weight, priority-expander priority, node-affinity preference
weight: the same number, strictly decreasing in overflow order), reservations, taints and labels. Karpenter
(`decide/karpenter.py`), the Cluster Autoscaler (`decide/cluster_autoscaler.py`), GKE's ComputeClass
(`decide/gcp.py`) and on-prem node affinity all render from this one data structure; the plan output, the
overflow proofs and the docs read it too. Pure: no Pulumi, no cloud calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gpufabric.core import hardware, naming
from gpufabric.core.vocabulary import LABEL_OVERFLOW_RANK, LABEL_SITE, LABEL_TIER, LABEL_TIER_KIND, TierKind
from gpufabric.decide.overflow import overflow_order
from gpufabric.spec import FabricSpec
from gpufabric.spec.sites import AwsSiteSpec, GcpSiteSpec, OnpremSiteSpec
from gpufabric.spec.tiers import CapacityBlockTier, CommittedTier, ElasticTier

MAX_WEIGHT = 100  # Karpenter NodePool weight and node-affinity preference weight are both 1..100


class Engine(StrEnum):
    """What turns a site's tier order into nodes."""

    MANAGED_NODE_GROUPS = "managed-node-groups"  # EKS managed node groups, no autoscaler ordering them
    KARPENTER = "karpenter"  # one NodePool per tier, weights and limits
    CLUSTER_AUTOSCALER = "cluster-autoscaler"  # managed node groups + the priority expander
    COMPUTE_CLASS = "compute-class"  # GKE: one ComputeClass, priorities in order
    NODE_AFFINITY = "node-affinity"  # on-prem: nothing to scale; workloads prefer owned nodes


# The capacity type each engine's vocabulary gives a tier kind (Karpenter's `karpenter.sh/capacity-type`
# values; an EC2 Capacity Block is `reserved` capacity to Karpenter since v1.6).
CAPACITY_TYPE: dict[TierKind, str] = {
    TierKind.OWNED: "owned",
    TierKind.RESERVED: "reserved",
    TierKind.CAPACITY_BLOCK: "reserved",
    TierKind.SPOT: "spot",
    TierKind.ON_DEMAND: "on-demand",
}


@dataclass(frozen=True)
class TierRule:
    """One tier as every engine sees it."""

    tier: str
    kind: TierKind
    rank: int  # the tier's 1-based rank in the whole fabric's overflow order
    weight: int  # higher = used first; strictly decreasing along the site's order
    capacity_type: str
    instance_types: tuple[str, ...]
    zones: tuple[str, ...] | None  # pinned by the stack (None: the site's placement chooses)
    gpus_per_node: int  # the most GPUs one node of the tier has
    max_nodes: int  # committed: the count; elastic: max
    gpu_limit: int  # max_nodes x gpus_per_node: the ceiling an engine must not exceed on this tier
    reservation_ids: tuple[str, ...]  # reservations the stack names (capacity blocks); others are created
    creates_reservations: bool  # the site creates this tier's reservations (their ids are known at deploy)
    taints: tuple[naming.Taint, ...]
    labels: dict[str, str] = field(hash=False)  # the node labels of the tier (SiteContext.tier_labels' derivation)

    @property
    def reserved(self) -> bool:
        """Capacity that must be consumed from reservations (and only from its own)."""
        return self.creates_reservations or bool(self.reservation_ids)


@dataclass(frozen=True)
class SiteTierPolicy:
    """One site's engine and its tiers in overflow order."""

    site: str
    kind: str
    engine: Engine
    tiers: tuple[TierRule, ...]

    def order(self) -> list[str]:
        """`site/tier` references, first used first (what the plan prints)."""
        return [f"{self.site}/{t.tier}" for t in self.tiers]

    def node_affinity(self) -> dict[str, Any]:
        """The preferred node affinity that sends inference workloads to the site's tiers in order (owned
        first on-prem): one preference per tier, weighted like the tier, matched on the tier label."""
        return {
            "nodeAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": t.weight,
                        "preference": {"matchExpressions": [{"key": LABEL_TIER, "operator": "In", "values": [t.tier]}]},
                    }
                    for t in self.tiers
                ]
            }
        }


def weights(n: int) -> list[int]:
    """n strictly decreasing weights in 1..100, evenly spaced from 100 (room to insert a tier between)."""
    if not 1 <= n <= MAX_WEIGHT:
        raise ValueError(f"expected 1 to {MAX_WEIGHT} tiers in one site, found {n}")
    step = MAX_WEIGHT // n
    return [MAX_WEIGHT - i * step for i in range(n)]


def _engine(site: AwsSiteSpec | GcpSiteSpec | OnpremSiteSpec) -> Engine:
    if isinstance(site, AwsSiteSpec):
        return Engine(site.cluster.autoscaler)
    if isinstance(site, GcpSiteSpec):
        return Engine.COMPUTE_CLASS
    return Engine.NODE_AFFINITY


def _gpus_per_node(site: AwsSiteSpec | GcpSiteSpec | OnpremSiteSpec, tier: Any) -> int:
    if isinstance(site, OnpremSiteSpec):
        return tier.gpus_per_node
    return max(hardware.lookup(t, site.kind).gpus_per_node for t in tier.instance_types)


def _labels(site: AwsSiteSpec | GcpSiteSpec | OnpremSiteSpec, tier: Any, rank: int, jurisdiction: str) -> dict:
    if isinstance(site, OnpremSiteSpec):  # the labels the operators put on owned nodes (no region: a country)
        return {
            **tier.node_selector,
            LABEL_SITE: site.name,
            LABEL_TIER: tier.name,
            LABEL_TIER_KIND: tier.kind.value,
            LABEL_OVERFLOW_RANK: str(rank),
        }
    return naming.node_labels(
        jurisdiction=jurisdiction,
        site=site.name,
        region=site.region,
        tier=tier.name,
        kind=tier.kind,
        rank=rank,
        extra=tier.labels,
    )


def _zones(site: AwsSiteSpec | GcpSiteSpec | OnpremSiteSpec, tier: Any) -> tuple[str, ...] | None:
    if isinstance(site, AwsSiteSpec):
        pinned = tier.availability_zones or site.network.availability_zones
    elif isinstance(site, GcpSiteSpec):
        pinned = tier.zones
    else:
        pinned = None
    return tuple(pinned) if pinned else None


def site_tier_policy(
    site: AwsSiteSpec | GcpSiteSpec | OnpremSiteSpec, ranks: dict[str, int], jurisdiction: str
) -> SiteTierPolicy:
    """One site's policy from its tiers and their fabric-wide ranks (tier name -> rank)."""
    ordered = sorted(site.tiers, key=lambda t: ranks[t.name])
    rules = []
    for tier, weight in zip(ordered, weights(len(ordered)), strict=True):
        per_node = _gpus_per_node(site, tier)
        nodes = tier.count if isinstance(tier, CommittedTier) else tier.max if isinstance(tier, ElasticTier) else 0
        rules.append(
            TierRule(
                tier=tier.name,
                kind=tier.kind,
                rank=ranks[tier.name],
                weight=weight,
                capacity_type=CAPACITY_TYPE[tier.kind],
                instance_types=tuple(tier.instance_types) if not isinstance(site, OnpremSiteSpec) else (),
                zones=_zones(site, tier),
                gpus_per_node=per_node,
                max_nodes=nodes,
                gpu_limit=nodes * per_node,
                reservation_ids=(tier.reservation_id,) if isinstance(tier, CapacityBlockTier) else (),
                creates_reservations=tier.kind == TierKind.RESERVED,
                taints=tuple(naming.gpu_taints()),
                labels=_labels(site, tier, ranks[tier.name], jurisdiction),
            )
        )
    return SiteTierPolicy(site=site.name, kind=site.kind, engine=_engine(site), tiers=tuple(rules))


def tier_policy(spec: FabricSpec) -> dict[str, SiteTierPolicy]:
    """Every site's tier policy, keyed by site name, in the stack's site order."""
    order = overflow_order(spec)
    jurisdiction = spec.resolved_jurisdiction().name
    return {
        site.name: site_tier_policy(site, {r.tier: r.rank for r in order if r.site == site.name}, jurisdiction)
        for site in spec.sites
    }

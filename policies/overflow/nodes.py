"""Proofs over the nodes every engine creates: GKE's ComputeClass follows the overflow order, inference
tolerates every GPU pool's taints, and no tier is managed by two engines at once."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gpufabric.core.autoscaling import (
    COMPUTE_CLASS_KEY,
    COMPUTE_CLASS_TYPE,
    EKS_NODE_GROUP_TYPE,
    GKE_NODE_POOL_TYPE,
    INFERENCE_TOLERATION,
    NODEPOOL_TYPE,
)
from gpufabric.core.vocabulary import LABEL_TIER
from policies.config import ResolvedConfig
from policies.model import Res, StackContext
from policies.overflow.view import fabric_order, object_labels, object_name, of_type, site_tier, where
from policies.resources import as_list, as_mapping, dig, truthy

Findings = Iterator[tuple[str, str]]

# ----------------------------------------------------------------------------------------- ComputeClass


def _pool_matches(rule: Mapping[str, Any], pool: Res) -> bool:
    """Whether a ComputeClass priority rule describes the capacity a GKE node pool provides."""
    config = as_mapping(pool.props.get("nodeConfig"))
    if rule.get("machineType") not in (None, config.get("machineType")):
        return False
    names = {as_mapping(r).get("name") for r in as_list(dig(rule, "reservations", "specific"))}
    consumed = set(as_list(dig(config, "reservationAffinity", "values")))
    if names:
        return bool(names & consumed)
    return truthy(rule.get("spot")) == truthy(config.get("spot")) and not consumed


def check_compute_class(resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext) -> Findings:
    """A ComputeClass lists its priorities in the fabric's overflow order: each priority rule is matched to
    the node pool (tier) of the class that provides it, and their ranks must increase down the list."""
    gke_pools = of_type(resources, GKE_NODE_POOL_TYPE)
    order = fabric_order(stack, gke_pools)
    for cc in of_type(resources, COMPUTE_CLASS_TYPE):
        name = object_name(cc)
        pools = [p for p in gke_pools if object_labels(p).get(COMPUTE_CLASS_KEY) == name]
        previous: tuple[int, str, str] | None = None
        for n, rule in enumerate(as_list(dig(cc.props, "spec", "priorities"))):
            matches = [p for p in pools if _pool_matches(as_mapping(rule), p)]
            if not matches:
                yield (f"ComputeClass {name!r}: priorities[{n}] matches no node pool of the class", cc.urn)
                continue
            site, tier = site_tier(matches[0])
            rank = order.rank(site, tier)
            if rank is None:
                continue
            if previous is not None and rank < previous[0]:
                yield (
                    f"ComputeClass {name!r}: priorities[{n}] ({where(site, tier, order)}) comes after "
                    f"{where(previous[1], previous[2], order)}: GKE would try tier {previous[2]} first, against "
                    "the overflow order",
                    cc.urn,
                )
            previous = (rank, site, tier)


# ------------------------------------------------------------------------------------------- taints

_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "PREFER_NO_SCHEDULE": "PreferNoSchedule", "NO_EXECUTE": "NoExecute"}


def tolerates(toleration: Mapping[str, str], taint: Mapping[str, Any]) -> bool:
    """Kubernetes' rule: keys match (an empty key with Exists matches all), Exists ignores the value, Equal
    needs it, an empty effect matches every effect."""
    key, op = toleration.get("key", ""), toleration.get("operator", "Equal")
    effect = toleration.get("effect", "")
    taint_effect = _EFFECTS.get(str(taint.get("effect")), str(taint.get("effect")))
    if effect and effect != taint_effect:
        return False
    if not key:
        return op == "Exists"
    if key != taint.get("key"):
        return False
    return op == "Exists" or toleration.get("value", "") == str(taint.get("value", ""))


def _gpu_pool_taints(res: Res) -> list[Mapping[str, Any]] | None:
    """A GPU pool's taints (None when the resource is not a GPU pool): Karpenter NodePools and managed node
    groups of a tier, GKE pools with accelerators (their ComputeClass taint is GKE's own business)."""
    if res.type == NODEPOOL_TYPE:
        return [as_mapping(t) for t in as_list(dig(res.props, "spec", "template", "spec", "taints"))]
    if res.type == EKS_NODE_GROUP_TYPE and object_labels(res).get(LABEL_TIER):
        return [as_mapping(t) for t in as_list(res.props.get("taints"))]
    if res.type == GKE_NODE_POOL_TYPE and as_list(dig(res.props, "nodeConfig", "guestAccelerators")):
        taints = [as_mapping(t) for t in as_list(dig(res.props, "nodeConfig", "taints"))]
        return [t for t in taints if t.get("key") != COMPUTE_CLASS_KEY]
    return None


def check_taints(resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext) -> Findings:
    """Every taint of every GPU pool is tolerated by the fabric's inference toleration: a taint it does not
    tolerate keeps inference off that tier, and the overflow stops there."""
    order = fabric_order(stack, resources)
    shown = ", ".join(f"{k}={v}" for k, v in INFERENCE_TOLERATION.items())
    for res in resources:
        taints = _gpu_pool_taints(res)
        for taint in taints or []:
            if taint.get("effect") in ("PreferNoSchedule", "PREFER_NO_SCHEDULE") or tolerates(
                INFERENCE_TOLERATION, taint
            ):
                continue
            site, tier = site_tier(res)
            kind = res.type.rsplit(":", 1)[-1]
            yield (
                f"{kind} {object_name(res)!r} ({where(site, tier, order)}) has taint "
                f"{taint.get('key')}={taint.get('value', '')}:{taint.get('effect')}, which the inference "
                f"toleration ({shown}) does not tolerate",
                res.urn,
            )


# -------------------------------------------------------------------------------------- one engine


def check_single_engine(resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext) -> Findings:
    """No tier's nodes are managed by two engines: a tier that is both a managed node group (scaled by the
    Cluster Autoscaler or by hand) and a Karpenter NodePool gets two owners that undo each other's work."""
    order = fabric_order(stack, resources)
    managers: dict[tuple[str, str], dict[str, list[Res]]] = {}
    for res in resources:
        if res.type == NODEPOOL_TYPE:
            engine = "Karpenter NodePool"
        elif res.type == EKS_NODE_GROUP_TYPE and object_labels(res).get(LABEL_TIER):
            engine = "managed node group"
        else:
            continue
        managers.setdefault(site_tier(res), {}).setdefault(engine, []).append(res)
    for (site, tier), engines in sorted(managers.items()):
        if len(engines) < 2:
            continue
        named = "; ".join(f"{e} {', '.join(repr(object_name(r)) for r in rs)}" for e, rs in sorted(engines.items()))
        for res in (r for rs in engines.values() for r in rs):
            yield f"{where(site, tier, order)} is managed by two engines: {named}", res.urn

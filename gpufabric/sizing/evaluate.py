"""Replay a plan against realised demand, and compare it with the plan hindsight would have chosen.

Committed tiers stay at the plan's counts; elastic tiers are dispatched per interval, cheapest capacity
first, within each option's `max_nodes` (`dispatch.dispatch`): the plan commits capacity, while elastic
capacity reacts to the demand that actually arrives. The hindsight-optimal plan solves the same MILP on the
realised demand with the same options. The ratio realised / hindsight cost says what forecast error cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gpufabric.core.vocabulary import COMMITTED_TIERS, TierKind
from gpufabric.sizing.demand import IntervalDemand
from gpufabric.sizing.dispatch import dispatch
from gpufabric.sizing.models import Profile
from gpufabric.sizing.optimize import MilpOption, solve, unserved_penalty
from gpufabric.sizing.plan import Plan, demand_in_units
from gpufabric.sizing.queueing import wait_budget


@dataclass(frozen=True)
class Evaluation:
    cost: float
    unserved: float  # unit-hours
    hindsight_cost: float
    hindsight_unserved: float
    ratio: float
    intervals: int

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "cost": round(self.cost, 4),
            "unserved": round(self.unserved, 6),
            "hindsight_cost": round(self.hindsight_cost, 4),
            "hindsight_unserved": round(self.hindsight_unserved, 6),
            "ratio_to_hindsight": round(self.ratio, 6) if math.isfinite(self.ratio) else None,  # JSON has no inf
            "intervals": self.intervals,
        }


def replay(plan: Plan, demand_units: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(cost, unserved unit-hours, nodes (options, intervals)) of the plan on demand in units."""
    hours = plan.interval_seconds / 3600.0
    opts = plan.options
    committed = [o for o in opts if o.tier in COMMITTED_TIERS]
    elastic = [o for o in opts if o.tier not in COMMITTED_TIERS]
    base = sum(o.committed_nodes * o.capacity_per_node * o.availability for o in committed)
    cap = np.array([o.capacity_per_node * o.availability for o in elastic])
    price = np.array([o.price_per_node_hour for o in elastic])
    lo = np.array([o.min_nodes for o in elastic], dtype=float)
    hi = np.array([o.max_nodes for o in elastic], dtype=float)
    x = dispatch(demand_units - base, cap, price, lo, hi)
    covered = base + (cap @ x if cap.size else 0.0)
    unserved = float(np.maximum(demand_units - covered, 0).sum() * hours)
    n = len(demand_units)
    cost = hours * (
        sum(o.committed_nodes * o.price_per_node_hour for o in committed) * n + float(price @ x.sum(axis=1))
    )
    return float(cost), unserved, x


def hindsight(plan: Plan, demand_units: np.ndarray, time_limit: float = 30.0) -> tuple[float, float]:
    """Cost and unserved unit-hours of the optimal plan for this very demand (same options and caps)."""
    hours = plan.interval_seconds / 3600.0
    milp = [
        MilpOption(
            capacity=o.capacity_per_node * o.availability,
            price=o.price_per_node_hour,
            lower=o.max_nodes if o.tier == TierKind.OWNED else o.min_nodes,
            upper=o.max_nodes,
            committed=o.tier in COMMITTED_TIERS,
        )
        for o in plan.options
    ]
    if not milp:
        return 0.0, float(demand_units.sum() * hours)
    res = solve(
        milp, demand_units[:, None], np.array([1.0]), hours, penalty=unserved_penalty(milp), time_limit=time_limit
    )
    prices = np.array([m.price for m in milp])
    cost = float(hours * np.einsum("j,jts->", prices, res.nodes))
    return cost, float(res.unserved.sum() * hours)


def evaluate(plan: Plan, actual: IntervalDemand) -> Evaluation:
    """Replay `plan` on realised demand and compare with hindsight."""
    profile = Profile.model_validate(plan.profile)
    gpus = sorted({o.gpu for o in plan.options}) or [profile.reference_gpu]
    weights = actual.rate
    p95 = float((actual.p95_in * weights).sum() / weights.sum()) if weights.sum() > 0 else 0.0
    budget = max(wait_budget(profile, p95, gpus), 1e-3)
    units = demand_in_units(actual, profile, budget)
    cost, unserved, _ = replay(plan, units)
    h_cost, h_unserved = hindsight(plan, units)
    ratio = cost / h_cost if h_cost > 0 else (1.0 if cost == 0 else float("inf"))
    return Evaluation(cost, unserved, h_cost, h_unserved, ratio, len(units))

"""The MILP and the plan: hand-computed optima, the break-even rule, tier semantics, scenarios, exclusion,
and infeasible demand reported rather than raised."""

from __future__ import annotations

import numpy as np
import pytest

from gpufabric.core.vocabulary import COMMITTED_TIERS
from gpufabric.sizing.demand import load_scenarios
from gpufabric.sizing.loaders import load_catalog
from gpufabric.sizing.optimize import MilpOption, solve
from gpufabric.sizing.plan import build_plan

from .helpers import option

RESERVED = MilpOption(capacity=1.0, price=6.0, lower=0, upper=10, committed=True)
ON_DEMAND = MilpOption(capacity=1.0, price=10.0, lower=0, upper=10, committed=False)


def test_two_interval_toy_by_hand() -> None:
    """Demand 4 then 2 units, 1 h each. Reserving k costs 12k + 10*(max(0,4-k) + max(0,2-k)):
    k=0: 60, k=1: 52, k=2: 44, k=3: 46, k=4: 48, so reserve 2 and buy 2 on demand in hour one."""
    res = solve([RESERVED, ON_DEMAND], np.array([[4.0], [2.0]]), np.array([1.0]), 1.0)
    assert res.committed[0] == 2
    assert res.nodes[1, :, 0].tolist() == [2, 0]
    assert res.objective == pytest.approx(44.0)
    assert res.gap == pytest.approx(0.0, abs=1e-6)
    assert res.unserved.sum() == 0


def test_break_even_rule_reproduced() -> None:
    """Commit the k-th unit iff the share of hours with demand >= k exceeds committed / on-demand price."""
    rng = np.random.default_rng(3)
    demand = rng.integers(0, 9, size=200).astype(float)
    ratio = RESERVED.price / ON_DEMAND.price
    expected = max((k for k in range(1, 10) if (demand >= k).mean() > ratio), default=0)
    assert all(abs((demand >= k).mean() - ratio) > 1e-9 for k in range(1, 10))  # no ties
    res = solve([RESERVED, ON_DEMAND], demand[:, None], np.array([1.0]), 1.0)
    assert res.committed[0] == expected


@pytest.mark.parametrize(("weight", "committed"), [(0.7, 4), (0.5, 0)])
def test_scenario_weights(weight: float, committed: int) -> None:
    """Scenario A needs 4 units both hours, B none. Reserving 4 costs 48; not reserving costs
    weight * 80 on demand: reserve iff weight > 0.6."""
    demand = np.array([[4.0, 0.0], [4.0, 0.0]])
    res = solve([RESERVED, ON_DEMAND], demand, np.array([weight, 1 - weight]), 1.0)
    assert res.committed[0] == committed
    # Committed counts are shared; elastic counts are per scenario and cover each one.
    assert (res.nodes[1, :, 1] == 0).all()
    assert (res.nodes[0] + res.nodes[1] >= demand - 1e-9).all()


def test_spot_counts_at_availability() -> None:
    spot = MilpOption(capacity=0.9, price=1.0, lower=0, upper=100, committed=False)
    res = solve([spot], np.array([[9.0]]), np.array([1.0]), 1.0)
    assert res.nodes[0, 0, 0] == 10  # 10 nodes x 0.9 = 9 units


def test_infeasible_reports_unserved_and_binding_cap() -> None:
    capped = MilpOption(capacity=1.0, price=10.0, lower=0, upper=3, committed=False)
    res = solve([capped], np.array([[5.0], [2.0]]), np.array([1.0]), 1.0)
    assert res.unserved[:, 0].tolist() == pytest.approx([2.0, 0.0])
    assert res.nodes[0, :, 0].tolist() == [3, 2]


@pytest.fixture
def eu_catalog(write_catalog):
    return write_catalog(
        [
            option(
                "fra-onprem/h100",
                "owned",
                provider="onprem",
                region="DE-HE",
                gpus_per_node=8,
                price_per_node_hour=0.0,
                max_nodes=1,
            ),
            option(
                "aws-stockholm/reserved-p5",
                "reserved",
                gpus_per_node=8,
                price_per_node_hour=35.776,
                max_nodes=4,
            ),
            option("aws-stockholm/spot-l40s", "spot", gpu="L40S", price_per_node_hour=0.96, max_nodes=40),
            option(
                "aws-stockholm/ondemand-p5",
                "on_demand",
                gpus_per_node=8,
                price_per_node_hour=55.04,
                max_nodes=8,
            ),
            option(
                "aws-london/ondemand-p5",
                "on_demand",
                region="eu-west-2",
                gpus_per_node=8,
                price_per_node_hour=1.0,
                max_nodes=8,
            ),
        ]
    )


def _plan(catalog, demand_paths, profile, **kw):
    return build_plan(load_catalog(catalog).options, profile, load_scenarios(demand_paths, 3600), **kw)


def test_plan_properties(eu_catalog, write_series, profile) -> None:
    rates = [20, 40, 80, 160, 240, 160, 80, 40] * 3
    plan = _plan(eu_catalog, [str(write_series(rates))], profile, jurisdiction="eu")
    # Jurisdiction: the London option is excluded, with the reason, even though it is the cheapest.
    assert [(e.id, "'uk'" in e.reason) for e in plan.excluded] == [("aws-london/ondemand-p5", True)]
    assert all(o.id != "aws-london/ondemand-p5" for o in plan.options)
    hours = plan.interval_seconds / 3600
    # Coverage in every interval.
    for t in range(plan.intervals):
        cover = sum(o.nodes[t] * o.capacity_per_node * o.availability for o in plan.options)
        assert cover + 1e-9 >= plan.demand[t] - plan.unserved_by_interval[t]
    assert plan.unserved == 0
    # Committed counts are constant; owned is always on at its maximum.
    for o in plan.options:
        if o.tier in COMMITTED_TIERS:
            assert set(o.nodes) == {o.committed_nodes}
        assert max(o.nodes) <= o.max_nodes
    assert plan.options[0].committed_nodes == 1
    # Cost identity.
    total = sum(sum(o.nodes) * o.price_per_node_hour * hours for o in plan.options)
    assert plan.cost.total == pytest.approx(total, rel=1e-9, abs=1e-6)
    assert sum(plan.cost.by_tier.values()) == pytest.approx(plan.cost.total)
    assert plan.optimality_gap <= 1e-3
    # Common unit: a 1x L40S node is worth less than an 8x H100 node, and more than nothing.
    caps = {o.gpu: o.capacity_per_node for o in plan.options}
    assert 0 < caps["L40S"] < 1 < caps["H100"] == pytest.approx(8.0)


def test_plan_without_jurisdiction_uses_the_cheap_option(eu_catalog, write_series, profile) -> None:
    plan = _plan(eu_catalog, [str(write_series([160, 240]))], profile)
    assert plan.excluded == []
    assert max(next(o for o in plan.options if o.id == "aws-london/ondemand-p5").nodes) > 0


def test_plan_infeasible_names_binding_caps(write_catalog, write_series, profile) -> None:
    catalog = write_catalog([option("a/spot", "spot", max_nodes=2), option("a/od", "on_demand", max_nodes=1)])
    plan = _plan(catalog, [str(write_series([5, 500]))], profile)
    assert plan.unserved > 0
    assert plan.unserved_by_interval[0] == 0 and plan.unserved_by_interval[1] > 0
    assert sorted(plan.binding_caps) == ["a/od", "a/spot"]


def test_plan_scenarios_cover_each_and_weight_cost(write_catalog, write_series, profile) -> None:
    catalog = write_catalog(
        [
            option("a/res", "reserved", price_per_node_hour=6.0),
            option("a/od", "on_demand", price_per_node_hour=10.0, max_nodes=40),
        ]
    )
    low, high = write_series([50, 50], "low.csv"), write_series([200, 200], "high.csv")
    plan = _plan(catalog, [f"{low}:0.5", f"{high}:0.5"], profile)
    demands = [s["demand"] for s in plan.scenarios]
    assert plan.demand == [max(a, b) for a, b in zip(*demands, strict=True)]
    od = next(o for o in plan.options if o.id == "a/od")
    res = next(o for o in plan.options if o.id == "a/res")
    for name, dem in zip(("low", "high"), demands, strict=True):
        for t, d in enumerate(dem):
            assert (
                res.committed_nodes * res.capacity_per_node + od.nodes_by_scenario[name][t] * od.capacity_per_node
                >= d - 1e-9
            )
    expected = 2 * (res.committed_nodes * 6.0) + 0.5 * 10.0 * sum(sum(v) for v in od.nodes_by_scenario.values())
    assert plan.cost.total == pytest.approx(expected)


def test_apply_leaves_a_zero_commitment_and_says_why(tmp_path, write_catalog, write_series, profile) -> None:
    from gpufabric.sizing.apply import updated_text

    stack = tmp_path / "Pulumi.x.yaml"
    stack.write_text(
        "config:\n  gpufabric:fabric:\n    sites:\n      - name: s\n        tiers:\n"
        "          - name: r # keep me\n            kind: reserved\n            count: 3\n"
    )
    catalog = write_catalog([option("s/r", "reserved", price_per_node_hour=100.0), option("s/od", "on_demand")])
    plan = _plan(catalog, [str(write_series([10, 10]))], profile)
    old, new, changes = updated_text(stack, plan)
    assert old == new and "commits 0 nodes" in changes[0]

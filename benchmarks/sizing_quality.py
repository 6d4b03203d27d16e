"""Quality benchmark of `gpufabric size`: realised cost and unserved demand of the plan vs. baselines.

Setting (docs/sizing.md): the eu-sovereign catalog (examples/sizing/catalog-eu.yaml). 21 weeks of
synthetic hourly demand (diurnal/weekly shape, Monday spikes, month-end bursts, 25%/year growth, noise):
weeks 1-8 are history, weeks 9-21 (a quarter) are the planning horizon. Within-hour burstiness is the index of
dispersion measured on an Azure trace (conv by default, code with --trace code).

Plans compared, each replayed on the realised horizon (committed counts fixed, elastic tiers dispatched
cheapest first within their caps, `gpufabric.sizing.evaluate.replay`):
- gpufabric: the MILP on three forecast scenarios: the growth-extrapolated shape at the history's level,
  times residuals of the history resampled by whole days (equal weights);
- all on-demand: no commitments and no spot (owned capacity still used);
- reserve at peak / at median: commit enough to cover the forecast peak / median, cheapest unit first,
  on-demand above it (no spot: these are the classic strategies);
- lookback-30d: the vendor-recommender way, the same break-even optimum fitted to the last 30 days of
  history with no growth and no forecast, and the full elastic menu including spot (the strongest
  baseline: it differs from gpufabric only in planning from the past instead of a forecast).
Run: .venv/bin/python benchmarks/sizing_quality.py [--trace conv|code] [--seeds N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gpufabric.core.vocabulary import TierKind  # noqa: E402
from gpufabric.sizing.demand import load_demand, load_scenarios  # noqa: E402
from gpufabric.sizing.evaluate import hindsight, replay  # noqa: E402
from gpufabric.sizing.loaders import load_catalog, load_profile  # noqa: E402
from gpufabric.sizing.plan import Plan, build_plan, demand_in_units  # noqa: E402
from gpufabric.sizing.queueing import wait_budget  # noqa: E402
from gpufabric.sizing.synthetic import START, hourly_rate, series_csv  # noqa: E402

WEEK = 24 * 7
HISTORY, HORIZON = 8 * WEEK, 13 * WEEK  # two months of history; plan one quarter ahead
PEAK_RPS = 900.0
CAP_SCALE = 4  # the example catalog's reserved and on-demand caps x 4 (spot caps stay: spot is scarce)
TIME_LIMIT = 5.0
SCENARIOS = 5
MEAN_IN, MEAN_OUT = 700.0, 220.0


SCALED = (TierKind.RESERVED, TierKind.ON_DEMAND)


def trace_dispersion(kind: str) -> float:
    shared = REPO / ".." / "shared" / "data" / "azure-llm-2023" / f"AzureLLMInferenceTrace_{kind}.csv"
    path = shared if shared.is_file() else REPO / "tests/sizing/data" / f"AzureLLMInferenceTrace_{kind}_head2000.csv"
    return float(load_demand(path, 3600).dispersion.mean())


def write(tmp: Path, name: str, rate: np.ndarray, start: float, dispersion: float) -> str:
    path = tmp / name
    path.write_text(series_csv(rate, start=start, mean_in=MEAN_IN, mean_out=MEAN_OUT, dispersion=dispersion))
    return str(path)


def with_committed(plan: Plan, target_units: float, spot: bool = False) -> Plan:
    """A copy of `plan` whose reserved options cover `target_units` beyond owned, cheapest unit first;
    on-demand covers the rest, and spot only when `spot` (the classic strategies do not use it)."""
    owned = sum(o.committed_nodes * o.capacity_per_node for o in plan.options if o.tier == TierKind.OWNED)
    need = max(0.0, target_units - owned)
    options = []
    committed = sorted(
        (o for o in plan.options if o.tier in (TierKind.RESERVED, TierKind.CAPACITY_BLOCK)),
        key=lambda o: o.price_per_node_hour / o.capacity_per_node,
    )
    counts = {}
    for o in committed:
        n = min(o.max_nodes, int(np.ceil(need / o.capacity_per_node - 1e-9))) if need > 0 else 0
        counts[o.id] = n
        need -= n * o.capacity_per_node
    for o in plan.options:
        if o.id in counts:
            o = o.model_copy(update={"committed_nodes": counts[o.id], "nodes": [counts[o.id]] * len(o.nodes)})
        if o.tier == TierKind.SPOT and not spot:
            o = o.model_copy(update={"max_nodes": 0, "min_nodes": 0})
        options.append(o)
    return plan.model_copy(update={"options": options})


def run(trace: str, seed: int, catalog, profile, tmp: Path) -> dict[str, tuple[float, float]]:
    disp = trace_dispersion(trace)
    total = HISTORY + HORIZON
    actual = hourly_rate(total, peak_rps=PEAK_RPS, seed=seed)
    history, realised = actual[:HISTORY], actual[HISTORY:]
    # Forecast: the noise-free shape with growth, scaled to the history's level; p90 adds the noise band.
    shape = hourly_rate(total, peak_rps=PEAK_RPS, noise=0.0, seed=seed)
    level = float(np.median(history / shape[:HISTORY]))
    p50 = shape[HISTORY:] * level
    h_start = START + HISTORY * 3600
    # Scenarios: sample paths of the forecast, p50 times residuals of the fitted history resampled in whole
    # days (sample average approximation, equal weights), so they carry the hour-to-hour noise the
    # realised demand will have.
    resid = np.log(history / (shape[:HISTORY] * level)).reshape(-1, 24)
    rng = np.random.default_rng(1000 + seed)
    paths = []
    for k in range(SCENARIOS):
        days = rng.integers(0, resid.shape[0], size=HORIZON // 24)
        paths.append(write(tmp, f"s{k}.csv", p50 * np.exp(resid[days].reshape(-1)), h_start, disp))
    scen = load_scenarios(paths, 3600)
    plan = build_plan(catalog, profile, scen, jurisdiction="eu", time_limit=TIME_LIMIT)
    # Lookback: the same optimum on the last 30 days of history (what vendor recommenders fit).
    back = load_scenarios([write(tmp, "back.csv", history[-30 * 24 :], START, disp)], 3600)
    lookback = build_plan(catalog, profile, back, jurisdiction="eu", time_limit=TIME_LIMIT)
    lookback_counts = {o.id: o.committed_nodes for o in lookback.options}
    lb = plan.model_copy(
        update={
            "options": [
                o.model_copy(update={"committed_nodes": lookback_counts[o.id]})
                if o.tier in (TierKind.RESERVED, TierKind.CAPACITY_BLOCK)
                else o
                for o in plan.options
            ]
        }
    )
    real = load_demand(Path(write(tmp, "real.csv", realised, h_start, disp)), 3600)
    budget = max(wait_budget(profile, float(np.mean(real.p95_in)), sorted({o.gpu for o in plan.options})), 1e-3)
    units = demand_in_units(real, profile, budget)
    forecast_units = np.array(plan.demand)
    plans = {
        "gpufabric": plan,
        "all on-demand": with_committed(plan, 0.0),
        "reserve at peak": with_committed(plan, float(forecast_units.max())),
        "reserve at median": with_committed(plan, float(np.median(forecast_units))),
        "lookback-30d": lb,
    }
    out = {name: replay(p, units)[:2] for name, p in plans.items()}
    out["hindsight optimum"] = hindsight(plan, units, time_limit=TIME_LIMIT)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trace", choices=["conv", "code"], default="conv")
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    catalog = [
        o.model_copy(update={"max_nodes": o.max_nodes * (CAP_SCALE if o.tier in SCALED else 1)})
        for o in load_catalog(REPO / "examples/sizing/catalog-eu.yaml").options
    ]
    profile = load_profile()
    began = time.perf_counter()
    totals: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            for name, value in run(args.trace, seed, catalog, profile, Path(tmp)).items():
                totals.setdefault(name, []).append(value)
    ours = float(np.mean([c for c, _ in totals["gpufabric"]]))
    print(f"trace={args.trace} (dispersion {trace_dispersion(args.trace):.2f}), seeds={args.seeds}, "
          f"horizon={HORIZON} h, {time.perf_counter() - began:.1f} s")  # fmt: skip
    print(f"{'plan':<20}{'mean cost USD':>15}{'cost / gpufabric':>18}{'unserved unit-h':>17}{'gpufabric cheaper':>19}")
    for name, values in totals.items():
        cost = float(np.mean([c for c, _ in values]))
        unserved = float(np.mean([u for _, u in values]))
        wins = sum(o[0] < v[0] for o, v in zip(totals["gpufabric"], values, strict=True))
        cheaper = "-" if name == "gpufabric" else f"{wins}/{len(values)} seeds"
        print(f"{name:<20}{cost:>15,.0f}{cost / ours:>18.3f}{unserved:>17.3f}{cheaper:>19}")


if __name__ == "__main__":
    main()

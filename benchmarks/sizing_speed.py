"""Speed benchmark of the sizing pipeline: queueing conversion plus MILP, by intervals and options.

One year of hourly intervals (8,760) with 12 capacity options (2 owned/committed H100 sites, reserved and
spot and on-demand tiers at EU AWS and GCP regions) is the target: under 5 seconds on the 2-core machine.
The solver runs with a time limit; the table shows the time actually taken and the proven optimality gap.
`--time-limit 0` shows the first stage alone: committed counts optimal (stage 1 always runs to completion),
elastic counts dispatched per interval.
Run: .venv/bin/python benchmarks/sizing_speed.py [--time-limit SECONDS]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gpufabric.sizing.demand import load_scenarios  # noqa: E402
from gpufabric.sizing.loaders import load_profile  # noqa: E402
from gpufabric.sizing.models import CatalogOption  # noqa: E402
from gpufabric.sizing.plan import build_plan  # noqa: E402
from gpufabric.sizing.synthetic import hourly_rate, series_csv  # noqa: E402

# (id, provider, region, tier, gpu, gpus/node, USD/node-hour, max nodes): 16 options, the first N are used.
OPTIONS = [
    ("fra-onprem/h100", "onprem", "DE-HE", "owned", "H100", 8, 0.0, 2),
    ("aws-stockholm/reserved-p5", "aws", "eu-north-1", "reserved", "H100", 8, 35.776, 8),
    ("aws-stockholm/spot-l40s", "aws", "eu-north-1", "spot", "L40S", 1, 0.96, 48),
    ("aws-stockholm/ondemand-p5", "aws", "eu-north-1", "on_demand", "H100", 8, 55.04, 16),
    ("gcp-eemshaven/reserved-l4", "gcp", "europe-west4", "reserved", "L4", 1, 0.3835, 64),
    ("gcp-eemshaven/spot-l4", "gcp", "europe-west4", "spot", "L4", 1, 0.21, 128),
    ("aws-frankfurt/reserved-p5en", "aws", "eu-central-1", "reserved", "H200", 8, 41.15, 4),
    ("aws-frankfurt/ondemand-p5en", "aws", "eu-central-1", "on_demand", "H200", 8, 63.30, 8),
    ("aws-ireland/spot-p4de", "aws", "eu-west-1", "spot", "A100-80GB", 8, 7.0, 8),
    ("aws-ireland/ondemand-p4d", "aws", "eu-west-1", "on_demand", "A100-40GB", 8, 21.96, 8),
    ("gcp-eemshaven/ondemand-l4", "gcp", "europe-west4", "on_demand", "L4", 1, 0.59, 128),
    ("aws-stockholm/block-p5", "aws", "eu-north-1", "capacity_block", "H100", 8, 39.33, 4),
    ("gcp-belgium/spot-a3", "gcp", "europe-west1", "spot", "H100", 8, 16.4, 4),
    ("gcp-belgium/ondemand-a3", "gcp", "europe-west1", "on_demand", "H100", 8, 78.4, 8),
    ("aws-paris/ondemand-g6e", "aws", "eu-west-3", "on_demand", "L40S", 1, 2.24, 64),
    ("aws-paris/spot-g6", "aws", "eu-west-3", "spot", "L4", 1, 0.40, 64),
]


def options(n: int) -> list[CatalogOption]:
    keys = ("id", "provider", "region", "tier", "gpu", "gpus_per_node", "price_per_node_hour", "max_nodes")
    return [CatalogOption.model_validate(dict(zip(keys, row, strict=True))) for row in OPTIONS[:n]]


def measure(hours: int, n_options: int, time_limit: float, tmp: Path) -> tuple[float, float, float]:
    """(seconds to load the demand and convert it, seconds to solve, proven gap)."""
    path = tmp / f"year-{hours}.csv"
    if not path.exists():
        path.write_text(series_csv(hourly_rate(hours, peak_rps=900.0), mean_in=700.0))
    profile = load_profile()
    t0 = time.perf_counter()
    scenarios = load_scenarios([str(path)], 3600)
    t1 = time.perf_counter()
    plan = build_plan(options(n_options), profile, scenarios, jurisdiction="eu", time_limit=time_limit)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, plan.optimality_gap


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=4.0, help="solver time limit per solve, seconds")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        measure(24, 2, args.time_limit, tmp)  # warm-up: imports, the HiGHS library
        print(f"time limit {args.time_limit:g} s; seconds = load CSV + queueing, then plan (conversion + MILP)")
        print(f"{'intervals':>10}{'options':>9}{'load s':>9}{'plan s':>9}{'total s':>9}{'gap':>9}")
        rows = [(h, 12) for h in (720, 2190, 4380, 8760)] + [(8760, n) for n in (4, 8, 16)]
        for hours, n in rows:
            load, solve, gap = measure(hours, n, args.time_limit, tmp)
            print(f"{hours:>10}{n:>9}{load:>9.2f}{solve:>9.2f}{load + solve:>9.2f}{gap:>9.2%}")


if __name__ == "__main__":
    main()

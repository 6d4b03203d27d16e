"""How long an offline plan takes: the example stacks, and a synthetic fabric with many sites and tiers.

Run: .venv/bin/python benchmarks/plan_speed.py     (results are recorded in docs/benchmarks.md)
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import yaml

from gpufabric.offline import datasources, plan_stack
from gpufabric.spec import load_stack_file

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ["eu-north-1", "eu-central-1", "eu-south-2"]  # all offer g6e (L40S) per moto's data


def synthetic_stack(sites: int, tmp: Path) -> Path:
    """`sites` AWS sites in EU regions, each with reserved, spot and on-demand tiers."""
    fabric = {
        "jurisdiction": "eu",
        "sites": [
            {
                "name": f"site-{i}",
                "kind": "aws",
                "region": REGIONS[i % len(REGIONS)],
                "network": {"cidr": f"10.{100 + i}.0.0/16"},
                "tiers": [
                    {
                        "name": "l40s-reserved",
                        "kind": "reserved",
                        "instance_types": ["g6e.xlarge"],
                        "count": 2,
                    },
                    {
                        "name": "l40s-spot",
                        "kind": "spot",
                        "instance_types": ["g6e.xlarge", "g6e.2xlarge"],
                        "max": 10,
                    },
                    {
                        "name": "l40s-on-demand",
                        "kind": "on_demand",
                        "instance_types": ["g6e.xlarge"],
                        "max": 4,
                    },
                ],
            }
            for i in range(sites)
        ],
    }
    path = tmp / f"Pulumi.synthetic-{sites}.yaml"
    path.write_text(yaml.safe_dump({"config": {"gpufabric:fabric": fabric}}))
    return path


def timed(path: Path) -> tuple[float, int, float]:
    """Seconds (without tracing), resources, and peak traced MiB (a second, traced run)."""
    loaded = load_stack_file(path)
    start = time.perf_counter()
    plan = plan_stack(loaded)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    plan_stack(loaded)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, sum(r["custom"] for r in plan.resources), peak / 2**20


def main() -> None:
    import tempfile

    start = time.perf_counter()
    for region in REGIONS + ["us-east-1"]:
        datasources.region_offerings(region)
    print(
        f"moto AZ/offering data for {len(REGIONS) + 1} regions (once per process): {time.perf_counter() - start:.2f} s"
    )
    print(f"{'stack':<28}{'resources':>10}{'seconds':>10}{'ms/resource':>13}{'peak MiB':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        paths = [ROOT / "stacks" / "Pulumi.eu-sovereign.yaml", ROOT / "stacks" / "Pulumi.us-cloud.yaml"]
        paths += [synthetic_stack(n, Path(tmp)) for n in (2, 6, 12)]
        for path in paths:
            timed(path)  # warm imports
            elapsed, n, peak = timed(path)
            print(f"{path.name:<28}{n:>10}{elapsed:>10.2f}{1000 * elapsed / n:>13.1f}{peak:>10.1f}")


if __name__ == "__main__":
    main()

"""How long `gpufabric plan` takes against the floor Pulumi itself sets, in one run.

    .venv/bin/python benchmarks/plan_speed.py [--repeat 3] [--sites 12]

For eu-sovereign and a generated N-site stack, each timed end to end as a fresh process (start-up
included): `gpufabric plan --config STACK --format json`, and the raw floor (`raw_floor.py`: a bare
process importing pulumi, pulumi_aws and the other provider modules the plan's resource types come from,
registering as many resources and components under Pulumi's raw mocks). Prints medians and the ratio
(target <= 1.5x). Results are recorded in docs/benchmarks.md. Not a timed test: read the numbers.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
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
                    {"name": "l40s-reserved", "kind": "reserved", "instance_types": ["g6e.xlarge"], "count": 2},
                    {"name": "l40s-spot", "kind": "spot", "instance_types": ["g6e.xlarge", "g6e.2xlarge"], "max": 10},
                    {"name": "l40s-on-demand", "kind": "on_demand", "instance_types": ["g6e.xlarge"], "max": 4},
                ],
            }
            for i in range(sites)
        ],
    }
    path = tmp / f"Pulumi.synthetic-{sites}.yaml"
    path.write_text(yaml.safe_dump({"config": {"gpufabric:fabric": fabric}}))
    return path


def provider_modules(types: set[str]) -> list[str]:
    """The provider SDK modules a program declaring these resource types must import (the floor imports
    them too): `gcp:compute/firewall:Firewall` -> pulumi_gcp.compute, `kubernetes:core/v1:Namespace` ->
    pulumi_kubernetes.core.v1, a custom resource's group -> pulumi_kubernetes.apiextensions."""
    import importlib.util

    modules = set()
    for token in types:
        pkg, middle, _ = token.split(":", 2) if token.count(":") >= 2 else (token, "", "")
        if pkg == "pulumi":
            modules.add(f"pulumi_{token.rsplit(':', 1)[-1]}")  # pulumi:providers:kubernetes
            continue
        if pkg == "kubernetes":
            group, _, version = middle.partition("/")
            candidate = f"pulumi_kubernetes.{group.split('.')[0]}.{version}"
            try:
                found = importlib.util.find_spec(candidate) is not None
            except ModuleNotFoundError:
                found = False
            modules.add(candidate if found else "pulumi_kubernetes.apiextensions")
            continue
        modules.add(f"pulumi_{pkg}.{middle.split('/')[0]}")
    return sorted(m for m in modules if m != "pulumi_aws.")


def timed(cmd: list[str], repeat: int) -> tuple[float, float, str]:
    """Median CPU seconds (user + system: steady on a busy machine) and wall seconds of `repeat` fresh
    runs, and the last run's stdout."""
    cpu, walls, out = [], [], ""
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
        out = done.stdout
    return statistics.median(cpu), statistics.median(walls), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sites", type=int, default=12)
    args = parser.parse_args()
    print(f"median of {args.repeat} fresh processes; seconds of CPU (wall in brackets)")
    print(f"{'stack':<18}{'custom':>7}{'comps':>6}{'gpufabric plan':>20}{'raw floor':>18}{'ratio':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for path in (ROOT / "stacks" / "Pulumi.eu-sovereign.yaml", synthetic_stack(args.sites, Path(tmp))):
            plan = [str(BIN / "gpufabric"), "plan", "--config", str(path), "--format", "json"]
            ours, ours_wall, out = timed(plan, args.repeat)
            resources = json.loads(out)["resources"]
            custom = sum(r["custom"] for r in resources)
            comps = len(resources) - custom
            modules = provider_modules({r["type"] for r in resources if r["custom"]})
            floor, floor_wall, _ = timed(
                [sys.executable, str(ROOT / "benchmarks" / "raw_floor.py"), "--custom", str(custom),
                 "--components", str(comps), "--modules", ",".join(modules)],
                args.repeat,
            )  # fmt: skip
            name = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
            print(
                f"{name:<18}{custom:>7}{comps:>6}{ours:>11.2f} ({ours_wall:5.2f}){floor:>10.2f} ({floor_wall:5.2f})"
                f"{ours / floor:>7.2f}x"
            )


if __name__ == "__main__":
    main()

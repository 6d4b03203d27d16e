"""How long `gpufabric check` spends beyond the offline plan itself (issue 3: under 2 s for the largest
example stack). Not a timed test: run it by hand or in CI and read the numbers.

    .venv/bin/python benchmarks/check_speed.py            # every example stack, 20 repetitions
    .venv/bin/python benchmarks/check_speed.py --stack eu-sovereign --repeat 50

The plan runs once per stack (it is the engine's cost, measured separately); then every rule of both packs
is evaluated `--repeat` times on the same plan, the way `gpufabric check` does. Also reports a synthetic
stack of N copies of the largest plan's resources, to show how the check scales.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpufabric.offline import plan_stack  # noqa: E402
from gpufabric.spec import load_stack_file, stack_file  # noqa: E402
from policies.engine import evaluate_full  # noqa: E402


def _ref(provider: str, i: int) -> str:
    """The provider URN of copy `i` (copies get their own providers, as separate sites would)."""
    if not provider:
        return ""
    return f"{provider}-{i}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", action="append", help="example stack name (default: all in stacks/)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--scale", type=int, default=10, help="copies of the largest plan for the scaling row")
    args = parser.parse_args()
    stacks = args.stack or sorted(
        p.name[len("Pulumi.") : -len(".yaml")] for p in (ROOT / "stacks").glob("Pulumi.*.yaml")
    )

    print(f"{'stack':<16}{'resources':>10}{'plan s':>9}{'first check s':>15}{'check median s':>16}{'max s':>8}")
    largest = None
    for name in stacks:
        t0 = time.perf_counter()
        plan = plan_stack(load_stack_file(stack_file(name, ROOT)))
        plan_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        violations, _ = evaluate_full(plan)  # first run includes lazy imports (SDK tag signatures)
        first = time.perf_counter() - t0
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            evaluate_full(plan)
            runs.append(time.perf_counter() - t0)
        print(
            f"{name:<16}{len(plan.resources):>10}{plan_s:>9.2f}{first:>15.4f}"
            f"{statistics.median(runs):>16.4f}{max(runs):>8.4f}   ({len(violations)} violations)"
        )
        if largest is None or len(plan.resources) > len(largest.resources):
            largest = plan

    if largest is not None and args.scale > 1:
        copies = []
        for i in range(args.scale):
            for r in largest.resources:
                copies.append({**r, "urn": f"{r['urn']}-{i}", "provider": _ref(r["provider"], i)})
        largest.resources = copies
        t0 = time.perf_counter()
        evaluate_full(largest)
        elapsed = time.perf_counter() - t0
        print(f"{'x' + str(args.scale) + ' synthetic':<16}{len(copies):>10}{'-':>9}{'':>15}{elapsed:>16.4f}")


if __name__ == "__main__":
    main()

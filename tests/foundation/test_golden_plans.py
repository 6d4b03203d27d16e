"""The full plan JSON of every example stack (stacks/ and bootstrap/ Pulumi.*.yaml) against its reviewed golden.

Stacks are discovered from stacks/, so a new example stack gets a golden plan by `make golden`. The golden
is exactly what `gpufabric plan --stack NAME --format json` prints: ids, computed outputs and violations.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gpufabric.offline import plan_stack
from gpufabric.spec.load import load_any_stack_file, stack_name_of
from policies.engine import evaluate_plan
from tests.goldens import assert_golden

STACKS = Path(__file__).resolve().parents[2] / "stacks"
BOOTSTRAP = STACKS.parent / "bootstrap"
EXAMPLES = sorted(STACKS.glob("Pulumi.*.yaml")) + sorted(BOOTSTRAP.glob("Pulumi.*.yaml"))


def test_there_are_example_stacks_to_guard() -> None:
    assert EXAMPLES, f"no example stacks in {STACKS}"


@pytest.mark.golden
@pytest.mark.parametrize("path", EXAMPLES, ids=[stack_name_of(p) for p in EXAMPLES])
def test_example_stack_plan_matches_its_golden(path: Path) -> None:
    plan = plan_stack(load_any_stack_file(path))
    plan.violations = [v.to_dict() for v in evaluate_plan(plan)]
    assert_golden(f"plans/{plan.stack}.json", plan.to_json() + "\n")

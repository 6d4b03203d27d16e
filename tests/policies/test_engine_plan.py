"""policies.engine judges plans and stack files itself (no CLI involved): the stack URN, the violations of an
offline-plan-shaped object, and stack-file breaches reported as the mandatory rule they break."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from policies.engine import evaluate_plan, spec_violations, stack_urn
from policies.model import STACK_TYPE


@dataclass
class Breach:
    policy: str
    message: str = "sites[aws-stockholm].region: 'us-east-1' is outside eu"


@dataclass
class Planned:
    stack: str
    config: dict[str, Any] = field(default_factory=dict)
    resources: list[dict[str, Any]] = field(default_factory=list)


def test_stack_urn_is_pulumis_root_stack_urn() -> None:
    assert (
        stack_urn("eu-sovereign") == "urn:pulumi:eu-sovereign::gpufabric::pulumi:pulumi:Stack::gpufabric-eu-sovereign"
    )


def test_a_plan_without_a_jurisdiction_is_reported_at_its_stack() -> None:
    violations = evaluate_plan(Planned(stack="bare"))
    assert "single-jurisdiction" in {v.policy for v in violations}
    assert {(v.urn, v.type) for v in violations} == {(stack_urn("bare"), STACK_TYPE)}


CASES = [
    ("one mandatory rule", [Breach("region-allowed")], {}, ["region-allowed"]),
    ("no rule named", [Breach("")], {}, None),
    ("an unknown rule", [Breach("no-such-rule")], {}, None),
    ("the rule made advisory", [Breach("region-allowed")], {"region-allowed": "advisory"}, None),
    ("one of two is plain bad input", [Breach("region-allowed"), Breach("")], {}, None),
    ("nothing at all", [], {}, None),
]


@pytest.mark.parametrize(("case", "breaches", "config", "expected"), CASES, ids=[c[0] for c in CASES])
def test_spec_breaches_are_violations_only_when_every_one_breaks_a_mandatory_rule(
    case: str, breaches: list[Breach], config: dict[str, Any], expected: list[str] | None
) -> None:
    found = spec_violations("eu-in-us", breaches, config)
    if expected is None:
        assert found is None
        return
    assert found is not None
    violations, rules = found
    assert [v.policy for v in violations] == expected
    assert {(v.urn, v.type, v.enforcement) for v in violations} == {(stack_urn("eu-in-us"), STACK_TYPE, "mandatory")}
    assert violations[0].message == breaches[0].message
    assert "region-allowed" in {r.id for r in rules}

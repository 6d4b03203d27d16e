"""Under Karpenter the GPU nodes come from the EC2NodeClass, not a launch template: the security pack's IMDSv2
and customer-key rules read it too. The real eu-sovereign plan is clean; hand-edited copies of its node class
fail naming the rule and what was weakened."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from gpufabric.core.autoscaling import EC2_NODECLASS_TYPE
from policies.engine import evaluate, resources_from_plan, stack_urn
from policies.model import StackContext
from policies.security.rules import PACK_DEF as SECURITY
from tests.onprem.conftest import SECRET_CONFIG


@pytest.fixture(scope="module")
def eu_plan(example_fabric, plan_fabric):
    return plan_fabric(example_fabric("eu-sovereign"), name="eu-sovereign", extra_config=SECRET_CONFIG).plan


def run(plan: Any, change: Callable[[dict[str, Any]], None] | None = None) -> list[tuple[str, str]]:
    items = copy.deepcopy(plan.resources)
    [node_class] = [r for r in items if r["type"] == EC2_NODECLASS_TYPE]
    if change is not None:
        change(node_class["inputs"]["spec"])
    context = StackContext(config=plan.config, stack_urn=stack_urn(plan.stack))
    violations, _ = evaluate(resources_from_plan(items), context, packs=(SECURITY,))
    return [(v.policy, v.message) for v in violations if "EC2NodeClass" in v.urn]


def _ebs(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["blockDeviceMappings"][0]["ebs"]


ROWS = [
    ("tokens-optional", lambda s: s["metadataOptions"].update(httpTokens="optional"), "imdsv2-required", "optional"),
    ("hop-limit-2", lambda s: s["metadataOptions"].update(httpPutResponseHopLimit=2), "imdsv2-required", "2"),
    ("unencrypted-volume", lambda s: _ebs(s).update(encrypted=False), "cmk-encryption", "/dev/xvda"),
    ("no-customer-key", lambda s: _ebs(s).pop("kmsKeyID"), "cmk-encryption", "/dev/xvda"),
    ("no-block-devices", lambda s: s.pop("blockDeviceMappings"), "cmk-encryption", "unencrypted default"),
    (
        "key-in-another-jurisdiction",
        lambda s: _ebs(s).update(kmsKeyID="arn:aws:kms:us-east-1:123456789012:key/1234abcd"),
        "cmk-encryption",
        "us-east-1",
    ),
]


def test_the_plans_node_class_is_clean(eu_plan) -> None:
    assert run(eu_plan) == []


@pytest.mark.parametrize(("change", "rule", "word"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_a_weakened_node_class_fails(eu_plan, change, rule: str, word: str) -> None:
    found = run(eu_plan, change)
    assert any(p == rule and word in m for p, m in found), found

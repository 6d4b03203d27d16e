"""The overflow proofs on the real eu-sovereign plan (offline engine): the plan is clean, the reservation is
found with its plan id and owning tier, and hand-edited copies of the plan's own objects fail naming the
rule and the object (the Stockholm site runs Karpenter, so its NodePools and EC2NodeClass are the plan's own)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from policies.engine import evaluate, resources_from_plan, stack_urn
from policies.model import StackContext
from policies.overflow.rules import PACK_DEF as OVERFLOW
from policies.overflow.view import reservations
from tests.onprem.conftest import SECRET_CONFIG

CC = "kubernetes:cloud.google.com/v1:ComputeClass"
GKE_POOL = "gcp:container/nodePool:NodePool"
RESERVATION = "aws:ec2/capacityReservation:CapacityReservation"


@pytest.fixture(scope="module")
def eu_plan(example_fabric, plan_fabric):
    return plan_fabric(example_fabric("eu-sovereign"), name="eu-sovereign", extra_config=SECRET_CONFIG).plan


def run(plan: Any, items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    context = StackContext(config=plan.config, stack_urn=stack_urn(plan.stack))
    violations, _ = evaluate(resources_from_plan(items), context, packs=(OVERFLOW,))
    return [(v.policy, v.message) for v in violations]


def test_the_example_plan_is_clean(eu_plan) -> None:
    assert run(eu_plan, eu_plan.resources) == []


def test_the_plans_reservation_is_found_with_its_id_and_tier(eu_plan) -> None:
    context = StackContext(config=eu_plan.config)
    found = reservations(resources_from_plan(eu_plan.resources), context)
    [planned] = [r for r in eu_plan.resources if r["type"] == RESERVATION]
    assert [(r.id, r.site, r.tier) for r in found] == [(planned["id"], "aws-stockholm", "h100-reserved")]


def edit(type_: str, name: str, change: Callable[[dict[str, Any]], None]) -> Callable[[list[dict]], None]:
    def apply(items: list[dict]) -> None:
        [target] = [r for r in items if r["type"] == type_ and r["name"] == name]
        change(target["inputs"])

    return apply


NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"


def select_reservation(rid: str) -> Callable[[list[dict]], None]:
    """The plan's own EC2NodeClass, hand-edited to select reservation `rid`."""

    def apply(items: list[dict]) -> None:
        [node_class] = [r for r in items if r["type"] == NODE_CLASS]
        node_class["inputs"]["spec"]["capacityReservationSelectorTerms"] = [{"id": rid}]

    return apply


def node_group_for(tier: str) -> Callable[[list[dict]], None]:
    """A managed node group for a tier Karpenter already runs (a copy of the system group, relabelled)."""

    def apply(items: list[dict]) -> None:
        [system] = [r for r in items if r["type"] == "aws:eks/nodeGroup:NodeGroup"]
        group = copy.deepcopy(system)
        group["name"] = group["inputs"]["nodeGroupName"] = f"aws-stockholm-{tier}"
        group["urn"] = system["urn"].rsplit("::", 1)[0] + f"::aws-stockholm-{tier}"
        group["inputs"]["labels"] = {"gpufabric.io/site": "aws-stockholm", "gpufabric.io/tier": tier}
        items.append(group)

    return apply


def reversed_priorities(inputs: dict) -> None:
    inputs["spec"]["priorities"].reverse()


def extra_taint(inputs: dict) -> None:
    inputs["nodeConfig"]["taints"].append({"key": "team", "value": "batch", "effect": "NO_SCHEDULE"})


def typo(inputs: dict) -> None:
    inputs["spec"]["whenUnsatisfiable"] = "DoNotScale"


def planned_reservation_id(items: list[dict]) -> str:
    return next(r["id"] for r in items if r["type"] == RESERVATION)


# (id, edit, rule, object name, word)
ROWS: list[tuple[str, Callable[[list[dict]], None], str, str, str]] = [
    ("compute-class-reversed", edit(CC, "gcp-eemshaven-compute-class", reversed_priorities),
     "overflow-compute-class-order", "gcp-eemshaven-gpu", "l4-reserved"),
    ("gke-pool-extra-taint", edit(GKE_POOL, "gcp-eemshaven-l4-spot", extra_taint),
     "overflow-gpu-taints-tolerated", "gcp-eemshaven-l4-spot", "team=batch"),
    ("compute-class-typo", edit(CC, "gcp-eemshaven-compute-class", typo), "crd-schema-valid", "gcp-eemshaven-gpu",
     "DoNotScale"),
    ("node-group-beside-nodepool", node_group_for("h100-reserved"), "overflow-single-autoscaler",
     "aws-stockholm-h100-reserved", "two engines"),
    ("selector-names-unknown-reservation", select_reservation("cr-0123abc"), "overflow-reservation-selected",
     "'h100-reserved'", "idle"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "rule", "name", "word"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_hand_edited_copies_of_the_plan_fail(eu_plan, change, rule: str, name: str, word: str) -> None:
    items = copy.deepcopy(eu_plan.resources)
    change(items)
    found = run(eu_plan, items)
    assert any(p == rule and name in m and word in m for p, m in found), found


def test_the_plans_node_class_selects_exactly_the_planned_reservation(eu_plan) -> None:
    [node_class] = [r for r in eu_plan.resources if r["type"] == NODE_CLASS]
    terms = node_class["inputs"]["spec"]["capacityReservationSelectorTerms"]
    assert terms == [{"id": planned_reservation_id(eu_plan.resources)}]

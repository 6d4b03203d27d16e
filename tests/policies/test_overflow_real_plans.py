"""The overflow proofs on the real eu-sovereign plan (offline engine): the plan is clean, the reservation is
found with its plan id and owning tier, and hand-edited copies of the plan's own objects fail naming the
rule and the object. Karpenter objects are added by hand in Karpenter's shape where the plan has none yet."""

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


def karpenter_pair(rid: str, tier: str = "h100-reserved") -> Callable[[list[dict]], None]:
    """Adds a reserved NodePool and its EC2NodeClass (Karpenter's shape) selecting reservation `rid`."""

    def apply(items: list[dict]) -> None:
        items.append(
            {
                "type": "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
                "urn": "urn:pulumi:eu-sovereign::gpufabric::kubernetes:karpenter.k8s.aws/v1:EC2NodeClass::nc",
                "name": "nc",
                "inputs": {
                    "metadata": {"name": "aws-stockholm-gpu", "labels": {"gpufabric.io/site": "aws-stockholm"}},
                    "spec": {
                        "amiSelectorTerms": [{"alias": "al2023@latest"}],
                        "role": "aws-stockholm-nodes",
                        "subnetSelectorTerms": [{"tags": {"gpufabric:site": "aws-stockholm"}}],
                        "securityGroupSelectorTerms": [{"tags": {"gpufabric:site": "aws-stockholm"}}],
                        "capacityReservationSelectorTerms": [{"id": rid}],
                    },
                },
            }
        )
        labels = {"gpufabric.io/site": "aws-stockholm", "gpufabric.io/tier": tier}
        items.append(
            {
                "type": "kubernetes:karpenter.sh/v1:NodePool",
                "urn": f"urn:pulumi:eu-sovereign::gpufabric::kubernetes:karpenter.sh/v1:NodePool::{tier}",
                "name": tier,
                "inputs": {
                    "metadata": {"name": f"aws-stockholm-{tier}", "labels": labels},
                    "spec": {
                        "weight": 90,
                        "limits": {"nvidia.com/gpu": 8},
                        "template": {
                            "metadata": {"labels": labels},
                            "spec": {
                                "nodeClassRef": {
                                    "group": "karpenter.k8s.aws",
                                    "kind": "EC2NodeClass",
                                    "name": "aws-stockholm-gpu",
                                },
                                "requirements": [
                                    {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["reserved"]},
                                    {
                                        "key": "node.kubernetes.io/instance-type",
                                        "operator": "In",
                                        "values": ["p5.48xlarge"],
                                    },
                                ],
                                "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
                            },
                        },
                    },
                },
            }
        )

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
    ("nodepool-beside-node-group", karpenter_pair("cr-0"), "overflow-single-autoscaler", "aws-stockholm-h100-reserved",
     "two engines"),
    ("selector-names-unknown-reservation", karpenter_pair("cr-0123abc"), "overflow-reservation-selected",
     "aws-stockholm-h100-reserved", "cr-0123abc"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "rule", "name", "word"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_hand_edited_copies_of_the_plan_fail(eu_plan, change, rule: str, name: str, word: str) -> None:
    items = copy.deepcopy(eu_plan.resources)
    change(items)
    found = run(eu_plan, items)
    assert any(p == rule and name in m and word in m for p, m in found), found


def test_a_nodepool_selecting_the_plans_own_reservation_passes_the_reservation_proof(eu_plan) -> None:
    items = copy.deepcopy(eu_plan.resources)
    karpenter_pair(planned_reservation_id(items))(items)
    found = run(eu_plan, items)
    assert [p for p, _ in found if p == "overflow-reservation-selected"] == []
    assert {p for p, _ in found} == {"overflow-single-autoscaler"}  # the plan's node group still runs that tier

"""The overflow proofs on synthetic plans: one clean plan per engine (Karpenter, Cluster Autoscaler, GKE
ComputeClass), weakened one way per row; each weakening fails with the rule id and the object's name.

Objects are written by hand in the engines' own shapes (not by the compiler), so the expected verdicts do
not come from the code under test.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gpufabric.core.vocabulary import CONFIG_KEY
from policies.engine import evaluate
from policies.model import Res, StackContext
from policies.overflow.rules import PACK_DEF as OVERFLOW

REPO = Path(__file__).resolve().parents[2]
FABRIC = yaml.safe_load((REPO / "stacks" / "Pulumi.eu-sovereign.yaml").read_text(encoding="utf-8"))["config"][
    CONFIG_KEY
]
AWS = "aws-stockholm"
GCP = "gcp-eemshaven"
# A second reserved tier on the AWS site, so that a selector can name another tier's reservation.
L40S_RESERVED = {"name": "l40s-reserved", "kind": "reserved", "instance_types": ["g6e.12xlarge"], "count": 1}


def fabric() -> dict[str, Any]:
    doc = copy.deepcopy(FABRIC)
    aws = next(s for s in doc["sites"] if s["name"] == AWS)
    aws["tiers"].insert(1, L40S_RESERVED)
    return doc


STACK = StackContext(config={CONFIG_KEY: fabric()}, stack_urn="urn:pulumi:t::gpufabric::pulumi:pulumi:Stack::s")


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:t::gpufabric::{type_}::{name}"


def res(type_: str, name: str, props: dict[str, Any], parent: str = "", id_: str = "") -> Res:
    return Res(type=type_, urn=urn(type_, name), name=name, props=props, parent=parent, id=id_)


def labels(site: str, tier: str) -> dict[str, str]:
    return {"gpufabric.io/site": site, "gpufabric.io/tier": tier}


GPU_TAINT = {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}


def nodepool(tier: str, weight: int, capacity: str, types: list[str], limit: int | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "weight": weight,
        "template": {
            "metadata": {"labels": labels(AWS, tier)},
            "spec": {
                "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": f"{AWS}-gpu"},
                "requirements": [
                    {"key": "karpenter.sh/capacity-type", "operator": "In", "values": [capacity]},
                    {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": types},
                ],
                "taints": [GPU_TAINT],
            },
        },
        "disruption": {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "10m"},
    }
    if limit is not None:
        spec["limits"] = {"nvidia.com/gpu": limit}
    return {"metadata": {"name": f"{AWS}-{tier}", "labels": labels(AWS, tier)}, "spec": spec}


def reservation(tier: str, rid: str, itype: str, zone: str) -> Res:
    return res(
        "aws:ec2/capacityReservation:CapacityReservation",
        f"{AWS}-{tier}-{zone}",
        {"instanceType": itype, "availabilityZone": zone, "instanceCount": 1, "tags": {"Name": f"{AWS}-{tier}"}},
        parent=urn("gpufabric:aws:CapacityTier", f"{AWS}-{tier}"),
        id_=rid,
    )


def karpenter_objects() -> dict[str, dict[str, Any]]:
    """name -> props of the Karpenter site's custom resources, clean."""
    return {
        "h100-reserved": nodepool("h100-reserved", 40, "reserved", ["p5.48xlarge"], 8),
        "l40s-reserved": nodepool("l40s-reserved", 30, "reserved", ["g6e.12xlarge"], 4),
        "l40s-spot": nodepool("l40s-spot", 20, "spot", ["g6e.xlarge", "g6e.2xlarge"], 8),
        "h100-on-demand": nodepool("h100-on-demand", 10, "on-demand", ["p5.48xlarge"], None),
        "nodeclass": {
            "metadata": {"name": f"{AWS}-gpu", "labels": {"gpufabric.io/site": AWS}},
            "spec": {
                "amiSelectorTerms": [{"alias": "al2023@latest"}],
                "role": f"{AWS}-nodes",
                "subnetSelectorTerms": [{"tags": {"gpufabric:site": AWS}}],
                "securityGroupSelectorTerms": [{"tags": {"gpufabric:site": AWS}}],
                "capacityReservationSelectorTerms": [{"id": "cr-h100a"}, {"id": "cr-l40sa"}],
            },
        },
    }


def pin_reservations(objs: dict[str, dict[str, Any]]) -> None:
    """Both reserved pools share the site's EC2NodeClass: each narrows to its own ids by requirement."""
    for tier, rid in (("h100-reserved", "cr-h100a"), ("l40s-reserved", "cr-l40sa")):
        reqs = objs[tier]["spec"]["template"]["spec"]["requirements"]
        reqs.append({"key": "karpenter.k8s.aws/capacity-reservation-id", "operator": "In", "values": [rid]})


def karpenter_plan(objs: dict[str, dict[str, Any]]) -> list[Res]:
    out = [
        reservation("h100-reserved", "cr-h100a", "p5.48xlarge", "eu-north-1a"),
        reservation("l40s-reserved", "cr-l40sa", "g6e.12xlarge", "eu-north-1b"),
    ]
    for key, props in objs.items():
        type_ = (
            "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
            if key == "nodeclass"
            else ("kubernetes:karpenter.sh/v1:NodePool")
        )
        out.append(res(type_, props["metadata"]["name"], props))
    return out


def node_group(tier: str, name: str) -> Res:
    return res(
        "aws:eks/nodeGroup:NodeGroup",
        name,
        {
            "nodeGroupName": name,
            "labels": labels(AWS, tier),
            "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
        },
    )


GROUPS = {
    "h100-reserved": f"{AWS}-h100-reserved-eu-north-1a",
    "l40s-reserved": f"{AWS}-l40s-reserved-eu-north-1b",
    "l40s-spot": f"{AWS}-l40s-spot",
    "h100-on-demand": f"{AWS}-h100-on-demand",
}
PRIORITIES = (
    f"40:\n  - ^eks-{AWS}-h100-reserved-.*$\n30:\n  - ^eks-{AWS}-l40s-reserved-.*$\n"
    f"20:\n  - ^eks-{AWS}-l40s-spot-.*$\n10:\n  - ^eks-{AWS}-h100-on-demand-.*$\n"
)


def expander_plan(data: dict[str, str], extra_groups: dict[str, str] | None = None) -> list[Res]:
    cm = res(
        "kubernetes:core/v1:ConfigMap",
        "cluster-autoscaler-priority-expander",
        {
            "metadata": {
                "name": "cluster-autoscaler-priority-expander",
                "namespace": "kube-system",
                "labels": {"gpufabric.io/site": AWS},
            },
            "data": data,
        },
    )
    groups = {**GROUPS, **(extra_groups or {})}
    return [cm, *(node_group(tier, name) for tier, name in groups.items())]


def gke_pool(tier: str, spot: bool, reservations: list[str] | None, taints: list[dict] | None = None) -> Res:
    config: dict[str, Any] = {
        "machineType": "g2-standard-8",
        "guestAccelerators": [{"type": "nvidia-l4", "count": 1}],
        "labels": {**labels(GCP, tier), "cloud.google.com/compute-class": f"{GCP}-gpu"},
        "taints": taints or [{"key": "cloud.google.com/compute-class", "value": f"{GCP}-gpu", "effect": "NO_SCHEDULE"}],
    }
    if spot:
        config["spot"] = True
    if reservations:
        config["reservationAffinity"] = {
            "consumeReservationType": "SPECIFIC_RESERVATION",
            "key": "compute.googleapis.com/reservation-name",
            "values": reservations,
        }
    return res("gcp:container/nodePool:NodePool", f"{GCP}-{tier}", {"nodeConfig": config})


RESERVED_RULE = {
    "machineType": "g2-standard-8",
    "gpu": {"type": "nvidia-l4", "count": 1},
    "reservations": {"affinity": "Specific", "specific": [{"name": "r-a"}, {"name": "r-b"}]},
}
SPOT_RULE = {"machineType": "g2-standard-8", "gpu": {"type": "nvidia-l4", "count": 1}, "spot": True}


def gke_plan(priorities: list[dict[str, Any]], spot_taints: list[dict] | None = None) -> list[Res]:
    cc = res(
        "kubernetes:cloud.google.com/v1:ComputeClass",
        f"{GCP}-compute-class",
        {"metadata": {"name": f"{GCP}-gpu"}, "spec": {"priorities": priorities, "whenUnsatisfiable": "DoNotScaleUp"}},
    )
    return [cc, gke_pool("l4-reserved", False, ["r-a", "r-b"]), gke_pool("l4-spot", True, None, spot_taints)]


def verdicts(resources: list[Res]) -> list[tuple[str, str]]:
    violations, _ = evaluate(resources, STACK, packs=(OVERFLOW,))
    return [(v.policy, v.message) for v in violations]


def clean_karpenter() -> list[Res]:
    objs = karpenter_objects()
    pin_reservations(objs)
    return karpenter_plan(objs)


CLEAN: dict[str, Callable[[], list[Res]]] = {
    "karpenter": clean_karpenter,
    "karpenter-selector-by-tags": lambda: karpenter(
        selector_terms([{"tags": {"Name": f"{AWS}-h100-reserved"}}, {"tags": {"Name": f"{AWS}-l40s-reserved"}}])
    )(),
    "cluster-autoscaler": lambda: expander_plan({"priorities": PRIORITIES}),
    "compute-class": lambda: gke_plan([RESERVED_RULE, SPOT_RULE]),
}


@pytest.mark.parametrize("build", CLEAN.values(), ids=CLEAN.keys())
def test_clean_plans_pass(build: Callable[[], list[Res]]) -> None:
    assert verdicts(build()) == []


def karpenter(change: Callable[[dict[str, dict[str, Any]]], None]) -> Callable[[], list[Res]]:
    def build() -> list[Res]:
        objs = karpenter_objects()
        pin_reservations(objs)
        change(objs)
        return karpenter_plan(objs)

    return build


def pool_spec(tier: str) -> Callable[[dict], dict[str, Any]]:
    return lambda objs: objs[tier]["spec"]


def set_weight(tier: str, weight: int) -> Callable[[dict], None]:
    return lambda objs: objs[tier]["spec"].update(weight=weight)


def drop_limit(tier: str) -> Callable[[dict], None]:
    return lambda objs: objs[tier]["spec"].pop("limits")


def requirement(tier: str, key: str, values: list[str]) -> Callable[[dict], None]:
    def change(objs: dict) -> None:
        reqs = objs[tier]["spec"]["template"]["spec"]["requirements"]
        reqs[:] = [r for r in reqs if r["key"] != key] + [{"key": key, "operator": "In", "values": values}]

    return change


def selector_terms(terms: list[dict[str, Any]]) -> Callable[[dict], None]:
    return lambda objs: objs["nodeclass"]["spec"].update(capacityReservationSelectorTerms=terms)


def selector(ids: list[str]) -> Callable[[dict], None]:
    return selector_terms([{"id": i} for i in ids])


def taints(tier: str, extra: dict[str, str]) -> Callable[[dict], None]:
    return lambda objs: objs[tier]["spec"]["template"]["spec"]["taints"].append(extra)


def relabel(tier: str, new_tier: str) -> Callable[[dict], None]:
    def change(objs: dict) -> None:
        objs[tier]["metadata"]["labels"]["gpufabric.io/tier"] = new_tier

    return change


def both(*changes: Callable[[dict], None]) -> Callable[[dict], None]:
    def change(objs: dict) -> None:
        for c in changes:
            c(objs)

    return change


def with_node_group(build: Callable[[], list[Res]], tier: str, name: str) -> Callable[[], list[Res]]:
    return lambda: [*build(), node_group(tier, name)]


ANNOTATE = "gpufabric.io/overflow-rank"

# (id, plan, rule id, object name the message must carry, a word the message must carry)
ROWS: list[tuple[str, Callable[[], list[Res]], str, str, str]] = [
    (
        "equal-weights",
        karpenter(set_weight("l40s-spot", 30)),
        "overflow-karpenter-weights",
        "aws-stockholm-l40s-spot",
        "l40s-reserved",
    ),
    (
        "weights-inverted",
        karpenter(set_weight("h100-on-demand", 50)),
        "overflow-karpenter-weights",
        "aws-stockholm-h100-on-demand",
        "l40s-spot",
    ),
    (
        "weight-unset",
        karpenter(lambda o: o["h100-reserved"]["spec"].pop("weight")),
        "overflow-karpenter-weights",
        "aws-stockholm-l40s-reserved",
        "h100-reserved",
    ),
    (
        "rank-annotation-disagrees",
        karpenter(lambda o: o["l40s-spot"]["metadata"].update(annotations={ANNOTATE: "1"})),
        "overflow-karpenter-weights",
        "aws-stockholm-l40s-spot",
        "rank 1",
    ),
    (
        "pool-of-unknown-tier",
        karpenter(relabel("l40s-spot", "a100-spot")),
        "overflow-karpenter-weights",
        "aws-stockholm-l40s-spot",
        "a100-spot",
    ),
    (
        "missing-limit",
        karpenter(drop_limit("l40s-spot")),
        "overflow-karpenter-gpu-limits",
        "aws-stockholm-l40s-spot",
        "no limit",
    ),
    (
        "zero-limit",
        karpenter(lambda o: o["h100-reserved"]["spec"].update(limits={"nvidia.com/gpu": 0})),
        "overflow-karpenter-gpu-limits",
        "aws-stockholm-h100-reserved",
        "h100-reserved",
    ),
    (
        "limit-on-cpu-only",
        karpenter(lambda o: o["l40s-reserved"]["spec"].update(limits={"cpu": "1000"})),
        "overflow-karpenter-gpu-limits",
        "aws-stockholm-l40s-reserved",
        "nvidia.com/gpu",
    ),
    (
        "selector-names-other-tiers-reservation",
        karpenter(
            both(selector(["cr-l40sa"]), lambda o: o["h100-reserved"]["spec"]["template"]["spec"]["requirements"].pop())
        ),
        "overflow-reservation-selected",
        "aws-stockholm-h100-reserved",
        "tier l40s-reserved",
    ),
    (
        "selector-misses-own-reservation",
        karpenter(selector(["cr-h100a"])),
        "overflow-reservation-selected",
        "aws-stockholm-l40s-reserved",
        "cr-l40sa",
    ),
    (
        "selector-names-unknown-reservation",
        karpenter(
            both(
                selector(["cr-h100a", "cr-l40sa", "cr-elsewhere"]),
                requirement("h100-reserved", "karpenter.k8s.aws/capacity-reservation-id", ["cr-h100a", "cr-elsewhere"]),
            )
        ),
        "overflow-reservation-selected",
        "aws-stockholm-h100-reserved",
        "cr-elsewhere",
    ),
    (
        "reserved-pool-allows-on-demand",
        karpenter(requirement("h100-reserved", "karpenter.sh/capacity-type", ["reserved", "on-demand"])),
        "overflow-reservation-selected",
        "aws-stockholm-h100-reserved",
        "on-demand",
    ),
    (
        "reservation-instance-type-excluded",
        karpenter(requirement("h100-reserved", "node.kubernetes.io/instance-type", ["p5en.48xlarge"])),
        "overflow-reservation-selected",
        "aws-stockholm-h100-reserved",
        "p5.48xlarge",
    ),
    (
        "reservation-zone-excluded",
        karpenter(requirement("l40s-reserved", "topology.kubernetes.io/zone", ["eu-north-1a"])),
        "overflow-reservation-selected",
        "aws-stockholm-l40s-reserved",
        "eu-north-1b",
    ),
    (
        "nodeclass-missing",
        karpenter(lambda o: o["nodeclass"]["metadata"].update(name="other")),
        "overflow-reservation-selected",
        "aws-stockholm-h100-reserved",
        "aws-stockholm-gpu",
    ),
    (
        "untolerated-taint",
        karpenter(taints("l40s-spot", {"key": "dedicated", "value": "batch", "effect": "NoSchedule"})),
        "overflow-gpu-taints-tolerated",
        "aws-stockholm-l40s-spot",
        "dedicated=batch",
    ),
    (
        "untolerated-gke-taint",
        lambda: gke_plan([RESERVED_RULE, SPOT_RULE], [{"key": "team", "value": "x", "effect": "NO_EXECUTE"}]),
        "overflow-gpu-taints-tolerated",
        "gcp-eemshaven-l4-spot",
        "team=x",
    ),
    (
        "double-management",
        with_node_group(clean_karpenter, "l40s-spot", f"{AWS}-l40s-spot"),
        "overflow-single-autoscaler",
        "aws-stockholm-l40s-spot",
        "two engines",
    ),
    (
        "wrong-configmap-key",
        lambda: expander_plan({"priority": PRIORITIES}),
        "overflow-priority-expander-format",
        "cluster-autoscaler-priority-expander",
        "'priority'",
    ),
    (
        "string-keys",
        lambda: expander_plan({"priorities": PRIORITIES.replace("40:", '"40":')}),
        "overflow-priority-expander-format",
        "cluster-autoscaler-priority-expander",
        "'40'",
    ),
    (
        "unanchored-pattern",
        lambda: expander_plan({"priorities": PRIORITIES.replace("^eks-aws-stockholm-l40s-spot-.*$", "l40s-spot")}),
        "overflow-priority-expander-format",
        "cluster-autoscaler-priority-expander",
        "not anchored",
    ),
    (
        "invalid-pattern",
        lambda: expander_plan({"priorities": PRIORITIES + "5:\n  - ^eks-(unclosed$\n"}),
        "overflow-priority-expander-format",
        "cluster-autoscaler-priority-expander",
        "not a valid regex",
    ),
    (
        "not-yaml",
        lambda: expander_plan({"priorities": "40: [unclosed"}),
        "overflow-priority-expander-format",
        "cluster-autoscaler-priority-expander",
        "not YAML",
    ),
    (
        "overlapping-catch-all",
        lambda: expander_plan({"priorities": PRIORITIES + "50:\n  - ^.*$\n"}),
        "overflow-priority-expander-coverage",
        "cluster-autoscaler-priority-expander",
        "50, 40",
    ),
    (
        "overlapping-prefix",
        lambda: expander_plan(
            {
                "priorities": PRIORITIES.replace(
                    "^eks-aws-stockholm-l40s-reserved-.*$", "^eks-aws-stockholm-.*-reserved-.*$"
                )
            }
        ),
        "overflow-priority-expander-coverage",
        "aws-stockholm-h100-reserved-eu-north-1a",
        "40, 30",
    ),
    (
        "uncovered-node-group",
        lambda: expander_plan({"priorities": PRIORITIES}, {"l40s-spot": "burst-l40s-b"}),
        "overflow-priority-expander-coverage",
        "burst-l40s-b",
        "covers no name",
    ),
    (
        "priorities-against-order",
        lambda: expander_plan({"priorities": PRIORITIES.replace("20:", "45:")}),
        "overflow-priority-expander-coverage",
        "aws-stockholm-l40s-spot",
        "45",
    ),
    (
        "compute-class-out-of-order",
        lambda: gke_plan([SPOT_RULE, RESERVED_RULE]),
        "overflow-compute-class-order",
        "gcp-eemshaven-gpu",
        "l4-spot",
    ),
    (
        "compute-class-rule-without-pool",
        lambda: gke_plan([RESERVED_RULE, {**SPOT_RULE, "machineType": "a2-highgpu-1g"}]),
        "overflow-compute-class-order",
        "gcp-eemshaven-gpu",
        "priorities[1]",
    ),
]


@pytest.mark.parametrize(("build", "rule", "name", "word"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_weakening_fails_naming_rule_and_object(
    build: Callable[[], list[Res]], rule: str, name: str, word: str
) -> None:
    found = verdicts(build())
    assert found, "the weakened plan passed"
    hits = [m for p, m in found if p == rule and name in m and word in m]
    assert hits, json.dumps(found, indent=1)


# ------------------------------------------------------------------- the same rules through the engine's path


def without_ids(resources: list[Res]) -> list[Res]:
    """Resources as a CrossGuard stack policy sees them: no plan id; a reservation's id is in its ARN output."""
    out = []
    for r in resources:
        props = dict(r.props)
        if r.id:
            props["arn"] = f"arn:aws:ec2:eu-north-1:123456789012:capacity-reservation/{r.id}"
        out.append(Res(type=r.type, urn=r.urn, name=r.name, props=props, parent=r.parent))
    return out


SERVICER_ROWS = [
    ("clean", clean_karpenter, set()),
    ("equal-weights", karpenter(set_weight("l40s-spot", 30)), {"overflow-karpenter-weights"}),
    ("other-tiers-reservation", karpenter(selector(["cr-h100a"])), {"overflow-reservation-selected"}),
]


@pytest.mark.parametrize(("build", "expected"), [r[1:] for r in SERVICER_ROWS], ids=[r[0] for r in SERVICER_ROWS])
def test_overflow_pack_through_the_analyzer_servicer(analyzer, build, expected: set[str]) -> None:
    from pulumi.runtime import proto

    a = analyzer(OVERFLOW, stack_config={CONFIG_KEY: json.dumps(fabric())})
    diagnostics = a.analyze_stack(without_ids(build()))
    assert {d.policyName for d in diagnostics} == expected
    assert all(d.enforcementLevel == proto.MANDATORY and d.policyPackName == "gpufabric-overflow" for d in diagnostics)


def test_overflow_rules_run_through_the_sdk_validate_path() -> None:
    from harness import sdk_validate

    config = {CONFIG_KEY: json.dumps(fabric())}
    weakened = without_ids(karpenter(drop_limit("l40s-spot"))())
    [message] = sdk_validate("overflow-karpenter-gpu-limits", weakened, stack_config=config)
    assert "aws-stockholm-l40s-spot" in message
    assert sdk_validate("overflow-karpenter-gpu-limits", without_ids(clean_karpenter()), stack_config=config) == []


def test_without_a_spec_the_carried_ranks_stand_in_for_the_order() -> None:
    """A bare CrossGuard run without the fabric config: the pools' rank annotations give the order."""
    objs = karpenter_objects()
    pin_reservations(objs)
    for rank, tier in enumerate(("h100-reserved", "l40s-reserved", "l40s-spot", "h100-on-demand"), start=1):
        objs[tier]["metadata"]["annotations"] = {ANNOTATE: str(rank)}
    objs["h100-on-demand"]["spec"]["weight"] = 35
    violations, _ = evaluate(karpenter_plan(objs), StackContext(config={}), packs=(OVERFLOW,))
    assert [(v.policy, v.urn.rsplit("::", 1)[-1]) for v in violations] == [
        ("overflow-karpenter-weights", "aws-stockholm-h100-on-demand")
    ]


TOLERATION_CASES = [
    (
        "exists-any-value",
        {"key": "nvidia.com/gpu", "operator": "Exists"},
        ("nvidia.com/gpu", "present", "NO_SCHEDULE"),
        True,
    ),
    ("other-key", {"key": "nvidia.com/gpu", "operator": "Exists"}, ("dedicated", "x", "NoSchedule"), False),
    ("equal-same-value", {"key": "k", "operator": "Equal", "value": "v"}, ("k", "v", "NoSchedule"), True),
    ("equal-other-value", {"key": "k", "operator": "Equal", "value": "v"}, ("k", "w", "NoSchedule"), False),
    ("effect-mismatch", {"key": "k", "operator": "Exists", "effect": "NoSchedule"}, ("k", "v", "NO_EXECUTE"), False),
    ("empty-key-exists", {"operator": "Exists"}, ("anything", "v", "NoExecute"), True),
    ("empty-key-equal", {"operator": "Equal"}, ("anything", "", "NoExecute"), False),
]


@pytest.mark.parametrize(
    ("toleration", "taint", "expected"), [c[1:] for c in TOLERATION_CASES], ids=[c[0] for c in TOLERATION_CASES]
)
def test_toleration_semantics(toleration: dict, taint: tuple[str, str, str], expected: bool) -> None:
    from policies.overflow.nodes import tolerates

    key, value, effect = taint
    assert tolerates(toleration, {"key": key, "value": value, "effect": effect}) is expected

"""The pinned CRD schemas (policies/schemas) and `crd-schema-valid`: well-formed custom resources pass, and a
typo, a wrong type or an out-of-range value in any of them fails naming the field and the object."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from test_overflow_rules import RESERVED_RULE, SPOT_RULE, karpenter_objects

from policies.engine import evaluate
from policies.kube import CRD_SCHEMA_DIR, CRD_SCHEMA_FILES
from policies.model import Res, StackContext
from policies.overflow.rules import PACK_DEF as OVERFLOW

TYPES = {
    "NodePool": "kubernetes:karpenter.sh/v1:NodePool",
    "EC2NodeClass": "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
    "ComputeClass": "kubernetes:cloud.google.com/v1:ComputeClass",
}


@pytest.mark.parametrize("file_name", sorted(CRD_SCHEMA_FILES.values()))
def test_each_shipped_schema_is_valid_json_schema_and_names_its_source(file_name: str) -> None:
    doc = json.loads((CRD_SCHEMA_DIR / file_name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(doc)
    source = doc["x-gpufabric-source"]
    assert source["url"].startswith("https://") and source["version"] and source["retrieved"]


def test_every_schema_file_is_registered() -> None:
    assert sorted(p.name for p in Path(CRD_SCHEMA_DIR).glob("*.json")) == sorted(CRD_SCHEMA_FILES.values())


def objects() -> dict[str, dict[str, Any]]:
    k = karpenter_objects()
    return {
        "NodePool": k["h100-reserved"],
        "EC2NodeClass": k["nodeclass"],
        "ComputeClass": {
            "metadata": {"name": "gcp-eemshaven-gpu"},
            "spec": {
                "priorities": [copy.deepcopy(RESERVED_RULE), copy.deepcopy(SPOT_RULE)],
                "activeMigration": {"optimizeRulePriority": True},
                "whenUnsatisfiable": "DoNotScaleUp",
                "nodePoolAutoCreation": {"enabled": False},
            },
        },
    }


def crd_violations(kind: str, props: dict[str, Any]) -> list[str]:
    res = Res(type=TYPES[kind], urn=f"urn:pulumi:t::gpufabric::{TYPES[kind]}::x", name="x", props=props)
    violations, _ = evaluate([res], StackContext(config={}), packs=(OVERFLOW,))
    return [v.message for v in violations if v.policy == "crd-schema-valid"]


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_well_formed_custom_resources_pass(kind: str) -> None:
    assert crd_violations(kind, objects()[kind]) == []


def numbers_as_floats(kind: str) -> None:
    """The engine hands numbers over as floats (40.0): integral ones still meet `type: integer`."""
    props = objects()[kind]
    props["spec"]["weight"] = 40.0
    assert crd_violations(kind, props) == []


def test_integral_floats_from_the_engine_are_integers() -> None:
    numbers_as_floats("NodePool")


def at(path: str) -> Callable[[dict], tuple[dict, str]]:
    *parents, last = path.split(".")

    def walk(doc: dict) -> tuple[dict, str]:
        node: Any = doc
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        return node, last

    return walk


def rename(path: str, new: str) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        node, key = at(path)(doc)
        node[new] = node.pop(key)

    return change


def put(path: str, value: Any) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        node, key = at(path)(doc)
        node[int(key) if key.isdigit() else key] = value

    return change


def drop(path: str) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        node, key = at(path)(doc)
        del node[key]

    return change


# (id, kind, change, a word the message must carry)
ROWS: list[tuple[str, str, Callable[[dict], None], str]] = [
    ("weight-typo", "NodePool", rename("spec.weight", "weigth"), "weigth"),
    ("weight-zero", "NodePool", put("spec.weight", 0), "spec.weight"),
    ("weight-over-100", "NodePool", put("spec.weight", 101), "spec.weight"),
    ("limit-not-a-quantity", "NodePool", put("spec.limits", {"nvidia.com/gpu": "eight"}), "spec.limits"),
    ("operator-lowercase", "NodePool", put("spec.template.spec.requirements.0.operator", "in"), "operator"),
    ("eks-style-taint-effect", "NodePool", put("spec.template.spec.taints.0.effect", "NO_SCHEDULE"), "effect"),
    ("node-class-ref-without-group", "NodePool", drop("spec.template.spec.nodeClassRef.group"), "group"),
    ("consolidation-policy-typo", "NodePool", put("spec.disruption.consolidationPolicy", "WhenIdle"), "WhenIdle"),
    (
        "reservation-terms-typo",
        "EC2NodeClass",
        rename("spec.capacityReservationSelectorTerms", "capacityReservationSelectors"),
        "capacityReservationSelectors",
    ),
    ("reservation-id-malformed", "EC2NodeClass", put("spec.capacityReservationSelectorTerms.0.id", "cr_1"), "cr_1"),
    ("imds-tokens-capitalised", "EC2NodeClass", put("spec.metadataOptions", {"httpTokens": "Required"}), "Required"),
    ("no-role-nor-profile", "EC2NodeClass", drop("spec.role"), "spec"),
    ("priorities-typo", "ComputeClass", rename("spec.priorities", "priorites"), "priorites"),
    ("affinity-lowercase", "ComputeClass", put("spec.priorities.0.reservations.affinity", "specific"), "specific"),
    ("spot-as-string", "ComputeClass", put("spec.priorities.1.spot", "true"), "spot"),
    ("when-unsatisfiable-typo", "ComputeClass", put("spec.whenUnsatisfiable", "DoNotScale"), "DoNotScale"),
]


@pytest.mark.parametrize(("kind", "change", "word"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_a_malformed_custom_resource_fails_naming_field_and_object(
    kind: str, change: Callable[[dict], None], word: str
) -> None:
    props = objects()[kind]
    change(props)
    found = crd_violations(kind, props)
    assert any(word in m and "pinned CRD schema" in m and kind in m for m in found), found


def test_custom_resources_without_a_shipped_schema_are_not_judged() -> None:
    """KEDA's ScaledObject and other kinds the fabric has no pinned schema for are left alone (not guessed)."""
    res = Res(
        type="kubernetes:keda.sh/v1alpha1:ScaledObject",
        urn="urn:pulumi:t::gpufabric::kubernetes:keda.sh/v1alpha1:ScaledObject::x",
        name="x",
        props={"metadata": {"name": "x"}, "spec": {"anything": True}},
    )
    violations, _ = evaluate([res], StackContext(config={}), packs=(OVERFLOW,))
    assert violations == []


def test_crd_schema_rule_through_the_analyzer_servicer(analyzer) -> None:
    """The resource rule as the Pulumi engine runs it: a typo is a mandatory diagnostic of the overflow pack."""
    from pulumi.runtime import proto

    props = objects()["NodePool"]
    rename("spec.weight", "weigth")(props)
    res = Res(type=TYPES["NodePool"], urn=f"urn:pulumi:t::gpufabric::{TYPES['NodePool']}::np", name="np", props=props)
    diagnostics = [d for d in analyzer(OVERFLOW).analyze(res) if d.policyName == "crd-schema-valid"]
    assert diagnostics and all(d.enforcementLevel == proto.MANDATORY for d in diagnostics)
    assert any("weigth" in d.message for d in diagnostics)
    clean = Res(type=TYPES["NodePool"], urn=res.urn, name="np", props=objects()["NodePool"])
    assert [d for d in analyzer(OVERFLOW).analyze(clean) if d.policyName == "crd-schema-valid"] == []


def test_builtin_schema_rule_through_the_analyzer_servicer(analyzer) -> None:
    """k8s-schema-valid, beside it: an object with lists (read-only proxies under the SDK) is validated, not a
    crash (json could not serialise the SDK's list proxy)."""
    from harness import SECURITY

    urn = "urn:pulumi:t::gpufabric::kubernetes:core/v1:ConfigMap::c"
    good = {"metadata": {"name": "c", "namespace": "x", "finalizers": ["a"]}, "data": {"k": "v"}}
    bad = {**good, "dataa": {"k": "v"}}
    found = {
        name: [d for d in analyzer(SECURITY).analyze(Res("kubernetes:core/v1:ConfigMap", urn, "c", props)) if
               d.policyName == "k8s-schema-valid"]
        for name, props in (("good", good), ("bad", bad))
    }  # fmt: skip
    assert found["good"] == []
    assert found["bad"] and "dataa" in found["bad"][0].message

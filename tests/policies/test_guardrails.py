"""Guardrails: the pure SCP / org-policy documents, and the component under Pulumi mocks."""

from __future__ import annotations

import json

import pulumi
import pytest

from gpufabric.core.jurisdictions import get_jurisdiction
from gpufabric.decide.guardrails import (
    GLOBAL_SERVICE_ACTIONS,
    SCP_MAX_CHARS,
    gcp_allowed_locations,
    gcp_policy_name,
    region_deny_scp,
    scp_json,
)
from gpufabric.spec.models import GuardrailsSpec

EU = get_jurisdiction("eu")


def test_scp_denies_outside_the_allowed_regions_with_global_exemptions() -> None:
    doc = region_deny_scp(EU.aws_regions, ["arn:aws:iam::*:role/break-glass"])
    [st] = doc["Statement"]
    assert st["Effect"] == "Deny" and st["Resource"] == "*" and "Action" not in st
    assert set(st["Condition"]["StringNotEquals"]["aws:RequestedRegion"]) == EU.aws_regions
    assert st["Condition"]["ArnNotLike"]["aws:PrincipalARN"] == ["arn:aws:iam::*:role/break-glass"]
    for service in (
        "iam:*",
        "organizations:*",
        "route53:*",
        "cloudfront:*",
        "sts:*",
        "support:*",
        "budgets:*",
    ):
        assert service in st["NotAction"]
    assert "kms:*" not in GLOBAL_SERVICE_ACTIONS  # keys are regional and residency-relevant


def test_scp_without_exemptions_has_no_principal_condition_and_fits_the_size_limit() -> None:
    doc = region_deny_scp(EU.aws_regions)
    assert "ArnNotLike" not in doc["Statement"][0]["Condition"]
    text = scp_json(doc)
    assert len(text) <= SCP_MAX_CHARS and json.loads(text) == doc
    assert scp_json(region_deny_scp(reversed(sorted(EU.aws_regions)))) == text  # deterministic
    with pytest.raises(ValueError):
        region_deny_scp([])
    with pytest.raises(ValueError, match="limit"):
        scp_json(region_deny_scp([f"xx-test-{i}" for i in range(1000)]))


def test_gcp_locations_are_per_region_value_groups() -> None:
    values = gcp_allowed_locations(EU.gcp_regions)
    assert "in:europe-west4-locations" in values and "in:eu-locations" in values
    assert "in:europe-locations" not in values and "in:europe-west2-locations" not in values
    assert gcp_policy_name("organizations/123") == "organizations/123/policies/gcp.resourceLocations"


def _spec(**kwargs) -> GuardrailsSpec:
    return GuardrailsSpec.model_validate(kwargs)


@pulumi.runtime.test
def _run_component(spec: GuardrailsSpec):
    from components.guardrails import Guardrails

    g = Guardrails("eu", spec, EU)
    return pulumi.Output.all(g.urn)


def test_component_declares_scp_attachments_and_org_policy(pulumi_mocks) -> None:
    spec = _spec(
        aws_scp={"target_ids": ["ou-ab12-cdef3456", "123456789012"], "exempt_role_arns": []},
        gcp_org_policy={"parent": "organizations/123456"},
    )
    _run_component(spec)
    by_type: dict[str, list] = {}
    for r in pulumi_mocks.resources:
        by_type.setdefault(r.typ, []).append(r)
    [scp] = by_type["aws:organizations/policy:Policy"]
    assert scp.inputs["type"] == "SERVICE_CONTROL_POLICY"
    assert json.loads(scp.inputs["content"]) == region_deny_scp(EU.aws_regions)
    attachments = by_type["aws:organizations/policyAttachment:PolicyAttachment"]
    assert sorted(a.inputs["targetId"] for a in attachments) == ["123456789012", "ou-ab12-cdef3456"]
    assert {a.inputs["policyId"] for a in attachments} == {f"{scp.name}-id"}
    assert sorted(a.name for a in attachments) == [
        "eu-region-deny-123456789012",
        "eu-region-deny-ou-ab12-cdef3456",
    ]
    [org] = by_type["gcp:orgpolicy/policy:Policy"]
    assert org.inputs["name"] == "organizations/123456/policies/gcp.resourceLocations"
    assert org.inputs["spec"]["rules"][0]["values"]["allowedValues"] == gcp_allowed_locations(EU.gcp_regions)


def test_component_with_only_an_scp_creates_no_gcp_policy(pulumi_mocks) -> None:
    _run_component(_spec(aws_scp={"target_ids": ["r-ab12"]}))
    types = [r.typ for r in pulumi_mocks.resources]
    assert "gcp:orgpolicy/policy:Policy" not in types
    assert types.count("aws:organizations/policyAttachment:PolicyAttachment") == 1

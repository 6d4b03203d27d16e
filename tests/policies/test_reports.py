"""Report formats: SARIF 2.1.0 and JUnit XML validate against their vendored schemas; JSON keys are stable;
hostile text (XML metacharacters) survives because escaping is the libraries' job."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from gpufabric.report.junit import junit_text
from gpufabric.report.sarif import to_sarif
from policies.model import RuleInfo, Violation

SCHEMAS = Path(__file__).parent / "schemas"


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    return json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "JUnit.xsd"))


RULES = [
    RuleInfo(
        id="region-allowed",
        pack="gpufabric-residency",
        number=1,
        description='d <in> & "out"',
        remediation="move it",
        severity="critical",
        enforcement="mandatory",
    ),
    RuleInfo(
        id="residency-tags",
        pack="gpufabric-residency",
        number=9,
        description="tags",
        remediation="tag",
        severity="low",
        enforcement="advisory",
    ),
    RuleInfo(
        id="imdsv2-required",
        pack="gpufabric-security",
        number=8,
        description="imds",
        remediation="r",
        severity="high",
        enforcement="disabled",
    ),
]
VIOLATIONS = [
    Violation(
        policy="region-allowed",
        pack="gpufabric-residency",
        enforcement="mandatory",
        severity="critical",
        urn="urn:pulumi:s::gpufabric::aws:ec2/vpc:Vpc::v",
        type="aws:ec2/vpc:Vpc",
        message="region 'us-east-1' <outside> & \"beyond\" ]]> the EU",
    ),
    Violation(
        policy="residency-tags",
        pack="gpufabric-residency",
        enforcement="advisory",
        severity="low",
        urn="urn:pulumi:s::gpufabric::aws:ec2/vpc:Vpc::v",
        type="aws:ec2/vpc:Vpc",
        message="missing tags",
    ),
    Violation(
        policy="single-jurisdiction",
        pack="gpufabric-residency",
        enforcement="mandatory",
        severity="critical",
        urn="",
        type="pulumi:pulumi:Stack",
        message="spans 2",
    ),
]


def test_violation_json_has_exactly_the_stable_keys() -> None:
    assert set(VIOLATIONS[0].to_dict()) == {
        "policy",
        "pack",
        "enforcement",
        "severity",
        "urn",
        "type",
        "message",
    }


@pytest.mark.parametrize("violations", [VIOLATIONS, []])
def test_sarif_validates(sarif_schema, violations) -> None:
    doc = to_sarif(violations, RULES, "stacks/Pulumi.eu-sovereign.yaml")
    jsonschema.Draft4Validator(sarif_schema).validate(doc)
    run = doc["runs"][0]
    assert [r["level"] for r in run["results"]] == ["error", "warning", "error"][: len(violations)]
    if violations:
        assert run["results"][0]["ruleId"] == "region-allowed"
        assert run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]["id"] == "region-allowed"


@pytest.mark.parametrize("violations", [VIOLATIONS, []])
def test_junit_validates_and_keeps_hostile_text(junit_schema, violations) -> None:
    text = junit_text(violations, RULES, "eu-sovereign", 0.25)
    junit_schema.validate(text)
    root = ET.fromstring(text.split("?>", 1)[1])
    residency = root.find("testsuite[@name='gpufabric-residency.eu-sovereign']")
    assert residency is not None
    failures = residency.findall("testcase/failure")
    if violations:
        assert residency.get("failures") == "1"
        assert '<outside> & "beyond" ]]>' in failures[0].text
        assert "missing tags" in residency.find("system-out").text
    else:
        assert failures == []
    security = root.find("testsuite[@name='gpufabric-security.eu-sovereign']")
    assert security.find("testcase[@name='imdsv2-required']/skipped") is not None

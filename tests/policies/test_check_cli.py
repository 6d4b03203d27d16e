"""`gpufabric check` end to end, through the console script: the example stacks check clean, and copies
with one weakening each fail with exit 1 naming the right rule; SARIF and JUnit validate.

Moving a site out of its jurisdiction: the spec refuses to build a site region outside the stack's
jurisdiction, and `gpufabric check` reports that as the residency rule it breaks (exit 1, `region-allowed`),
while `gpufabric plan` calls it bad input (exit 2). A stack that widens its jurisdiction explicitly
(`jurisdiction: {name: eu, aws_regions: [..., us-east-1]}`) plans, and the residency pack still fails it,
because its allowed regions come from the built-in table.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema
import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = Path(__file__).parent / "schemas"
EXAMPLES = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in (REPO / "stacks").glob("Pulumi.*.yaml"))


def exe() -> str:
    return str(REPO / ".venv" / "bin" / "gpufabric")


def check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env} if env else None
    return subprocess.run([exe(), "check", *args], capture_output=True, text=True, cwd=REPO, timeout=300, env=full)


# Pulumi.yaml's backend is the EU one; a US stack's job exports its own (bootstrap-us, docs/state.md).
STATE_ENV = {"us-cloud": {"PULUMI_BACKEND_URL": "s3://claims-assistant-pulumi-state-us?region=us-east-1&awssdk=v2"}}


def fabric(stack: str) -> dict[str, Any]:
    doc = yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    return copy.deepcopy(doc["config"]["gpufabric:fabric"])


def aws_site(fab: dict[str, Any]) -> dict[str, Any]:
    """The stack's first AWS site (eu-sovereign lists its on-prem site first)."""
    return next(s for s in fab["sites"] if s["kind"] == "aws")


def has_aws(stack: str) -> bool:
    return any(s["kind"] == "aws" for s in fabric(stack)["sites"])


def write(tmp_path: Path, name: str, fab: dict[str, Any], extra: dict[str, Any] | None = None) -> Path:
    """A stack file holding `fab`; on-prem sites get their kubeconfig as a (placeholder) secret value."""
    secrets = {s["kubeconfig"]["secret"]: {"secure": "v1:cGxhY2Vob2xkZXI="} for s in fab["sites"] if "kubeconfig" in s}
    extra = {**secrets, **(extra or {})}
    path = tmp_path / f"Pulumi.{name}.yaml"
    path.write_text(yaml.safe_dump({"config": {"gpufabric:fabric": fab, **(extra or {})}}), encoding="utf-8")
    return path


def violations(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.stdout, result.stderr
    return json.loads(result.stdout)["violations"]


def mandatory_policies(result: subprocess.CompletedProcess[str]) -> set[str]:
    return {v["policy"] for v in violations(result) if v["enforcement"] == "mandatory"}


@pytest.mark.parametrize("stack", EXAMPLES)
def test_example_stacks_check_clean(stack: str) -> None:
    result = check("--stack", stack, "--format", "json", env=STATE_ENV.get(stack))
    assert result.returncode == 0, result.stdout + result.stderr
    assert mandatory_policies(result) == set()


def test_eu_sovereign_with_its_region_changed_to_us_fails_the_residency_rule(tmp_path: Path) -> None:
    fab = fabric("eu-sovereign")
    site = aws_site(fab)
    site["region"] = "us-east-1"
    site["network"]["availability_zones"] = ["us-east-1a", "us-east-1b", "us-east-1c"]
    stack = write(tmp_path, "eu-in-us", fab)

    result = check("--config", str(stack), "--format", "json")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["jurisdiction"] == "eu"
    (found,) = violations(result)
    assert (found["policy"], found["pack"], found["enforcement"]) == (
        "region-allowed",
        "gpufabric-residency",
        "mandatory",
    )
    assert "sites[aws-stockholm].region" in found["message"] and "'us-east-1'" in found["message"]

    table = check("--config", str(stack))  # the key path survives the rich table (no markup eaten)
    assert table.returncode == 1 and "sites[aws-stockholm].region" in table.stdout.replace("\n", "")

    sarif_out = tmp_path / "eu-in-us.sarif"
    assert check("--config", str(stack), "--format", "sarif", "--out", str(sarif_out)).returncode == 1
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    sarif = json.loads(sarif_out.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["region-allowed"]

    plan = subprocess.run(
        [exe(), "plan", "--config", str(stack)], capture_output=True, text=True, cwd=REPO, timeout=300
    )
    assert plan.returncode == 2 and "Traceback" not in plan.stderr


def test_other_spec_errors_stay_bad_input_for_check(tmp_path: Path) -> None:
    fab = fabric("eu-sovereign")
    aws_site(fab)["region"] = "us-east-1"
    aws_site(fab)["network"]["cidr"] = "10.40.0.300/16"  # a typo next to the breach: fix the input first
    result = check("--config", str(write(tmp_path, "eu-typo", fab)), "--format", "json")
    assert result.returncode == 2, result.stdout
    assert "network.cidr" in result.stderr and "Traceback" not in result.stderr


def test_eu_sovereign_widened_to_a_us_region_fails_residency(tmp_path: Path) -> None:
    fab = fabric("eu-sovereign")
    fab["jurisdiction"] = {"name": "eu", "aws_regions": ["eu-north-1", "us-east-1"]}  # explicit widening
    site = aws_site(fab)
    site["region"] = "us-east-1"
    site["network"]["availability_zones"] = ["us-east-1a", "us-east-1b", "us-east-1c"]
    result = check("--config", str(write(tmp_path, "eu-moved", fab)), "--format", "json")
    assert result.returncode == 1, result.stderr
    assert {"region-allowed", "single-jurisdiction"} <= mandatory_policies(result)
    assert any("us-east-1" in v["message"] for v in violations(result) if v["policy"] == "region-allowed")


def test_the_escape_hatch_cannot_move_a_resource_out_of_its_site_region(tmp_path: Path) -> None:
    fab = fabric("us-cloud")
    fab["sites"][0]["tiers"][-1]["launch_template_args"] = {"region": "eu-west-1"}
    result = check("--config", str(write(tmp_path, "us-hatch", fab)), "--format", "json")
    assert result.returncode == 2, result.stdout
    assert "tiers[a100-on-demand].launch_template_args.region" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("stack", [s for s in EXAMPLES if has_aws(s)])
def test_public_endpoint_fails_security(tmp_path: Path, stack: str) -> None:
    fab = fabric(stack)
    aws_site(fab).setdefault("cluster", {})["endpoint_public_access"] = True
    result = check("--config", str(write(tmp_path, f"{stack}-public", fab)), "--format", "json")
    assert result.returncode == 1, result.stderr
    assert mandatory_policies(result) == {"private-control-plane"}


@pytest.mark.parametrize("stack", [s for s in EXAMPLES if has_aws(s)])
def test_unencrypted_volume_fails_security(tmp_path: Path, stack: str) -> None:
    fab = fabric(stack)
    aws_site(fab).setdefault("cluster", {})["autoscaler"] = "managed-node-groups"  # launch templates: node groups
    aws_site(fab)["tiers"][0]["launch_template_args"] = {
        "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": {"encrypted": "false", "volume_size": 200}}]
    }
    result = check("--config", str(write(tmp_path, f"{stack}-unencrypted", fab)), "--format", "json")
    assert result.returncode == 1, result.stderr
    assert mandatory_policies(result) == {"cmk-encryption"}


def test_sarif_and_junit_outputs_validate(tmp_path: Path) -> None:
    fab = fabric("eu-sovereign")
    aws_site(fab)["cluster"]["endpoint_public_access"] = True
    stack = write(tmp_path, "eu-public", fab)
    sarif_out, junit_out = tmp_path / "out" / "check.sarif", tmp_path / "out" / "check.xml"
    assert check("--config", str(stack), "--format", "sarif", "--out", str(sarif_out)).returncode == 1
    assert check("--config", str(stack), "--format", "junit", "--out", str(junit_out)).returncode == 1
    sarif = json.loads(sarif_out.read_text(encoding="utf-8"))
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"private-control-plane"}
    xmlschema.XMLSchema(str(SCHEMAS / "JUnit.xsd")).validate(str(junit_out))
    assert 'name="private-control-plane"' in junit_out.read_text(encoding="utf-8")


def test_policy_config_downgrade_and_bad_input(tmp_path: Path) -> None:
    fab = fabric("eu-sovereign")
    aws_site(fab)["cluster"]["endpoint_public_access"] = True
    stack = write(tmp_path, "eu-public", fab)
    downgrade = tmp_path / "policy.json"
    downgrade.write_text(json.dumps({"private-control-plane": "advisory"}), encoding="utf-8")
    result = check("--config", str(stack), "--format", "json", "--policy-config", str(downgrade))
    assert result.returncode == 0 and not mandatory_policies(result)
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps({"private-control-plain": "advisory"}), encoding="utf-8")
    result = check("--config", str(stack), "--policy-config", str(typo))
    assert result.returncode == 2 and "private-control-plain" in result.stderr and "Traceback" not in result.stderr
    result = check("--stack", "no-such-stack")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_sample_policy_configs_work_offline() -> None:
    result = check(
        "--stack", "eu-sovereign", "--format", "json",
        "--policy-config", "policies/residency/policy-config.json",
        "--policy-config", "policies/security/policy-config.json",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr

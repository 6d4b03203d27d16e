"""Issue 9's done-when through the CLI: eu-sovereign with its GCP site moved out of the EU is refused by the
spec (plan: exit 2, the key path by name) and judged by `check` as a breach of the residency rule."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gpufabric.cli import _register, app

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = yaml.safe_load((REPO / "stacks" / "Pulumi.eu-sovereign.yaml").read_text(encoding="utf-8"))


def moved(tmp_path: Path, region: str, zones: list[str] | None = None) -> Path:
    doc = copy.deepcopy(EXAMPLE)
    site = next(s for s in doc["config"]["gpufabric:fabric"]["sites"] if s["kind"] == "gcp")
    site["region"] = region
    for tier in site["tiers"]:
        if zones is not None:
            tier["zones"] = zones
    path = tmp_path / "Pulumi.eu-moved.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def invoke(*args: str):
    _register()
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    return result


@pytest.mark.parametrize("region", ["us-central1", "asia-southeast1"])
def test_a_gcp_site_outside_the_jurisdiction_is_refused_by_plan(tmp_path: Path, region: str) -> None:
    result = invoke("plan", "--config", str(moved(tmp_path, region)))
    assert result.exit_code == 2
    assert "gpufabric:fabric.sites[gcp-eemshaven].region" in result.output
    assert "a GCP region inside jurisdiction 'eu'" in result.output


def test_check_names_the_residency_rule(tmp_path: Path) -> None:
    result = invoke("check", "--config", str(moved(tmp_path, "us-central1")), "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert {v["policy"] for v in report["violations"] if v["enforcement"] == "mandatory"} == {"region-allowed"}


def test_the_example_itself_checks_clean(tmp_path: Path) -> None:
    result = invoke("check", "--config", str(moved(tmp_path, "europe-west4")), "--format", "json")
    assert result.exit_code == 0, result.output

"""`gpufabric size` end to end, as a subprocess: JSON output, exit codes, bad inputs, --apply-to,
--evaluate and --plot."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from gpufabric.sizing.loaders import default_profile_path

from .helpers import EXAMPLES, REPO, option

STACK_TEXT = """\
# eu-sovereign (test copy): comments and layout must survive --apply-to.
config:
  gpufabric:fabric:
    jurisdiction: eu                     # EU member-state regions only
    sites:
      - name: aws-stockholm
        kind: aws
        region: eu-north-1
        network:
          cidr: 10.40.0.0/16
          availability_zones: [eu-north-1a, eu-north-1b]
          egress: none
        cluster:
          kubernetes_version: "1.33"
        tiers:
          - name: h100-reserved          # the committed baseline
            kind: reserved
            instance_types: [p5.48xlarge]
            count: 1
          - name: l40s-spot              # bursts
            kind: spot
            instance_types: [g6e.2xlarge]
            min: 0
            max: 8
"""


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(STACK_TEXT)
    return path


@pytest.fixture
def catalog(write_catalog) -> Path:
    return write_catalog(
        [
            option(
                "aws-stockholm/h100-reserved",
                "reserved",
                gpus_per_node=8,
                price_per_node_hour=35.776,
                max_nodes=4,
            ),
            option("aws-stockholm/l40s-spot", "spot", gpu="L40S", price_per_node_hour=0.96, max_nodes=64),
            option("aws-london/od", "on_demand", region="eu-west-2", gpus_per_node=8, price_per_node_hour=1.0),
        ]
    )


def test_json_output_keys_and_exit_0(run_size, catalog, write_series, tmp_path) -> None:
    out, png = tmp_path / "plan.json", tmp_path / "plan.png"
    demand = write_series([20, 60, 120, 60] * 6)
    r = run_size(
        "--catalog",
        str(catalog),
        "--demand",
        str(demand),
        "--jurisdiction",
        "eu",
        "--format",
        "json",
        "--out",
        str(out),
        "--plot",
        str(png),
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())  # --out: the document goes to the file instead of stdout
    assert r.stdout == ""
    for key in (
        "unit",
        "interval_seconds",
        "intervals",
        "demand",
        "options",
        "excluded",
        "cost",
        "unserved",
        "optimality_gap",
    ):
        assert key in doc
    assert set(doc["cost"]) >= {"total", "by_tier", "per_million_output_tokens"}
    for o in doc["options"]:
        assert set(o) >= {
            "id",
            "provider",
            "region",
            "tier",
            "gpu",
            "capacity_per_node",
            "price_per_node_hour",
            "committed_nodes",
            "max_nodes",
            "nodes",
        }
        assert len(o["nodes"]) == doc["intervals"] == len(doc["demand"])
    assert doc["excluded"][0]["id"] == "aws-london/od"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_table_output(run_size, catalog, write_series) -> None:
    r = run_size("--catalog", str(catalog), "--demand", str(write_series([100, 200])), "--jurisdiction", "eu")
    assert r.returncode == 0, r.stderr
    assert "aws-stockholm/l40s-spot" in r.stdout and "total cost" in r.stdout


def test_infeasible_exits_1_and_names_the_cap(run_size, write_catalog, write_series) -> None:
    cat = write_catalog([option("a/od", "on_demand", max_nodes=1)])
    r = run_size("--catalog", str(cat), "--demand", str(write_series([5000])), "--format", "json")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert doc["unserved"] > 0 and doc["binding_caps"] == ["a/od"]


def test_apply_to_keeps_comments_and_prints_diff(run_size, catalog, stack, write_series) -> None:
    demand = write_series([120] * 24)
    r = run_size(
        "--catalog",
        str(catalog),
        "--demand",
        str(demand),
        "--jurisdiction",
        "eu",
        "--format",
        "json",
        "--apply-to",
        str(stack),
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    reserved = next(o for o in doc["options"] if o["id"] == "aws-stockholm/h100-reserved")
    spot = next(o for o in doc["options"] if o["id"] == "aws-stockholm/l40s-spot")
    text = stack.read_text()
    for line in STACK_TEXT.splitlines():
        if "#" in line:
            assert line.split("#", 1)[1] in text  # every comment survives
    data = yaml.safe_load(text)["config"]["gpufabric:fabric"]["sites"][0]["tiers"]
    if reserved["committed_nodes"] >= 1:
        assert data[0]["count"] == reserved["committed_nodes"]
    assert data[1]["max"] == max(max(spot["nodes"]), 1)
    assert "(before)" in r.stderr and "(after)" in r.stderr
    assert not list(stack.parent.glob(".Pulumi.test.yaml.*"))  # no temp file left behind


def test_evaluate_reports_ratio(run_size, catalog, write_series, tmp_path) -> None:
    plan = tmp_path / "plan.json"
    r = run_size(
        "--catalog",
        str(catalog),
        "--demand",
        str(write_series([20, 60, 120, 60] * 6)),
        "--jurisdiction",
        "eu",
        "--out",
        str(plan),
    )
    assert r.returncode == 0, r.stderr
    same = run_size(
        "--evaluate",
        str(write_series([20, 60, 120, 60] * 6, "same.csv")),
        "--plan",
        str(plan),
        "--format",
        "json",
    )
    assert same.returncode == 0, same.stderr
    result = json.loads(same.stdout)
    assert result["unserved"] == 0 and result["ratio_to_hindsight"] >= 1 - 1e-6
    more = run_size(
        "--evaluate",
        str(write_series([40, 120, 240, 120] * 6, "more.csv")),
        "--plan",
        str(plan),
        "--format",
        "json",
    )
    assert json.loads(more.stdout)["cost"] > result["cost"]


def test_stack_options_from_the_example_stack(run_size) -> None:
    """--stack derives options from stacks/Pulumi.eu-sovereign.yaml and the shipped price table."""
    if not (REPO / "stacks" / "Pulumi.eu-sovereign.yaml").is_file():
        pytest.skip("the eu-sovereign example stack is not in this checkout")
    r = run_size("--stack", "eu-sovereign", "--demand", str(EXAMPLES / "demand-4w.csv"), "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    assert {o["id"].split("/")[0] for o in doc["options"]} == {"fra-onprem", "aws-stockholm", "gcp-eemshaven"}
    assert "not live prices" in doc["notice"]


# ----------------------------------------------------------------------------------------- bad inputs


def _bad(tmp_path: Path, case: str, catalog: Path, write_series) -> tuple[list[str], str]:
    """Arguments for one bad-input case and the text the error message must contain."""
    good_demand = str(write_series([100, 200]))
    bad_csv = tmp_path / "bad.csv"
    profile = tmp_path / "profile.yaml"
    base = ["--catalog", str(catalog), "--demand"]
    if case == "missing columns":
        bad_csv.write_text("timestamp,input_tokens\n1,2\n")
        return [*base, str(bad_csv)], "missing output_tokens"
    if case == "negative value":
        bad_csv.write_text("timestamp,requests_per_second,mean_input_tokens,mean_output_tokens\n0,-3,100,10\n")
        return [*base, str(bad_csv)], "row 2, column requests_per_second"
    if case == "non-numeric value":
        bad_csv.write_text("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,12,x\n")
        return [*base, str(bad_csv)], "row 2, column output_tokens"
    if case == "empty demand file":
        bad_csv.write_text("")
        return [*base, str(bad_csv)], "empty file"
    if case == "unknown GPU in catalog":
        cat = tmp_path / "cat.yaml"
        cat.write_text(yaml.safe_dump({"options": [option("x/y", "spot", gpu="TPU-v9")]}))
        return ["--catalog", str(cat), "--demand", good_demand], "options[0]"
    if case == "profile without SLO":
        data = yaml.safe_load(default_profile_path().read_text())
        del data["slo"]
        profile.write_text(yaml.safe_dump(data))
        return [*base, good_demand, "--profile", str(profile)], "slo"
    if case == "empty catalog":
        cat = tmp_path / "cat.yaml"
        cat.write_text("")
        return ["--catalog", str(cat), "--demand", good_demand], "empty file"
    if case == "malformed yaml":
        cat = tmp_path / "cat.yaml"
        cat.write_text("options: [\n")
        return ["--catalog", str(cat), "--demand", good_demand], "valid YAML"
    if case == "unknown jurisdiction":
        return [*base, good_demand, "--jurisdiction", "atlantis"], "--jurisdiction"
    if case == "missing file":
        return [*base, str(tmp_path / "nope.csv")], "no such file"
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "missing columns",
        "negative value",
        "non-numeric value",
        "empty demand file",
        "unknown GPU in catalog",
        "profile without SLO",
        "empty catalog",
        "malformed yaml",
        "unknown jurisdiction",
        "missing file",
    ],
)
def test_bad_input_exits_2_and_writes_nothing(run_size, tmp_path, catalog, stack, write_series, case) -> None:
    args, needle = _bad(tmp_path, case, catalog, write_series)
    out, png = tmp_path / "out.json", tmp_path / "out.png"
    before = stack.read_text()
    r = run_size(*args, "--out", str(out), "--plot", str(png), "--apply-to", str(stack))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("error: ") and needle in r.stderr, r.stderr
    assert not out.exists() and not png.exists()
    assert stack.read_text() == before
    shutil.rmtree(tmp_path / "none", ignore_errors=True)

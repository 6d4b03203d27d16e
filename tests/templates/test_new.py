"""`gpufabric new`: every template renders, plans and checks clean with its defaults; every kind of bad answer
exits 2 naming the answer and writes nothing; new stacks' networks never overlap."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
import yaml

from gpufabric.templates.cidr import taken_ranges
from tests.conftest import REPO
from tests.goldens import assert_golden
from tests.templates.conftest import snapshot

TEMPLATES = ["aws-reserved-spot", "aws-gcp", "onprem-burst", "onprem-airgapped"]


@pytest.mark.golden
@pytest.mark.parametrize("template", TEMPLATES)
def test_defaults_render_plan_and_check_clean(cli, project: Path, template: str) -> None:
    result = cli("new", "demo", "--template", template, "--non-interactive")
    assert result.exit_code == 0, result.stderr
    written = project / "stacks" / "Pulumi.demo.yaml"
    assert "gpufabric plan --stack demo" in result.stdout and "pulumi up --stack demo" in result.stdout
    assert_golden(f"templates/{template}.yaml", written.read_text(encoding="utf-8"))
    check = cli("check", "--stack", "demo", "--format", "json")
    assert check.exit_code == 0, check.stdout + check.stderr
    violations = json.loads(check.stdout)["violations"]
    assert [v for v in violations if v["enforcement"] == "mandatory"] == []


def test_templates_json_lists_every_archetype(cli) -> None:
    result = cli("templates", "--format", "json")
    assert result.exit_code == 0, result.stderr
    entries = {t["name"]: t for t in json.loads(result.stdout)["templates"]}
    assert sorted(entries) == sorted(TEMPLATES)
    assert entries["aws-gcp"]["site_kinds"] == ["aws", "gcp"]
    assert entries["onprem-airgapped"]["site_kinds"] == ["onprem"]
    for entry in entries.values():
        for q in entry["questions"]:
            assert q["help"] and q["type"] in {"string", "integer", "choice"}


# (template, --set answers, text the error must contain: the answer it names)
BAD = [
    pytest.param("aws-reserved-spot", ["region=us-east-1"], "--set region", id="region-outside-jurisdiction"),
    pytest.param("aws-gcp", ["gcp_region=us-central1"], "--set gcp_region", id="gcp-region-outside-jurisdiction"),
    pytest.param("onprem-airgapped", ["country=US"], "--set country", id="country-outside-jurisdiction"),
    pytest.param("onprem-airgapped", ["gpu=B200"], "--set gpu", id="unknown-gpu-kind"),
    pytest.param("aws-reserved-spot", ["spot_instance_type=m7i.large"], "--set spot_instance_type", id="not-a-gpu"),
    pytest.param("aws-reserved-spot", ["reserved_count=20"], "reserved_count=20", id="nodes-over-quota"),
    pytest.param("onprem-airgapped", ["team=research", "owned_nodes=3"], "owned_nodes=3", id="gpus-over-quota"),
    pytest.param("aws-reserved-spot", ["spot_max=many"], "--set spot_max", id="not-a-number"),
    pytest.param("aws-reserved-spot", ["spot_max=65"], "--set spot_max", id="over-question-maximum"),
    pytest.param("aws-reserved-spot", ["colour=blue"], "--set colour", id="unknown-question"),
    pytest.param("aws-reserved-spot", ["region"], "--set region", id="malformed-set"),
    pytest.param("aws-reserved-spot", ["team=platform"], "--set team", id="unknown-team"),
    pytest.param("aws-gcp", ["gcp_project=claims: x\n#y"], "--set gcp_project", id="yaml-injection-newline"),
    pytest.param("aws-gcp", ['gcp_project=a"b: c #d'], "--set gcp_project", id="yaml-injection-quote"),
    pytest.param("aws-reserved-spot", ["cost_centre=x: {}"], "--set cost_centre", id="yaml-injection-choice"),
]


@pytest.mark.parametrize(("template", "sets", "named"), BAD)
def test_bad_answer_exits_2_naming_it_and_writes_nothing(
    cli, project: Path, template: str, sets: list[str], named: str
) -> None:
    before = snapshot(project)
    args = [a for s in sets for a in ("--set", s)]
    result = cli("new", "demo", "--template", template, "--non-interactive", *args)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and named in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(project) == before


def test_exhausted_pool_exits_2_naming_the_network(cli, project: Path) -> None:
    platform = yaml.safe_load((project / "platform.yaml").read_text())
    platform["cidr_pools"] = [{"range": "10.40.0.0/15"}]  # 10.40/16 is eu-sovereign's; 10.41/16 is free
    small = project / "small-platform.yaml"
    small.write_text(yaml.safe_dump(platform))
    args = ["--template", "aws-reserved-spot", "--non-interactive", "--platform", str(small)]
    first = cli("new", "one", *args)
    assert first.exit_code == 0, first.stderr
    assert "10.41.0.0/16" in first.stdout
    before = snapshot(project)
    second = cli("new", "two", *args)
    assert second.exit_code == 2
    assert "aws network" in second.stderr and "pool exhausted" in second.stderr
    assert snapshot(project) == before


def test_state_outside_the_jurisdiction_is_refused_before_writing(cli, project: Path) -> None:
    """`new` runs the same state-location rule as `check`: no secrets provider in the jurisdiction, no stack."""
    platform = yaml.safe_load((project / "platform.yaml").read_text())
    platform["secrets_providers"] = {"eu": "awskms://alias/state?region=us-east-1"}
    other = project / "us-key-platform.yaml"
    other.write_text(yaml.safe_dump(platform))
    before = snapshot(project)
    result = cli("new", "demo", "--template", "onprem-airgapped", "--non-interactive", "--platform", str(other))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "state-location" in result.stderr and "us-east-1" in result.stderr
    assert snapshot(project) == before


def test_existing_stack_is_never_overwritten(cli, project: Path) -> None:
    before = snapshot(project)
    result = cli("new", "onprem-only", "--template", "onprem-airgapped", "--non-interactive")
    assert result.exit_code == 2 and "never overwritten" in result.stderr
    assert snapshot(project) == before


def _networks(path: Path) -> set[ipaddress.IPv4Network]:
    return set(taken_ranges(path.parent)[path.name])


def test_two_stacks_in_a_row_get_disjoint_networks(cli, project: Path) -> None:
    existing = {n for nets in taken_ranges(project / "stacks").values() for n in nets}
    for stack in ("first", "second"):
        result = cli("new", stack, "--template", "onprem-burst", "--non-interactive")
        assert result.exit_code == 0, result.stderr
    first = _networks(project / "stacks" / "Pulumi.first.yaml")
    second = _networks(project / "stacks" / "Pulumi.second.yaml")
    assert len(first) == len(second) == 4  # pods, services, nodes, the AWS VPC
    for new in first | second:
        others = (first | second | existing) - {new}
        assert not any(new.overlaps(o) for o in others), new


def test_answers_file_gives_the_same_stack_as_set(cli, project: Path) -> None:
    answers = project / "answers.yaml"
    answers.write_text("team: research\nowned_nodes: 1\ngpu: L40S\n")
    by_file = cli("new", "app", "-t", "onprem-airgapped", "--non-interactive", "--answers", str(answers))
    assert by_file.exit_code == 0, by_file.stderr
    (project / "stacks" / "Pulumi.app.yaml").rename(project / "app.yaml")  # free its networks for the second run
    sets = ["--set", "team=research", "--set", "owned_nodes=1", "--set", "gpu=L40S"]
    by_set = cli("new", "app", "-t", "onprem-airgapped", "--non-interactive", *sets)
    assert by_set.exit_code == 0, by_set.stderr
    assert (project / "stacks" / "Pulumi.app.yaml").read_text() == (project / "app.yaml").read_text()
    doc = yaml.safe_load((project / "app.yaml").read_text())["config"]["gpufabric:fabric"]
    assert doc["tags"]["team"] == "research" and doc["sites"][0]["tiers"][0]["gpu"] == "L40S"


def test_demand_sizes_the_tiers_before_writing(cli, project: Path) -> None:
    demand = str(REPO / "examples" / "sizing" / "demand-4w.csv")
    args = ["--template", "aws-reserved-spot", "--non-interactive", "--set", "spot_instance_type=p5.48xlarge"]
    result = cli("new", "sized", *args, "--demand", demand)
    assert result.exit_code == 0, result.stderr
    assert "sized: sites[0].tiers[1].max" in result.stdout
    doc = yaml.safe_load((project / "stacks" / "Pulumi.sized.yaml").read_text())["config"]["gpufabric:fabric"]
    spot = doc["sites"][0]["tiers"][1]
    assert spot["name"] == "spot" and spot["max"] != 8  # 8 is the template's default; the plan chose another


def test_demand_beyond_the_quota_is_refused_naming_it(cli, project: Path) -> None:
    before = snapshot(project)
    demand = str(REPO / "examples" / "sizing" / "demand-4w.csv")
    args = ["--template", "aws-reserved-spot", "--non-interactive", "--set", "spot_instance_type=g6.xlarge"]
    result = cli("new", "sized", *args, "--demand", demand)
    assert result.exit_code == 2
    assert f"--demand {demand} (the sized counts)" in result.stderr and "team claims" in result.stderr
    assert snapshot(project) == before


def test_templates_table_names_every_template(cli) -> None:
    result = cli("templates")
    assert result.exit_code == 0, result.stderr
    for name in TEMPLATES:
        assert name in result.stdout

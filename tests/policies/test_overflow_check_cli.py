"""`gpufabric check` runs the overflow pack beside the other two: its rules are listed as evaluated, and a
copy of an example stack whose GPU tier is tainted through the escape hatch fails with exit 1, naming the
overflow rule and the node group."""

from __future__ import annotations

import json
from pathlib import Path

from test_check_cli import aws_site, check, fabric, write

from policies.overflow.rules import PACK_DEF as OVERFLOW


def test_check_evaluates_the_overflow_pack_and_passes_the_example() -> None:
    result = check("--stack", "eu-sovereign", "--format", "sarif")
    assert result.returncode == 0, result.stdout + result.stderr
    listed = {r["id"] for r in json.loads(result.stdout)["runs"][0]["tool"]["driver"]["rules"]}
    assert {r.id for r in OVERFLOW.rules} <= listed


def test_untolerated_taint_through_the_escape_hatch_fails_check(tmp_path: Path) -> None:
    fab = fabric("eu-sovereign")
    aws_site(fab)["cluster"]["autoscaler"] = "managed-node-groups"  # node groups take escape hatches
    spot = next(t for t in aws_site(fab)["tiers"] if t["kind"] == "spot")
    spot["node_group_args"] = {"taints": [{"key": "dedicated", "value": "batch", "effect": "NO_SCHEDULE"}]}
    result = check("--config", str(write(tmp_path, "tainted", fab)), "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    found = [v for v in json.loads(result.stdout)["violations"] if v["policy"] == "overflow-gpu-taints-tolerated"]
    assert found and all("aws-stockholm-l40s-spot" in v["message"] and "dedicated=batch" in v["message"] for v in found)

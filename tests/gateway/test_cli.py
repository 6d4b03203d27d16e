"""`gpufabric gateway maxconn`: runtime-API commands from the stack, or from a sizing plan's capacities."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from gpufabric.cli import main; sys.argv = ['gpufabric', *sys.argv[1:]]; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, cwd=REPO, check=False
    )


def _plan(committed: dict[str, int]) -> dict[str, Any]:
    """A minimal plan document: only what `maxconn` reads (option ids and committed nodes) is meaningful."""
    option = {"provider": "aws", "region": "eu-north-1", "tier": "reserved", "gpu": "H100", "gpus_per_node": 8,
              "capacity_per_node": 8, "availability": 1, "price_per_node_hour": 1, "min_nodes": 0,
              "max_nodes": 8, "nodes": [1]}  # fmt: skip
    return {
        "unit": "u", "interval_seconds": 3600, "intervals": 1, "start": [0], "demand": [1], "scenarios": [],
        "options": [{**option, "id": i, "committed_nodes": n} for i, n in committed.items()], "excluded": [],
        "cost": {"total": 0, "by_tier": {}, "per_million_output_tokens": 0}, "unserved": 0,
        "unserved_by_interval": [0], "binding_caps": [], "optimality_gap": 0,
        "solver_status": "optimal", "jurisdiction": "eu", "profile": {"gpus": {"H100": {}}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("args", "plan", "expected"),
    [
        # 2 x 8 H100 x 64 / 2 = 512; 1 p5 = 8 H100 x 64 / 2 = 256; the last site uncapped (0).
        (["--stack", "eu-sovereign"], None, {"fra-onprem": 512, "aws-stockholm": 256, "gcp-eemshaven": 0}),
        # A plan committing 3 reserved p5 in Stockholm: 24 H100 x 64 / 2 = 768.
        (
            ["--stack", "eu-sovereign"],
            {"aws-stockholm/h100-reserved": 3},
            {"fra-onprem": 512, "aws-stockholm": 768, "gcp-eemshaven": 0},
        ),
        # us-cloud: capacity block 2 + reserved 2 p5 = 32 H100 x 64 / 2 = 1024.
        (["--stack", "us-cloud"], None, {"aws-virginia": 1024, "gcp-iowa": 0}),
    ],
    ids=["eu-stack", "eu-plan", "us-stack"],
)
def test_maxconn_commands(args: list[str], plan: dict | None, expected: dict[str, int], tmp_path: Path) -> None:
    if plan is not None:
        (tmp_path / "plan.json").write_text(json.dumps(_plan(plan)), encoding="utf-8")
        args = [*args, "--plan", str(tmp_path / "plan.json")]
    done = run("gateway", "maxconn", *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"set maxconn server spill/{s} {n}" for s, n in expected.items()]


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--stack", "eu-sovereign", "--plan", "missing.json"], ["missing.json", "no such file"]),
        (["--stack", "nowhere"], ["--stack nowhere", "eu-sovereign"]),
    ],
    ids=["missing-plan", "unknown-stack"],
)
def test_bad_input_exits_2_without_traceback(args: list[str], needles: list[str]) -> None:
    done = run("gateway", "maxconn", *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert all(n in done.stderr for n in needles), done.stderr


def test_model_other_than_the_profiles_exits_2_naming_the_key(tmp_path: Path) -> None:
    text = (REPO / "stacks" / "Pulumi.us-cloud.yaml").read_text(encoding="utf-8")
    stack = tmp_path / "Pulumi.x.yaml"
    stack.write_text(text.replace("model: Llama-3.1-8B", "model: Mistral-7B"), encoding="utf-8")
    done = run("gateway", "maxconn", "--config", str(stack))
    assert done.returncode == 2, done.stderr
    assert "gpufabric:fabric.serving.model" in done.stderr and "Mistral-7B" in done.stderr

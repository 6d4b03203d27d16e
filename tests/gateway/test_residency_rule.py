"""`gateway-backends-in-jurisdiction`: the gateway's servers are declared, in-jurisdiction sites at private
addresses. Pure rule calls on hand-built ConfigMaps, and one weakened example stack through `gpufabric check`."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from policies.config import resolve
from policies.model import Res, StackContext
from policies.residency.gateway import check_gateway_backends

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = yaml.safe_load((REPO / "stacks" / "Pulumi.eu-sovereign.yaml").read_text(encoding="utf-8"))
FABRIC = EXAMPLE["config"]["gpufabric:fabric"]
RULE = "gateway-backends-in-jurisdiction"


def _config_map(servers: list[str]) -> Res:
    text = "backend spill\n    balance first\n" + "".join(f"    server {s} maxconn 4\n" for s in servers)
    return Res(type="kubernetes:core/v1:ConfigMap", urn="urn:cm", name="gateway", props={"data": {"haproxy.cfg": text}})


def _problems(servers: list[str], fabric: dict[str, Any] = FABRIC) -> list[str]:
    stack = StackContext(config={"gpufabric:fabric": json.dumps(fabric)})
    cfg = resolve({"jurisdiction": "eu"}, stack)
    return [m for m, _ in check_gateway_backends([_config_map(servers)], cfg, stack)]


@pytest.mark.parametrize(
    ("servers", "needles"),
    [
        (["fra-onprem vllm.inference.svc.cluster.local:8000", "aws-stockholm vllm-internal.aws-stockholm.internal:8000",
          "gcp-eemshaven 10.50.3.4:8000"], []),
        (["fra-onprem 8.8.8.8:8000"], ["'8.8.8.8', a public address"]),
        (["fra-onprem api.example.com:8000"], ["'api.example.com', a public address"]),
        (["elsewhere 10.1.2.3:8000"], ["'elsewhere' is not a site of this stack"]),
    ],
    ids=["clean", "public-ip", "public-name", "undeclared-site"],
)  # fmt: skip
def test_rule_on_rendered_servers(servers: list[str], needles: list[str]) -> None:
    problems = _problems(servers)
    assert len(problems) == len(needles), problems
    assert all(any(n in p for p in problems) for n in needles), problems


def test_a_site_outside_the_jurisdiction_is_reported() -> None:
    fabric = copy.deepcopy(FABRIC)
    fabric["jurisdiction"] = {"name": "eu", "aws_regions": ["eu-north-1", "us-east-1"]}  # the spec widened
    fabric["sites"][1]["region"] = "us-east-1"  # the policy's jurisdiction (eu) does not allow it
    fabric["sites"][1]["network"]["availability_zones"] = ["us-east-1a", "us-east-1b"]
    problems = _problems(["aws-stockholm vllm-internal.aws-stockholm.internal:8000"], fabric)
    assert problems and "in us-east-1, outside jurisdiction 'eu'" in problems[0]


def test_weakened_stack_fails_check_naming_the_rule(tmp_path: Path) -> None:
    """The Stockholm backend moved to us-east-1 behind an explicit spec widening: check exits 1 and the
    gateway rule is among the mandatory violations (with region-allowed and single-jurisdiction)."""
    doc = copy.deepcopy(EXAMPLE)
    fab = doc["config"]["gpufabric:fabric"]
    fab["jurisdiction"] = {"name": "eu", "aws_regions": ["eu-north-1", "us-east-1"]}
    site = fab["sites"][1]
    site["region"] = "us-east-1"
    site["network"]["availability_zones"] = ["us-east-1a", "us-east-1b", "us-east-1c"]
    path = tmp_path / "Pulumi.eu-moved.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    code = "import sys; from gpufabric.cli import main; sys.argv = ['gpufabric', *sys.argv[1:]]; main()"
    done = subprocess.run([sys.executable, "-c", code, "check", "--config", str(path), "--format", "json"],
                          capture_output=True, text=True, timeout=300, cwd=REPO, check=False)  # fmt: skip
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    found = {v["policy"] for v in report["violations"] if v["policy"] == RULE}
    assert found == {RULE}, report["violations"]

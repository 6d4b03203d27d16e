"""The offline plan of eu-sovereign declares the gateway on fra-onprem, and `plan` shows its spill order."""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from rich.console import Console

from gpufabric.cli.plan import render

STACK = Path(__file__).resolve().parents[2] / "stacks" / "Pulumi.eu-sovereign.yaml"
# The example's own config besides the fabric (the on-prem kubeconfig's placeholder ciphertext).
EXTRA = {
    k: v for k, v in yaml.safe_load(STACK.read_text(encoding="utf-8"))["config"].items() if k != "gpufabric:fabric"
}


def test_plan_declares_the_gateway_and_shows_its_servers_in_order(plan_fabric, example_fabric) -> None:
    planned = plan_fabric(example_fabric("eu-sovereign"), name="eu-sovereign", extra_config=EXTRA)
    deployment = planned.one("kubernetes:apps/v1:Deployment", "fabric-gateway-inference-gateway-gateway")
    assert deployment["inputs"]["spec"]["replicas"] == 2
    assert deployment["inputs"]["metadata"]["labels"]["gpufabric.io/site"] == "fra-onprem"
    planned.one("kubernetes:policy/v1:PodDisruptionBudget", "fabric-gateway-inference-gateway-gateway")
    out = io.StringIO()
    render(planned.plan, Console(file=out, width=200))
    lines = [line for line in out.getvalue().splitlines() if ".internal:8000" in line or ".local:8000" in line]
    assert [line.split()[3] for line in lines] == ["fra-onprem", "aws-stockholm", "gcp-eemshaven"]
    assert [line.split()[-2] for line in lines] == ["512", "256", "uncapped"]

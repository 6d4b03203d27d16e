"""Every on-prem spec error reaches the user through `gpufabric plan --config`: exit 2, the key path by
site and tier name, what was expected and what was found, no traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

import gpufabric.cli.plan  # noqa: F401  (registers `plan` on the app)
from gpufabric.cli import app
from tests.onprem.conftest import KUBECONFIG_KEY, SECRET_CONFIG

SITE = "gpufabric:fabric.sites[fra-onprem]"
TIER = f"{SITE}.tiers[h100-owned]"
CLOUD = {
    "name": "aws-stockholm",
    "kind": "aws",
    "region": "eu-north-1",
    "network": {"cidr": "10.40.0.0/16"},
    "tiers": [{"name": "l40s-spot", "kind": "spot", "instance_types": ["g6e.xlarge"], "max": 2}],
}


def _site(d: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in d["sites"] if s["name"] == "fra-onprem")


def _tier(d: dict[str, Any]) -> dict[str, Any]:
    return _site(d)["tiers"][0]


def _cloud_first(d: dict[str, Any], **network: str) -> None:
    d["sites"].insert(0, CLOUD)
    _site(d)["network"].update(network)


# (id, change to the fabric, config beside it, key path, fragments of the message)
CASES: list[tuple[str, Callable[[dict[str, Any]], Any], dict[str, Any], str, list[str]]] = [
    ("kubeconfig-inline", lambda d: _site(d).update(kubeconfig="apiVersion: v1\nkind: Config\n"), SECRET_CONFIG,
     f"{SITE}.kubeconfig", ["a reference to a secret config value", "found a string"]),
    ("kubeconfig-a-list", lambda d: _site(d).update(kubeconfig=["x"]), SECRET_CONFIG,
     f"{SITE}.kubeconfig", ["a reference to a secret config value", "found list"]),
    ("kubeconfig-plain-text", lambda d: None, {KUBECONFIG_KEY: "apiVersion: v1"},
     f"{SITE}.kubeconfig.secret", ["pulumi config set --secret", "a plain-text value"]),
    ("kubeconfig-key-missing", lambda d: None, {},
     f"{SITE}.kubeconfig.secret", ["pulumi config set --secret", "no such key"]),
    ("country-outside-jurisdiction", lambda d: _site(d).update(country="CH"), SECRET_CONFIG,
     f"{SITE}.country", ["on-prem countries inside jurisdiction 'eu'", "DE", "found 'CH'"]),
    ("country-not-a-code", lambda d: _site(d).update(country="Germany"), SECRET_CONFIG,
     f"{SITE}.country", ["[A-Z]{2}", "'Germany'"]),
    ("cidr-overlaps-cloud-site", lambda d: _cloud_first(d, nodes="10.40.8.0/22"), SECRET_CONFIG,
     f"{SITE}.network.nodes", ["does not overlap site 'aws-stockholm' (10.40.0.0/16)", "10.40.8.0/22"]),
    ("pods-overlap-cloud-site", lambda d: _cloud_first(d, pods="10.40.0.0/16"), SECRET_CONFIG,
     f"{SITE}.network.pods", ["does not overlap site 'aws-stockholm'", "10.40.0.0/16"]),
    ("services-overlap-pods", lambda d: _site(d)["network"].update(services="10.60.16.0/20"), SECRET_CONFIG,
     f"{SITE}.network.services", ["does not overlap 'pods' (10.60.0.0/16)", "10.60.16.0/20"]),
    ("public-cidr", lambda d: _site(d)["network"].update(nodes="8.8.8.0/24"), SECRET_CONFIG,
     f"{SITE}.network.nodes", ["private (RFC 1918)", "'8.8.8.0/24'"]),
    ("owned-without-selector", lambda d: _tier(d).pop("node_selector"), SECRET_CONFIG,
     f"{TIER}.node_selector", ["labels that select this owned tier's existing nodes", "found nothing"]),
    ("owned-empty-selector", lambda d: _tier(d).update(node_selector={}), SECRET_CONFIG,
     f"{TIER}.node_selector", ["at least 1 item"]),
    ("unknown-gpu", lambda d: _tier(d).update(gpu="B300"), SECRET_CONFIG,
     f"{TIER}.gpu", ["a GPU kind from the hardware table (H100,", "found 'B300'"]),
    ("owned-with-instance-types", lambda d: _tier(d).update(instance_types=["p5.48xlarge"]), SECRET_CONFIG,
     f"{TIER}.instance_types", ["instance_types"]),
    ("owned-with-max", lambda d: _tier(d).update(max=3), SECRET_CONFIG,
     f"{TIER}.max", ["no 'max' on a owned tier"]),
    ("owned-needs-count", lambda d: _tier(d).pop("count"), SECRET_CONFIG,
     f"{TIER}.count", ["fixed node count of a owned tier", "found nothing"]),
    ("spot-tier-on-prem", lambda d: _tier(d).update(kind="spot"), SECRET_CONFIG,
     f"{TIER}.kind", ["a tier kind a onprem site can have (owned)", "'spot'"]),
    ("public-registry-mirror", lambda d: _site(d).update(registry_mirror="nvcr.io/nvidia"), SECRET_CONFIG,
     f"{SITE}.registry_mirror", ["the site's own registry", "'nvcr.io/nvidia'"]),
]  # fmt: skip


@pytest.mark.parametrize(("change", "config", "key_path", "fragments"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_plan_rejects_with_key_path_and_exit_2(
    onprem_fabric, write_stack, change, config: dict[str, Any], key_path: str, fragments: list[str]
) -> None:
    d = onprem_fabric()
    change(d)
    path = write_stack(d, extra_config=config)
    result = CliRunner().invoke(app, ["plan", "--config", str(path)])
    out = " ".join(result.output.split())  # the rich console may wrap long lines
    assert result.exit_code == 2, result.output
    assert "Traceback" not in out
    assert f"{key_path}:" in out, out
    for fragment in fragments:
        assert fragment in out, out

"""The on-prem site and the baseline in plans and checks: the kubeconfig never shows, every site gets the GPU
Operator release and the inference namespace, the example stacks check clean, and a copy of `onprem-only`
with a public image source or a foreign country fails `check` naming the rule."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.onprem.conftest import CIPHERTEXT, KUBECONFIG_KEY, SECRET_CONFIG

REPO = Path(__file__).resolve().parents[2]
RELEASE = "kubernetes:helm.sh/v3:Release"
MIRROR = "registry.fra.claims.internal"


def gpufabric(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "gpufabric"), *args], capture_output=True, text=True, cwd=REPO, timeout=300
    )


def write(tmp_path: Path, name: str, fabric: dict[str, Any], config: dict[str, Any]) -> Path:
    path = tmp_path / f"Pulumi.{name}.yaml"
    path.write_text(yaml.safe_dump({"config": {"gpufabric:fabric": fabric, **config}}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def eu_plan(example_fabric, plan_fabric):
    return plan_fabric(example_fabric("eu-sovereign"), name="eu-sovereign", extra_config=SECRET_CONFIG)


@pytest.fixture(scope="module")
def onprem_plan(onprem_fabric, plan_fabric):
    return plan_fabric(onprem_fabric(), name="onprem-only", extra_config=SECRET_CONFIG)


def test_plan_never_prints_the_kubeconfig(tmp_path: Path, onprem_fabric) -> None:
    stack = write(tmp_path, "onprem-only", onprem_fabric(), SECRET_CONFIG)
    for fmt in ("json", "table"):
        result = gpufabric("plan", "--config", str(stack), "--format", fmt)
        assert result.returncode == 0, result.stderr
        for text in (result.stdout, result.stderr):
            assert CIPHERTEXT not in text
            assert "not decrypted offline" not in text  # not even the offline placeholder
    doc = json.loads(gpufabric("plan", "--config", str(stack), "--format", "json").stdout)
    (provider,) = [r for r in doc["resources"] if r["type"] == "pulumi:providers:kubernetes"]
    assert provider["inputs"]["kubeconfig"] == "[secret]"


def test_the_kubeconfig_is_read_from_its_secret_key(onprem_plan) -> None:
    (provider,) = onprem_plan.of_type("pulumi:providers:kubernetes")
    assert provider["inputs"]["kubeconfig"] == "[secret]"
    assert KUBECONFIG_KEY in onprem_plan.plan.config  # given to the program, as a placeholder only


def test_eu_sovereign_owned_tier_is_rank_1(eu_plan) -> None:
    from gpufabric.cli.plan import tier_rows

    rows = tier_rows(eu_plan.plan)
    assert (rows[0]["site"], rows[0]["tier"], rows[0]["rank"], rows[0]["kind"]) == (
        "fra-onprem",
        "h100-owned",
        1,
        "owned",
    )
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("site", "driver", "chart", "repository"),
    [
        pytest.param("fra-onprem", True, f"oci://{MIRROR}/charts/gpu-operator", None, id="onprem"),
        pytest.param(
            "aws-stockholm",
            False,
            "oci://123456789012.dkr.ecr.eu-north-1.amazonaws.com/charts/gpu-operator",
            None,
            id="aws",
        ),
    ],
)
def test_every_site_gets_the_operator_release(eu_plan, site: str, driver: bool, chart: str, repository) -> None:
    (release,) = [r for r in eu_plan.of_type(RELEASE) if r["name"] == f"{site}-gpu-operator"]
    inputs = release["inputs"]
    assert (inputs["chart"], inputs["version"], inputs["namespace"]) == (chart, "v25.3.4", "gpu-operator")
    assert inputs.get("repositoryOpts", {}).get("repo") == repository
    assert inputs["values"]["driver"]["enabled"] is driver
    assert inputs["values"]["toolkit"]["enabled"] is driver
    assert inputs["values"]["dcgmExporter"]["enabled"] is True
    # the release goes through that site's Kubernetes provider
    (provider,) = [p for p in eu_plan.of_type("pulumi:providers:kubernetes") if p["urn"] == release["provider"]]
    assert provider["name"] in (site, f"{site}-eks")


@pytest.mark.parametrize("site", ["fra-onprem", "aws-stockholm"])
def test_every_site_gets_the_inference_namespace_quota_and_default_deny(eu_plan, site: str) -> None:
    def named(type_: str, name: str) -> dict[str, Any]:
        return eu_plan.one(type_, f"{site}-{name}")

    ns = named("kubernetes:core/v1:Namespace", "namespace-inference")
    assert ns["inputs"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    quota = named("kubernetes:core/v1:ResourceQuota", "inference-gpu-quota")
    assert quota["inputs"]["spec"]["hard"] == {
        "requests.nvidia.com/gpu": {"fra-onprem": "16", "aws-stockholm": "32"}[site]
    }
    deny = named("kubernetes:networking.k8s.io/v1:NetworkPolicy", "inference-default-deny")
    assert deny["inputs"]["spec"]["policyTypes"] == ["Ingress", "Egress"]


def test_onprem_only_pulls_every_image_from_its_mirror(onprem_plan) -> None:
    from policies.kube import helm_images

    releases = {r["inputs"]["name"]: r for r in onprem_plan.of_type(RELEASE)}
    assert sorted(releases) == ["gpu-operator", "keda"]  # KEDA scales the model server
    images = [i for r in releases.values() for i in helm_images(r["inputs"]["values"])]
    assert len(images) >= 13
    assert all(image.startswith(f"{MIRROR}/") for _, image in images), images
    assert not onprem_plan.of_type("pulumi:providers:aws")  # no cloud


def test_declared_node_labels_become_explicit_node_patches(onprem_fabric, plan_fabric) -> None:
    fabric = onprem_fabric()
    fabric["sites"][0]["tiers"][0]["node_labels"] = {"gpu-01": {"gpufabric.io/tier": "h100-owned"}}
    planned = plan_fabric(fabric, name="labelled", extra_config=SECRET_CONFIG)
    (patch,) = planned.of_type("kubernetes:core/v1:NodePatch")
    assert patch["inputs"]["metadata"] == {"name": "gpu-01", "labels": {"gpufabric.io/tier": "h100-owned"}}
    (note,) = [c for c in planned.of_type("kubernetes:core/v1:ConfigMap") if c["name"].endswith("tier-h100-owned")]
    assert note["inputs"]["data"]["labelledByFabric"] == "gpu-01"
    assert not plan_fabric(onprem_fabric(), name="onprem-only", extra_config=SECRET_CONFIG).of_type(
        "kubernetes:core/v1:NodePatch"
    )


@pytest.mark.parametrize("stack", ["onprem-only", "eu-sovereign"])
def test_example_stacks_check_clean(stack: str) -> None:
    result = gpufabric("check", "--stack", stack, "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["violations"] == []


@pytest.mark.parametrize(
    ("change", "rule", "words"),
    [
        pytest.param({"registry_mirror": "nvcr.io/nvidia"}, "k8s-image-registry-allowed", "nvcr.io", id="public-image"),
        pytest.param(
            {"chart_mirror": "https://helm.ngc.nvidia.com/nvidia"},
            "k8s-image-registry-allowed",
            "helm.ngc.nvidia.com",
            id="public-chart",
        ),
        pytest.param({"country": "CH"}, "onprem-country-allowed", "'CH'", id="foreign-country"),
    ],
)
def test_a_weakened_copy_of_onprem_only_fails_check(
    tmp_path: Path, onprem_fabric, change: dict[str, str], rule: str, words: str
) -> None:
    fabric = onprem_fabric()
    fabric["sites"][0].update(change)
    result = gpufabric(
        "check", "--config", str(write(tmp_path, "onprem-weak", fabric, SECRET_CONFIG)), "--format", "json"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    (found,) = json.loads(result.stdout)["violations"]
    assert (found["policy"], found["enforcement"]) == (rule, "mandatory")
    assert "sites[fra-onprem]" in found["message"] and words in found["message"]


def test_an_onprem_plan_makes_no_call_at_all(tmp_path: Path, onprem_fabric, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is read from the on-prem cluster (or anywhere) while planning an on-prem-only stack."""
    from gpufabric.offline import datasources, plan_stack
    from gpufabric.spec import load_stack_file

    calls: list[str] = []
    original = datasources.answer

    def recording(token: str, *args: Any) -> Any:
        calls.append(token)
        return original(token, *args)

    monkeypatch.setattr(datasources, "answer", recording)
    plan = plan_stack(load_stack_file(write(tmp_path, "onprem-only", onprem_fabric(), SECRET_CONFIG)))
    assert plan.by_type(RELEASE)  # the program ran
    assert calls == []

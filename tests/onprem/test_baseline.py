"""The cluster baseline per site kind: GPU Operator operands and images, the objects it renders (goldens,
valid against the site's Kubernetes schema), and what the plan shows on every site."""

from __future__ import annotations

import pytest

from gpufabric.core import charts
from gpufabric.core.vocabulary import SiteKind
from gpufabric.decide.baseline import (
    BaselineSite,
    aws_baseline,
    baseline_objects,
    gcp_baseline,
    onprem_baseline,
    operator_chart,
    operator_values,
    owned_tier_notes,
)
from gpufabric.spec import parse_fabric
from policies.kube import helm_images, schema_errors
from tests.goldens import assert_golden

MIRROR = "registry.fra.example.internal"
SITES = {
    "aws": BaselineSite("aws-stockholm", SiteKind.AWS, "1.33", 24, "123456789012.dkr.ecr.eu-north-1.amazonaws.com"),
    "gcp": BaselineSite("gcp-eemshaven", SiteKind.GCP, "1.32", 8, "europe-west4-docker.pkg.dev/proj/nvidia"),
    "onprem": BaselineSite("fra-onprem", SiteKind.ONPREM, "1.33", 16, MIRROR, f"oci://{MIRROR}/charts"),
    "onprem-drivers-on-nodes": BaselineSite("fra-onprem", SiteKind.ONPREM, "1.33", 16, MIRROR, nodes_have_driver=True),
    "onprem-no-mirror": BaselineSite("lab-onprem", SiteKind.ONPREM, "1.31", 8),
}


@pytest.mark.parametrize(
    ("site", "driver", "toolkit"),
    [
        pytest.param("aws", False, False, id="eks-al2023-nvidia-ami-ships-driver"),
        pytest.param("gcp", False, False, id="gke-managed-driver"),
        pytest.param("onprem", True, True, id="onprem-operator-installs-driver"),
        pytest.param("onprem-drivers-on-nodes", False, False, id="onprem-nodes-have-driver"),
    ],
)
def test_operands_per_site_kind(site: str, driver: bool, toolkit: bool) -> None:
    values = operator_values(SITES[site])
    assert values["driver"]["enabled"] is driver
    assert values["toolkit"]["enabled"] is toolkit
    assert values["dcgmExporter"]["enabled"] is True
    assert values["nfd"]["enabled"] is True
    assert values["devicePlugin"]["enabled"] is True


def test_gke_reads_the_driver_where_gke_installs_it() -> None:
    values = operator_values(SITES["gcp"])
    assert values["hostPaths"]["driverInstallDir"] == "/home/kubernetes/bin/nvidia"
    assert "hostPaths" not in operator_values(SITES["aws"])


@pytest.mark.parametrize("site", ["aws", "gcp", "onprem"])
def test_every_image_comes_from_the_site_registry(site: str) -> None:
    images = list(helm_images(operator_values(SITES[site])))
    assert len(images) >= 10  # operator, validator, driver, toolkit, plugin, dcgm, exporter, gfd, mig, nfd...
    registry = SITES[site].registry
    assert registry is not None
    for where, image in images:
        assert image.startswith(f"{registry}/"), where


def test_without_a_mirror_the_chart_defaults_stand() -> None:
    values = operator_values(SITES["onprem-no-mirror"])
    assert list(helm_images(values)) == []
    assert operator_chart(SITES["onprem-no-mirror"]).repository == charts.GPU_OPERATOR.repository


@pytest.mark.parametrize(
    ("site", "chart", "repository"),
    [
        pytest.param("onprem", f"oci://{MIRROR}/charts/gpu-operator", None, id="oci-mirror"),
        pytest.param("onprem-no-mirror", "gpu-operator", "https://helm.ngc.nvidia.com/nvidia", id="nvidia"),
    ],
)
def test_chart_source(site: str, chart: str, repository: str | None) -> None:
    ref = operator_chart(SITES[site])
    assert (ref.chart, ref.repository, ref.version) == (chart, repository, charts.GPU_OPERATOR.version)


def test_quota_is_derived_from_the_tiers(example_fabric) -> None:
    spec = parse_fabric(example_fabric("eu-sovereign"))
    onprem, aws, gcp = spec.sites
    assert onprem_baseline(onprem).gpu_ceiling == 2 * 8  # two owned 8 x H100 nodes
    # 1 reserved p5 (8) + 8 spot g6e of at most 1 GPU each + 2 on-demand p5 (8 each)
    assert aws_baseline(aws, "123456789012").gpu_ceiling == 8 + 8 + 16
    # 2 reserved g2-standard-8 (1 L4 each) + 8 spot g2-standard-8
    assert gcp_baseline(gcp).gpu_ceiling == 2 + 8
    quota = next(o for o in baseline_objects(onprem_baseline(onprem)) if o["kind"] == "ResourceQuota")
    assert quota["spec"]["hard"] == {"requests.nvidia.com/gpu": "16"}


def test_namespaces_and_policies() -> None:
    objects = {(o["kind"], o["metadata"]["name"]): o for o in baseline_objects(SITES["onprem"])}
    labels = objects[("Namespace", "inference")]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    deny = objects[("NetworkPolicy", "default-deny")]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    serving = objects[("PriorityClass", "gpufabric-serving")]
    batch = objects[("PriorityClass", "gpufabric-batch")]
    assert serving["value"] > batch["value"]
    assert (serving["preemptionPolicy"], batch["preemptionPolicy"]) == ("PreemptLowerPriority", "Never")
    assert {k[1] for k in objects if k[0] == "NetworkPolicy"} == {
        "default-deny",
        "allow-dns",
        "allow-gateway",
        "allow-metrics",
    }


def _rendered(site: str, example_fabric) -> list[dict]:
    objects = baseline_objects(SITES[site])
    if site == "onprem":
        spec = parse_fabric(example_fabric("onprem-only"))
        objects += owned_tier_notes(spec.sites[0], {"h100-owned": 1})
    return objects


@pytest.mark.golden
@pytest.mark.parametrize("site", sorted(SITES))
def test_rendered_baseline_matches_golden(site: str, example_fabric) -> None:
    assert_golden(
        f"baseline/{site}.json",
        {
            "chart": vars(operator_chart(SITES[site])),
            "values": operator_values(SITES[site]),
            "objects": _rendered(site, example_fabric),
        },
    )


@pytest.mark.parametrize("site", sorted(SITES))
def test_every_rendered_object_meets_the_kubernetes_schema(site: str, example_fabric) -> None:
    for obj in _rendered(site, example_fabric):
        assert schema_errors(obj, SITES[site].kubernetes_version) == (), obj["metadata"]["name"]


def test_schema_validation_names_the_field() -> None:
    bad = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"}, "spec": {"hardd": {}}}
    (problem,) = schema_errors(bad, "1.33")
    assert "spec" in problem
    assert "hardd" in problem

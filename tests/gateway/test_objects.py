"""The gateway's Kubernetes objects: goldens per example stack and the properties the design relies on."""

from __future__ import annotations

from typing import Any

import pytest

from gpufabric.core.vocabulary import SiteKind
from gpufabric.decide.gateway_objects import GatewaySite, gateway_objects
from tests.goldens import assert_golden

ONPREM = GatewaySite("fra-onprem", SiteKind.ONPREM, "DE", "registry.fra.claims.internal", 2, 8000)
AWS = GatewaySite("aws-virginia", SiteKind.AWS, "us-east-1", "123456789012.dkr.ecr.us-east-1.amazonaws.com", 3, 8000)
GCP = GatewaySite("gcp-x", SiteKind.GCP, "europe-west4", None, 2, 9000)


def _by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in objects}


@pytest.mark.golden
@pytest.mark.parametrize("site", [ONPREM, AWS], ids=["onprem", "aws"])
def test_golden_objects(site: GatewaySite) -> None:
    assert_golden(f"gateway/{site.name}.json", gateway_objects(site, "# config\n"))


@pytest.mark.parametrize(
    ("site", "image", "service_type", "annotation"),
    [
        (ONPREM, "registry.fra.claims.internal/library/haproxy:", "ClusterIP", None),
        (AWS, "123456789012.dkr.ecr.us-east-1.amazonaws.com/library/haproxy:", "LoadBalancer",
         ("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal")),
        (GCP, "docker.io/library/haproxy:", "LoadBalancer", ("networking.gke.io/load-balancer-type", "Internal")),
    ],
    ids=["onprem-mirror-clusterip", "aws-ecr-internal-nlb", "gcp-internal-lb"],
)  # fmt: skip
def test_image_from_the_site_registry_and_internal_only_service(
    site: GatewaySite, image: str, service_type: str, annotation: tuple[str, str] | None
) -> None:
    objects = _by_kind(gateway_objects(site, "x"))
    deployment = objects["Deployment/gateway"]
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].startswith(image)
    service = objects["Service/gateway"]
    assert service["spec"]["type"] == service_type
    if annotation:
        assert service["metadata"]["annotations"][annotation[0]] == annotation[1]
    assert service["spec"]["ports"][0]["port"] == site.port


def test_replicas_spread_pdb_and_restricted_namespace() -> None:
    objects = _by_kind(gateway_objects(AWS, "x"))
    spec = objects["Deployment/gateway"]["spec"]
    assert spec["replicas"] == 3
    hostname = [
        c for c in spec["template"]["spec"]["topologySpreadConstraints"] if c["topologyKey"].endswith("hostname")
    ]
    assert hostname and hostname[0]["whenUnsatisfiable"] == "DoNotSchedule"
    assert objects["PodDisruptionBudget/gateway"]["spec"]["minAvailable"] == 1
    labels = objects["Namespace/inference-gateway"]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert spec["template"]["spec"]["nodeSelector"] == {"topology.kubernetes.io/region": "us-east-1"}


def test_a_changed_config_changes_the_pod_template() -> None:
    def annotation(config: str) -> str:
        pod = _by_kind(gateway_objects(AWS, config))["Deployment/gateway"]["spec"]["template"]
        return pod["metadata"]["annotations"]["gpufabric.io/config-hash"]

    assert annotation("a") != annotation("b")
    assert annotation("a") == annotation("a")
    assert _by_kind(gateway_objects(AWS, "a"))["ConfigMap/gateway"]["data"]["haproxy.cfg"] == "a"

"""The server's pure decisions: replicas from the tiers and the profile's rows, the registry of each site
kind, node affinity by overflow order, the restricted security context, the queue-driven scaling bounds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpufabric.core.errors import DecisionError
from gpufabric.decide.overflow import overflow_order
from gpufabric.decide.serving import (
    ReplicaShape,
    SiteCapacity,
    deployment,
    scaled_object,
    server_site,
    services,
    site_capacity,
    site_registry,
    tier_preferences,
)
from gpufabric.spec.load import parse_fabric

DEFAULT = {"H100": ReplicaShape(1, 64), "L40S": ReplicaShape(1, 24), "L4": ReplicaShape(1, 16)}
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def eu(example_fabric):
    return parse_fabric(example_fabric("eu-sovereign"))


def _site(spec, name):
    return next(s for s in spec.sites if s.name == name)


# (site, shapes, committed, elastic, gpus per replica, concurrency): counted by hand from the stack file
CAPACITY = [
    ("fra-onprem", DEFAULT, 16, 0, 1, 64),  # 2 nodes x 8 H100
    ("aws-stockholm", DEFAULT, 8, 8 + 16, 1, 64),  # 1 p5 (8) | spot 8 x g6e (1 each at most 4xl) + 2 p5 x 8
    ("gcp-eemshaven", DEFAULT, 2, 8, 1, 16),  # 2 g2-standard-8 (1 L4) | 8 spot
    ("fra-onprem", {"H100": ReplicaShape(2, 64)}, 8, 0, 2, 64),
    ("aws-stockholm", {**DEFAULT, "H100": ReplicaShape(4, 128)}, 2, 0 + 4, 4, 128),  # L40S nodes hold no 4-GPU replica
]


@pytest.mark.parametrize(
    ("name", "shapes", "committed", "elastic", "per", "conc"),
    CAPACITY,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CAPACITY)],
)
def test_site_capacity_counts_replicas_per_tier(eu, name, shapes, committed, elastic, per, conc) -> None:
    assert site_capacity(_site(eu, name), shapes) == SiteCapacity(per, committed, elastic, conc)


def test_a_gpu_without_a_profile_row_names_site_and_tier(eu) -> None:
    with pytest.raises(DecisionError, match=r"site 'gcp-eemshaven' tier 'l4-reserved'.*no row for GPU 'L4'"):
        site_capacity(_site(eu, "gcp-eemshaven"), {"H100": ReplicaShape(1, 64)})


@given(committed=st.integers(0, 50), elastic=st.integers(0, 50))
def test_scaling_bounds_never_below_one_nor_inverted(committed, elastic) -> None:
    cap = SiteCapacity(1, committed, elastic, 64)
    assert cap.min_replicas == max(committed, 1)
    assert cap.max_replicas >= cap.min_replicas
    assert cap.max_replicas == max(committed + elastic, 1)


@given(st.integers(1, 100))
def test_tier_preferences_strictly_decrease_within_1_100(n) -> None:
    weights = [p["weight"] for p in tier_preferences(tuple(f"t{i}" for i in range(n)))]
    assert weights[0] == 100 and all(1 <= w <= 100 for w in weights)
    assert all(a > b for a, b in zip(weights, weights[1:], strict=False))


@pytest.mark.parametrize(
    ("name", "registry"),
    [
        ("fra-onprem", "registry.fra.claims.internal"),
        ("aws-stockholm", "123456789012.dkr.ecr.eu-north-1.amazonaws.com"),
        ("gcp-eemshaven", "europe-west4-docker.pkg.dev/claims-assistant-eu/gpufabric-mirror"),
    ],
)
def test_each_site_pulls_from_its_own_registry(eu, name, registry) -> None:
    assert site_registry(_site(eu, name), ACCOUNT) == registry


def _server(eu, name):
    site = _site(eu, name)
    ranks = {r.tier: r.rank for r in overflow_order(eu) if r.site == name}
    return server_site(eu, site, ranks, site_registry(site, ACCOUNT)), site_capacity(site, DEFAULT)


def test_the_deployment_is_pinned_preferring_tiers_in_order_and_restricted(eu) -> None:
    ss, cap = _server(eu, "aws-stockholm")
    d = deployment(ss, eu.serving, cap)
    pod = d["spec"]["template"]["spec"]
    assert d["spec"]["replicas"] == 8
    node = pod["affinity"]["nodeAffinity"]
    (term,) = node["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert {e["key"]: e["values"] for e in term["matchExpressions"]} == {
        "topology.kubernetes.io/region": ["eu-north-1"],
        "gpufabric.io/site": ["aws-stockholm"],
    }
    prefs = [
        (p["weight"], p["preference"]["matchExpressions"][0]["values"][0])
        for p in node["preferredDuringSchedulingIgnoredDuringExecution"]
    ]
    assert prefs == [(100, "h100-reserved"), (66, "l40s-spot"), (33, "h100-on-demand")]
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists"}]
    assert pod["priorityClassName"] == "gpufabric-serving"
    (c,) = pod["containers"]
    assert c["image"] == "123456789012.dkr.ecr.eu-north-1.amazonaws.com/vllm/vllm-openai:v0.11.0"
    assert c["resources"]["limits"]["nvidia.com/gpu"] == "1" == c["resources"]["requests"]["nvidia.com/gpu"]
    sc = c["securityContext"]
    assert (sc["runAsNonRoot"], sc["allowPrivilegeEscalation"], sc["readOnlyRootFilesystem"]) == (True, False, True)
    assert sc["capabilities"] == {"drop": ["ALL"]} and sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert {"name": "HF_HUB_OFFLINE", "value": "1"} in c["env"]
    assert c["args"][0] == "s3://claims-assistant-eu-weights-stockholm/llama-3.1-8b"
    assert c["startupProbe"]["failureThreshold"] * c["startupProbe"]["periodSeconds"] >= 1800
    assert c["readinessProbe"]["httpGet"]["path"] == "/health"


def test_onprem_reads_weights_from_its_claim_and_pins_its_country(eu) -> None:
    ss, cap = _server(eu, "fra-onprem")
    pod = deployment(ss, eu.serving, cap)["spec"]["template"]["spec"]
    assert {"name": "weights", "persistentVolumeClaim": {"claimName": "model-weights", "readOnly": True}} in pod[
        "volumes"
    ]
    assert pod["containers"][0]["args"][0] == "/models/llama-3.1-8b"
    term = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
    assert term["matchExpressions"][0]["values"] == ["DE"]


@pytest.mark.parametrize(
    ("name", "annotation", "address"),
    [
        ("aws-stockholm", ("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"), None),
        ("gcp-eemshaven", ("networking.gke.io/load-balancer-type", "Internal"), None),
        ("fra-onprem", ("metallb.universe.tf/loadBalancerIPs", "10.62.3.240"), "10.62.3.240"),
    ],
)
def test_the_internal_service_is_internal_and_fabric_only(eu, name, annotation, address) -> None:
    ss, _ = _server(eu, name)
    local, internal = services(ss, eu.serving)
    assert local["spec"]["type"] == "ClusterIP" and local["metadata"]["name"] == "vllm"
    assert internal["metadata"]["name"] == "vllm-internal"
    assert internal["metadata"]["annotations"][annotation[0]] == annotation[1]
    assert internal["spec"].get("loadBalancerIP") == address
    assert sorted(internal["spec"]["loadBalancerSourceRanges"]) == sorted(
        ["10.60.0.0/16", "10.61.0.0/20", "10.62.0.0/22", "10.40.0.0/16", "10.50.0.0/16"]
    )


def test_keda_scales_between_committed_and_elastic_on_the_queue(eu) -> None:
    ss, cap = _server(eu, "aws-stockholm")
    spec = scaled_object(ss, eu.serving, cap)["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (8, 32)
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "prometheus"
    assert "vllm:num_requests_waiting" in trigger["metadata"]["query"]
    assert trigger["metadata"]["threshold"] == "4"

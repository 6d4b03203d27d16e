"""The gateway's pure decisions: spill order of sites and each site's maxconn, from hand-computed figures."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gpufabric.core.errors import InputError
from gpufabric.decide.gateway import GpuServing, ServingFacts, backends, gateway_site, site_addresses, site_slots
from gpufabric.spec.load import parse_fabric

# Independent of the shipped profile: the figures below are computed by hand from these rows.
FACTS = ServingFacts(
    model="m",
    gpus={"H100": GpuServing(1, 64), "L40S": GpuServing(1, 24), "L4": GpuServing(1, 16)},
    source="profile.yaml",
)


def _aws(name: str, region: str, cidr: str, tiers: list[dict[str, Any]]) -> dict[str, Any]:
    zones = [f"{region}a", f"{region}b"]
    return {"name": name, "kind": "aws", "region": region, "network": {"cidr": cidr, "availability_zones": zones},
            "tiers": tiers}  # fmt: skip


RESERVED_P5 = {"name": "h100-reserved", "kind": "reserved", "instance_types": ["p5.48xlarge"], "count": 1}
SPOT_L40S = {"name": "l40s-spot", "kind": "spot", "instance_types": ["g6e.xlarge"], "max": 4}  # 1 L40S per node
ONPREM = {
    "name": "fra-onprem", "kind": "onprem", "country": "DE", "kubeconfig": {"secret": "gpufabric:k"},
    "network": {"pods": "10.60.0.0/16", "services": "10.61.0.0/20", "nodes": "10.62.0.0/22"},
    "tiers": [{"name": "h100-owned", "kind": "owned", "node_selector": {"a": "b"}, "gpu": "H100",
               "gpus_per_node": 8, "count": 2}],
}  # fmt: skip


def _weights(site: dict[str, Any]) -> dict[str, Any]:
    """Every serving site declares its weights (the inference service's rule); on-prem also its mirror."""
    if site["kind"] == "onprem":
        site.setdefault("registry_mirror", "registry.fra.internal")
        return {"weights": "pvc://weights/m", "internal_address": "10.62.3.240"}
    return {"weights": f"s3://weights-{site['name']}/m"}


def _fabric(sites: list[dict[str, Any]], replicas: int = 2, **serving: Any) -> Any:
    sites = copy.deepcopy(sites)
    declared = {s["name"]: _weights(s) for s in sites}
    raw = {"jurisdiction": "eu", "serving": {"model": "m", "gateway": {"replicas": replicas}, "sites": declared,
           **serving}, "sites": sites}  # fmt: skip
    return parse_fabric(raw)


STOCKHOLM = _aws("aws-stockholm", "eu-north-1", "10.40.0.0/16", [RESERVED_P5, SPOT_L40S])
PARIS_SPOT = _aws("aws-paris", "eu-west-3", "10.41.0.0/16", [SPOT_L40S])
IRELAND_SPOT = _aws("aws-ireland", "eu-west-1", "10.42.0.0/16", [SPOT_L40S])


@pytest.mark.parametrize(
    ("sites", "replicas", "expected"),
    [
        # 2 nodes x 8 H100 = 16 replicas x 64 = 1024 slots / 2 gateway replicas = 512; 1 p5 = 8 x 64 / 2 = 256.
        ([ONPREM, STOCKHOLM, PARIS_SPOT], 2, [("fra-onprem", 512), ("aws-stockholm", 256), ("aws-paris", None)]),
        ([ONPREM, STOCKHOLM], 3, [("fra-onprem", 341), ("aws-stockholm", None)]),  # 1024 / 3 rounded down
        # A committed site is capped at its committed slots only: its L40S spot tier does not count.
        ([STOCKHOLM, PARIS_SPOT], 2, [("aws-stockholm", 256), ("aws-paris", None)]),
        # An elastic-only site that is not last is capped at its ceiling: 4 L40S x 24 / 2 = 48.
        ([PARIS_SPOT, IRELAND_SPOT], 2, [("aws-paris", 48), ("aws-ireland", None)]),
        # Order follows the best tier rank, not the stack's site order: reserved Stockholm before spot Paris.
        ([PARIS_SPOT, STOCKHOLM], 2, [("aws-stockholm", 256), ("aws-paris", None)]),
        ([STOCKHOLM], 2, [("aws-stockholm", None)]),  # a single site is the last one
    ],
    ids=["three-sites", "three-gateway-replicas", "committed-only", "elastic-not-last", "rank-order", "single"],
)
def test_backends_in_spill_order_with_maxconn(sites: list[dict[str, Any]], replicas: int, expected: list) -> None:
    spec = _fabric(sites, replicas)
    found = backends(spec, FACTS, {s["name"]: f"{s['name']}.example" for s in sites}, "stack.yaml")
    assert [(b.site, b.maxconn) for b in found] == expected
    assert {b.port for b in found} == {8000}


def test_gpus_per_replica_divides_gpus_before_concurrency() -> None:
    # A replica never spans nodes: 8 H100 // 3 GPUs per replica = 2 replicas per node x 2 nodes = 4 replicas
    # (not 16 // 3 = 5: the fifth would need GPUs from both nodes) x 10 = 40 slots / 2 gateway replicas = 20.
    facts = ServingFacts("m", {"H100": GpuServing(3, 10), "L40S": GpuServing(1, 10)}, "p.yaml")
    assert site_slots(_fabric([ONPREM, STOCKHOLM]), facts, "s.yaml")[0].slots == 40
    assert (
        backends(_fabric([ONPREM, STOCKHOLM]), facts, {"fra-onprem": "a", "aws-stockholm": "b"}, "s")[0].maxconn == 20
    )


def test_maxconn_is_at_least_one() -> None:
    # 1 p5 = 1 replica x 1 slot, shared by 4 gateway replicas
    facts = ServingFacts("m", {"H100": GpuServing(8, 1), "L40S": GpuServing(1, 1)}, "p.yaml")
    found = backends(_fabric([STOCKHOLM, PARIS_SPOT], 4), facts, {"aws-stockholm": "a", "aws-paris": "b"}, "s")
    assert found[0].maxconn == 1


def test_address_with_port_overrides_serving_port() -> None:
    found = backends(_fabric([STOCKHOLM], port=9000), FACTS, {"aws-stockholm": "127.0.0.1:4321"}, "s")
    assert (found[0].address, found[0].port) == ("127.0.0.1", 4321)
    found = backends(_fabric([STOCKHOLM], port=9000), FACTS, {"aws-stockholm": "h"}, "s")
    assert found[0].port == 9000


def test_gateway_site_defaults_to_first_in_order_and_follows_the_stack() -> None:
    assert gateway_site(_fabric([PARIS_SPOT, STOCKHOLM])) == "aws-stockholm"
    assert gateway_site(_fabric([PARIS_SPOT, STOCKHOLM], gateway={"site": "aws-paris"})) == "aws-paris"


@pytest.mark.parametrize(
    ("facts", "where", "words"),
    [
        (ServingFacts("other-model", FACTS.gpus, "p.yaml"), "gpufabric:fabric.serving.model", ["other-model", "'m'"]),
        (
            ServingFacts("m", {"L4": GpuServing(1, 16)}, "p.yaml"),
            "gpufabric:fabric.sites[fra-onprem].tiers[h100-owned]",
            ["H100", "L4", "p.yaml"],
        ),
    ],
    ids=["model-mismatch", "gpu-kind-missing-from-profile"],
)
def test_bad_profile_is_a_located_input_error(facts: ServingFacts, where: str, words: list[str]) -> None:
    with pytest.raises(InputError) as err:
        site_slots(_fabric([ONPREM, STOCKHOLM]), facts, "stack.yaml")
    assert err.value.where == where
    assert all(w in err.value.message for w in words), err.value.message


def test_addresses_local_by_cluster_dns_onprem_by_its_declared_address_cloud_by_name() -> None:
    here_onprem = site_addresses(_fabric([ONPREM, STOCKHOLM]))
    assert here_onprem == {
        "fra-onprem": "vllm.inference.svc.cluster.local",
        "aws-stockholm": "vllm-internal.aws-stockholm.internal",
    }
    here_cloud = site_addresses(_fabric([ONPREM, STOCKHOLM], gateway={"site": "aws-stockholm"}))
    assert here_cloud == {"fra-onprem": "10.62.3.240", "aws-stockholm": "vllm.inference.svc.cluster.local"}

"""Secure defaults of a GCP site, read from its offline plan (Pulumi mocks), one property per test."""

from __future__ import annotations

import pytest

from tests.gcp.fabric import gcp_fabric, gcp_site

CLUSTER = "gcp:container/cluster:Cluster"
POOL = "gcp:container/nodePool:NodePool"
RESERVATION = "gcp:compute/reservation:Reservation"


@pytest.fixture(scope="module")
def planned(plan_fabric):
    return plan_fabric(gcp_fabric(), name="gcp")


@pytest.fixture(scope="module")
def cluster(planned):
    (c,) = planned.of_type(CLUSTER)
    return c["inputs"]


def gpu_pools(planned):
    return {p["name"]: p["inputs"] for p in planned.of_type(POOL) if p["name"] != "gcp-eemshaven-system"}


def test_private_nodes_and_private_endpoint(cluster) -> None:
    pcc = cluster["privateClusterConfig"]
    assert (pcc["enablePrivateNodes"], pcc["enablePrivateEndpoint"]) == (True, True)
    assert cluster["masterAuthorizedNetworksConfig"]["gcpPublicCidrsAccessEnabled"] is False
    assert all(b["cidrBlock"] != "0.0.0.0/0" for b in cluster["masterAuthorizedNetworksConfig"]["cidrBlocks"])


def test_secrets_encrypted_with_the_site_key(planned, cluster) -> None:
    (key,) = [k for k in planned.of_type("gcp:kms/cryptoKey:CryptoKey") if k["name"].endswith("-secrets")]
    assert cluster["databaseEncryption"] == {"state": "ENCRYPTED", "keyName": planned.id_of(key)}
    assert key["protect"] and key["inputs"]["rotationPeriod"] == "7776000s"


def test_workload_identity_shielded_nodes_release_channel_and_protection(cluster) -> None:
    assert cluster["workloadIdentityConfig"] == {"workloadPool": "claims-assistant-eu.svc.id.goog"}
    assert cluster["enableShieldedNodes"] is True
    assert cluster["releaseChannel"] == {"channel": "REGULAR"}
    assert cluster["removeDefaultNodePool"] is True
    assert cluster["deletionProtection"] is True
    assert "WORKLOADS" in cluster["loggingConfig"]["enableComponents"]


def test_gpu_pools_are_private_shielded_cmek_and_gke_metadata(planned) -> None:
    (disks,) = [k for k in planned.of_type("gcp:kms/cryptoKey:CryptoKey") if k["name"].endswith("-disks")]
    for name, pool in gpu_pools(planned).items():
        cfg = pool["nodeConfig"]
        assert pool["networkConfig"]["enablePrivateNodes"] is True, name
        assert cfg["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}, name
        assert cfg["bootDiskKmsKey"] == planned.id_of(disks), name
        assert cfg["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}, name
        assert cfg["guestAccelerators"][0]["gpuDriverInstallationConfig"] == {"gpuDriverVersion": "LATEST"}, name


def test_reserved_pool_consumes_its_protected_reservations_by_name(planned) -> None:
    reservations = planned.of_type(RESERVATION)
    names = sorted(r["inputs"]["name"] for r in reservations)
    assert all(r["protect"] and r["inputs"]["specificReservationRequired"] for r in reservations)
    assert sum(int(r["inputs"]["specificReservation"]["count"]) for r in reservations) == 2
    affinity = gpu_pools(planned)["gcp-eemshaven-l4-reserved"]["nodeConfig"]["reservationAffinity"]
    assert affinity == {
        "consumeReservationType": "SPECIFIC_RESERVATION",
        "key": "compute.googleapis.com/reservation-name",
        "values": names,
    }


def test_spot_pool_scales_from_zero_anywhere(planned) -> None:
    spot = gpu_pools(planned)["gcp-eemshaven-l4-spot"]
    assert spot["nodeConfig"]["spot"] is True
    assert spot["autoscaling"] == {"totalMinNodeCount": 0, "totalMaxNodeCount": 8, "locationPolicy": "ANY"}


def test_no_nat_without_opt_in_and_nat_with_it(planned, plan_fabric) -> None:
    assert not planned.of_type("gcp:compute/routerNat:RouterNat")
    fabric = gcp_fabric()
    gcp_site(fabric)["network"]["egress"] = "nat"
    assert len(plan_fabric(fabric, name="gcp").of_type("gcp:compute/routerNat:RouterNat")) == 1


def test_firewall_denies_ingress_by_default_and_allows_nothing_from_anywhere(planned) -> None:
    rules = planned.of_type("gcp:compute/firewall:Firewall")
    assert any(r["inputs"].get("denies") and r["inputs"]["sourceRanges"] == ["0.0.0.0/0"] for r in rules)
    assert all("0.0.0.0/0" not in r["inputs"]["sourceRanges"] for r in rules if r["inputs"].get("allows"))


def test_subnet_private_google_access_flow_logs_and_named_ranges(planned) -> None:
    (subnet,) = planned.of_type("gcp:compute/subnetwork:Subnetwork")
    s = subnet["inputs"]
    assert s["privateIpGoogleAccess"] is True and s["logConfig"]["flowSampling"] == 0.5
    assert {r["rangeName"]: r["ipCidrRange"] for r in s["secondaryIpRanges"]} == {
        "pods": "10.50.128.0/17",
        "services": "10.50.20.0/22",
    }


def test_compute_class_lists_reservation_spot_on_demand(planned) -> None:
    (cc,) = planned.of_type("kubernetes:cloud.google.com/v1:ComputeClass")
    prios = cc["inputs"]["spec"]["priorities"]
    assert [("reservations" in p, p.get("spot")) for p in prios] == [(True, None), (False, True), (False, False)]
    assert cc["inputs"]["spec"]["whenUnsatisfiable"] == "DoNotScaleUp"
    assert cc["provider"].endswith("pulumi:providers:kubernetes::gcp-eemshaven-k8s")


def test_every_gcp_resource_lives_in_the_site_region(planned) -> None:
    for r in planned.resources:
        if r["custom"] and r["type"].startswith("gcp:") and r["region"]:
            assert r["region"].startswith("europe-west4"), r["urn"]


def test_escape_hatch_with_a_location_is_an_input_error(plan_fabric) -> None:
    from gpufabric.core.errors import InputError

    fabric = gcp_fabric()
    gcp_site(fabric)["tiers"][1]["node_pool_args"] = {"node_locations": ["us-central1-a"]}
    with pytest.raises(InputError, match=r"sites\[gcp-eemshaven\]\.tiers\[l4-spot\]\.node_pool_args\.node_locations"):
        plan_fabric(fabric, name="gcp")


def test_the_multi_site_plan_is_deterministic() -> None:
    """The example stack (on-prem, AWS and GCP sites) planned twice in one process yields the same graph."""
    from gpufabric.offline import plan_stack
    from gpufabric.spec import load_stack_file
    from tests.conftest import STACKS

    first = plan_stack(load_stack_file(STACKS / "Pulumi.eu-sovereign.yaml")).to_json()
    again = plan_stack(load_stack_file(STACKS / "Pulumi.eu-sovereign.yaml")).to_json()
    assert '"gcp:container/cluster:Cluster"' in first
    assert first == again

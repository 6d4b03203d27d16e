"""GCP rules of the packs on hand-built resources: each passes the site's default and names the weakening."""

from __future__ import annotations

import pytest

from policies.config import resolve
from policies.residency.rules import RULES as RESIDENCY
from policies.security.rules import RULES as SECURITY
from tests.policies.harness import make, stack

RULES = {r.id: r for r in (*RESIDENCY, *SECURITY)}
POOL = "gcp:container/nodePool:NodePool"
CLUSTER = "gcp:container/cluster:Cluster"
PRIVATE = {"enablePrivateNodes": True, "enablePrivateEndpoint": True}

CASES = [
    (
        "region-allowed",
        POOL,
        {"location": "europe-west4", "nodeLocations": ["europe-west4-a"]},
        {"location": "europe-west4", "nodeLocations": ["us-central1-a"]},
        "us-central1",
    ),
    (
        "region-allowed",
        "gcp:compute/reservation:Reservation",
        {"zone": "europe-west4-b"},
        {"zone": "us-east4-b"},
        "us-east4",
    ),
    ("region-allowed", CLUSTER, {"location": "europe-west4"}, {"location": "europe-west2"}, "europe-west2"),
    (
        "gke-private-access",
        POOL,
        {"networkConfig": {"enablePrivateNodes": True}},
        {"networkConfig": {"enablePrivateNodes": False}},
        "public IPs",
    ),
    (
        "gke-private-access",
        CLUSTER,
        {"masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "10.50.0.0/20"}]}},
        {"masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "0.0.0.0/0"}]}},
        "0.0.0.0/0",
    ),
    ("gcp-key-rotation", "gcp:kms/cryptoKey:CryptoKey", {"rotationPeriod": "7776000s"}, {}, "rotation"),
    (
        "private-control-plane",
        CLUSTER,
        {"privateClusterConfig": PRIVATE},
        {"privateClusterConfig": {"enablePrivateNodes": True}},
        "public endpoint",
    ),
    (
        "cmk-encryption",
        POOL,
        {
            "location": "europe-west4",
            "nodeConfig": {"bootDiskKmsKey": "projects/p/locations/europe-west4/keyRings/k/cryptoKeys/disks"},
        },
        {"location": "europe-west4", "nodeConfig": {}},
        "node boot disks",
    ),
    (
        "no-public-exposure",
        "gcp:compute/firewall:Firewall",
        {"allows": [{"protocol": "all"}], "sourceRanges": ["10.50.0.0/16"]},
        {"allows": [{"protocol": "tcp"}], "sourceRanges": ["0.0.0.0/0"]},
        "0.0.0.0/0",
    ),
]


@pytest.mark.parametrize(
    ("rule_id", "type_", "good", "bad", "word"), CASES, ids=[f"{c[0]}:{c[1].rsplit(':', 1)[-1]}" for c in CASES]
)
def test_gcp_default_passes_and_weakening_is_named(rule_id, type_, good, bad, word) -> None:
    rule = RULES[rule_id]
    ctx = stack()
    cfg = resolve({}, ctx, rule.config_keys)
    assert list(rule.check(make(type_, good), cfg, ctx)) == []
    found = list(rule.check(make(type_, bad), cfg, ctx))
    assert found and any(word in m for m in found), found

"""What the engines receive: Karpenter objects and IAM, the Cluster Autoscaler's ConfigMap, policy and values
(pure renderers over the tier policy of the example stacks; goldens under tests/golden/autoscaling/)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from gpufabric.decide import cluster_autoscaler as ca
from gpufabric.decide import karpenter
from gpufabric.decide.iam import Account
from gpufabric.decide.tier_policy import SiteTierPolicy, tier_policy
from gpufabric.spec.load import parse_fabric
from tests.conftest import STACKS
from tests.goldens import assert_golden

EU = Account(partition="aws", dns_suffix="amazonaws.com", account_id="123456789012", region="eu-north-1")
SOVEREIGN = Account(partition="aws-eusc", dns_suffix="amazonaws.eu", account_id="123456789012", region="eusc-de-east-1")


def policy_of(stack: str, site: str, engine: str | None = None) -> SiteTierPolicy:
    raw = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())["config"]["gpufabric:fabric"]
    if engine:
        for s in raw["sites"]:
            if s["name"] == site:
                s.setdefault("cluster", {})["autoscaler"] = engine
    return tier_policy(parse_fabric(raw))[site]


ZONES = ["eu-north-1a", "eu-north-1b", "eu-north-1c"]
ODCR = "cr-0123456789abcdef0"


def stockholm_pools() -> dict[str, dict[str, Any]]:
    policy = policy_of("eu-sovereign", "aws-stockholm", "karpenter")
    return {
        r.tier: karpenter.node_pool(policy, r, zones=ZONES, reservation_ids=[ODCR] if r.reserved else [])
        for r in policy.tiers
    }


@pytest.mark.golden
def test_karpenter_goldens() -> None:
    policy = policy_of("eu-sovereign", "aws-stockholm", "karpenter")
    for tier, pool in stockholm_pools().items():
        assert_golden(f"autoscaling/karpenter/eu-sovereign/nodepool-{tier}.json", pool)
    node_class = karpenter.node_class(
        policy,
        stack="eu-sovereign",
        cluster_name="eu-sovereign-aws-stockholm",
        node_role="karpenter-nodes-role",
        data_key_arn="arn:aws:kms:eu-north-1:123456789012:key/data",
        disk_size_gib=200,
        reservation_ids=[ODCR],
        tags={"gpufabric:site": "aws-stockholm", "gpufabric:stack": "eu-sovereign"},
    )
    assert_golden("autoscaling/karpenter/eu-sovereign/ec2nodeclass-gpu.json", node_class)


def test_nodepools_follow_the_order() -> None:
    pools = list(stockholm_pools().values())
    weights = [p["spec"]["weight"] for p in pools]
    assert weights == sorted(weights, reverse=True) and len(set(weights)) == len(weights)
    assert [p["spec"]["limits"]["nvidia.com/gpu"] for p in pools] == [8, 8, 16]
    for pool in pools:
        meta = pool["metadata"]
        assert meta["labels"]["gpufabric.io/site"] == "aws-stockholm"
        assert meta["labels"]["gpufabric.io/tier"] == meta["name"]
        assert pool["spec"]["template"]["metadata"]["labels"]["gpufabric.io/tier"] == meta["name"]
        assert pool["spec"]["template"]["spec"]["taints"] == [
            {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}
        ]
        assert pool["spec"]["disruption"]["consolidationPolicy"] == "WhenEmpty"
    ranks = [int(p["metadata"]["annotations"]["gpufabric.io/overflow-rank"]) for p in pools]
    assert ranks == [2, 4, 6]


@pytest.mark.parametrize(
    ("tier", "capacity", "reservation"),
    [("h100-reserved", "reserved", [ODCR]), ("l40s-spot", "spot", None), ("h100-on-demand", "on-demand", None)],
    ids=["reserved-selects-its-odcr", "spot", "on-demand"],
)
def test_nodepool_capacity(tier: str, capacity: str, reservation: list[str] | None) -> None:
    reqs = {r["key"]: r["values"] for r in stockholm_pools()[tier]["spec"]["template"]["spec"]["requirements"]}
    assert reqs["karpenter.sh/capacity-type"] == [capacity]
    assert reqs.get("karpenter.k8s.aws/capacity-reservation-id") == reservation
    assert reqs["topology.kubernetes.io/zone"] == ZONES


def _statements(doc: str) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in json.loads(doc)["Statement"]}


@pytest.mark.parametrize("account", [EU, SOVEREIGN], ids=["aws", "aws-eusc"])
def test_karpenter_controller_policy_is_scoped(account: Account) -> None:
    st = _statements(
        karpenter.controller_policy(
            account,
            cluster_name="c1",
            queue_arn="arn:q",
            node_role_arn="arn:role/n",
            data_key_arn="arn:key",
            isolated=True,
        )
    )
    text = json.dumps(st)
    assert f"arn:{account.partition}:" in text
    assert re.search(r"arn:aws:", text) is None or account.partition == "aws"
    for sid, s in st.items():
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        assert "*" not in actions and all(not a.endswith(":*") for a in actions), sid
        if s["Resource"] == "*":  # unscoped resources only for read calls pinned to the region
            assert s["Condition"]["StringEquals"]["aws:RequestedRegion"] == account.region, sid
    assert st["AllowScopedDeletion"]["Condition"]["StringEquals"] == {
        "aws:ResourceTag/kubernetes.io/cluster/c1": "owned"
    }
    assert st["AllowPassingInstanceRole"]["Resource"] == "arn:role/n"
    assert st["AllowPassingInstanceRole"]["Condition"]["StringEquals"]["iam:PassedToService"] == (
        f"ec2.{account.dns_suffix}"
    )
    assert "AllowPricingReadActions" not in st  # isolated: no pricing API


def test_karpenter_values() -> None:
    values = karpenter.helm_values(cluster_name="c1", queue_name="q1", registry="reg.example", isolated=True)
    assert values["replicas"] == 2
    assert values["settings"] == {
        "clusterName": "c1",
        "interruptionQueue": "q1",
        "isolatedVPC": True,
        "featureGates": {"reservedCapacity": True},
    }
    assert values["controller"]["image"]["repository"] == "reg.example/karpenter/controller"


def us_expander() -> dict[str, Any]:
    policy = policy_of("us-cloud", "aws-virginia", "cluster-autoscaler")
    groups = {
        "h100-block": ["aws-virginia-h100-block-us-east-1b"],
        "h100-reserved": ["aws-virginia-h100-reserved-us-east-1a", "aws-virginia-h100-reserved-us-east-1c"],
        "l4-spot": ["aws-virginia-l4-spot"],
        "a100-on-demand": ["aws-virginia-a100-on-demand"],
    }
    return ca.priority_expander(policy, groups)


@pytest.mark.golden
def test_priority_expander_golden() -> None:
    assert_golden("autoscaling/cluster-autoscaler/us-cloud/priority-expander.json", us_expander())


def test_priority_expander_is_read_by_the_autoscaler() -> None:
    cm = us_expander()
    assert cm["metadata"]["name"] == "cluster-autoscaler-priority-expander"
    assert cm["metadata"]["namespace"] == "kube-system"
    assert list(cm["data"]) == ["priorities"]
    parsed = yaml.safe_load(cm["data"]["priorities"])
    assert all(isinstance(k, int) for k in parsed)  # integer keys, as the expander parses them
    order = [groups for _, groups in sorted(parsed.items(), reverse=True)]
    assert len(order) == 4
    asg = "eks-aws-virginia-l4-spot-0a1b2c3d-1111-2222-3333-444455556666"
    matching = [p for groups in order for p in groups if re.match(p, asg)]
    assert len(matching) == 1  # exactly one pattern per ASG: no overlap, no catch-all
    assert all(p.startswith("^") and p.endswith("$") for groups in order for p in groups)
    assert not any(re.match(p, "eks-aws-virginia-l4-spot-extra-0a1b2c3d-1111-2222-3333-444455556666") for p in order[2])


def test_cluster_autoscaler_policy_and_values() -> None:
    st = _statements(ca.controller_policy(EU, "c1"))
    assert st["ScaleOwnNodeGroups"]["Condition"]["StringEquals"]["aws:ResourceTag/k8s.io/cluster-autoscaler/c1"] == (
        "owned"
    )
    assert st["DescribeOwnNodeGroups"]["Resource"] == "arn:aws:eks:eu-north-1:123456789012:nodegroup/c1/*"
    values = ca.helm_values(cluster_name="c1", region="us-east-1", registry="reg.example", kubernetes_version="1.33")
    assert values["extraArgs"]["expander"] == "priority,least-waste"
    assert values["extraArgs"]["max-node-provision-time"] == "5m"
    assert values["image"] == {"repository": "reg.example/autoscaling/cluster-autoscaler", "tag": "v1.33.1"}
    assert ca.discovery_tags("c1") == {
        "k8s.io/cluster-autoscaler/enabled": "true",
        "k8s.io/cluster-autoscaler/c1": "owned",
    }


@pytest.mark.golden
def test_compute_class_from_the_tier_policy_golden() -> None:
    """The GCP site's ComputeClass priorities come from the same compiled order (GcpSite builds it this way)."""
    from gpufabric.core.gcp_machines import accelerator_for
    from gpufabric.decide import gcp

    policy = policy_of("eu-sovereign", "gcp-eemshaven")
    body = gcp.compute_class(
        gcp.compute_class_name(policy.site),
        [
            gcp.ClassTier(
                kind=r.kind,
                machine_type=r.instance_types[0],
                accelerator=accelerator_for(r.instance_types[0]).name,
                gpus=r.gpus_per_node,
                reservations=(gcp.reservation_name("eu-sovereign", policy.site, r.tier, "europe-west4-a"),)
                if r.reserved
                else (),
            )
            for r in policy.tiers
        ],
    )
    assert [("reservations" in p, p.get("spot")) for p in body["spec"]["priorities"]] == [(True, None), (False, True)]
    assert_golden("autoscaling/compute-class/eu-sovereign/gcp-eemshaven-gpu.json", body)

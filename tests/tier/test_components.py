"""The engines in the resource graph: Karpenter (eu-style AWS site) and the Cluster Autoscaler (us-cloud), each
declared through the site's providers, wired to what the tier policy compiled; no two engines on one node."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

RELEASE = "kubernetes:helm.sh/v3:Release"
NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"
NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
ODCR = "aws:ec2/capacityReservation:CapacityReservation"


@pytest.fixture(scope="module")
def karpenter_plan(base_fabric, plan_fabric):
    fabric = base_fabric()
    fabric["sites"][0]["cluster"] = {"autoscaler": "karpenter"}
    return plan_fabric(fabric, name="karpenter")


@pytest.fixture(scope="module")
def ca_plan(example_fabric, plan_fabric):
    return plan_fabric(example_fabric("us-cloud"), name="us-cloud")


def pools(planned) -> list[dict[str, Any]]:  # noqa: ANN001
    found = sorted(planned.of_type(NODE_POOL), key=lambda r: -r["inputs"]["spec"]["weight"])
    return [r["inputs"] for r in found]


def test_karpenter_replaces_gpu_node_groups(karpenter_plan) -> None:  # noqa: ANN001
    groups = karpenter_plan.of_type(NODE_GROUP)
    assert [g["name"] for g in groups] == ["aws-stockholm-system"]  # only the system nodes stay node groups
    assert [p["metadata"]["name"] for p in pools(karpenter_plan)] == ["h100-reserved", "l40s-spot", "h100-on-demand"]


def test_nodepools_weights_and_limits(karpenter_plan) -> None:  # noqa: ANN001
    found = pools(karpenter_plan)
    weights = [p["spec"]["weight"] for p in found]
    assert all(a > b for a, b in zip(weights, weights[1:], strict=False))
    assert [p["spec"]["limits"]["nvidia.com/gpu"] for p in found] == [16, 24, 16]  # 2x8, 6x4 (g6e.12xlarge), 2x8


def test_node_class_selects_exactly_the_reservations(karpenter_plan) -> None:  # noqa: ANN001
    odcr_ids = sorted(r["id"] for r in karpenter_plan.of_type(ODCR))
    assert len(odcr_ids) == 2  # count 2 over two zones: one reservation each
    (node_class,) = karpenter_plan.of_type(NODE_CLASS)
    spec = node_class["inputs"]["spec"]
    assert sorted(t["id"] for t in spec["capacityReservationSelectorTerms"]) == odcr_ids
    assert spec["metadataOptions"]["httpTokens"] == "required"
    assert spec["metadataOptions"]["httpPutResponseHopLimit"] == 1
    (ebs,) = [m["ebs"] for m in spec["blockDeviceMappings"]]
    assert ebs["encrypted"] is True and ebs["kmsKeyID"].startswith("arn:")
    assert re.fullmatch(r"al2023@v\d{8}", spec["amiSelectorTerms"][0]["alias"])  # pinned, never @latest
    reserved = pools(karpenter_plan)[0]["spec"]["template"]["spec"]["requirements"]
    ids = {r["key"]: r["values"] for r in reserved}["karpenter.k8s.aws/capacity-reservation-id"]
    assert sorted(ids) == odcr_ids


def test_karpenter_release_and_aws_side(karpenter_plan) -> None:  # noqa: ANN001
    (release,) = [r for r in karpenter_plan.of_type(RELEASE) if r["inputs"]["name"] == "karpenter"]
    values = release["inputs"]["values"]
    assert values["settings"]["clusterName"] == "karpenter-aws-stockholm"  # <stack>-<site>
    assert values["settings"]["interruptionQueue"]  # the queue's name
    assert values["replicas"] == 2
    assert release["inputs"]["chart"].endswith("/charts/karpenter") and release["inputs"]["version"] == "1.8.1"
    (queue,) = karpenter_plan.of_type("aws:sqs/queue:Queue")
    assert queue["inputs"]["sqsManagedSseEnabled"] is True and queue["region"] == "eu-north-1"
    rules = karpenter_plan.of_type("aws:cloudwatch/eventRule:EventRule")
    detail = sorted(json.loads(r["inputs"]["eventPattern"])["detail-type"][0] for r in rules)
    assert detail == [
        "AWS Health Event",
        "EC2 Instance Rebalance Recommendation",
        "EC2 Instance State-change Notification",
        "EC2 Spot Instance Interruption Warning",
    ]
    assert len(karpenter_plan.of_type("aws:cloudwatch/eventTarget:EventTarget")) == 4
    (entry,) = karpenter_plan.of_type("aws:eks/accessEntry:AccessEntry")
    assert entry["inputs"]["type"] == "EC2_LINUX"
    (identity,) = karpenter_plan.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert (identity["inputs"]["namespace"], identity["inputs"]["serviceAccount"]) == ("kube-system", "karpenter")


def test_cluster_autoscaler_expander_names_every_gpu_group(ca_plan) -> None:  # noqa: ANN001
    groups = [g for g in ca_plan.of_type(NODE_GROUP) if not g["name"].endswith("-system")]
    names = sorted(g["inputs"]["nodeGroupName"] for g in groups)
    assert len(names) == 5  # block, two reserved zones, spot, on-demand
    for g in groups:
        assert g["inputs"]["tags"]["k8s.io/cluster-autoscaler/us-cloud-aws-virginia"] == "owned"
    (cm,) = [
        c
        for c in ca_plan.of_type("kubernetes:core/v1:ConfigMap")
        if c["inputs"]["metadata"]["name"] == "cluster-autoscaler-priority-expander"
    ]
    priorities = yaml.safe_load(cm["inputs"]["data"]["priorities"])
    for name in names:  # each group's ASG matched by exactly one pattern
        asg = f"eks-{name}-0a1b2c3d-1111-2222-3333-444455556666"
        assert sum(bool(re.match(p, asg)) for ps in priorities.values() for p in ps) == 1, name
    spot_priority = next(k for k, ps in priorities.items() if any("l4-spot" in p for p in ps))
    on_demand_priority = next(k for k, ps in priorities.items() if any("a100-on-demand" in p for p in ps))
    assert spot_priority > on_demand_priority
    (release,) = [r for r in ca_plan.of_type(RELEASE) if r["inputs"]["name"] == "cluster-autoscaler"]
    args = release["inputs"]["values"]["extraArgs"]
    assert args["expander"] == "priority,least-waste" and args["max-node-provision-time"] == "5m"
    assert release["inputs"]["namespace"] == cm["inputs"]["metadata"]["namespace"] == "kube-system"
    assert not ca_plan.of_type(NODE_POOL)  # one engine per site


def test_plan_text_shows_engine_and_order_per_site(karpenter_plan) -> None:  # noqa: ANN001
    import io

    from rich.console import Console

    from gpufabric.cli.plan import render

    console = Console(record=True, width=200, file=io.StringIO())
    render(karpenter_plan.plan, console)
    text = console.export_text()
    assert "Autoscaling, per site" in text
    (row,) = [line for line in text.splitlines() if "aws-stockholm" in line and "karpenter" in line]
    assert row.index("h100-reserved (w100, 16 GPU)") < row.index("l40s-spot (w67, 24 GPU)")
    assert row.index("l40s-spot") < row.index("h100-on-demand (w34, 16 GPU)")
    # the capacity table still lists the Karpenter tiers (read back from their NodePools)
    capacity = [line for line in text.splitlines() if "aws-stockholm" in line and "eu-north-1" in line]
    assert [next(t for t in ("h100-reserved", "l40s-spot", "h100-on-demand") if t in line) for line in capacity] == [
        "h100-reserved",
        "l40s-spot",
        "h100-on-demand",
    ]

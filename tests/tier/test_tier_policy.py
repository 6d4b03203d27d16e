"""The tier policy compiler: one order, every engine's data (properties over generated fabrics, the examples)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gpufabric.core.errors import InputError
from gpufabric.core.vocabulary import LABEL_OVERFLOW_RANK, LABEL_TIER, TierKind
from gpufabric.decide.overflow import overflow_order
from gpufabric.decide.tier_policy import Engine, tier_policy, weights
from gpufabric.spec.load import parse_fabric
from tests.conftest import STACKS

GPUS = {"p5.48xlarge": 8, "g6e.xlarge": 1, "g6e.12xlarge": 4, "p4d.24xlarge": 8}
KINDS = ["reserved", "spot", "on_demand"]


def stack(name: str) -> dict[str, Any]:
    return yaml.safe_load((STACKS / f"Pulumi.{name}.yaml").read_text())["config"]["gpufabric:fabric"]


@st.composite
def aws_fabrics(draw: st.DrawFn) -> dict[str, Any]:
    """One or two AWS sites with 1-5 tiers of random kinds, types and sizes, in random order."""
    sites = []
    for s in range(draw(st.integers(1, 2))):
        tiers = []
        for t in range(draw(st.integers(1, 5))):
            kind = draw(st.sampled_from(KINDS))
            types = draw(st.lists(st.sampled_from(sorted(GPUS)), min_size=1, max_size=3, unique=True))
            tier: dict[str, Any] = {"name": f"t{t}", "kind": kind}
            if kind == "reserved":
                tier |= {"instance_types": types[:1], "count": draw(st.integers(1, 4))}
            else:
                tier |= {"instance_types": types, "max": draw(st.integers(1, 20))}
            tiers.append(tier)
        sites.append(
            {
                "name": f"site-{s}",
                "kind": "aws",
                "region": "us-east-1",
                "network": {"cidr": f"10.{40 + s}.0.0/16"},
                "cluster": {"autoscaler": draw(st.sampled_from(["karpenter", "cluster-autoscaler"]))},
                "tiers": tiers,
            }
        )
    return {"jurisdiction": "us", "sites": sites}


@settings(max_examples=60, deadline=None)
@given(aws_fabrics())
def test_compiled_order_properties(raw: dict[str, Any]) -> None:
    spec = parse_fabric(raw)
    policies = tier_policy(spec)
    order = overflow_order(spec)
    for site in spec.sites:
        policy = policies[site.name]
        ranks = [t.rank for t in policy.tiers]
        # the site's tiers, in the fabric's overflow order, each once
        assert policy.order() == [r.ref for r in order if r.site == site.name]
        assert ranks == sorted(ranks)
        # weights strictly decreasing in overflow order, inside Karpenter's 1..100
        ws = [t.weight for t in policy.tiers]
        assert all(a > b for a, b in zip(ws, ws[1:], strict=False))
        assert all(1 <= w <= 100 for w in ws)
        by_name = {t.name: t for t in site.tiers}
        for rule in policy.tiers:
            tier = by_name[rule.tier]
            nodes = tier.count if tier.kind == TierKind.RESERVED else tier.max
            per_node = max(GPUS[i] for i in tier.instance_types)
            # every tier limited (so every non-last tier spills): max nodes x GPUs per node
            assert rule.gpu_limit == nodes * per_node > 0
            assert rule.labels[LABEL_TIER] == tier.name
            assert rule.labels[LABEL_OVERFLOW_RANK] == str(rule.rank)
            assert rule.reserved == (tier.kind == TierKind.RESERVED)
            assert [t.key for t in rule.taints] == ["nvidia.com/gpu"]


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 100))
def test_weights_strictly_decreasing_in_range(n: int) -> None:
    ws = weights(n)
    assert len(ws) == n and ws[0] == 100 and ws[-1] >= 1
    assert all(a > b for a, b in zip(ws, ws[1:], strict=False))


def test_weights_refuse_more_than_100_tiers() -> None:
    with pytest.raises(ValueError, match="1 to 100 tiers"):
        weights(101)


@pytest.mark.parametrize(
    ("stack_name", "site", "engine", "order"),
    [
        ("eu-sovereign", "fra-onprem", Engine.NODE_AFFINITY, ["h100-owned"]),
        ("eu-sovereign", "aws-stockholm", Engine.MANAGED_NODE_GROUPS, ["h100-reserved", "l40s-spot", "h100-on-demand"]),
        ("eu-sovereign", "gcp-eemshaven", Engine.COMPUTE_CLASS, ["l4-reserved", "l4-spot"]),
        (
            "us-cloud",
            "aws-virginia",
            Engine.MANAGED_NODE_GROUPS,
            ["h100-reserved", "h100-block", "l4-spot", "a100-on-demand"],
        ),
        ("onprem-only", "fra-onprem", Engine.NODE_AFFINITY, ["h100-owned"]),
    ],
    ids=["eu-onprem", "eu-aws-karpenter", "eu-gcp", "us-aws-cluster-autoscaler", "onprem-only"],
)
def test_example_stacks(stack_name: str, site: str, engine: Engine, order: list[str]) -> None:
    policy = tier_policy(parse_fabric(stack(stack_name)))[site]
    assert policy.engine == engine
    assert [t.tier for t in policy.tiers] == order


def test_eu_stockholm_rules() -> None:
    policy = tier_policy(parse_fabric(stack("eu-sovereign")))["aws-stockholm"]
    reserved, spot, on_demand = policy.tiers
    assert (reserved.rank, spot.rank, on_demand.rank) == (2, 4, 6)  # owned 1, gcp reserved 3, gcp spot 5
    assert (reserved.capacity_type, spot.capacity_type, on_demand.capacity_type) == ("reserved", "spot", "on-demand")
    assert (reserved.gpu_limit, spot.gpu_limit, on_demand.gpu_limit) == (8, 8, 16)  # 1x8, 8x1 (g6e: 1 GPU), 2x8
    assert reserved.zones == ("eu-north-1a", "eu-north-1b", "eu-north-1c")  # the site's pinned zones


def test_capacity_block_names_its_reservation() -> None:
    block = {t.tier: t for t in tier_policy(parse_fabric(stack("us-cloud")))["aws-virginia"].tiers}["h100-block"]
    assert block.reservation_ids == ("cr-0a1b2c3d4e5f60718",)
    assert block.capacity_type == "reserved" and not block.creates_reservations
    assert block.zones == ("us-east-1b",)


def test_onprem_owned_first_affinity() -> None:
    policy = tier_policy(parse_fabric(stack("eu-sovereign")))["fra-onprem"]
    pref = policy.node_affinity()["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert pref == [
        {
            "weight": 100,
            "preference": {"matchExpressions": [{"key": LABEL_TIER, "operator": "In", "values": ["h100-owned"]}]},
        }
    ]
    assert policy.tiers[0].labels["gpufabric.io/tier-kind"] == "owned"


def test_explicit_overflow_reorders_weights() -> None:
    raw = stack("eu-sovereign")
    raw["overflow"] = [
        "fra-onprem/h100-owned",
        "aws-stockholm/l40s-spot",
        "aws-stockholm/h100-reserved",
        "gcp-eemshaven/l4-reserved",
        "gcp-eemshaven/l4-spot",
        "aws-stockholm/h100-on-demand",
    ]
    policy = tier_policy(parse_fabric(raw))["aws-stockholm"]
    assert [(t.tier, t.weight) for t in policy.tiers] == [
        ("l40s-spot", 100),
        ("h100-reserved", 67),
        ("h100-on-demand", 34),
    ]


@pytest.mark.parametrize(
    ("value", "found"),
    [("karpentr", "'karpentr'"), (3, "3")],
    ids=["misspelt", "not-a-string"],
)
def test_autoscaler_is_strict_and_names_the_site(value: Any, found: str) -> None:
    raw = copy.deepcopy(stack("eu-sovereign"))
    raw["sites"][1]["cluster"]["autoscaler"] = value
    with pytest.raises(InputError) as err:
        parse_fabric(raw, "stacks/Pulumi.eu-sovereign.yaml")
    text = str(err.value)
    assert "sites[aws-stockholm].cluster.autoscaler" in text
    assert "'managed-node-groups', 'karpenter' or 'cluster-autoscaler'" in text and found in text


def test_autoscaler_defaults_to_managed_node_groups(base_fabric) -> None:  # noqa: ANN001
    assert tier_policy(parse_fabric(base_fabric()))["aws-stockholm"].engine == Engine.MANAGED_NODE_GROUPS

"""Pure GCP decisions: the address plan, zones per accelerator, escape hatches, the ComputeClass body."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpufabric.core.errors import InputError
from gpufabric.core.vocabulary import TierKind
from gpufabric.decide import gcp as decide
from tests.goldens import assert_golden

ranges = st.lists(st.integers(min_value=18, max_value=24), min_size=2, max_size=5)


@settings(max_examples=60, deadline=None)
@given(sizes=ranges, extra=st.integers(min_value=18, max_value=26))
def test_appending_a_range_never_renumbers_existing_ones(sizes: list[int], extra: int) -> None:
    named = [(f"r{i}", p) for i, p in enumerate(sizes)]
    try:
        before = decide.plan_addresses("10.50.0.0/16", 20, named)
    except decide.AddressPlanError:
        return  # the ranges do not fit to begin with: refused
    try:
        after = decide.plan_addresses("10.50.0.0/16", 20, [*named, ("new", extra)])
    except decide.AddressPlanError:
        return  # no room for the new range: refused, nothing renumbered
    assert {k: after.secondary[k] for k in before.secondary} == before.secondary
    assert (after.nodes, after.control_plane) == (before.nodes, before.control_plane)


@settings(max_examples=60, deadline=None)
@given(sizes=ranges)
def test_ranges_are_disjoint_and_inside_the_site_block(sizes: list[int]) -> None:
    try:
        plan = decide.plan_addresses("10.50.0.0/16", 20, [(f"r{i}", p) for i, p in enumerate(sizes)])
    except decide.AddressPlanError:
        return
    nets = [ipaddress.IPv4Network(c) for c in (plan.nodes, plan.control_plane, *plan.secondary.values())]
    block = ipaddress.IPv4Network("10.50.0.0/16")
    assert all(n.subnet_of(block) for n in nets)
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])


def test_default_plan_of_the_example_site() -> None:
    plan = decide.plan_addresses("10.50.0.0/16", 20, [("pods", 17), ("services", 22)])
    assert (plan.nodes, plan.control_plane) == ("10.50.0.0/20", "10.50.16.0/28")
    assert plan.secondary == {"pods": "10.50.128.0/17", "services": "10.50.20.0/22"}


def test_a_range_that_does_not_fit_says_so() -> None:
    with pytest.raises(decide.AddressPlanError, match="no free /17 left .* 'more'"):
        decide.plan_addresses("10.50.0.0/16", 20, [("pods", 17), ("more", 17)])


@pytest.mark.parametrize(
    ("count", "zones", "expected"),
    [
        (2, ["europe-west4-a", "europe-west4-b", "europe-west4-c"], ["europe-west4-a", "europe-west4-b"]),
        (
            3,
            ["europe-west4-c", "europe-west4-a", "europe-west4-b"],
            ["europe-west4-a", "europe-west4-b", "europe-west4-c"],
        ),
        (1, ["europe-west4-b", "europe-west4-a"], ["europe-west4-a"]),
        (4, ["us-central1-a", "us-central1-b", "us-central1-c"], ["us-central1-a", "us-central1-b"]),
    ],
    ids=["2-over-3", "3-over-3", "1-over-2", "4-over-3"],
)
def test_reserved_nodes_split_evenly_over_zones(count: int, zones: list[str], expected: list[str]) -> None:
    assert decide.even_zones(count, zones) == expected


def test_zones_are_those_offering_the_accelerator() -> None:
    p = decide.place_gcp_tier(
        region="europe-west4",
        tier="h100",
        kind=TierKind.SPOT,
        machine_type="a3-highgpu-8g",
        count=None,
        zones=None,
        available=["europe-west4-a", "europe-west4-b", "europe-west4-c"],
    )
    assert (p.accelerator, p.gpus_per_node, p.zones) == ("nvidia-h100-80gb", 8, ("europe-west4-b", "europe-west4-c"))


def test_a_zone_that_is_down_is_not_used() -> None:
    with pytest.raises(InputError, match="nvidia-h100-80gb"):
        decide.place_gcp_tier(
            region="europe-west4",
            tier="h100",
            kind=TierKind.SPOT,
            machine_type="a3-highgpu-8g",
            count=None,
            zones=None,
            available=["europe-west4-a"],
            where="w",
        )


@pytest.mark.parametrize("key", ["location", "region", "zone", "node_locations", "project"])
def test_escape_hatches_never_move_a_resource(key: str) -> None:
    with pytest.raises(InputError) as err:
        decide.check_escape({key: "us-central1"}, "gpufabric:fabric.sites[gcp-eemshaven].tiers[l4-spot].node_pool_args")
    assert err.value.where.endswith(f"node_pool_args.{key}")


def test_compute_class_body_orders_reservation_spot_on_demand() -> None:
    body = decide.compute_class(
        "gcp-eemshaven-gpu",
        [
            decide.ClassTier(TierKind.RESERVED, "g2-standard-8", "nvidia-l4", 1, ("r-a", "r-b")),
            decide.ClassTier(TierKind.SPOT, "g2-standard-8", "nvidia-l4", 1),
            decide.ClassTier(TierKind.ON_DEMAND, "g2-standard-8", "nvidia-l4", 1),
        ],
    )
    assert_golden("compute_class/reserved-spot-on-demand.json", body)

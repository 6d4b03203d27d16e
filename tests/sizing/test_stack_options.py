"""Sizing options from a stack spec: one per (site, tier), typed by tier kind, errors naming sites and tiers
by name (never by position)."""

from __future__ import annotations

from typing import Any

import pytest

from gpufabric.core.errors import InputError
from gpufabric.sizing.loaders import load_prices
from gpufabric.sizing.stack import options_from_spec
from gpufabric.spec import parse_fabric


def _second_site(d: dict[str, Any]) -> None:
    d["sites"].append(
        {
            "name": "aws-frankfurt",
            "kind": "aws",
            "region": "eu-central-1",
            "network": {"cidr": "10.50.0.0/16"},
            "tiers": [{"name": "a100-spot", "kind": "spot", "instance_types": ["p4d.24xlarge"], "max": 2}],
        }
    )


def _tier(d: dict[str, Any], site: int, name: str) -> dict[str, Any]:
    return next(t for t in d["sites"][site]["tiers"] if t["name"] == name)


def _priced(d: dict[str, Any]) -> dict[str, Any]:
    """The base fabric with a spot tier the shipped price table prices in every region."""
    _tier(d, 0, "l40s-spot")["instance_types"] = ["p5.48xlarge"]
    return d


@pytest.mark.parametrize(
    ("change", "where"),
    [
        pytest.param(
            lambda d: _tier(d, 0, "l40s-spot").update(instance_types=["p5e.48xlarge"]),
            "gpufabric:fabric.sites[aws-stockholm].tiers[l40s-spot].instance_types",
            id="first-site-middle-tier",
        ),
        pytest.param(
            lambda d: (_second_site(d), _tier(d, 1, "a100-spot").update(instance_types=["p5e.48xlarge"])),
            "gpufabric:fabric.sites[aws-frankfurt].tiers[a100-spot].instance_types",
            id="second-site",
        ),
    ],
)
def test_unpriced_tier_is_named_by_site_and_tier(base_fabric, change, where) -> None:
    d = _priced(base_fabric())
    change(d)
    with pytest.raises(InputError) as err:
        options_from_spec(parse_fabric(d), load_prices(), "stack.yaml")
    assert err.value.where == where
    assert err.value.file == "stack.yaml"
    assert "p5e.48xlarge" in err.value.message


def test_options_follow_tier_kind(base_fabric) -> None:
    """Committed tiers never shrink below zero nor cap below their count; elastic tiers keep their floor."""
    d = _priced(base_fabric())
    _tier(d, 0, "l40s-spot").update(min=1, max=80)
    options = {o.id: o for o in options_from_spec(parse_fabric(d), load_prices(), "stack.yaml", 64)}
    reserved = options["aws-stockholm/h100-reserved"]
    spot = options["aws-stockholm/l40s-spot"]
    assert (reserved.min_nodes, reserved.max_nodes, reserved.tier.value) == (0, 64, "reserved")
    assert (spot.min_nodes, spot.max_nodes, spot.tier.value) == (1, 80, "spot")
    assert spot.gpu == "H100"

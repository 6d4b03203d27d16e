"""The spec shaped by kind: each tier kind takes exactly its fields, a wrong `kind` is named at `.kind`, and
every error reaches the user through `gpufabric plan --config` with exit 2, its key path by name, no traceback.

The unions are real discriminated unions, so a new site or tier kind is one member away."""

from __future__ import annotations

import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import gpufabric.cli.plan  # noqa: F401  (registers `plan` on the app)
from gpufabric.cli import app
from gpufabric.spec import (
    AwsTier,
    CapacityBlockTier,
    OnDemandTier,
    ReservedTier,
    SiteSpec,
    SpotTier,
)
from gpufabric.spec.sites import AwsSiteSpec, GcpSiteSpec, OnpremSiteSpec

SITE = "gpufabric:fabric.sites[aws-stockholm]"
RESERVED = f"{SITE}.tiers[h100-reserved]"
SPOT = f"{SITE}.tiers[l40s-spot]"
ON_DEMAND = f"{SITE}.tiers[h100-on-demand]"
BLOCK = f"{SITE}.tiers[h100-block]"


def _tier(d: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in d["sites"][0]["tiers"] if t["name"] == name)


def _block(d: dict[str, Any], **changes: Any) -> None:
    block = {
        "name": "h100-block",
        "kind": "capacity_block",
        "instance_types": ["p5.48xlarge"],
        "count": 2,
        "reservation_id": "cr-0a1b2c3d4e5f60718",
        "availability_zones": ["eu-north-1a"],
        **changes,
    }
    d["sites"][0]["tiers"].append({k: v for k, v in block.items() if v is not None})


# (id, change to the base fabric, key path, fragments of the message)
CASES: list[tuple[str, Callable[[dict[str, Any]], Any], str, list[str]]] = [
    # required fields per kind
    ("reserved-needs-count", lambda d: _tier(d, "h100-reserved").pop("count"), f"{RESERVED}.count",
     ["fixed node count of a reserved tier", "found nothing"]),
    ("spot-needs-max", lambda d: _tier(d, "l40s-spot").pop("max"), f"{SPOT}.max",
     ["most nodes a spot tier may burst to", "found nothing"]),
    ("on-demand-needs-max", lambda d: _tier(d, "h100-on-demand").pop("max"), f"{ON_DEMAND}.max",
     ["on_demand tier", "found nothing"]),
    ("block-needs-count", lambda d: _block(d, count=None), f"{BLOCK}.count",
     ["capacity_block tier", "found nothing"]),
    ("block-needs-reservation-id", lambda d: _block(d, reservation_id=None), f"{BLOCK}.reservation_id",
     ["cr-0123456789abcdef0", "found nothing"]),
    ("block-needs-one-zone", lambda d: _block(d, availability_zones=None), f"{BLOCK}.availability_zones",
     ["one availability zone", "found nothing"]),
    ("block-two-zones", lambda d: _block(d, availability_zones=["eu-north-1a", "eu-north-1b"]),
     f"{BLOCK}.availability_zones", ["one availability zone", "eu-north-1a, eu-north-1b"]),
    ("block-bad-reservation-id", lambda d: _block(d, reservation_id="cr-XYZ"), f"{BLOCK}.reservation_id",
     ["cr-0123456789abcdef0", "'cr-XYZ'"]),
    # fields of another kind
    ("reserved-with-max", lambda d: _tier(d, "h100-reserved").update(max=3), f"{RESERVED}.max",
     ["no 'max' on a reserved tier", "max: 3"]),
    ("reserved-with-reservation-id", lambda d: _tier(d, "h100-reserved").update(reservation_id="cr-0a1b2c3d"),
     f"{RESERVED}.reservation_id", ["capacity_block tiers only", "'cr-0a1b2c3d'"]),
    ("block-with-min", lambda d: _block(d, min=1), f"{BLOCK}.min", ["no 'min' on a capacity_block tier", "min: 1"]),
    ("spot-with-count", lambda d: _tier(d, "l40s-spot").update(count=2), f"{SPOT}.count",
     ["'min'/'max' on an elastic spot tier", "count: 2"]),
    ("on-demand-with-reservation-id",
     lambda d: _tier(d, "h100-on-demand").update(reservation_id="cr-0a1b2c3d"),
     f"{ON_DEMAND}.reservation_id", ["on_demand tier (capacity_block tiers only)"]),
    ("spot-min-above-max", lambda d: _tier(d, "l40s-spot").update(min=7, max=6), f"{SPOT}.min",
     ["at most 'max' (6)", "found 7"]),
    ("spot-unknown-key-lists-its-own-keys", lambda d: _tier(d, "l40s-spot").update(size=1), f"{SPOT}.size",
     ["name, kind, labels, min, max, instance_types", "'size'"]),
    # the discriminators
    ("tier-kind-missing", lambda d: _tier(d, "l40s-spot").pop("kind"), f"{SPOT}.kind",
     ["required key", "nothing"]),
    ("tier-kind-unknown", lambda d: _tier(d, "l40s-spot").update(kind="preemptible"), f"{SPOT}.kind",
     ["'owned', 'reserved', 'capacity_block', 'spot' or 'on_demand'", "'preemptible'"]),
    ("tier-kind-not-on-aws", lambda d: _tier(d, "h100-reserved").update(kind="owned"), f"{RESERVED}.kind",
     ["a tier kind a aws site can have (capacity_block, on_demand, reserved, spot)", "'owned'"]),
    ("site-kind-missing", lambda d: d["sites"][0].pop("kind"), f"{SITE}.kind", ["required key", "nothing"]),
    ("site-kind-unknown", lambda d: d["sites"][0].update(kind="azure"), f"{SITE}.kind",
     ["a site kind: one of aws, gcp, onprem", "'azure'"]),
]  # fmt: skip


@pytest.mark.parametrize(("change", "key_path", "fragments"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_plan_rejects_with_key_path_and_exit_2(
    base_fabric, write_stack, change, key_path: str, fragments: list[str]
) -> None:
    d = base_fabric()
    change(d)
    path: Path = write_stack(d)
    result = CliRunner().invoke(app, ["plan", "--config", str(path)])
    out = " ".join(result.output.split())  # the rich console may wrap long lines
    assert result.exit_code == 2, result.output
    assert "Traceback" not in out
    assert f"{key_path}:" in out
    for fragment in fragments:
        assert fragment in out


@pytest.mark.parametrize(
    ("union", "members"),
    [
        pytest.param(AwsTier, {ReservedTier, CapacityBlockTier, SpotTier, OnDemandTier}, id="aws-tier"),
        pytest.param(SiteSpec, {AwsSiteSpec, GcpSiteSpec, OnpremSiteSpec}, id="site"),
    ],
)
def test_kinds_are_discriminated_unions(union: Any, members: set[type]) -> None:
    assert typing.get_origin(union) is typing.Annotated
    inner, *meta = typing.get_args(union)
    assert any(getattr(m, "discriminator", None) == "kind" for m in meta)
    found = set(typing.get_args(inner)) or {inner}  # a one-member Union collapses to its member
    assert found == members

"""Every GCP-specific spec error: the key path names site and tier, the message says expected and found."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gpufabric.core.errors import InputError
from gpufabric.spec import parse_fabric
from tests.gcp.fabric import SITE, gcp_fabric, gcp_site

T = f"{SITE}.tiers"


def tier(d: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in gcp_site(d)["tiers"] if t["name"] == name)


CASES: list[tuple[str, Callable[[dict[str, Any]], Any], str, list[str]]] = [
    (
        "wrong-gpu",
        lambda d: tier(d, "l4-reserved").update(gpu="H100"),
        f"{T}[l4-reserved].gpu",
        ["'H100'", "a3-highgpu", "2026-06-01"],
    ),
    (
        "unknown-machine",
        lambda d: tier(d, "l4-spot").update(machine_type="n2-standard-8"),
        f"{T}[l4-spot].machine_type",
        ["'n2-standard-8'", "g2-standard-8", "dated"],
    ),
    (
        "region-without-accelerator",
        lambda d: gcp_site(d).update(region="europe-west9"),
        f"{T}[l4-reserved].machine_type",
        ["is offered in", "europe-west4", "nvidia-l4", "dated"],
    ),
    (
        "zone-without-accelerator",
        lambda d: tier(d, "l4-spot").update(zones=["europe-west4-z"]),
        f"{T}[l4-spot].zones[0]",
        ["europe-west4-a", "'europe-west4-z'"],
    ),
    (
        "gpus-per-node",
        lambda d: tier(d, "l4-spot").update(gpus_per_node=4),
        f"{T}[l4-spot].gpus_per_node",
        ["1, the GPUs of one g2-standard-8", "found 4"],
    ),
    (
        "old-gke-with-reservation",
        lambda d: gcp_site(d).update(cluster={"min_master_version": "1.30"}),
        f"{SITE}.cluster.min_master_version",
        ["1.31.1-gke.2105000", "ComputeClass", "'1.30'"],
    ),
    (
        "region-outside-jurisdiction",
        lambda d: gcp_site(d).update(region="us-central1"),
        f"{SITE}.region",
        ["inside jurisdiction 'eu'", "'us-central1'"],
    ),
    ("bad-project", lambda d: gcp_site(d).update(project="Claims"), f"{SITE}.project", ["pattern", "'Claims'"]),
    (
        "no-pods-range",
        lambda d: gcp_site(d)["network"].update(
            secondary_ranges=[{"name": "services", "prefix": 22}, {"name": "x", "prefix": 20}]
        ),
        f"{SITE}.network.secondary_ranges",
        ["'pods'"],
    ),
    (
        "count-on-spot",
        lambda d: tier(d, "l4-spot").update(count=2),
        f"{T}[l4-spot].count",
        ["expected 'min'/'max' on an elastic spot tier", "found count: 2"],
    ),
    ("public-cidr", lambda d: gcp_site(d)["network"].update(cidr="8.8.0.0/16"), f"{SITE}.network.cidr", ["private"]),
    (
        "bad-admin",
        lambda d: gcp_site(d).update(cluster={"admin_members": ["ana"]}),
        f"{SITE}.cluster.admin_members",
        ["group:platform@example.com", "'ana'"],
    ),
    (
        "capacity-block-on-gcp",
        lambda d: tier(d, "l4-spot").update(kind="capacity_block"),
        f"{T}[l4-spot].kind",
        ["a tier kind a gcp site can have (on_demand, reserved, spot)", "'capacity_block'"],
    ),
]


@pytest.mark.parametrize(("case", "change", "where", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_gcp_spec_error_names_key_path_expected_and_found(case, change, where, fragments) -> None:
    fabric = gcp_fabric()
    change(fabric)
    with pytest.raises(InputError) as err:
        parse_fabric(fabric, "stack.yaml")
    message = str(err.value)
    assert f"stack.yaml: {where}" in message, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message}"


def test_the_example_site_is_valid() -> None:
    site = parse_fabric(gcp_fabric()).sites[0]
    assert (site.kind, [t.kind.value for t in site.tiers]) == ("gcp", ["reserved", "spot", "on_demand"])

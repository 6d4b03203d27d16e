"""CIDR allocation: first fit, aligned, around every range an existing stack names; exhaustion is an error."""

from __future__ import annotations

from ipaddress import IPv4Network as N

import pytest

from gpufabric.core.errors import InputError
from gpufabric.templates.cidr import allocate, taken_ranges
from tests.conftest import STACKS


@pytest.mark.parametrize(
    ("pools", "prefixes", "taken", "expected"),
    [
        pytest.param(["10.0.0.0/14"], {"vpc": 16}, [], {"vpc": "10.0.0.0/16"}, id="empty-pool-first-block"),
        pytest.param(["10.0.0.0/14"], {"vpc": 16}, ["10.0.5.0/24"], {"vpc": "10.1.0.0/16"}, id="skips-overlap"),
        pytest.param(
            ["10.0.0.0/14"],
            {"pods": 16, "services": 20, "nodes": 22},
            ["10.0.0.0/16"],
            {"pods": "10.1.0.0/16", "services": "10.2.0.0/20", "nodes": "10.2.16.0/22"},
            id="largest-first-aligned",
        ),
        pytest.param(
            ["10.0.0.0/16", "10.9.0.0/16"],
            {"vpc": 16},
            ["10.0.0.0/16"],
            {"vpc": "10.9.0.0/16"},
            id="next-pool",
        ),
        pytest.param(["10.0.0.0/16"], {"vpc": 15}, [], None, id="larger-than-pool"),
        pytest.param(["10.0.0.0/16"], {"vpc": 16}, ["10.0.128.0/17"], None, id="exhausted"),
    ],
)
def test_allocate(pools, prefixes, taken, expected) -> None:
    args = ([N(p) for p in pools], prefixes, [N(t) for t in taken])
    if expected is None:
        with pytest.raises(InputError, match="pool exhausted"):
            allocate(*args)
    else:
        got = allocate(*args)
        assert got == expected
        blocks = [N(b) for b in got.values()]
        assert not any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1 :])


def test_taken_ranges_reads_every_site_kinds_networks() -> None:
    taken = taken_ranges(STACKS)
    assert set(taken["Pulumi.onprem-only.yaml"]) == {N("10.60.0.0/16"), N("10.61.0.0/20"), N("10.62.0.0/22")}
    assert {N("10.40.0.0/16"), N("10.50.0.0/16")} <= set(taken["Pulumi.eu-sovereign.yaml"])
    assert {N("10.60.0.0/16"), N("10.70.0.0/16")} <= set(taken["Pulumi.us-cloud.yaml"])

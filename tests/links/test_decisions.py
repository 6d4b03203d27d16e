"""The link plans: addresses, ASNs, routes and tunnel options both ends read, from the spec alone."""

from __future__ import annotations

import copy
import ipaddress

import pytest

from gpufabric.core.errors import DecisionError
from gpufabric.decide.links import DEFAULT_INSIDE_RANGE, inside_cidrs, plan_links
from gpufabric.spec import parse_fabric
from gpufabric.spec.links import AWS_RESERVED_INSIDE, LinkSpec


@pytest.fixture
def fabric(example_fabric):
    return copy.deepcopy(example_fabric("eu-sovereign"))


def _plans(d):
    return {p.name: p for p in plan_links(parse_fabric(d))}


def test_aws_link_plan(fabric) -> None:
    plan = _plans(fabric)["fra-stockholm"]
    assert (plan.onprem_site, plan.cloud_site, plan.cloud_kind, plan.aws_gateway) == (
        "fra-onprem", "aws-stockholm", "aws", "vpn_gateway",
    )  # fmt: skip
    assert (plan.onprem_asn, plan.cloud_asn) == (65010, 64601)
    assert plan.onprem_cidrs == ("10.60.0.0/16", "10.61.0.0/20", "10.62.0.0/22")
    assert plan.cloud_cidrs == ("10.40.0.0/16",)
    # AWS takes the first host of each /30, the customer the second; one customer gateway per connection
    assert [(t.inside_cidr, t.cloud_inside_ip, t.onprem_inside_ip, t.onprem_public_ip) for t in plan.tunnels] == [
        ("169.254.21.0/30", "169.254.21.1", "169.254.21.2", "85.214.10.20"),
        ("169.254.22.0/30", "169.254.22.1", "169.254.22.2", "85.214.10.20"),
    ]
    assert plan.aws_customer_gateway_args() == {"type": "ipsec.1", "ip_address": "85.214.10.20", "bgp_asn": "65010"}
    args = plan.aws_tunnel_args()
    assert args["static_routes_only"] is False
    for n in (1, 2):
        assert args[f"tunnel{n}_ike_versions"] == ["ikev2"]
        assert args[f"tunnel{n}_phase1_encryption_algorithms"] == ["AES256-GCM-16"]
        assert args[f"tunnel{n}_phase2_dh_group_numbers"] == [20]
    assert plan.onprem_routes() == {
        "10-60-0-0-16": "10.60.0.0/16", "10-61-0-0-20": "10.61.0.0/20", "10-62-0-0-22": "10.62.0.0/22",
    }  # fmt: skip


def test_gcp_link_alternates_on_prem_gateways(fabric) -> None:
    plan = _plans(fabric)["fra-eemshaven"]
    assert plan.gcp_redundancy() == "TWO_IPS_REDUNDANCY"
    assert [(t.interface, t.onprem_interface, t.onprem_public_ip) for t in plan.tunnels] == [
        (0, 0, "85.214.10.20"),
        (1, 1, "85.214.10.21"),
    ]
    for t in plan.tunnels:
        net = ipaddress.IPv4Network(t.inside_cidr)
        assert t.cloud_interface_range == f"{t.cloud_inside_ip}/30"
        assert ipaddress.IPv4Address(t.onprem_inside_ip) in net
    assert plan.gcp_cipher_suite()["phase1"]["encryptions"] == ["AES-GCM-16-256"]


def test_one_on_prem_gateway_is_internally_redundant(fabric) -> None:
    fabric["sites"][0]["vpn"]["public_ips"] = ["85.214.10.20"]
    plan = _plans(fabric)["fra-eemshaven"]
    assert plan.gcp_redundancy() == "SINGLE_IP_INTERNALLY_REDUNDANT"
    assert {t.onprem_interface for t in plan.tunnels} == {0}


def test_four_byte_asn_uses_the_extended_argument(fabric) -> None:
    fabric["sites"][0]["vpn"]["asn"] = 4_200_000_001
    args = _plans(fabric)["fra-stockholm"].aws_customer_gateway_args()
    assert args.get("bgp_asn_extended") == "4200000001" and "bgp_asn" not in args


@pytest.mark.parametrize("name", ["fra-eemshaven", "a", "muc-paris-2", "x" * 24])
def test_default_inside_cidrs_are_two_distinct_allowed_30s(name: str) -> None:
    link = LinkSpec(name=name, onprem="a", cloud="b", cloud_asn=64512)
    cidrs = [ipaddress.IPv4Network(c) for c in inside_cidrs(link)]
    assert len(set(cidrs)) == 2
    assert all(c.prefixlen == 30 and c.subnet_of(DEFAULT_INSIDE_RANGE) and c not in AWS_RESERVED_INSIDE for c in cidrs)
    assert inside_cidrs(link) == inside_cidrs(LinkSpec(name=name, onprem="c", cloud="d", cloud_asn=64513))


def test_adding_a_link_keeps_the_others(fabric) -> None:
    before = _plans(fabric)["fra-eemshaven"].tunnels
    fabric["links"].insert(0, {**fabric["links"][0], "name": "aaa-first", "tunnel_inside_cidrs": None})
    fabric["links"] = [x for x in fabric["links"] if x["name"] != "fra-stockholm"]
    assert _plans(fabric)["fra-eemshaven"].tunnels == before


def test_a_decided_cidr_clashing_with_a_given_one_names_both_links(fabric) -> None:
    decided = inside_cidrs(LinkSpec(name="fra-eemshaven", onprem="a", cloud="b", cloud_asn=64512))
    fabric["links"][0]["tunnel_inside_cidrs"] = [decided[1], "169.254.21.0/30"]
    with pytest.raises(DecisionError, match=r"links\[fra-eemshaven\].*also used by link 'fra-stockholm'"):
        _plans(fabric)


def test_transit_gateway_is_carried(fabric) -> None:
    fabric["links"][0]["aws"] = {"gateway": "transit_gateway"}
    assert _plans(fabric)["fra-stockholm"].aws_gateway == "transit_gateway"

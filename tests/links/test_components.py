"""The cloud ends of the links as planned offline: what each resource is declared with."""

from __future__ import annotations

import copy

import pytest

from tests.onprem.conftest import SECRET_CONFIG

VPN = "aws:ec2/vpnConnection:VpnConnection"


@pytest.fixture(scope="module")
def example(plan_fabric, example_fabric):
    return plan_fabric(copy.deepcopy(example_fabric("eu-sovereign")), extra_config=SECRET_CONFIG)


@pytest.fixture(scope="module")
def transit(plan_fabric, example_fabric):
    """Frankfurt and Stockholm only, linked through a transit gateway."""
    d = copy.deepcopy(example_fabric("eu-sovereign"))
    d["sites"] = [s for s in d["sites"] if s["kind"] != "gcp"]
    d["links"] = [{**d["links"][0], "aws": {"gateway": "transit_gateway"}}]
    d["serving"]["sites"].pop("gcp-eemshaven")  # the served sites are the stack's sites
    return plan_fabric(d, extra_config=SECRET_CONFIG)


def test_aws_end_with_a_virtual_private_gateway(example) -> None:
    cgw = example.one("aws:ec2/customerGateway:CustomerGateway", "fra-stockholm")
    assert (cgw["inputs"]["type"], cgw["inputs"]["ipAddress"], cgw["inputs"]["bgpAsn"]) == (
        "ipsec.1", "85.214.10.20", "65010",
    )  # fmt: skip
    vgw = example.one("aws:ec2/vpnGateway:VpnGateway", "fra-stockholm")
    assert vgw["inputs"]["amazonSideAsn"] == "64601"
    assert vgw["inputs"]["vpcId"] == example.id_of(example.one("aws:ec2/vpc:Vpc", "aws-stockholm"))
    tables = {example.id_of(t) for t in example.of_type("aws:ec2/routeTable:RouteTable") if "-private-" in t["name"]}
    propagated = {
        p["inputs"]["routeTableId"]
        for p in example.of_type("aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation")
    }
    assert propagated == tables and len(tables) == 3
    conn = example.one(VPN, "fra-stockholm")["inputs"]
    assert conn["customerGatewayId"] == example.id_of(cgw) and conn["vpnGatewayId"] == example.id_of(vgw)
    assert conn["staticRoutesOnly"] is False and conn["type"] == "ipsec.1"
    for n in (1, 2):
        assert conn[f"tunnel{n}IkeVersions"] == ["ikev2"]
        assert conn[f"tunnel{n}PresharedKey"] == "[secret]"  # a secret: never in a plan
    assert not example.of_type("aws:ec2transitgateway/transitGateway:TransitGateway")


def test_aws_end_with_a_transit_gateway_routes_only_on_prem_cidrs(transit) -> None:
    tgw = transit.one("aws:ec2transitgateway/transitGateway:TransitGateway", "fra-stockholm")
    assert tgw["inputs"]["amazonSideAsn"] == 64601
    attachment = transit.one("aws:ec2transitgateway/vpcAttachment:VpcAttachment", "fra-stockholm")["inputs"]
    assert attachment["transitGatewayId"] == transit.id_of(tgw) and len(attachment["subnetIds"]) == 3
    routes = [r["inputs"] for r in transit.of_type("aws:ec2/route:Route") if r["inputs"].get("transitGatewayId")]
    assert sorted({r["destinationCidrBlock"] for r in routes}) == ["10.60.0.0/16", "10.61.0.0/20", "10.62.0.0/22"]
    assert len(routes) == 9  # three private route tables x three on-prem ranges
    conn = transit.one(VPN, "fra-stockholm")["inputs"]
    assert conn["transitGatewayId"] == transit.id_of(tgw) and "vpnGatewayId" not in conn
    assert not transit.of_type("aws:ec2/vpnGateway:VpnGateway")


def test_gcp_end(example) -> None:
    ha = example.one("gcp:compute/haVpnGateway:HaVpnGateway", "fra-eemshaven")
    ext = example.one("gcp:compute/externalVpnGateway:ExternalVpnGateway", "fra-eemshaven")["inputs"]
    assert ext["redundancyType"] == "TWO_IPS_REDUNDANCY"
    assert [(i["id"], i["ipAddress"]) for i in ext["interfaces"]] == [(0, "85.214.10.20"), (1, "85.214.10.21")]
    router = example.one("gcp:compute/router:Router", "fra-eemshaven")
    assert router["inputs"]["bgp"] == {
        "asn": 64602, "advertiseMode": "CUSTOM", "advertisedIpRanges": [{"range": "10.50.0.0/16"}],
    }  # fmt: skip
    for n, t in enumerate(("t1", "t2")):
        tunnel = example.one("gcp:compute/vPNTunnel:VPNTunnel", f"fra-eemshaven-{t}")["inputs"]
        assert tunnel["ikeVersion"] == 2 and tunnel["sharedSecret"] == "[secret]"
        assert (tunnel["vpnGateway"], tunnel["vpnGatewayInterface"]) == (example.id_of(ha), n)
        assert tunnel["peerExternalGatewayInterface"] == n
        assert tunnel["router"] == example.id_of(router)
        peer = example.one("gcp:compute/routerPeer:RouterPeer", f"fra-eemshaven-{t}")["inputs"]
        assert peer["peerAsn"] == 65010 and peer["advertiseMode"] == "CUSTOM"
        assert peer["advertisedIpRanges"] == [{"range": "10.50.0.0/16"}]
        iface = example.one("gcp:compute/routerInterface:RouterInterface", f"fra-eemshaven-{t}")["inputs"]
        assert iface["ipRange"].endswith("/30")
    assert example.one("gcp:compute/routerInterface:RouterInterface", "fra-eemshaven-t1")["region"] == "europe-west4"

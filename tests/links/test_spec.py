"""Every link spec error reaches the user through `gpufabric plan --config`: exit 2, the key path naming
sites and links by name, what was expected and what was found, no traceback."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

import gpufabric.cli.plan  # noqa: F401  (registers `plan` on the app)
from gpufabric.cli import app
from gpufabric.spec import parse_fabric
from tests.onprem.conftest import SECRET_CONFIG

FRA = "gpufabric:fabric.sites[fra-onprem]"
GCP = "gpufabric:fabric.sites[gcp-eemshaven]"
AWS_LINK = "gpufabric:fabric.links[fra-stockholm]"
GCP_LINK = "gpufabric:fabric.links[fra-eemshaven]"


def _site(name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda d: next(s for s in d["sites"] if s["name"] == name)


fra, gcp, aws = _site("fra-onprem"), _site("gcp-eemshaven"), _site("aws-stockholm")


def _link(name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda d: next(x for x in d["links"] if x["name"] == name)


aws_link, gcp_link = _link("fra-stockholm"), _link("fra-eemshaven")


def _second_onprem(d: dict[str, Any]) -> None:
    other = copy.deepcopy(fra(d))
    other.update(
        name="muc-onprem", network={"pods": "10.70.0.0/16", "services": "10.71.0.0/20", "nodes": "10.72.0.0/22"}
    )
    other["vpn"] = {"public_ips": ["85.214.10.30"], "asn": 65010}
    d["sites"].append(other)


# (id, change to the eu-sovereign fabric, key path, fragments of the message)
CASES: list[tuple[str, Callable[[dict[str, Any]], Any], str, list[str]]] = [
    ("gcp-overlaps-onprem-pods", lambda d: gcp(d)["network"].update(cidr="10.60.0.0/16"),
     f"{GCP}.network.cidr", ["does not overlap site 'fra-onprem' (10.60.0.0/16)", "10.60.0.0/16"]),
    ("onprem-services-overlap-aws", lambda d: fra(d)["network"].update(services="10.40.16.0/20"),
     "gpufabric:fabric.sites[aws-stockholm].network.cidr", ["does not overlap site 'fra-onprem' (10.40.16.0/20)"]),
    ("gcp-overlaps-aws", lambda d: gcp(d)["network"].update(cidr="10.40.0.0/16"),
     f"{GCP}.network.cidr", ["does not overlap site 'aws-stockholm' (10.40.0.0/16)"]),
    ("public-ip-is-private", lambda d: fra(d)["vpn"].update(public_ips=["10.1.2.3"]),
     f"{FRA}.vpn.public_ips[0]", ["public (globally routable)", "'10.1.2.3'"]),
    ("public-ip-documentation-range", lambda d: fra(d)["vpn"].update(public_ips=["203.0.113.10"]),
     f"{FRA}.vpn.public_ips[0]", ["public (globally routable)", "'203.0.113.10'"]),
    ("public-ip-not-an-address", lambda d: fra(d)["vpn"].update(public_ips=["gw.example.com"]),
     f"{FRA}.vpn.public_ips[0]", ["public IPv4 address of a VPN gateway", "'gw.example.com'"]),
    ("public-ips-repeat", lambda d: fra(d)["vpn"].update(public_ips=["85.214.10.20", "85.214.10.20"]),
     f"{FRA}.vpn.public_ips", ["distinct addresses"]),
    ("three-public-ips", lambda d: fra(d)["vpn"].update(public_ips=["85.214.10.20", "85.214.10.21", "85.214.10.22"]),
     f"{FRA}.vpn.public_ips", ["at most 2"]),
    ("onprem-asn-public", lambda d: fra(d)["vpn"].update(asn=16509),
     f"{FRA}.vpn.asn", ["private BGP ASN (64512-65534 or 4200000000-4294967294", "found 16509"]),
    ("onprem-asn-reserved-65535", lambda d: fra(d)["vpn"].update(asn=65535),
     f"{FRA}.vpn.asn", ["private BGP ASN", "found 65535"]),
    ("cloud-asn-public", lambda d: aws_link(d).update(cloud_asn=15169),
     f"{AWS_LINK}.cloud_asn", ["private BGP ASN", "found 15169"]),
    ("cloud-asn-not-a-number", lambda d: aws_link(d).update(cloud_asn="64601"),
     f"{AWS_LINK}.cloud_asn", ["whole number", "'64601'"]),
    ("cloud-asn-same-as-onprem", lambda d: gcp_link(d).update(cloud_asn=65010),
     f"{GCP_LINK}.cloud_asn", ["an ASN no other site uses ('fra-onprem' has it)", "65010"]),
    ("cloud-asns-equal", lambda d: gcp_link(d).update(cloud_asn=64601),
     f"{GCP_LINK}.cloud_asn", ["an ASN no other site uses ('aws-stockholm' has it)", "64601"]),
    ("onprem-asns-equal", _second_onprem,
     "gpufabric:fabric.sites[muc-onprem].vpn.asn", ["an ASN no other site uses ('fra-onprem' has it)"]),
    ("link-to-unknown-cloud", lambda d: gcp_link(d).update(cloud="gcp-paris"),
     f"{GCP_LINK}.cloud", ["an AWS or GCP site (aws-stockholm, gcp-eemshaven)", "'gcp-paris', no such site"]),
    ("link-cloud-is-onprem", lambda d: gcp_link(d).update(cloud="fra-onprem"),
     f"{GCP_LINK}.cloud", ["an AWS or GCP site", "'fra-onprem', a onprem site"]),
    ("link-onprem-is-cloud", lambda d: gcp_link(d).update(onprem="aws-stockholm"),
     f"{GCP_LINK}.onprem", ["an on-prem site (fra-onprem)", "'aws-stockholm', a aws site"]),
    ("link-onprem-unknown", lambda d: gcp_link(d).update(onprem="ber-onprem"),
     f"{GCP_LINK}.onprem", ["an on-prem site (fra-onprem)", "'ber-onprem', no such site"]),
    ("onprem-without-vpn", lambda d: fra(d).pop("vpn"),
     f"{GCP_LINK}.onprem", ["declares its VPN end (sites[fra-onprem].vpn", "without 'vpn'"]),
    ("aws-options-on-gcp-link", lambda d: gcp_link(d).update(aws={"gateway": "transit_gateway"}),
     f"{GCP_LINK}.aws", ["no 'aws' options for a link to the gcp site 'gcp-eemshaven'"]),
    ("unknown-aws-gateway", lambda d: aws_link(d).update(aws={"gateway": "direct_connect"}),
     f"{AWS_LINK}.aws.gateway", ["'vpn_gateway' or 'transit_gateway'", "'direct_connect'"]),
    ("link-names-repeat", lambda d: d["links"].append({**gcp_link(d), "cloud": "aws-stockholm", "cloud_asn": 64601}),
     "gpufabric:fabric.links[fra-eemshaven].name", ["link names unique", "also at links[1]"]),
    ("pair-linked-twice", lambda d: d["links"].append({**aws_link(d), "name": "fra-stockholm-2",
                                                        "tunnel_inside_cidrs": None}),
     "gpufabric:fabric.links[fra-stockholm-2].cloud", ["one link per pair of sites", "'fra-stockholm'"]),
    ("inside-cidr-not-30", lambda d: aws_link(d).update(tunnel_inside_cidrs=["169.254.21.0/29", "169.254.22.0/30"]),
     f"{AWS_LINK}.tunnel_inside_cidrs[0]", ["/30 inside 169.254.0.0/16", "'169.254.21.0/29'"]),
    ("inside-cidr-not-link-local", lambda d: aws_link(d).update(tunnel_inside_cidrs=["10.0.0.0/30", "169.254.22.0/30"]),
     f"{AWS_LINK}.tunnel_inside_cidrs[0]", ["/30 inside 169.254.0.0/16", "'10.0.0.0/30'"]),
    ("inside-cidr-aws-reserved",
     lambda d: aws_link(d).update(tunnel_inside_cidrs=["169.254.169.252/30", "169.254.22.0/30"]),
     f"{AWS_LINK}.tunnel_inside_cidrs[0]", ["AWS does not reserve"]),
    ("inside-cidrs-one", lambda d: aws_link(d).update(tunnel_inside_cidrs=["169.254.21.0/30"]),
     f"{AWS_LINK}.tunnel_inside_cidrs", ["at least 2"]),
    ("inside-cidrs-repeat", lambda d: aws_link(d).update(tunnel_inside_cidrs=["169.254.21.0/30"] * 2),
     f"{AWS_LINK}.tunnel_inside_cidrs", ["each different"]),
    ("inside-cidr-used-by-other-link",
     lambda d: gcp_link(d).update(tunnel_inside_cidrs=["169.254.30.0/30", "169.254.22.0/30"]),
     f"{GCP_LINK}.tunnel_inside_cidrs[1]", ["a /30 no other link uses ('fra-stockholm' has it)"]),
]  # fmt: skip


@pytest.mark.parametrize(("change", "key_path", "fragments"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_plan_rejects_with_key_path_and_exit_2(
    example_fabric, write_stack, change, key_path: str, fragments: list[str]
) -> None:
    d = copy.deepcopy(example_fabric("eu-sovereign"))
    change(d)
    path = write_stack(d, extra_config=SECRET_CONFIG)
    result = CliRunner().invoke(app, ["plan", "--config", str(path)])
    out = " ".join(result.output.split())  # the rich console may wrap long lines
    assert result.exit_code == 2, result.output
    assert "Traceback" not in out
    assert f"{key_path}:" in out, out
    for fragment in fragments:
        assert fragment in out, out


def test_the_example_links_parse(example_fabric) -> None:
    spec = parse_fabric(copy.deepcopy(example_fabric("eu-sovereign")))
    assert [(x.name, x.onprem, x.cloud, x.cloud_asn) for x in spec.links] == [
        ("fra-stockholm", "fra-onprem", "aws-stockholm", 64601),
        ("fra-eemshaven", "fra-onprem", "gcp-eemshaven", 64602),
    ]


def test_links_are_optional(example_fabric) -> None:
    d = copy.deepcopy(example_fabric("eu-sovereign"))
    del d["links"]
    fra(d).pop("vpn")
    assert parse_fabric(d).links == []

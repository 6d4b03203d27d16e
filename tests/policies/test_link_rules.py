"""The private-link rules, each run three ways (pure, the SDK's validate, the analyzer servicer) against
resources shaped as the links' components plan them, and weakened one way per row; plus the weakening of
an example stack through the links' escape hatch, caught by `gpufabric check` (exit 1, the rule named)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import Analyzer, make, sdk_validate
from typer.testing import CliRunner

import gpufabric.cli.check  # noqa: F401  (registers the `check` command on `app`)
from gpufabric.cli import app
from policies.config import resolve
from policies.model import StackContext
from policies.security.rules import PACK_DEF as SECURITY

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = yaml.safe_load((REPO / "stacks" / "Pulumi.eu-sovereign.yaml").read_text(encoding="utf-8"))
FABRIC = EXAMPLE["config"]["gpufabric:fabric"]
STACK = {"gpufabric:fabric": json.dumps(FABRIC)}
RULES = {r.id: r for r in SECURITY.rules}

STRONG_TUNNEL = {
    f"tunnel{n}{k}": v
    for n in (1, 2)
    for k, v in {
        "IkeVersions": ["ikev2"],
        "Phase1EncryptionAlgorithms": ["AES256-GCM-16"],
        "Phase1IntegrityAlgorithms": ["SHA2-384"],
        "Phase1DhGroupNumbers": [20],
        "Phase2EncryptionAlgorithms": ["AES256-GCM-16"],
        "Phase2IntegrityAlgorithms": ["SHA2-384"],
        "Phase2DhGroupNumbers": [20],
    }.items()
}
GCP_SUITE = {
    "phase1": {"encryptions": ["AES-GCM-16-256"], "prves": ["PRF-HMAC-SHA2-384"], "dhs": ["Group-20"]},
    "phase2": {"encryptions": ["AES-GCM-16-256"], "pfs": ["Group-20"]},
}
AWS_VPN = "aws:ec2/vpnConnection:VpnConnection"
GCP_TUNNEL = "gcp:compute/vPNTunnel:VPNTunnel"


def _suite(**phase1: Any) -> dict[str, Any]:
    return {**GCP_SUITE, "phase1": {**GCP_SUITE["phase1"], **phase1}}


# (id, rule, type, good props, bad props, words in the message)
CASES: list[tuple[str, str, str, dict[str, Any], dict[str, Any], str]] = [
    ("cgw-undeclared", "vpn-tunnel-endpoints-declared", "aws:ec2/customerGateway:CustomerGateway",
     {"ipAddress": "85.214.10.20", "type": "ipsec.1"}, {"ipAddress": "198.18.7.1", "type": "ipsec.1"},
     "198.18.7.1 is not a declared on-prem VPN gateway"),
    ("external-gw-undeclared", "vpn-tunnel-endpoints-declared", "gcp:compute/externalVpnGateway:ExternalVpnGateway",
     {"interfaces": [{"id": 0, "ipAddress": "85.214.10.20"}, {"id": 1, "ipAddress": "85.214.10.21"}]},
     {"interfaces": [{"id": 0, "ipAddress": "85.214.10.20"}, {"id": 1, "ipAddress": "9.9.9.9"}]},
     "9.9.9.9 is not a declared"),
    ("classic-tunnel-peer", "vpn-tunnel-endpoints-declared", GCP_TUNNEL,
     {"ikeVersion": 2}, {"ikeVersion": 2, "peerIp": "9.9.9.9"}, "9.9.9.9"),
    ("aws-ikev1", "vpn-ikev2-strong", AWS_VPN, STRONG_TUNNEL,
     {**STRONG_TUNNEL, "tunnel2IkeVersions": ["ikev1", "ikev2"]}, "tunnel2IkeVersions"),
    ("aws-ike-unset", "vpn-ikev2-strong", AWS_VPN, STRONG_TUNNEL,
     {k: v for k, v in STRONG_TUNNEL.items() if k != "tunnel1IkeVersions"}, "IKEv1 allowed"),
    ("aws-aes128", "vpn-ikev2-strong", AWS_VPN, STRONG_TUNNEL,
     {**STRONG_TUNNEL, "tunnel1Phase2EncryptionAlgorithms": ["AES128"]}, "allows AES128"),
    ("aws-sha1", "vpn-ikev2-strong", AWS_VPN, STRONG_TUNNEL,
     {**STRONG_TUNNEL, "tunnel1Phase1IntegrityAlgorithms": ["SHA1", "SHA2-384"]}, "allows SHA1"),
    ("aws-dh2", "vpn-ikev2-strong", AWS_VPN, STRONG_TUNNEL,
     {**STRONG_TUNNEL, "tunnel2Phase1DhGroupNumbers": [2]}, "allows 2"),
    ("aws-algorithms-unset", "vpn-ikev2-strong", AWS_VPN, STRONG_TUNNEL,
     {k: v for k, v in STRONG_TUNNEL.items() if "Phase1Encryption" not in k}, "unset"),
    ("gcp-ikev1", "vpn-ikev2-strong", GCP_TUNNEL, {"ikeVersion": 2, "cipherSuite": GCP_SUITE},
     {"ikeVersion": 1, "cipherSuite": GCP_SUITE}, "ikeVersion is 1"),
    ("gcp-suite-unset", "vpn-ikev2-strong", GCP_TUNNEL, {"ikeVersion": 2, "cipherSuite": GCP_SUITE},
     {"ikeVersion": 2}, "unset"),
    ("gcp-aes128", "vpn-ikev2-strong", GCP_TUNNEL, {"ikeVersion": 2, "cipherSuite": GCP_SUITE},
     {"ikeVersion": 2, "cipherSuite": _suite(encryptions=["AES-CBC-128"])}, "allows AES-CBC-128"),
    ("gcp-group2", "vpn-ikev2-strong", GCP_TUNNEL, {"ikeVersion": 2, "cipherSuite": GCP_SUITE},
     {"ikeVersion": 2, "cipherSuite": _suite(dhs=["Group-2"])}, "allows Group-2"),
    ("tgw-route-undeclared", "vpn-routes-declared", "aws:ec2/route:Route",
     {"destinationCidrBlock": "10.60.0.0/16", "transitGatewayId": "tgw-1"},
     {"destinationCidrBlock": "0.0.0.0/0", "transitGatewayId": "tgw-1"}, "0.0.0.0/0, outside every declared"),
    ("static-vpn-route", "vpn-routes-declared", "aws:ec2/vpnConnectionRoute:VpnConnectionRoute",
     {"destinationCidrBlock": "10.62.0.0/22"}, {"destinationCidrBlock": "172.16.0.0/12"}, "172.16.0.0/12"),
    ("router-advertises-more", "vpn-routes-declared", "gcp:compute/router:Router",
     {"bgp": {"asn": 64602, "advertisedIpRanges": [{"range": "10.50.0.0/16"}]}},
     {"bgp": {"asn": 64602, "advertisedIpRanges": [{"range": "10.0.0.0/8"}]}}, "10.0.0.0/8"),
    ("peer-advertises-more", "vpn-routes-declared", "gcp:compute/routerPeer:RouterPeer",
     {"advertisedIpRanges": [{"range": "10.50.0.0/16"}]}, {"advertisedIpRanges": [{"range": "192.168.0.0/16"}]},
     "192.168.0.0/16"),
]  # fmt: skip


def _pure(rule_id: str, res: Any) -> list[str]:
    ctx = StackContext(config=STACK)
    rule = RULES[rule_id]
    return list(rule.check(res, resolve({}, ctx, rule.config_keys), ctx))


@pytest.mark.parametrize(("rule_id", "type_", "good", "bad", "words"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_rule_three_ways(rule_id: str, type_: str, good: dict, bad: dict, words: str) -> None:
    ok, weak = make(type_, good), make(type_, bad)
    assert _pure(rule_id, ok) == []
    assert sdk_validate(rule_id, ok, stack_config=STACK) == []
    found = _pure(rule_id, weak)
    assert found and any(words in m for m in found), found
    assert any(words in m for m in sdk_validate(rule_id, weak, stack_config=STACK))
    diagnostics = Analyzer(SECURITY, STACK).analyze(weak)
    assert rule_id in {d.policyName for d in diagnostics}


@pytest.mark.parametrize(
    ("link", "vpn_args", "rule_id"),
    [
        pytest.param("fra-stockholm", {"tunnel1_ike_versions": ["ikev1", "ikev2"]}, "vpn-ikev2-strong", id="aws-ikev1"),
        pytest.param("fra-eemshaven", {"peer_ip": "9.9.9.9"}, "vpn-tunnel-endpoints-declared", id="gcp-peer-ip"),
    ],
)
def test_weakening_a_link_through_its_escape_hatch_fails_check(tmp_path, link, vpn_args, rule_id) -> None:
    doc = copy.deepcopy(EXAMPLE)
    next(x for x in doc["config"]["gpufabric:fabric"]["links"] if x["name"] == link)["vpn_args"] = vpn_args
    path = tmp_path / "Pulumi.weak.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--config", str(path), "--format", "json"])
    assert result.exit_code == 1, result.output
    assert rule_id in result.output


def test_a_misspelt_escape_hatch_is_bad_input(tmp_path) -> None:
    doc = copy.deepcopy(EXAMPLE)
    doc["config"]["gpufabric:fabric"]["links"][0]["vpn_args"] = {"tunnel1_ike_version": ["ikev2"]}
    path = tmp_path / "Pulumi.typo.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "--config", str(path)])
    assert result.exit_code == 2, result.output
    assert "links[fra-stockholm].vpn_args.tunnel1_ike_version" in " ".join(result.output.split())

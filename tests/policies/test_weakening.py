"""Weakening a secure default is always reported: one example stack, weakened one way per row (an escape
hatch, a spec option, a label, a tag or the guardrails), makes `gpufabric check` exit 1 naming the rule.

The rules read the resulting resources, so every path to the same weakening is caught; the rows cover
several paths to some of them. The unweakened example stacks check clean (test_check_cli.py).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import gpufabric.cli.check  # noqa: F401  (registers the `check` command on `app`)
from gpufabric.cli import app

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = yaml.safe_load((REPO / "stacks" / "Pulumi.eu-sovereign.yaml").read_text(encoding="utf-8"))
SITE_KEY_ELSEWHERE = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
ROOT_VOLUME = "/dev/xvda"


def cluster(**args: Any) -> Callable[[dict], None]:
    return lambda site: site["cluster"].setdefault("cluster_args", {}).update(args)


def cluster_spec(**fields: Any) -> Callable[[dict], None]:
    return lambda site: site["cluster"].update(fields)


def _on_node_groups(site: dict, key: str, args: dict[str, Any]) -> None:
    """Node group and launch template hatches need node groups: the site back on managed node groups."""
    site["cluster"]["autoscaler"] = "managed-node-groups"
    site["tiers"][1].setdefault(key, {}).update(args)


def template(**args: Any) -> Callable[[dict], None]:
    return lambda site: _on_node_groups(site, "launch_template_args", args)


def node_group(**args: Any) -> Callable[[dict], None]:
    return lambda site: _on_node_groups(site, "node_group_args", args)


def vpc(**args: Any) -> Callable[[dict], None]:
    return lambda site: site["network"].setdefault("vpc_args", {}).update(args)


def root_volume_key(key: str) -> Callable[[dict], None]:
    ebs = {"encrypted": "true", "kms_key_id": key, "volume_size": 200, "volume_type": "gp3"}
    return template(block_device_mappings=[{"device_name": ROOT_VOLUME, "ebs": ebs}])


def metadata(**options: Any) -> Callable[[dict], None]:
    return template(metadata_options={"http_endpoint": "enabled", "http_tokens": "required", **options})


def access(mode: str, creator_admin: bool) -> Callable[[dict], None]:
    return cluster(
        access_config={"authentication_mode": mode, "bootstrap_cluster_creator_admin_permissions": creator_admin}
    )


GUARDRAILS = "guardrails"  # a fabric-level change, not a site's


# (id, change to the first site or ("guardrails", value), the rule `check` must name)
ROWS: list[tuple[str, Any, str]] = [
    ("logs-emptied", cluster(enabled_cluster_log_types=[]), "control-plane-logs"),
    ("logs-reduced-by-hatch", cluster(enabled_cluster_log_types=["api", "audit"]), "control-plane-logs"),
    ("logs-reduced-by-spec", cluster_spec(log_types=["api"]), "control-plane-logs"),
    ("auth-config-map", access("CONFIG_MAP", False), "eks-access-entries-only"),
    ("auth-api-and-config-map", access("API_AND_CONFIG_MAP", False), "eks-access-entries-only"),
    ("creator-admin", access("API", True), "eks-access-entries-only"),
    ("imds-hop-limit-2", metadata(http_put_response_hop_limit=2), "imdsv2-required"),
    ("imds-tokens-optional", metadata(http_tokens="optional", http_put_response_hop_limit=1), "imdsv2-required"),
    ("volume-aws-managed-key", root_volume_key("alias/aws/ebs"), "site-key-encryption"),
    (
        "volume-aws-managed-key-arn",
        root_volume_key("arn:aws:kms:eu-north-1:123456789012:alias/aws/ebs"),
        "site-key-encryption",
    ),  # fmt: skip
    ("volume-key-other-region", root_volume_key(SITE_KEY_ELSEWHERE), "site-key-encryption"),
    (
        "secrets-aws-alias",
        cluster(encryption_config={"resources": ["secrets"], "provider": {"key_arn": "alias/eks"}}),
        "site-key-encryption",
    ),  # fmt: skip
    (
        "volume-unencrypted",
        template(block_device_mappings=[{"device_name": ROOT_VOLUME, "ebs": {"encrypted": "no"}}]),
        "cmk-encryption",
    ),  # fmt: skip
    ("vpc-public-cidr", vpc(cidr_block="8.8.0.0/16"), "private-vpc-cidr"),
    ("vpc-loopback-cidr", vpc(cidr_block="127.0.0.0/16"), "private-vpc-cidr"),
    ("placement-other-region", template(placement={"availability_zone": "us-east-1a"}), "region-allowed"),
    ("scp-exempts-star", (GUARDRAILS, ["*"]), "guardrails-intact"),
    ("scp-exempts-every-role", (GUARDRAILS, ["arn:aws:iam::*:role/*"]), "guardrails-intact"),
    ("tag-claims-other-jurisdiction", vpc(tags={"gpufabric:jurisdiction": "us"}), "single-jurisdiction"),
    ("label-other-region", node_group(labels={"topology.kubernetes.io/region": "us-east-1"}), "k8s-region-pinned"),
    ("node-public-ip", template(network_interfaces=[{"associate_public_ip_address": "true"}]), "no-public-exposure"),
    ("ssh-from-anywhere", node_group(remote_access={"ec2_ssh_key": "ops"}), "no-public-exposure"),
]


def weakened(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(EXAMPLE)
    fabric = doc["config"]["gpufabric:fabric"]
    if isinstance(change, tuple) and change[0] == GUARDRAILS:
        fabric["guardrails"] = {"aws_scp": {"target_ids": ["r-ab12"], "exempt_role_arns": change[1]}}
    else:
        change(next(site for site in fabric["sites"] if site["kind"] == "aws"))
    return doc


def check(tmp_path: Path, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "Pulumi.weakened.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--config", str(path), "--format", "json"])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize(("change", "rule"), [(c, r) for _, c, r in ROWS], ids=[i for i, _, _ in ROWS])
def test_each_weakening_fails_check_naming_its_rule(tmp_path: Path, change: Any, rule: str) -> None:
    code, report = check(tmp_path, weakened(change))
    named = {v["policy"] for v in report["violations"] if v["enforcement"] == "mandatory"}
    assert code == 1, report
    assert rule in named, named


def test_there_are_enough_rows_and_every_new_rule_has_one() -> None:
    assert len(ROWS) >= 15
    new_rules = {"control-plane-logs", "eks-access-entries-only", "site-key-encryption", "private-vpc-cidr",
                 "guardrails-intact"}  # fmt: skip
    assert new_rules <= {rule for _, _, rule in ROWS}


def test_the_named_role_exemption_the_docs_recommend_stays_clean(tmp_path: Path) -> None:
    doc = weakened((GUARDRAILS, ["arn:aws:iam::123456789012:role/break-glass"]))
    code, report = check(tmp_path, doc)
    assert code == 0, report

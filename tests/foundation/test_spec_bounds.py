"""Sane bounds: the spec refuses what the cloud would refuse (issue 8 item 4), each refusal through
`gpufabric plan --config` with exit 2, the key path by name, expected and found, no traceback.

Each row: a mutation of the base stack, the key path it must be reported at, fragments of the message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import gpufabric.cli.plan  # noqa: F401  (registers `plan` on the app)
from gpufabric.cli import app
from gpufabric.core import naming
from gpufabric.core.vocabulary import TierKind
from gpufabric.spec import parse_fabric

F = "gpufabric:fabric"
SITE = f"{F}.sites[aws-stockholm]"
RESERVED = f"{SITE}.tiers[h100-reserved]"
SPOT = f"{SITE}.tiers[l40s-spot]"
ON_DEMAND = f"{SITE}.tiers[h100-on-demand]"
BLOCK = f"{SITE}.tiers[h100-block]"
NET = f"{SITE}.network"
CLUSTER = f"{SITE}.cluster"
SCP = f"{F}.guardrails.aws_scp"
ARN = "arn:aws:iam::123456789012:role/platform-admin"


def _tier(d: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in d["sites"][0]["tiers"] if t["name"] == name)


def _site(d: dict[str, Any]) -> dict[str, Any]:
    return d["sites"][0]


def _net(d: dict[str, Any], **changes: Any) -> None:
    _site(d)["network"].update(changes)


def _cluster(d: dict[str, Any], **changes: Any) -> None:
    _site(d).setdefault("cluster", {}).update(changes)


def _system(d: dict[str, Any], **changes: Any) -> None:
    _site(d).setdefault("cluster", {}).setdefault("system_nodes", {}).update(changes)


def _block(d: dict[str, Any], count: Any) -> None:
    _site(d)["tiers"].append(
        {
            "name": "h100-block",
            "kind": "capacity_block",
            "instance_types": ["p5.48xlarge"],
            "count": count,
            "reservation_id": "cr-0a1b2c3d4e5f60718",
            "availability_zones": ["eu-north-1a"],
        }
    )
    d["overflow"] = None


def _scp(d: dict[str, Any], arns: list[str]) -> None:
    d["guardrails"] = {"aws_scp": {"target_ids": ["ou-ab12-cdef3456"], "exempt_role_arns": arns}}


def _many(prefix: str, n: int) -> dict[str, str]:
    return {f"{prefix}{k}": "x" for k in range(n)}


def _huge_fabric(d: dict[str, Any]) -> None:
    """Eleven sites of 100,000 spot nodes each: every tier within its bound, the fabric past its own."""
    base = _site(d)
    d["sites"] = []
    for n in range(11):
        site = {**base, "name": f"aws-s{n}", "network": {**base["network"], "cidr": f"10.{n}.0.0/16"}}
        site["tiers"] = [{**_tier({"sites": [base]}, "l40s-spot"), "max": 100_000}]
        d["sites"].append(site)


# (id, change to the base fabric, key path, fragments of the message)
CASES: list[tuple[str, Callable[[dict[str, Any]], Any], str, list[str]]] = [
    # 1. counts: strict integers within documented bounds
    ("count-true", lambda d: _tier(d, "h100-reserved").update(count=True), f"{RESERVED}.count",
     ["node count as a whole number", "True"]),
    ("count-float", lambda d: _tier(d, "h100-reserved").update(count=2.5), f"{RESERVED}.count",
     ["whole number", "2.5"]),
    ("count-string", lambda d: _tier(d, "h100-reserved").update(count="2"), f"{RESERVED}.count",
     ["whole number", "'2'"]),
    ("count-zero", lambda d: _tier(d, "h100-reserved").update(count=0), f"{RESERVED}.count",
     ["from 1 to 100,000", "found 0"]),
    ("count-negative", lambda d: _tier(d, "h100-reserved").update(count=-3), f"{RESERVED}.count",
     ["from 1 to 100,000", "found -3"]),
    ("count-10e12", lambda d: _tier(d, "h100-reserved").update(count=10**12), f"{RESERVED}.count",
     ["per-tier bound", "found 1,000,000,000,000"]),
    ("count-just-over", lambda d: _tier(d, "h100-reserved").update(count=100_001), f"{RESERVED}.count",
     ["from 1 to 100,000", "found 100,001"]),
    ("spot-max-10e9", lambda d: _tier(d, "l40s-spot").update(max=10**9), f"{SPOT}.max",
     ["from 1 to 100,000", "found 1,000,000,000"]),
    ("spot-max-true", lambda d: _tier(d, "l40s-spot").update(max=True), f"{SPOT}.max", ["whole number", "True"]),
    ("spot-max-zero", lambda d: _tier(d, "l40s-spot").update(max=0), f"{SPOT}.max", ["from 1", "found 0"]),
    ("spot-min-float", lambda d: _tier(d, "l40s-spot").update(min=0.5), f"{SPOT}.min",
     ["node floor as a whole number", "0.5"]),
    ("spot-min-negative", lambda d: _tier(d, "l40s-spot").update(min=-1), f"{SPOT}.min",
     ["from 0 to 100,000", "found -1"]),
    ("on-demand-max-over", lambda d: _tier(d, "h100-on-demand").update(max=200_000), f"{ON_DEMAND}.max",
     ["from 1 to 100,000", "found 200,000"]),
    ("fabric-total", _huge_fabric, f"{F}.sites",
     ["at most 1,000,000 nodes in the whole fabric", "1,100,000"]),
    ("system-min-zero", lambda d: _system(d, min=0), f"{CLUSTER}.system_nodes.min",
     ["from 1 to 450", "EKS managed node group", "found 0"]),
    ("system-max-451", lambda d: _system(d, max=451), f"{CLUSTER}.system_nodes.max",
     ["from 1 to 450", "found 451"]),
    ("system-max-bool", lambda d: _system(d, max=False), f"{CLUSTER}.system_nodes.max",
     ["whole number", "False"]),
    ("disk-small", lambda d: _tier(d, "l40s-spot").update(disk_size_gib=10), f"{SPOT}.disk_size_gib",
     ["from 20 to 16,384", "found 10"]),
    ("disk-huge", lambda d: _tier(d, "l40s-spot").update(disk_size_gib=20_000), f"{SPOT}.disk_size_gib",
     ["from 20 to 16,384", "found 20,000"]),
    ("disk-float", lambda d: _tier(d, "l40s-spot").update(disk_size_gib=100.5), f"{SPOT}.disk_size_gib",
     ["whole number", "100.5"]),
    ("block-65", lambda d: _block(d, 65), f"{BLOCK}.count", ["from 1 to 64", "Capacity Blocks", "found 65"]),
    ("block-true", lambda d: _block(d, True), f"{BLOCK}.count", ["whole number", "True"]),
    ("flow-retention-2", lambda d: _net(d, flow_logs_retention_days=2), f"{NET}.flow_logs_retention_days",
     ["retention CloudWatch Logs accepts", "365, 400", "found 2"]),
    ("flow-retention-366", lambda d: _net(d, flow_logs_retention_days=366), f"{NET}.flow_logs_retention_days",
     ["CloudWatch", "found 366"]),
    ("flow-retention-bool", lambda d: _net(d, flow_logs_retention_days=True), f"{NET}.flow_logs_retention_days",
     ["whole number", "True"]),
    ("log-retention-0", lambda d: _cluster(d, log_retention_days=0), f"{CLUSTER}.log_retention_days",
     ["CloudWatch", "found 0"]),
    ("log-retention-10000", lambda d: _cluster(d, log_retention_days=10_000), f"{CLUSTER}.log_retention_days",
     ["3288, 3653", "found 10000"]),
    # 2. CIDRs
    ("cidr-loopback", lambda d: _net(d, cidr="127.0.0.0/16"), f"{NET}.cidr", ["private network", "loopback"]),
    ("cidr-link-local", lambda d: _net(d, cidr="169.254.0.0/16"), f"{NET}.cidr", ["link-local"]),
    ("cidr-this-network", lambda d: _net(d, cidr="0.0.0.0/16"), f"{NET}.cidr", ["'this network'", "0.0.0.0/16"]),
    ("cidr-multicast", lambda d: _net(d, cidr="224.0.0.0/16"), f"{NET}.cidr", ["multicast"]),
    ("cidr-reserved", lambda d: _net(d, cidr="240.0.0.0/16"), f"{NET}.cidr", ["reserved (240.0.0.0/4)"]),
    ("cidr-public", lambda d: _net(d, cidr="8.8.0.0/16"), f"{NET}.cidr", ["not a private range", "'8.8.0.0/16'"]),
    ("cidr-documentation", lambda d: _net(d, cidr="192.0.2.0/24"), f"{NET}.cidr",
     ["10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10"]),
    ("cidr-across-100-64", lambda d: _net(d, cidr="100.0.0.0/8"), f"{NET}.cidr", ["private network inside"]),
    ("cidr-host-bits", lambda d: _net(d, cidr="10.40.0.1/16"), f"{NET}.cidr", ["CIDR notation", "host bits"]),
    ("cidr-not-cidr", lambda d: _net(d, cidr="ten"), f"{NET}.cidr", ["like 10.40.0.0/16", "'ten'"]),
    ("cidr-number", lambda d: _net(d, cidr=10), f"{NET}.cidr", ["CIDR notation", "10"]),
    ("cidr-too-small", lambda d: _net(d, cidr="10.40.0.0/25"), f"{NET}.cidr", ["/16 and /24", "/25"]),
    ("subnet-larger-than-vpc", lambda d: _net(d, cidr="10.40.0.0/20", subnet_prefix=18), f"{NET}.subnet_prefix",
     ["cannot be larger than its VPC 10.40.0.0/20", "/20 or longer", "found /18"]),
    ("subnet-no-room", lambda d: _net(d, cidr="10.40.0.0/20", subnet_prefix=21), f"{NET}.subnet_prefix",
     ["/22 or longer", "2 zone subnets", "leaves room for 1"]),
    ("subnet-prefix-bool", lambda d: _net(d, subnet_prefix=True), f"{NET}.subnet_prefix", ["whole number"]),
    ("subnet-prefix-27", lambda d: _net(d, subnet_prefix=27), f"{NET}.subnet_prefix", ["from 16 to 26", "27"]),
    ("public-cidrs-41", lambda d: _cluster(d, public_access_cidrs=[f"203.0.{n}.0/24" for n in range(41)]),
     f"{CLUSTER}.public_access_cidrs", ["at most 40 CIDR blocks", "found 41"]),
    ("public-cidr-invalid", lambda d: _cluster(d, public_access_cidrs=["203.0.113.0/33"]),
     f"{CLUSTER}.public_access_cidrs", ["CIDR notation like 203.0.113.0/24", "'203.0.113.0/33'"]),
    ("public-cidr-host-bits", lambda d: _cluster(d, public_access_cidrs=["203.0.113.7/24"]),
     f"{CLUSTER}.public_access_cidrs", ["'203.0.113.7/24'"]),
    # 3. EKS versions
    ("eks-1-20", lambda d: _cluster(d, kubernetes_version="1.20"), f"{CLUSTER}.kubernetes_version",
     ["EKS version gpufabric knows (1.32, 1.33, 1.34, 1.35)", "'1.20'"]),
    ("eks-1-31-ended", lambda d: _cluster(d, kubernetes_version="1.31"), f"{CLUSTER}.kubernetes_version",
     ["1.32, 1.33", "'1.31'"]),
    ("eks-future", lambda d: _cluster(d, kubernetes_version="1.99"), f"{CLUSTER}.kubernetes_version", ["'1.99'"]),
    ("eks-float", lambda d: _cluster(d, kubernetes_version=1.33), f"{CLUSTER}.kubernetes_version", ["1.33"]),
    ("eks-patch", lambda d: _cluster(d, kubernetes_version="1.33.1"), f"{CLUSTER}.kubernetes_version",
     ["'1.33.1'"]),
    # 4. tags and labels
    ("tag-aws-prefix", lambda d: d.update(tags={"aws:createdBy": "me"}), f"{F}.tags",
     ["prefix 'aws:'", "'aws:createdBy'"]),
    ("tag-aws-prefix-upper", lambda d: _site(d).update(tags={"AWS:x": "y"}), f"{SITE}.tags", ["'AWS:x'"]),
    ("tag-gpufabric-site", lambda d: _site(d).update(tags={"gpufabric:site": "other"}), f"{SITE}.tags",
     ["prefix 'gpufabric:'", "'gpufabric:site'"]),
    ("tag-gpufabric-stack", lambda d: d.update(tags={"gpufabric:stack": "x"}), f"{F}.tags", ["'gpufabric:stack'"]),
    ("tags-47-fabric", lambda d: d.update(tags=_many("t", 47)), f"{F}.tags",
     ["at most 46 tags", "fabric adds 4", "found 47"]),
    ("tags-47-site", lambda d: _site(d).update(tags=_many("s", 47)), f"{SITE}.tags", ["at most 46", "found 47"]),
    ("tags-combined", lambda d: (d.update(tags=_many("t", 30)), _site(d).update(tags=_many("s", 20))),
     f"{SITE}.tags", ["fabric's and the site's tags together", "at most 46", "found 50"]),
    ("tag-key-long", lambda d: d.update(tags={"k" * 129: "v"}), f"{F}.tags", ["1-128", "kkkk"]),
    ("tag-value-long", lambda d: d.update(tags={"k": "v" * 257}), f"{F}.tags", ["at most 256", "k: 'vvv"]),
    ("tag-key-bad-char", lambda d: d.update(tags={"cost#center": "x"}), f"{F}.tags", ["'cost#center'"]),
    ("label-region", lambda d: _tier(d, "l40s-spot").update(labels={"topology.kubernetes.io/region": "x"}),
     f"{SPOT}.labels", ["reserved by the fabric", "'topology.kubernetes.io/region'"]),
    ("label-gpufabric-tier", lambda d: _tier(d, "l40s-spot").update(labels={"gpufabric.io/tier": "x"}),
     f"{SPOT}.labels", ["gpufabric.io/*", "'gpufabric.io/tier'"]),
    ("label-gpufabric-any", lambda d: _tier(d, "h100-reserved").update(labels={"gpufabric.io/team": "x"}),
     f"{RESERVED}.labels", ["'gpufabric.io/team'"]),
    ("label-key-space", lambda d: _tier(d, "l40s-spot").update(labels={"my team": "x"}), f"{SPOT}.labels",
     ["Kubernetes label keys", "'my team'"]),
    ("label-key-long-name", lambda d: _tier(d, "l40s-spot").update(labels={"a" * 64: "x"}), f"{SPOT}.labels",
     ["1-63"]),
    ("label-key-bad-prefix", lambda d: _tier(d, "l40s-spot").update(labels={"Example.COM/team": "x"}),
     f"{SPOT}.labels", ["'Example.COM/team'"]),
    ("label-value-long", lambda d: _tier(d, "l40s-spot").update(labels={"team": "v" * 64}), f"{SPOT}.labels",
     ["label values of at most 63", "team: 'vvv"]),
    ("label-value-slash", lambda d: _tier(d, "l40s-spot").update(labels={"team": "a/b"}), f"{SPOT}.labels",
     ["team: 'a/b'"]),
    # 5. GPU types, ARNs, SCP exemptions
    ("tier-cpu-type", lambda d: _tier(d, "l40s-spot").update(instance_types=["g6e.xlarge", "m7i.large"]),
     f"{SPOT}.instance_types[1]", ["a GPU instance type (", "'m7i.large'"]),
    ("tier-unknown-type", lambda d: _tier(d, "h100-reserved").update(instance_types=["p9.huge"]),
     f"{RESERVED}.instance_types[0]", ["GPU instance type", "p5.48xlarge", "'p9.huge'"]),
    ("admin-arn-china", lambda d: _cluster(d, admin_role_arns=["arn:aws-cn:iam::123456789012:role/a"]),
     f"{CLUSTER}.admin_role_arns[0]", ["partition 'aws' (the region eu-north-1)", "arn:aws-cn:"]),
    ("admin-arn-govcloud", lambda d: _cluster(d, admin_role_arns=[ARN, "arn:aws-us-gov:iam::123456789012:role/b"]),
     f"{CLUSTER}.admin_role_arns[1]", ["partition 'aws'", "arn:aws-us-gov:"]),
    ("admin-arn-unknown-partition", lambda d: _cluster(d, admin_role_arns=["arn:aws-xx:iam::123456789012:role/a"]),
     f"{CLUSTER}.admin_role_arns[0]", ["aws, aws-cn, aws-us-gov, aws-eusc", "'arn:aws-xx:"]),
    ("admin-arn-malformed", lambda d: _cluster(d, admin_role_arns=["arn:aws:iam::12345:role/a"]),
     f"{CLUSTER}.admin_role_arns[0]", ["like arn:aws:iam::123456789012:role/name", "12345"]),
    ("admin-arn-user", lambda d: _cluster(d, admin_role_arns=["arn:aws:iam::123456789012:user/bob"]),
     f"{CLUSTER}.admin_role_arns[0]", ["IAM role ARNs", "user/bob"]),
    ("scp-star", lambda d: _scp(d, ["*"]), f"{SCP}.exempt_role_arns[0]", ["not a wildcard", "'*'"]),
    ("scp-role-star", lambda d: _scp(d, ["arn:aws:iam::123456789012:role/*"]), f"{SCP}.exempt_role_arns[0]",
     ["wildcard", "role/*"]),
    ("scp-malformed", lambda d: _scp(d, ["platform-admin"]), f"{SCP}.exempt_role_arns[0]",
     ["IAM role ARNs", "'platform-admin'"]),
    ("scp-partition", lambda d: _scp(d, [ARN, "arn:aws-cn:iam::123456789012:role/x"]),
     f"{SCP}.exempt_role_arns[1]", ["partition of jurisdiction 'eu' (aws, aws-eusc)", "arn:aws-cn:"]),
]  # fmt: skip


@pytest.mark.parametrize(("change", "key_path", "fragments"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_plan_refuses_out_of_bounds(base_fabric, write_stack, change, key_path: str, fragments: list[str]) -> None:
    d = base_fabric()
    change(d)
    d = {k: v for k, v in d.items() if v is not None}
    path: Path = write_stack(d)
    result = CliRunner().invoke(app, ["plan", "--config", str(path)])
    out = " ".join(result.output.split())  # the rich console may wrap long lines
    assert result.exit_code == 2, result.output
    assert "Traceback" not in out
    assert f"{key_path}:" in out, out
    for fragment in fragments:
        assert fragment in out, out


def test_there_are_enough_rows() -> None:
    assert len(CASES) >= 60


# Values at the edge of each bound are accepted (the bounds are not off by one).
EDGES: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("count-100000", lambda d: _tier(d, "h100-reserved").update(count=100_000)),
    ("spot-min-0-max-100000", lambda d: _tier(d, "l40s-spot").update(min=0, max=100_000)),
    ("system-450", lambda d: _system(d, min=1, max=450)),
    ("disk-edges", lambda d: _tier(d, "l40s-spot").update(disk_size_gib=16_384)),
    ("block-64", lambda d: _block(d, 64)),
    ("retention-3653", lambda d: (_net(d, flow_logs_retention_days=3653), _cluster(d, log_retention_days=1))),
    ("cidr-100-64", lambda d: _net(d, cidr="100.64.0.0/16")),
    ("cidr-172-16", lambda d: _net(d, cidr="172.16.0.0/16")),
    ("subnet-just-fits", lambda d: _net(d, cidr="10.40.0.0/20", subnet_prefix=22)),
    ("public-cidrs-40", lambda d: _cluster(d, public_access_cidrs=[f"203.0.{n}.0/24" for n in range(40)])),
    ("eks-1-35", lambda d: _cluster(d, kubernetes_version="1.35")),
    ("tags-46", lambda d: (d.update(tags=_many("t", 23)), _site(d).update(tags=_many("t", 23) | _many("s", 23)))),
    ("labels-ok", lambda d: _tier(d, "l40s-spot").update(labels={"example.com/team": "claims", "tier": ""})),
    ("eusc-exempt", lambda d: _scp(d, ["arn:aws-eusc:iam::123456789012:role/break-glass", ARN])),
]


@pytest.mark.parametrize("change", [pytest.param(c, id=i) for i, c in EDGES])
def test_values_at_the_bounds_are_accepted(base_fabric, change) -> None:
    d = base_fabric()
    change(d)
    parse_fabric(d)


@pytest.mark.parametrize(
    ("call", "key"),
    [
        pytest.param(
            lambda: naming.node_labels(
                jurisdiction="eu", site="s", region="r", tier="t", kind=TierKind.SPOT, rank=0,
                extra={"topology.kubernetes.io/region": "elsewhere"},
            ),
            "topology.kubernetes.io/region",
            id="label",
        ),
        pytest.param(
            lambda: naming.resource_tags(
                stack="s", jurisdiction="eu", site="x", fabric_tags={}, site_tags={"gpufabric:jurisdiction": "us"}
            ),
            "gpufabric:jurisdiction",
            id="tag",
        ),
    ],
)  # fmt: skip
def test_naming_refuses_reserved_keys_instead_of_dropping_them(call, key: str) -> None:
    with pytest.raises(naming.ReservedKeyError, match=key):
        call()

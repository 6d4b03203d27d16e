"""Spec validation: every rule of the stack spec rejects a bad input with a message naming the stack file,
the key path (sites and tiers by name), what was expected and what was found."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gpufabric.core.errors import InputError
from gpufabric.spec import load_stack_file, parse_fabric

SITE = "gpufabric:fabric.sites[aws-stockholm]"
RESERVED = f"{SITE}.tiers[h100-reserved]"
SPOT = f"{SITE}.tiers[l40s-spot]"


def site(d: dict[str, Any]) -> dict[str, Any]:
    return d["sites"][0]


def tier(d: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in site(d)["tiers"] if t["name"] == name)


def second_site(d: dict[str, Any], *, name: str = "aws-frankfurt", cidr: str = "10.50.0.0/16") -> None:
    d["sites"].append(
        {
            "name": name,
            "kind": "aws",
            "region": "eu-central-1",
            "network": {"cidr": cidr},
            "tiers": [{"name": "a100-spot", "kind": "spot", "instance_types": ["p4d.24xlarge"], "max": 2}],
        }
    )


def capacity_block(d: dict[str, Any], **changes: Any) -> None:
    block = {
        "name": "h100-block",
        "kind": "capacity_block",
        "instance_types": ["p5.48xlarge"],
        "count": 2,
        "reservation_id": "cr-0a1b2c3d4e5f60718",
        "availability_zones": ["eu-north-1a"],
    }
    block.update(changes)
    site(d)["tiers"].append({k: v for k, v in block.items() if v is not None})


# (id, change to a valid fabric, key path named in the message, fragments the message must also contain)
CASES: list[tuple[str, Callable[[dict[str, Any]], Any], str, list[str]]] = [
    (
        "unknown-key-network",
        lambda d: site(d)["network"].update(cidrr="10.0.0.0/16"),
        f"{SITE}.network.cidrr",
        ["'cidrr'", "cidr, availability_zones, subnet_prefix, egress"],
    ),
    (
        "unknown-key-tier",
        lambda d: tier(d, "l40s-spot").update(maximum=4),
        f"{SPOT}.maximum",
        ["'maximum'", "instance_types", "min", "max"],
    ),
    (
        "unknown-key-top",
        lambda d: d.update(site="x"),
        "gpufabric:fabric.site",
        ["'site'", "jurisdiction, sites, overflow"],
    ),
    (
        "bad-cidr-netmask",
        lambda d: site(d)["network"].update(cidr="10.40.0.0/33"),
        f"{SITE}.network.cidr",
        ["CIDR", "'10.40.0.0/33'"],
    ),
    (
        "bad-cidr-host-bits",
        lambda d: site(d)["network"].update(cidr="10.40.0.1/16"),
        f"{SITE}.network.cidr",
        ["CIDR", "'10.40.0.1/16'"],
    ),
    (
        "bad-cidr-text",
        lambda d: site(d)["network"].update(cidr="ten-forty"),
        f"{SITE}.network.cidr",
        ["'ten-forty'"],
    ),
    (
        "non-private-cidr",
        lambda d: site(d)["network"].update(cidr="8.8.0.0/16"),
        f"{SITE}.network.cidr",
        ["private", "'8.8.0.0/16'"],
    ),
    (
        "region-outside-jurisdiction",
        lambda d: site(d).update(region="us-east-1"),
        f"{SITE}.region",
        ["'eu'", "eu-north-1", "'us-east-1'"],
    ),
    (
        "region-outside-narrowed-jurisdiction",
        lambda d: d.update(jurisdiction={"name": "eu", "aws_regions": ["eu-central-1"]}),
        f"{SITE}.region",
        ["eu-central-1", "'eu-north-1'"],
    ),
    (
        "owned-tier-on-aws",
        lambda d: tier(d, "h100-reserved").update(kind="owned"),
        f"{RESERVED}.kind",
        ["reserved", "spot", "'owned'"],
    ),
    (
        "unknown-tier-kind",
        lambda d: tier(d, "l40s-spot").update(kind="preemptible"),
        f"{SPOT}.kind",
        ["'spot'", "'preemptible'"],
    ),
    (
        "aws-shaped-gcp-site",  # a GCP site is read as one: its own keys are asked for by name
        lambda d: site(d).update(kind="gcp"),
        f"{SITE}.project",
        ["expected this required key"],
    ),
    (
        "unknown-site-kind",
        lambda d: site(d).update(kind="azure"),
        f"{SITE}.kind",
        ["aws", "'azure'"],
    ),
    (
        "overlapping-cidrs",
        lambda d: second_site(d, cidr="10.40.128.0/17"),
        "gpufabric:fabric.sites[aws-frankfurt].network.cidr",
        ["'aws-stockholm'", "10.40.0.0/16", "10.40.128.0/17"],
    ),
    (
        "duplicate-site-names",
        lambda d: second_site(d, name="aws-stockholm"),
        f"{SITE}.name",
        ["unique", "'aws-stockholm'", "sites[0]"],
    ),
    (
        "duplicate-tier-names",
        lambda d: tier(d, "h100-on-demand").update(name="l40s-spot"),
        f"{SPOT}.name",
        ["unique", "'l40s-spot'", "tiers[1]"],
    ),
    (
        "bad-name",
        lambda d: site(d).update(name="AWS_Stockholm"),
        "gpufabric:fabric.sites[AWS_Stockholm].name",
        ["lowercase", "'AWS_Stockholm'"],
    ),
    (
        "committed-without-count",
        lambda d: tier(d, "h100-reserved").pop("count"),
        f"{RESERVED}.count",
        ["reserved", "nothing"],
    ),
    (
        "committed-with-max",
        lambda d: tier(d, "h100-reserved").update(max=4),
        f"{RESERVED}.max",
        ["count", "4"],
    ),
    (
        "committed-with-min",
        lambda d: tier(d, "h100-reserved").update(min=1),
        f"{RESERVED}.min",
        ["count", "1"],
    ),
    (
        "committed-with-two-types",
        lambda d: tier(d, "h100-reserved").update(instance_types=["p5.48xlarge", "p5en.48xlarge"]),
        f"{RESERVED}.instance_types",
        ["one instance type", "p5.48xlarge, p5en.48xlarge"],
    ),
    (
        "mixed-cpu-architectures",
        lambda d: tier(d, "l40s-spot").update(instance_types=["g5g.xlarge", "g6e.xlarge"]),
        f"{SPOT}.instance_types",
        ["arm64", "x86_64", "g5g.xlarge, g6e.xlarge"],
    ),
    (
        "elastic-without-max",
        lambda d: tier(d, "l40s-spot").pop("max"),
        f"{SPOT}.max",
        ["spot", "nothing"],
    ),
    (
        "elastic-with-count",
        lambda d: tier(d, "l40s-spot").update(count=3),
        f"{SPOT}.count",
        ["min", "max", "3"],
    ),
    (
        "min-greater-than-max",
        lambda d: tier(d, "l40s-spot").update(min=9),
        f"{SPOT}.min",
        ["9", "6"],
    ),
    (
        "capacity-block-without-reservation-id",
        lambda d: capacity_block(d, reservation_id=None),
        f"{SITE}.tiers[h100-block].reservation_id",
        ["cr-", "nothing"],
    ),
    (
        "capacity-block-bad-reservation-id",
        lambda d: capacity_block(d, reservation_id="r-123"),
        f"{SITE}.tiers[h100-block].reservation_id",
        ["cr-", "'r-123'"],
    ),
    (
        "capacity-block-without-zone",
        lambda d: capacity_block(d, availability_zones=None),
        f"{SITE}.tiers[h100-block].availability_zones",
        ["one", "nothing"],
    ),
    (
        "reservation-id-on-spot",
        lambda d: tier(d, "l40s-spot").update(reservation_id="cr-0a1b2c3d4e5f60718"),
        f"{SPOT}.reservation_id",
        ["capacity_block", "'cr-0a1b2c3d4e5f60718'"],
    ),
    (
        "overflow-bad-reference",
        lambda d: d.update(
            overflow=["aws-stockholm/h100-reserved", "aws-stockholm/l40s-spot", "aws-stockholm/h100-ondemand"]
        ),
        "gpufabric:fabric.overflow[2]",
        ["aws-stockholm/h100-on-demand", "'aws-stockholm/h100-ondemand'"],
    ),
    (
        "overflow-missing-tier",
        lambda d: d.update(overflow=["aws-stockholm/l40s-spot", "aws-stockholm/h100-reserved"]),
        "gpufabric:fabric.overflow",
        ["every tier", "missing aws-stockholm/h100-on-demand"],
    ),
    (
        "overflow-duplicate",
        lambda d: d.update(
            overflow=[
                "aws-stockholm/h100-reserved",
                "aws-stockholm/l40s-spot",
                "aws-stockholm/h100-on-demand",
                "aws-stockholm/l40s-spot",
            ]
        ),
        "gpufabric:fabric.overflow[3]",
        ["once", "'aws-stockholm/l40s-spot'"],
    ),
    (
        "zone-not-in-region",
        lambda d: site(d)["network"].update(availability_zones=["eu-north-1a", "eu-west-1b"]),
        f"{SITE}.network.availability_zones[1]",
        ["eu-north-1", "'eu-west-1b'"],
    ),
    (
        "tier-zone-not-in-region",
        lambda d: tier(d, "h100-reserved").update(availability_zones=["eu-central-1a"]),
        f"{RESERVED}.availability_zones[0]",
        ["eu-north-1", "'eu-central-1a'"],
    ),
    (
        "tier-zone-outside-site-zones",
        lambda d: tier(d, "h100-reserved").update(availability_zones=["eu-north-1c"]),
        f"{RESERVED}.availability_zones[0]",
        ["eu-north-1a, eu-north-1b", "'eu-north-1c'"],
    ),
    (
        "duplicate-zone",
        lambda d: site(d)["network"].update(availability_zones=["eu-north-1a", "eu-north-1a"]),
        f"{SITE}.network.availability_zones[1]",
        ["once", "'eu-north-1a'"],
    ),
    (
        "unknown-jurisdiction",
        lambda d: d.update(jurisdiction="mars"),
        "gpufabric:fabric.jurisdiction",
        ["'mars'", "eu", "us"],
    ),
    (
        "unknown-jurisdiction-object",
        lambda d: d.update(jurisdiction={"name": "atlantis", "aws_regions": ["eu-north-1"]}),
        "gpufabric:fabric.jurisdiction.name",
        ["'atlantis'", "eu", "us"],
    ),
    (
        "duplicate-admin-role",
        lambda d: site(d).update(
            cluster={
                "admin_role_arns": ["arn:aws:iam::123456789012:role/admin", "arn:aws:iam::123456789012:role/admin"]
            }
        ),
        f"{SITE}.cluster.admin_role_arns",
        ["once", "'arn:aws:iam::123456789012:role/admin'"],
    ),
    (
        "missing-sites",
        lambda d: d.pop("sites"),
        "gpufabric:fabric.sites",
        ["required", "nothing"],
    ),
    (
        "serving-gateway-unknown-site",
        lambda d: d.update(serving={"model": "Llama-3.1-8B", "gateway": {"site": "aws-paris"}}),
        "gpufabric:fabric.serving.gateway.site",
        ["aws-stockholm", "'aws-paris'"],
    ),
    (
        "serving-gateway-one-replica",
        lambda d: d.update(serving={"model": "Llama-3.1-8B", "gateway": {"replicas": 1}}),
        "gpufabric:fabric.serving.gateway.replicas",
        ["2", "1"],
    ),
    (
        "serving-privileged-port",
        lambda d: d.update(serving={"model": "Llama-3.1-8B", "port": 80}),
        "gpufabric:fabric.serving.port",
        ["1024", "80"],
    ),
    (
        "serving-unknown-key",
        lambda d: d.update(serving={"model": "Llama-3.1-8B", "modle": "x"}),
        "gpufabric:fabric.serving.modle",
        ["'modle'"],
    ),
    (
        "cluster-autoscaler-node-group-name-too-long",
        lambda d: (
            d.update(jurisdiction="us"),
            site(d).update(name="aws-govcloud-production1", region="us-gov-west-1"),
            site(d)["network"].pop("availability_zones", None),
            site(d).setdefault("cluster", {}).update(autoscaler="cluster-autoscaler"),
            tier(d, "l40s-spot").update(name="l40s-spot-burst-capacity"),
        ),
        "gpufabric:fabric.sites[aws-govcloud-production1].tiers[l40s-spot-burst-capacity].name",
        ["63 characters", "'aws-govcloud-production1-l40s-spot-burst-capacity-us-gov-west-1a'", "64"],
    ),
    (
        "serving-profile-absolute",
        lambda d: d.update(serving={"model": "Llama-3.1-8B", "profile": "/etc/passwd.yaml"}),
        "gpufabric:fabric.serving.profile",
        ["inside the project", "'/etc/passwd.yaml'"],
    ),
    (
        "serving-profile-parent",
        lambda d: d.update(serving={"model": "Llama-3.1-8B", "profile": "profiles/../../secrets.yaml"}),
        "gpufabric:fabric.serving.profile",
        ["inside the project", "'profiles/../../secrets.yaml'"],
    ),
    (
        "serving-profile-not-yaml",
        lambda d: d.update(serving={"model": "Llama-3.1-8B", "profile": "profile.txt"}),
        "gpufabric:fabric.serving.profile",
        ["inside the project", "'profile.txt'"],
    ),
    (
        "wrong-type",
        lambda d: tier(d, "l40s-spot").update(max="lots"),
        f"{SPOT}.max",
        ["integer", "'lots'"],
    ),
]


@pytest.mark.parametrize(("change", "key_path", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_names_file_key_path_expected_and_found(base_fabric, write_stack, change, key_path, fragments):
    fabric = base_fabric()
    change(fabric)
    path = write_stack(fabric)

    with pytest.raises(InputError) as caught:
        load_stack_file(path)

    message = caught.value.message
    assert f"{path}: {key_path}: " in message, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in: {message}"
    assert "Traceback" not in message


def test_the_base_fabric_is_valid(base_fabric, write_stack):
    loaded = load_stack_file(write_stack(base_fabric(), name="valid"))
    assert loaded.stack == "valid"
    assert [t.name for t in loaded.spec.sites[0].tiers] == ["h100-reserved", "l40s-spot", "h100-on-demand"]


def test_several_problems_are_reported_at_once(base_fabric, write_stack):
    fabric = base_fabric()
    site(fabric)["network"]["cidr"] = "8.8.0.0/16"
    tier(fabric, "l40s-spot")["min"] = 9
    path = write_stack(fabric)

    with pytest.raises(InputError) as caught:
        load_stack_file(path)

    message = caught.value.message
    assert message.startswith("2 problems:")
    assert f"{path}: {SITE}.network.cidr: " in message
    assert f"{path}: {SPOT}.min: " in message


def test_widened_jurisdiction_is_accepted(base_fabric, write_stack):
    fabric = base_fabric()
    fabric["jurisdiction"] = {"name": "eu", "aws_regions": ["eu-north-1", "eu-west-2"]}
    site(fabric)["region"] = "eu-west-2"
    site(fabric)["network"]["availability_zones"] = ["eu-west-2a", "eu-west-2b"]

    spec = load_stack_file(write_stack(fabric)).spec

    resolved = spec.resolved_jurisdiction()
    assert resolved.name == "eu"
    assert resolved.aws_regions == {"eu-north-1", "eu-west-2"}
    assert spec.jurisdiction.overrides() == {"aws_regions": ["eu-north-1", "eu-west-2"]}


def test_london_is_not_in_the_eu_without_an_override(base_fabric, write_stack):
    fabric = base_fabric()
    site(fabric)["region"] = "eu-west-2"
    site(fabric)["network"]["availability_zones"] = ["eu-west-2a"]
    path = write_stack(fabric)

    with pytest.raises(InputError, match=r"sites\[aws-stockholm\]\.region: .*found 'eu-west-2'"):
        load_stack_file(path)


def test_invalid_yaml_names_file_and_line(base_fabric, write_stack):
    path = write_stack(raw="config:\n  gpufabric:fabric:\n    jurisdiction: [eu\n    sites: []\n")

    with pytest.raises(InputError) as caught:
        load_stack_file(path)

    message = caught.value.message
    assert message.startswith(f"{path}: line ")
    assert "valid YAML" in message


def test_missing_fabric_key(base_fabric, write_stack):
    path = write_stack(raw="config:\n  aws:region: eu-north-1\n")

    with pytest.raises(InputError) as caught:
        load_stack_file(path)

    assert caught.value.message.startswith(f"{path}: config: ")
    assert "'gpufabric:fabric'" in caught.value.message


def test_not_a_stack_file(base_fabric, write_stack):
    path = write_stack(raw="- just\n- a list\n")

    with pytest.raises(InputError, match="'config:' mapping"):
        load_stack_file(path)


def test_missing_file(tmp_path):
    path = tmp_path / "Pulumi.absent.yaml"
    with pytest.raises(InputError) as caught:
        load_stack_file(path)
    assert caught.value.message.startswith(str(path))
    assert "no such file" in caught.value.message


def test_encrypted_fabric_is_rejected(base_fabric, write_stack):
    path = write_stack(raw="config:\n  gpufabric:fabric:\n    secure: AAABAKx0\n")

    with pytest.raises(InputError, match="gpufabric:fabric: expected a plain"):
        load_stack_file(path)


def test_parse_fabric_names_the_given_source(base_fabric):
    fabric = base_fabric()
    site(fabric)["network"]["cidr"] = "8.8.0.0/16"

    with pytest.raises(InputError) as caught:
        parse_fabric(fabric, "stack prod")

    assert caught.value.message.startswith(f"stack prod: {SITE}.network.cidr: ")


def test_parse_fabric_rejects_a_non_mapping():
    with pytest.raises(InputError, match="gpufabric:fabric: expected a mapping"):
        parse_fabric(["not", "a", "mapping"], "stack prod")

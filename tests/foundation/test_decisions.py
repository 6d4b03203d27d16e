"""Pure decisions: subnet plan, count split, placement, overflow order and IAM documents (no Pulumi)."""

from __future__ import annotations

import ipaddress
import json
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpufabric.core.vocabulary import TierKind
from gpufabric.decide import iam
from gpufabric.decide.network import SubnetPlanError, plan_subnets
from gpufabric.decide.overflow import default_overflow_order, overflow_order
from gpufabric.decide.placement import PlacementError, place_tier, site_zones, split_count
from gpufabric.spec import parse_fabric

REGION = "eu-north-1"


def zones_of(letters) -> list[str]:
    return [f"{REGION}{c}" for c in letters]


# -- subnet plan -------------------------------------------------------------------------------------------


@st.composite
def networks(draw, public=False):
    """A VPC, a subnet prefix that fits it, and two AZ sets whose letters fit the private blocks.

    With NAT egress (`public`), public subnets are /prefix+4 (at most /28, AWS's smallest) of the last block:
    16 of them, zone letters a-p.
    """
    vpc_prefix = draw(st.integers(16, 22 if public else 24))
    subnet_prefix = draw(st.integers(vpc_prefix + 2, min(vpc_prefix + 8, 24 if public else 26)))
    usable = min(2 ** (subnet_prefix - vpc_prefix) - 1, 16 if public else 26)
    second_octet = draw(st.integers(0, 255))
    vpc = ipaddress.IPv4Network((int(ipaddress.IPv4Address(f"10.{second_octet}.0.0")), vpc_prefix), strict=False)
    letters = st.sets(st.sampled_from(string.ascii_lowercase[:usable]), min_size=1, max_size=usable)
    return str(vpc), subnet_prefix, sorted(draw(letters)), sorted(draw(letters))


@settings(max_examples=200, deadline=None)
@given(st.booleans().flatmap(lambda public: st.tuples(networks(public), st.just(public))))
def test_existing_zones_keep_their_cidrs_when_zones_are_added_or_removed(case):
    net, public = case
    vpc, prefix, before, after = net
    plan_before = plan_subnets(vpc, zones_of(before), prefix, public)
    plan_after = plan_subnets(vpc, zones_of(after), prefix, public)

    for zone in set(zones_of(before)) & set(zones_of(after)):
        assert plan_before.private[zone] == plan_after.private[zone]
        if public:
            assert plan_before.public[zone] == plan_after.public[zone]
    # the listing order of the zones does not matter either
    assert plan_subnets(vpc, list(reversed(zones_of(after))), prefix, public) == plan_after


@settings(max_examples=200, deadline=None)
@given(st.booleans().flatmap(lambda public: st.tuples(networks(public), st.just(public))))
def test_subnets_are_disjoint_inside_the_vpc_and_sized_as_asked(case):
    net, public = case
    vpc, prefix, zones, _ = net
    plan = plan_subnets(vpc, zones_of(zones), prefix, public)
    network = ipaddress.IPv4Network(vpc)

    assert set(plan.private) == set(zones_of(zones))
    assert set(plan.public) == (set(zones_of(zones)) if public else set())
    private = [ipaddress.IPv4Network(c) for c in plan.private.values()]
    public_nets = [ipaddress.IPv4Network(c) for c in plan.public.values()]
    assert all(n.prefixlen == prefix for n in private)
    assert all(n.prefixlen == prefix + 4 for n in public_nets)
    every = private + public_nets
    assert all(n.subnet_of(network) for n in every)
    for i, a in enumerate(every):
        for b in every[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_subnet_plan_by_zone_letter_example():
    plan = plan_subnets("10.40.0.0/16", ["eu-north-1c", "eu-north-1a"], 20, public=True)

    assert plan.private == {"eu-north-1a": "10.40.0.0/20", "eu-north-1c": "10.40.32.0/20"}
    # public subnets: /24s of the VPC's last /20 (10.40.240.0/20), again by zone letter
    assert plan.public == {"eu-north-1a": "10.40.240.0/24", "eu-north-1c": "10.40.242.0/24"}


def test_subnet_plan_without_nat_has_no_public_subnets():
    assert plan_subnets("10.40.0.0/16", ["eu-north-1a"], 20).public == {}


def test_zone_letter_beyond_the_vpc_is_an_error_naming_the_zone():
    # a /24 VPC with /26 subnets holds 4 blocks: 3 private (a-c) and the public reserve
    with pytest.raises(SubnetPlanError, match=r"'eu-north-1d'.*larger network\.cidr"):
        plan_subnets("10.40.0.0/24", ["eu-north-1a", "eu-north-1d"], 26)


def test_public_subnets_never_leave_the_vpc():
    # a /16 with /21 subnets has 31 private slots, but its last /21 holds only 16 public /25s (a-p)
    with pytest.raises(SubnetPlanError, match="'eu-north-1q'"):
        plan_subnets("10.0.0.0/16", ["eu-north-1q"], 21, public=True)
    assert plan_subnets("10.0.0.0/16", ["eu-north-1q"], 21, public=False).private == {"eu-north-1q": "10.0.128.0/21"}


def test_public_subnets_are_not_smaller_than_aws_allows():
    with pytest.raises(SubnetPlanError, match="/29"):
        plan_subnets("10.0.0.0/20", ["eu-north-1a"], 25, public=True)
    assert plan_subnets("10.0.0.0/20", ["eu-north-1a"], 24, public=True).public == {"eu-north-1a": "10.0.15.0/28"}


# -- split_count --------------------------------------------------------------------------------------------


zone_sets = st.sets(st.sampled_from(string.ascii_lowercase[:6]), min_size=1).map(lambda s: zones_of(sorted(s)))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 64), zone_sets)
def test_split_count_sums_to_count_evenly(count, zones):
    split = split_count(count, zones)

    assert sum(split.values()) == count
    assert set(split) <= set(zones)
    assert all(n > 0 for n in split.values())
    if count >= len(zones):
        assert set(split) == set(zones)
    assert max(split.values()) - min(split.values()) <= 1


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 64), zone_sets, st.randoms())
def test_split_count_is_stable_for_existing_zones(count, zones, rnd):
    shuffled = list(zones)
    rnd.shuffle(shuffled)
    assert split_count(count, shuffled) == split_count(count, zones)  # listing order does not matter

    existing = zones[:-1] or zones
    before = split_count(count, existing)
    after = split_count(count, zones)
    # adding a zone only takes nodes away from existing zones, never moves more onto them
    for zone, n in after.items():
        if zone in existing:
            assert n <= before.get(zone, 0)


def test_split_count_examples():
    assert split_count(5, zones_of("cab")) == {"eu-north-1a": 2, "eu-north-1b": 2, "eu-north-1c": 1}
    assert split_count(1, zones_of("ba")) == {"eu-north-1a": 1}


# -- placement ----------------------------------------------------------------------------------------------


OFFERED = {
    "p5.48xlarge": set(zones_of("abc")),
    "p4d.24xlarge": {"eu-north-1c"},
    "g6e.xlarge": set(zones_of("ab")),
}


def place(**kw):
    args = dict(
        site="aws-stockholm",
        region=REGION,
        tier="t",
        kind=TierKind.SPOT,
        instance_types=["p5.48xlarge"],
        count=None,
        tier_zones=None,
        site_zone_list=zones_of("abc"),
        offered=OFFERED,
    )
    args.update(kw)
    return place_tier(**args)


def test_placement_error_names_type_and_region():
    with pytest.raises(PlacementError) as caught:
        place(instance_types=["p5e.48xlarge"], offered={"p5e.48xlarge": set()})
    message = str(caught.value)
    assert "p5e.48xlarge" in message
    assert REGION in message
    assert "'aws-stockholm'" in message and "'t'" in message


def test_placement_error_when_the_tier_zones_offer_none_of_its_types():
    with pytest.raises(PlacementError, match=r"p4d\.24xlarge: eu-north-1c"):
        place(instance_types=["p4d.24xlarge"], tier_zones=zones_of("ab"))


def test_tier_goes_only_where_a_type_is_offered():
    assert place(instance_types=["g6e.xlarge"]).zones == tuple(zones_of("ab"))
    assert place(instance_types=["p4d.24xlarge", "g6e.xlarge"]).zones == tuple(zones_of("abc"))


def test_reserved_count_split_over_offering_zones():
    placed = place(kind=TierKind.RESERVED, instance_types=["g6e.xlarge"], count=3)
    assert placed.per_zone_count == {"eu-north-1a": 2, "eu-north-1b": 1}


def test_capacity_block_sits_in_its_one_zone():
    placed = place(kind=TierKind.CAPACITY_BLOCK, count=4, tier_zones=["eu-north-1b"])
    assert placed.zones == ("eu-north-1b",)
    assert placed.per_zone_count == {"eu-north-1b": 4}


def test_site_zones_include_zones_a_tier_is_pinned_to():
    # a capacity block bought in eu-north-1c needs a subnet there, even when c is not among the best offered
    offered = {"g6e.xlarge": set(zones_of("ab")), "p5.48xlarge": {"eu-north-1c"}}
    assert site_zones(None, offered, max_zones=2, pinned=["eu-north-1c"]) == zones_of("abc")
    assert site_zones(zones_of("ab"), offered, pinned=["eu-north-1a"]) == zones_of("ab")


def test_site_zones_prefer_requested_else_best_offered():
    assert site_zones(["eu-north-1c", "eu-north-1a"], OFFERED) == zones_of("ac")
    assert site_zones(None, OFFERED, max_zones=2) == zones_of("ab")


# -- overflow order -----------------------------------------------------------------------------------------


def two_site_fabric(overflow=None):
    fabric = {
        "jurisdiction": "eu",
        "sites": [
            {
                "name": "one",
                "kind": "aws",
                "region": "eu-north-1",
                "network": {"cidr": "10.1.0.0/16"},
                "tiers": [
                    {"name": "od", "kind": "on_demand", "instance_types": ["p5.48xlarge"], "max": 1},
                    {"name": "sp", "kind": "spot", "instance_types": ["g6e.xlarge"], "max": 2},
                    {"name": "rs", "kind": "reserved", "instance_types": ["p5.48xlarge"], "count": 1},
                ],
            },
            {
                "name": "two",
                "kind": "aws",
                "region": "eu-central-1",
                "network": {"cidr": "10.2.0.0/16"},
                "tiers": [
                    {"name": "sp", "kind": "spot", "instance_types": ["g6e.xlarge"], "max": 2},
                    {
                        "name": "cb",
                        "kind": "capacity_block",
                        "instance_types": ["p4d.24xlarge"],
                        "count": 1,
                        "reservation_id": "cr-0123456789abcdef0",
                        "availability_zones": ["eu-central-1a"],
                    },
                    {"name": "rs", "kind": "reserved", "instance_types": ["p4d.24xlarge"], "count": 1},
                ],
            },
        ],
    }
    if overflow is not None:
        fabric["overflow"] = overflow
    return parse_fabric(fabric, "test")


def test_default_overflow_by_tier_kind_then_site_order():
    order = default_overflow_order(two_site_fabric())
    assert [r.ref for r in order] == ["one/rs", "two/rs", "two/cb", "one/sp", "two/sp", "one/od"]
    assert [r.rank for r in order] == [1, 2, 3, 4, 5, 6]
    assert order[2].kind == TierKind.CAPACITY_BLOCK


def test_explicit_overflow_order_is_respected():
    explicit = ["two/sp", "one/sp", "one/rs", "two/rs", "two/cb", "one/od"]
    order = overflow_order(two_site_fabric(explicit))
    assert [r.ref for r in order] == explicit
    assert [r.rank for r in order] == [1, 2, 3, 4, 5, 6]
    assert order[0].kind == TierKind.SPOT


# -- IAM documents ------------------------------------------------------------------------------------------


PARTITIONS = [
    ("aws-us-gov", "amazonaws.com", "us-gov-west-1"),
    ("aws-eusc", "amazonaws.eu", "eusc-de-east-1"),
    ("aws-cn", "amazonaws.com.cn", "cn-north-1"),
]


def documents(account: iam.Account) -> list[str]:
    log_group = f"arn:{account.partition}:logs:{account.region}:{account.account_id}:log-group:flow"
    return [
        iam.assume_role_policy(account, "eks"),
        iam.assume_role_policy(account, "ec2"),
        iam.assume_role_policy(account, "vpc-flow-logs"),
        iam.secrets_key_policy(account),
        iam.data_key_policy(account),
        iam.flow_logs_policy(log_group),
        iam.assume_role_policy(account, "pods.eks"),
        iam.interface_endpoint_policy(account, "sts"),
        iam.s3_gateway_endpoint_policy(account, (f"prod-{account.region}-starport-layer-bucket",)),
        json.dumps([account.managed_policy(p) for p in (*iam.CLUSTER_POLICIES, *iam.NODE_POLICIES)]),
        account.root,
    ]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(PARTITIONS), st.from_regex(r"\d{12}", fullmatch=True))
def test_iam_documents_never_hard_code_the_aws_partition(partition, account_id):
    name, dns_suffix, region = partition
    account = iam.Account(partition=name, dns_suffix=dns_suffix, account_id=account_id, region=region)

    for doc in documents(account):
        assert "arn:aws:" not in doc, doc
        arns = re.findall(r"arn:[a-z-]+:", doc)
        assert all(a == f"arn:{name}:" for a in arns), doc


def test_iam_documents_use_the_partition_dns_suffix_for_services():
    account = iam.Account(
        partition="aws-eusc", dns_suffix="amazonaws.eu", account_id="123456789012", region="eusc-de-east-1"
    )
    trust = json.loads(iam.assume_role_policy(account, "eks"))
    assert trust["Statement"][0]["Principal"] == {"Service": "eks.amazonaws.eu"}
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    data_key = json.loads(iam.data_key_policy(account))
    logs = next(s for s in data_key["Statement"] if s.get("Sid") == "CloudWatchLogsInThisRegion")
    assert logs["Principal"] == {"Service": "logs.eusc-de-east-1.amazonaws.eu"}


def test_node_group_plans_per_tier_kind():
    from gpufabric.decide.aws import node_group_plans
    from gpufabric.decide.placement import TierPlacement

    two_zones = TierPlacement("r", ("eu-north-1a", "eu-north-1b"), {"eu-north-1a": 2, "eu-north-1b": 1})
    reserved = node_group_plans(TierKind.RESERVED, two_zones, None)
    assert [(g.key, g.zones, g.count, g.new_reservation) for g in reserved] == [
        ("eu-north-1a", ("eu-north-1a",), 2, True),
        ("eu-north-1b", ("eu-north-1b",), 1, True),
    ]
    (block,) = node_group_plans(
        TierKind.CAPACITY_BLOCK, TierPlacement("b", ("us-east-1b",), {"us-east-1b": 2}), "cr-0a1b2c3d4e5f60718"
    )
    assert (block.count, block.new_reservation, block.reservation_id, block.market_type) == (
        2,
        False,
        "cr-0a1b2c3d4e5f60718",
        "capacity-block",
    )
    for kind in (TierKind.SPOT, TierKind.ON_DEMAND):
        (group,) = node_group_plans(kind, TierPlacement("s", ("a1", "b1"), {}), None)
        assert (group.key, group.zones, group.count, group.new_reservation, group.reservation_id) == (
            "all",
            ("a1", "b1"),
            None,
            False,
            None,
        )

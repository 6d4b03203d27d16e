"""AWS site components under Pulumi's mocks (the offline engine): secure defaults on the recorded graph."""

from __future__ import annotations

import json
import re

import pytest

from gpufabric.core.errors import InputError

CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
RESERVATION = "aws:ec2/capacityReservation:CapacityReservation"
SUBNET = "aws:ec2/subnet:Subnet"
KMS_KEY = "aws:kms/key:Key"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
VPC = "aws:ec2/vpc:Vpc"
EGRESS_TYPES = ("aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip")

# p5.48xlarge is offered in eu-north-1a/b/c; g6e.xlarge and g6e.12xlarge in a/b (moto's recorded offerings)
P5_ZONES_EU_NORTH_1 = {"eu-north-1a", "eu-north-1b", "eu-north-1c"}
KMS_ARN = re.compile(r"^arn:aws:kms:(?P<region>[a-z0-9-]+):\d{12}:key/\S+$")


@pytest.fixture(scope="module")
def eu(plan_fabric, base_fabric):
    """The base fabric: eu-north-1, AZs a+b, reserved (2 x p5), spot (g6e) and on-demand (p5) tiers."""
    return plan_fabric(base_fabric(), name="unit")


@pytest.fixture(scope="module")
def us(plan_fabric, example_fabric):
    """The us-cloud example: NAT egress, a capacity block, reservations in two AZs, an admin role."""
    return plan_fabric(example_fabric("us-cloud"), name="us-cloud")


@pytest.fixture(scope="module", params=["eu", "us"])
def any_plan(request):
    return request.getfixturevalue(request.param)


def gpu_node_groups(planned):
    return [g for g in planned.of_type(NODE_GROUP) if "gpufabric.io/tier" in g["inputs"].get("labels", {})]


def tier_groups(planned, tier):
    return [g for g in gpu_node_groups(planned) if g["inputs"]["labels"]["gpufabric.io/tier"] == tier]


def template_of(planned, node_group):
    (template,) = [
        t for t in planned.of_type(LAUNCH_TEMPLATE) if planned.id_of(t) == node_group["inputs"]["launchTemplate"]["id"]
    ]
    return template


def scaling(node_group):
    s = node_group["inputs"]["scalingConfig"]
    return int(s["minSize"]), int(s["maxSize"]), int(s["desiredSize"])


# -- cluster ------------------------------------------------------------------------------------------------


def test_cluster_is_private_encrypted_logged_and_uses_access_entries(any_plan):
    (cluster,) = any_plan.of_type(CLUSTER)
    inputs = cluster["inputs"]

    assert inputs["vpcConfig"]["endpointPublicAccess"] is False
    assert inputs["vpcConfig"]["endpointPrivateAccess"] is True
    encryption = inputs["encryptionConfig"]
    assert encryption["resources"] == ["secrets"]
    key_arn = KMS_ARN.match(encryption["provider"]["keyArn"])
    assert key_arn and key_arn["region"] == cluster["region"]
    assert sorted(inputs["enabledClusterLogTypes"]) == sorted(
        ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    )
    assert inputs["accessConfig"]["authenticationMode"] == "API"
    assert inputs["accessConfig"]["bootstrapClusterCreatorAdminPermissions"] is False
    assert cluster["protect"] is True


def test_cluster_secrets_key_is_one_of_the_sites_kms_keys(eu):
    (cluster,) = eu.of_type(CLUSTER)
    key_ids = {eu.id_of(k) for k in eu.of_type(KMS_KEY)}
    assert cluster["inputs"]["encryptionConfig"]["provider"]["keyArn"].rsplit("/", 1)[-1] in key_ids


def test_cluster_spans_every_private_subnet(eu):
    (cluster,) = eu.of_type(CLUSTER)
    private = {eu.id_of(s) for s in eu.of_type(SUBNET)}
    assert set(cluster["inputs"]["vpcConfig"]["subnetIds"]) == private
    assert len(private) == 2


# -- network ------------------------------------------------------------------------------------------------


def test_no_internet_path_without_nat_egress(eu):
    for type_ in EGRESS_TYPES:
        assert eu.of_type(type_) == [], type_
    assert all("0.0.0.0/0" not in str(r["inputs"]) for r in eu.of_type("aws:ec2/route:Route"))


def test_nat_egress_adds_gateway_nat_per_zone_and_public_subnets(us):
    (igw,) = us.of_type("aws:ec2/internetGateway:InternetGateway")
    (vpc,) = us.of_type(VPC)
    assert igw["inputs"]["vpcId"] == us.id_of(vpc)
    nats = us.of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == 3
    assert len(us.of_type("aws:ec2/eip:Eip")) == 3
    public = [s for s in us.of_type(SUBNET) if "-public-" in s["name"]]
    assert sorted(s["inputs"]["availabilityZone"] for s in public) == [
        "us-east-1a",
        "us-east-1b",
        "us-east-1c",
    ]
    assert {n["inputs"]["subnetId"] for n in nats} == {us.id_of(s) for s in public}


def test_every_subnet_maps_no_public_ip(any_plan):
    subnets = any_plan.of_type(SUBNET)
    assert subnets
    for subnet in subnets:
        assert subnet["inputs"]["mapPublicIpOnLaunch"] is False, subnet["name"]


def test_default_security_group_is_closed(any_plan):
    (group,) = any_plan.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert group["inputs"].get("ingress", []) == []
    assert group["inputs"].get("egress", []) == []
    (vpc,) = any_plan.of_type(VPC)
    assert group["inputs"]["vpcId"] == any_plan.id_of(vpc)


def test_private_endpoints_for_images_tokens_nodes_and_logs(eu):
    endpoints = eu.of_type(ENDPOINT)
    interface = {e["inputs"]["serviceName"]: e for e in endpoints if e["inputs"]["vpcEndpointType"] == "Interface"}
    gateway = {e["inputs"]["serviceName"]: e for e in endpoints if e["inputs"]["vpcEndpointType"] == "Gateway"}
    services = ["ecr.api", "ecr.dkr", "sts", "ec2", "elasticloadbalancing", "logs", "eks", "eks-auth"]

    assert set(interface) == {f"com.amazonaws.eu-north-1.{s}" for s in services}
    assert set(gateway) == {"com.amazonaws.eu-north-1.s3"}
    private = {eu.id_of(s) for s in eu.of_type(SUBNET)}
    for endpoint in interface.values():
        assert endpoint["inputs"]["privateDnsEnabled"] is True
        assert set(endpoint["inputs"]["subnetIds"]) == private
    tables = {eu.id_of(t) for t in eu.of_type("aws:ec2/routeTable:RouteTable")}
    assert set(gateway["com.amazonaws.eu-north-1.s3"]["inputs"]["routeTableIds"]) == tables


def test_every_endpoint_has_a_least_privilege_policy(any_plan):
    """No endpoint keeps AWS's full-access default: interface endpoints serve this account's principals
    only; the S3 gateway reaches this account's buckets plus ECR's layer bucket in the site's region."""
    for endpoint in any_plan.of_type(ENDPOINT):
        policy = json.loads(endpoint["inputs"]["policy"])
        by_sid = {st["Sid"]: st for st in policy["Statement"]}
        region = endpoint["region"]
        if endpoint["inputs"]["vpcEndpointType"] == "Gateway":
            assert by_sid["ThisAccountsBuckets"]["Condition"] == {
                "StringEquals": {"aws:ResourceAccount": "123456789012"}
            }
            assert "s3:*" not in by_sid["ThisAccountsBuckets"]["Action"]
            assert by_sid["AwsOwnedBucketsNodesRead"]["Resource"] == [
                f"arn:aws:s3:::prod-{region}-starport-layer-bucket/*"
            ]
            assert by_sid["AwsOwnedBucketsNodesRead"]["Action"] == "s3:GetObject"
        else:
            assert by_sid["ThisAccountsPrincipalsOnly"]["Condition"] == {
                "StringEquals": {"aws:PrincipalAccount": "123456789012"}
            }
            extra = set(by_sid) - {"ThisAccountsPrincipalsOnly"}
            assert extra == ({"WebIdentityIntoThisAccountsRoles"} if endpoint["name"].endswith("-sts") else set())


def test_vpc_cni_permissions_reach_aws_node_through_pod_identity_only(any_plan):
    attachments = any_plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    cni = [a for a in attachments if a["inputs"]["policyArn"].endswith(":iam::aws:policy/AmazonEKS_CNI_Policy")]
    (attachment,) = cni
    role = any_plan.one("aws:iam/role:Role", attachment["inputs"]["role"])
    trust = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
    assert [st["Principal"] for st in trust] == [{"Service": "pods.eks.amazonaws.com"}]
    addons = {a["inputs"]["addonName"]: a for a in any_plan.of_type("aws:eks/addon:Addon")}
    assert addons["vpc-cni"]["inputs"]["podIdentityAssociations"] == [
        {"roleArn": f"arn:aws:iam::123456789012:role/{role['name']}", "serviceAccount": "aws-node"}
    ]
    assert "eks-pod-identity-agent" in addons


def test_default_network_acl_is_declared_and_admits_only_replies_from_outside(any_plan):
    (acl,) = any_plan.of_type("aws:ec2/defaultNetworkAcl:DefaultNetworkAcl")
    (vpc,) = any_plan.of_type(VPC)
    rules = {(r["protocol"], r["cidrBlock"], r["fromPort"], r["toPort"]) for r in acl["inputs"]["ingress"]}
    assert rules == {
        ("-1", vpc["inputs"]["cidrBlock"], 0, 0),
        ("6", "0.0.0.0/0", 1024, 65535),
        ("17", "0.0.0.0/0", 1024, 65535),
    }
    assert [(r["protocol"], r["cidrBlock"]) for r in acl["inputs"]["egress"]] == [("-1", "0.0.0.0/0")]


def test_flow_logs_go_to_an_encrypted_log_group(any_plan):
    (flow_log,) = any_plan.of_type(FLOW_LOG)
    (vpc,) = any_plan.of_type(VPC)
    assert flow_log["inputs"]["vpcId"] == any_plan.id_of(vpc)
    assert flow_log["inputs"]["trafficType"] == "ALL"
    assert flow_log["inputs"]["logDestinationType"] == "cloud-watch-logs"
    groups = any_plan.of_type(LOG_GROUP)
    destination = [g for g in groups if any_plan.id_of(g) in flow_log["inputs"]["logDestination"]]
    assert len(destination) == 1
    for group in groups:  # the flow-log group and the control-plane group
        key = KMS_ARN.match(group["inputs"]["kmsKeyId"])
        assert key and key["region"] == group["region"], group["name"]


def test_kms_keys_rotate_and_are_protected(any_plan):
    keys = any_plan.of_type(KMS_KEY)
    assert len(keys) == 2
    for key in keys:
        assert key["inputs"]["enableKeyRotation"] is True
        assert key["protect"] is True
        assert "arn:aws:iam::123456789012:root" in key["inputs"]["policy"]


# -- capacity -----------------------------------------------------------------------------------------------


def test_reserved_tier_reserves_targeted_capacity_per_zone(eu):
    reservations = eu.of_type(RESERVATION)
    assert sorted(r["inputs"]["availabilityZone"] for r in reservations) == ["eu-north-1a", "eu-north-1b"]
    assert sum(int(r["inputs"]["instanceCount"]) for r in reservations) == 2
    for reservation in reservations:
        assert reservation["inputs"]["instanceMatchCriteria"] == "targeted"
        assert reservation["inputs"]["instanceType"] == "p5.48xlarge"
        assert reservation["inputs"]["availabilityZone"] in P5_ZONES_EU_NORTH_1
        assert reservation["protect"] is True


def test_reserved_node_groups_target_their_reservation_sized_to_it(any_plan):
    reservations = any_plan.of_type(RESERVATION)
    assert reservations
    subnets = {
        s["inputs"]["availabilityZone"]: any_plan.id_of(s) for s in any_plan.of_type(SUBNET) if "-private-" in s["name"]
    }
    targeted = {}
    for group in gpu_node_groups(any_plan):
        spec = template_of(any_plan, group)["inputs"].get("capacityReservationSpecification")
        if spec and group["inputs"]["labels"]["gpufabric.io/tier-kind"] == "reserved":
            targeted[spec["capacityReservationTarget"]["capacityReservationId"]] = group
    assert set(targeted) == {any_plan.id_of(r) for r in reservations}
    for reservation in reservations:
        group = targeted[any_plan.id_of(reservation)]
        count = int(reservation["inputs"]["instanceCount"])
        assert scaling(group) == (count, count, count)
        assert group["inputs"]["instanceTypes"] == [reservation["inputs"]["instanceType"]]
        assert group["inputs"]["subnetIds"] == [subnets[reservation["inputs"]["availabilityZone"]]]
        assert group["inputs"]["capacityType"] == "ON_DEMAND"


def test_spot_tier_is_diverse_and_scales_to_zero(eu):
    (group,) = tier_groups(eu, "l40s-spot")
    assert group["inputs"]["capacityType"] == "SPOT"
    assert group["inputs"]["instanceTypes"] == ["g6e.xlarge", "g6e.12xlarge"]
    assert scaling(group)[:2] == (0, 6)
    # only the zones that offer g6e (a, b) of the site's zones
    private = {s["inputs"]["availabilityZone"]: eu.id_of(s) for s in eu.of_type(SUBNET)}
    assert sorted(group["inputs"]["subnetIds"]) == sorted([private["eu-north-1a"], private["eu-north-1b"]])


def test_us_spot_tier_has_several_types_and_min_zero(us):
    (group,) = tier_groups(us, "l4-spot")
    assert group["inputs"]["capacityType"] == "SPOT"
    assert len(group["inputs"]["instanceTypes"]) >= 2
    assert scaling(group)[:2] == (0, 12)


def test_on_demand_tier_from_zero_to_max(eu):
    (group,) = tier_groups(eu, "h100-on-demand")
    assert group["inputs"]["capacityType"] == "ON_DEMAND"
    assert scaling(group)[:2] == (0, 2)


def test_capacity_block_node_group_targets_the_block(us):
    (group,) = tier_groups(us, "h100-block")
    assert group["inputs"]["capacityType"] == "CAPACITY_BLOCK"
    assert scaling(group) == (2, 2, 2)
    template = template_of(us, group)["inputs"]
    target = template["capacityReservationSpecification"]["capacityReservationTarget"]
    assert target["capacityReservationId"] == "cr-0a1b2c3d4e5f60718"
    assert template["instanceMarketOptions"]["marketType"] == "capacity-block"
    (subnet,) = [
        s for s in us.of_type(SUBNET) if s["inputs"]["availabilityZone"] == "us-east-1b" and "-private-" in s["name"]
    ]
    assert group["inputs"]["subnetIds"] == [us.id_of(subnet)]
    # a capacity block is bought outside the stack: no reservation is created for it
    assert all(r["inputs"]["availabilityZone"] != "us-east-1b" for r in us.of_type(RESERVATION))


def test_every_gpu_node_group_is_tainted_and_labelled(any_plan):
    groups = gpu_node_groups(any_plan)
    assert len(groups) >= 3
    for group in groups:
        inputs = group["inputs"]
        assert {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"} in inputs["taints"]
        labels = inputs["labels"]
        assert labels["gpufabric.io/site"] in ("aws-stockholm", "aws-virginia")
        assert labels["gpufabric.io/tier"] in group["name"]
        assert labels["topology.kubernetes.io/region"] == group["region"]
        assert inputs["amiType"] == "AL2023_x86_64_NVIDIA"


def test_system_nodes_are_untainted(any_plan):
    system = [g for g in any_plan.of_type(NODE_GROUP) if g not in gpu_node_groups(any_plan)]
    assert len(system) == 1
    assert not system[0]["inputs"].get("taints")


def test_gpu_tiers_carry_their_overflow_rank(eu):
    ranks = {
        g["inputs"]["labels"]["gpufabric.io/tier"]: g["inputs"]["labels"]["gpufabric.io/overflow-rank"]
        for g in gpu_node_groups(eu)
    }
    assert ranks == {"h100-reserved": "1", "l40s-spot": "2", "h100-on-demand": "3"}


def test_launch_templates_require_imdsv2_encrypted_volumes_and_no_public_ip(any_plan):
    templates = any_plan.of_type(LAUNCH_TEMPLATE)
    assert len(templates) == len(any_plan.of_type(NODE_GROUP))
    for template in templates:
        inputs = template["inputs"]
        assert inputs["metadataOptions"]["httpTokens"] == "required"
        assert int(inputs["metadataOptions"]["httpPutResponseHopLimit"]) == 1
        for mapping in inputs["blockDeviceMappings"]:
            assert mapping["ebs"]["encrypted"] == "true"
            key = KMS_ARN.match(mapping["ebs"]["kmsKeyId"])
            assert key and key["region"] == template["region"]
        assert [n["associatePublicIpAddress"] for n in inputs["networkInterfaces"]] == ["false"]


def test_every_resource_lives_in_the_site_region(any_plan):
    region = {"eu-sovereign": "eu-north-1", "unit": "eu-north-1", "us-cloud": "us-east-1"}[any_plan.plan.stack]
    aws_site = "gpufabric:aws:Site$"
    custom = [r for r in any_plan.resources if r["custom"] and (aws_site in r["urn"] or r["type"].startswith("aws:"))]
    # the cluster baseline's Kubernetes objects live in the cluster, not in a region
    custom = [r for r in custom if not r["type"].startswith(("kubernetes:", "pulumi:providers:kubernetes"))]
    assert custom
    for resource in custom:
        assert resource["region"] == region, resource["urn"]
    (provider,) = any_plan.of_type("pulumi:providers:aws")
    assert all(r["provider"] == provider["urn"] for r in custom if r is not provider)


def test_two_sites_each_live_in_their_own_region(plan_fabric, base_fabric):
    fabric = base_fabric()
    fabric["sites"].append(
        {
            "name": "aws-frankfurt",
            "kind": "aws",
            "region": "eu-central-1",
            "network": {"cidr": "10.50.0.0/16", "availability_zones": ["eu-central-1a"]},
            "tiers": [{"name": "a100-spot", "kind": "spot", "instance_types": ["p4d.24xlarge"], "max": 2}],
        }
    )
    planned = plan_fabric(fabric, name="two")
    regions = {"aws-stockholm": "eu-north-1", "aws-frankfurt": "eu-central-1"}

    providers = {p["urn"]: p for p in planned.of_type("pulumi:providers:aws")}
    assert sorted(p["name"] for p in providers.values()) == sorted(regions)
    per_site = {name: 0 for name in regions}
    for resource in planned.resources:
        if resource["custom"] and resource["type"].startswith("aws:"):
            site = providers[resource["provider"]]["name"]
            assert resource["region"] == regions[site], resource["urn"]
            per_site[site] += 1
    assert per_site["aws-frankfurt"] > 30 and per_site["aws-stockholm"] > 30
    (frankfurt_vpc,) = [v for v in planned.of_type(VPC) if v["inputs"]["cidrBlock"] == "10.50.0.0/16"]
    assert frankfurt_vpc["region"] == "eu-central-1"


# -- stability, errors and escape hatches -------------------------------------------------------------------


def private_subnets(planned):
    return {s["urn"]: s["inputs"]["cidrBlock"] for s in planned.of_type(SUBNET) if "-private-" in s["name"]}


def test_adding_a_zone_keeps_existing_subnets(plan_fabric, base_fabric, eu):
    fabric = base_fabric()
    fabric["sites"][0]["network"]["availability_zones"] = ["eu-north-1c", "eu-north-1a", "eu-north-1b"]
    wider = plan_fabric(fabric, name="unit")

    before, after = private_subnets(eu), private_subnets(wider)
    assert len(before) == 2 and len(after) == 3
    for urn, cidr in before.items():
        assert after[urn] == cidr
    assert all(r in {x["urn"] for x in wider.resources} for r in (x["urn"] for x in eu.of_type(RESERVATION)))


def test_tier_pinned_zone_gets_a_subnet_when_the_site_lists_no_zones(plan_fabric):
    # no network.availability_zones: the site picks the best-offering zones, plus the capacity block's own zone
    fabric = {
        "jurisdiction": "us",
        "sites": [
            {
                "name": "aws-virginia",
                "kind": "aws",
                "region": "us-east-1",
                "network": {"cidr": "10.60.0.0/16"},
                "tiers": [
                    {
                        "name": "h100-block",
                        "kind": "capacity_block",
                        "instance_types": ["p5.48xlarge"],
                        "count": 2,
                        "reservation_id": "cr-0a1b2c3d4e5f60718",
                        "availability_zones": ["us-east-1f"],
                    }
                ],
            }
        ],
    }
    planned = plan_fabric(fabric, name="pinned")

    subnets = {s["inputs"]["availabilityZone"]: planned.id_of(s) for s in planned.of_type(SUBNET)}
    assert "us-east-1f" in subnets
    (group,) = tier_groups(planned, "h100-block")
    assert group["inputs"]["subnetIds"] == [subnets["us-east-1f"]]


def test_instance_type_not_offered_in_region_is_an_error(plan_fabric, base_fabric):
    fabric = base_fabric()
    site = fabric["sites"][0]
    site["region"] = "eu-west-1"
    site["network"]["availability_zones"] = ["eu-west-1a", "eu-west-1b"]

    with pytest.raises(InputError) as caught:
        plan_fabric(fabric, name="unit")

    message = caught.value.message
    assert "p5.48xlarge" in message and "eu-west-1" in message
    assert ".tiers[" in caught.value.where and caught.value.where.endswith("].instance_types")
    assert message.startswith(str(caught.value.file))
    assert caught.value.file.endswith("Pulumi.unit.yaml")


ADMIN_A = "arn:aws:iam::123456789012:role/team-a/platform-admin"
ADMIN_B = "arn:aws:iam::123456789012:role/team-b/platform-admin"


@pytest.fixture(scope="module")
def escaped(plan_fabric, base_fabric):
    fabric = base_fabric()
    site = fabric["sites"][0]
    spot = site["tiers"][1]
    spot["launch_template_args"] = {"ebs_optimized": "true", "description": "escape hatch"}
    spot["node_group_args"] = {"force_update_version": True}
    site["cluster"] = {
        "cluster_args": {"zonal_shift_config": {"enabled": True}},
        "admin_role_arns": [ADMIN_A, ADMIN_B],
    }
    secret = {"gpufabric:registryToken": {"secure": "v1:c2VjcmV0LWNpcGhlcnRleHQ="}}
    return plan_fabric(fabric, name="unit", extra_config=secret)


def test_every_admin_role_gets_its_access_entry(escaped):
    # two roles with the same name on different IAM paths are two different principals
    entries = escaped.of_type("aws:eks/accessEntry:AccessEntry")
    assert sorted(e["inputs"]["principalArn"] for e in entries) == sorted([ADMIN_A, ADMIN_B])
    associations = escaped.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert len(associations) == 2
    for association in associations:
        assert (
            association["inputs"]["policyArn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
        )
        assert association["inputs"]["accessScope"] == {"type": "cluster"}


def test_secure_config_is_a_placeholder_never_the_ciphertext(escaped):
    value = escaped.plan.config["gpufabric:registryToken"]
    assert "secret" in value and "gpufabric:registryToken" in value
    assert "c2VjcmV0LWNpcGhlcnRleHQ=" not in json.dumps(escaped.plan.config)
    assert "c2VjcmV0LWNpcGhlcnRleHQ=" not in escaped.plan.to_json()


def test_escape_hatch_args_are_passed_through(escaped):
    (group,) = tier_groups(escaped, "l40s-spot")
    assert group["inputs"]["forceUpdateVersion"] is True
    template = template_of(escaped, group)["inputs"]
    assert template["ebsOptimized"] == "true"
    assert template["description"] == "escape hatch"
    assert template["metadataOptions"]["httpTokens"] == "required"  # the defaults stay
    (cluster,) = escaped.of_type(CLUSTER)
    assert cluster["inputs"]["zonalShiftConfig"] == {"enabled": True}
    # the other tiers are untouched
    (other,) = tier_groups(escaped, "h100-on-demand")
    assert "forceUpdateVersion" not in other["inputs"]


@pytest.mark.parametrize(
    ("where", "key_path"),
    [
        ("launch_template_args", "sites[aws-stockholm].tiers[l40s-spot].launch_template_args.ebs_optimised"),
        ("node_group_args", "sites[aws-stockholm].tiers[l40s-spot].node_group_args.ebs_optimised"),
        ("cluster_args", "sites[aws-stockholm].cluster.cluster_args.ebs_optimised"),
    ],
)
def test_unknown_escape_hatch_arg_is_an_error_at_its_key_path(plan_fabric, base_fabric, where, key_path):
    fabric = base_fabric()
    site = fabric["sites"][0]
    if where == "cluster_args":
        site["cluster"] = {"cluster_args": {"ebs_optimised": True}}
    else:
        site["tiers"][1][where] = {"ebs_optimised": True}

    with pytest.raises(InputError) as caught:
        plan_fabric(fabric, name="unit")

    message = caught.value.message
    assert f"Pulumi.unit.yaml: gpufabric:fabric.{key_path}: " in message
    assert "'ebs_optimised'" in message


def test_opt_in_guardrails_carry_the_residency_tags(plan_fabric, base_fabric):
    from gpufabric.core.vocabulary import TAG_JURISDICTION, TAG_SITE
    from policies.engine import evaluate_plan

    fabric = base_fabric()
    fabric["guardrails"] = {"aws_scp": {"target_ids": ["ou-ab12-34cd56ef"]}}
    fabric["tags"] = {"cost-center": "claims-assistant"}
    planned = plan_fabric(fabric, name="guarded", extra_config={"aws:region": "eu-central-1"})
    (scp,) = planned.of_type("aws:organizations/policy:Policy")
    assert scp["inputs"]["type"] == "SERVICE_CONTROL_POLICY"
    assert scp["inputs"]["tags"][TAG_JURISDICTION] == "eu" and scp["inputs"]["tags"][TAG_SITE] == "fabric"
    assert [v.policy for v in evaluate_plan(planned.plan) if v.urn == scp["urn"]] == []

"""Every rule, a compliant and a violating resource: through the pure check and through the SDK's own
`validate` (the adapter's ResourceValidationPolicy / StackValidationPolicy), which must agree."""

from __future__ import annotations

import json
from typing import Any

import pytest
from harness import EU_STACK, aws_provider, make, sdk_validate, stack

from policies.config import resolve
from policies.engine import all_packs
from policies.model import Res, StackContext

RULES = {r.id: r for p in all_packs() for r in p.rules}
KMS_EU = "arn:aws:kms:eu-north-1:123456789012:key/abc"
KMS_US = "arn:aws:kms:us-east-1:123456789012:key/abc"
KMS_EU_WEST = "arn:aws:kms:eu-west-1:123456789012:key/abc"
ALL_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
ACCESS_API = {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
GLOBAL = ["iam:*", "sts:*"]


def scp(condition: dict[str, Any], not_action: list[str] = GLOBAL, effect: str = "Deny") -> dict[str, Any]:
    statement = {"Sid": "D", "Effect": effect, "NotAction": not_action, "Resource": "*", "Condition": condition}
    return {"type": "SERVICE_CONTROL_POLICY", "content": json.dumps({"Statement": [statement]})}


OWN_ACCOUNT_ONLY = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}},
            }
        ]
    }
)
FULL_ACCESS = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})
ECR_LAYERS = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::prod-eu-north-1-starport-layer-bucket/*",
            }
        ]
    }
)
EU_ONLY = {"StringNotEquals": {"aws:RequestedRegion": ["eu-north-1", "eu-west-1"]}}
ECR_EU = "123456789012.dkr.ecr.eu-north-1.amazonaws.com/models/llama:3.1"
EGRESS_STACK = {
    "gpufabric:fabric": json.dumps(
        {
            "jurisdiction": "eu",
            "sites": [
                {
                    "name": "aws-stockholm",
                    "kind": "aws",
                    "region": "eu-north-1",
                    "network": {"cidr": "10.40.0.0/16", "egress": "nat"},
                    "tiers": [{"name": "l4-spot", "kind": "spot", "instance_types": ["g6.xlarge"], "max": 2}],
                }
            ],
        }
    )
}


def pod(spec: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"template": {"spec": spec}}}


PINNED = {
    "nodeSelector": {"topology.kubernetes.io/region": "eu-north-1"},
    "containers": [{"name": "m", "image": ECR_EU}],
}
AFFINITY_US = {
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {
                                "key": "topology.kubernetes.io/region",
                                "operator": "In",
                                "values": ["us-east-1"],
                            }
                        ]
                    }
                ]
            }
        }
    },
    "containers": [{"name": "m", "image": ECR_EU}],
}
LT_GOOD = {
    "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1},
    "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "kmsKeyId": KMS_EU}}],
    "networkInterfaces": [{"associatePublicIpAddress": "false"}],
}


def lt(**changes: Any) -> dict[str, Any]:
    return {**json.loads(json.dumps(LT_GOOD)), **changes}


# (rule id, type, compliant props, violating props, expected words in the message, stack config)
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], str, dict[str, Any] | None]] = [
    (
        "region-allowed",
        "aws:ec2/vpc:Vpc",
        {"cidrBlock": "10.0.0.0/16"},
        {"region": "us-east-1"},
        "us-east-1",
        None,
    ),
    (
        "region-allowed",
        "gcp:container/cluster:Cluster",
        {"location": "europe-west4", "nodeLocations": ["europe-west4-a", "europe-west4-b"]},
        {"location": "europe-west4", "nodeLocations": ["europe-west4-a", "us-central1-a"]},
        "us-central1",
        None,
    ),
    (
        "region-allowed",
        "gcp:storage/bucket:Bucket",
        {"location": "EUR4"},
        {"location": "EUR5"},
        "europe-west2",
        None,
    ),
    (
        "k8s-region-pinned",
        "kubernetes:apps/v1:Deployment",
        pod(PINNED),
        pod({"containers": []}),
        "does not pin",
        None,
    ),
    (
        "k8s-region-pinned",
        "kubernetes:core/v1:Pod",
        {"spec": PINNED},
        {"spec": AFFINITY_US},
        "us-east-1",
        None,
    ),
    (
        "k8s-region-pinned",
        "aws:eks/nodeGroup:NodeGroup",
        {"labels": {"topology.kubernetes.io/region": "eu-north-1"}},
        {"labels": {"topology.kubernetes.io/region": "us-east-1"}},
        "us-east-1",
        None,
    ),
    (
        "k8s-image-registry-allowed",
        "kubernetes:apps/v1:Deployment",
        pod(PINNED),
        pod({**PINNED, "initContainers": [{"name": "fetch", "image": "busybox:1.36"}]}),
        "docker.io",
        None,
    ),
    (
        "k8s-image-registry-allowed",
        "kubernetes:core/v1:Pod",
        {"spec": PINNED},
        {"spec": {"containers": [{"name": "m", "image": "us-docker.pkg.dev/p/r/llama:1"}]}},
        "us-docker.pkg.dev",
        None,
    ),
    (
        "private-control-plane",
        "aws:eks/cluster:Cluster",
        {"vpcConfig": {"endpointPublicAccess": False, "endpointPrivateAccess": True}},
        {"vpcConfig": {"endpointPublicAccess": True}},
        "public access is on",
        None,
    ),
    (
        "private-control-plane",
        "aws:eks/cluster:Cluster",
        {"vpcConfig": {"endpointPublicAccess": False}},
        {"vpcConfig": {}},
        "unset",
        None,
    ),
    (
        "private-control-plane",
        "gcp:container/cluster:Cluster",
        {"privateClusterConfig": {"enablePrivateEndpoint": True, "enablePrivateNodes": True}},
        {"privateClusterConfig": {"enablePrivateNodes": True}},
        "public endpoint",
        None,
    ),
    (
        "no-public-exposure",
        "aws:ec2/launchTemplate:LaunchTemplate",
        lt(),
        lt(networkInterfaces=[{"associatePublicIpAddress": "true"}]),
        "public IPs",
        None,
    ),
    (
        "no-public-exposure",
        "aws:ec2/securityGroup:SecurityGroup",
        {"ingress": [{"fromPort": 443, "toPort": 443, "protocol": "tcp", "cidrBlocks": ["10.40.0.0/16"]}]},
        {"ingress": [{"fromPort": 22, "toPort": 22, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]}]},
        "0.0.0.0/0",
        None,
    ),
    (
        "no-public-exposure",
        "aws:ec2/subnet:Subnet",
        {"mapPublicIpOnLaunch": False},
        {"mapPublicIpOnLaunch": True},
        "mapPublicIpOnLaunch",
        None,
    ),
    (
        "no-internet-egress",
        "aws:ec2/natGateway:NatGateway",
        {"connectivityType": "private"},
        {},
        "did not opt into",
        None,
    ),
    (
        "internet-egress-opted-in",
        "aws:ec2/natGateway:NatGateway",
        {"connectivityType": "private"},
        {},
        "opted into",
        EGRESS_STACK,
    ),
    (
        "cmk-encryption",
        "aws:ec2/launchTemplate:LaunchTemplate",
        lt(),
        lt(blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]),
        "not encrypted",
        None,
    ),
    (
        "cmk-encryption",
        "aws:eks/cluster:Cluster",
        {"encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": KMS_EU}}},
        {"encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": KMS_US}}},
        "key in us-east-1 (us)",
        None,
    ),
    (
        "cmk-encryption",
        "aws:cloudwatch/logGroup:LogGroup",
        {"kmsKeyId": KMS_EU},
        {"retentionInDays": 365},
        "log group",
        None,
    ),
    (
        "cmk-encryption",
        "aws:kms/key:Key",
        {"enableKeyRotation": True},
        {"enableKeyRotation": False},
        "rotation",
        None,
    ),
    (
        "cmk-encryption",
        "gcp:storage/bucket:Bucket",
        {
            "location": "EUROPE-WEST4",
            "encryption": {"defaultKmsKeyName": "projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k"},
        },
        {
            "location": "EUROPE-WEST4",
            "encryption": {"defaultKmsKeyName": "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k"},
        },
        "us-central1",
        None,
    ),
    (
        "imdsv2-required",
        "aws:ec2/launchTemplate:LaunchTemplate",
        lt(),
        lt(metadataOptions={"httpTokens": "optional"}),
        "optional",
        None,
    ),
    (
        "imdsv2-required",
        "aws:ec2/launchTemplate:LaunchTemplate",
        lt(),
        lt(metadataOptions={"httpTokens": "required", "httpPutResponseHopLimit": 2}),
        "HopLimit is 2",
        None,
    ),
    (
        "imdsv2-required",
        "aws:ec2/launchTemplate:LaunchTemplate",
        lt(),
        lt(metadataOptions={"httpTokens": "required"}),
        "HopLimit is unset",
        None,
    ),
    (
        "control-plane-logs",
        "aws:eks/cluster:Cluster",
        {"enabledClusterLogTypes": ALL_LOGS},
        {"enabledClusterLogTypes": ["api", "scheduler"]},
        "lacks audit, authenticator, controllerManager",
        None,
    ),
    (
        "control-plane-logs",
        "aws:eks/cluster:Cluster",
        {"enabledClusterLogTypes": ALL_LOGS},
        {},
        "lacks api, audit",
        None,
    ),
    (
        "eks-access-entries-only",
        "aws:eks/cluster:Cluster",
        {"accessConfig": ACCESS_API},
        {"accessConfig": {**ACCESS_API, "authenticationMode": "API_AND_CONFIG_MAP"}},
        "'API_AND_CONFIG_MAP'",
        None,
    ),
    (
        "eks-access-entries-only",
        "aws:eks/cluster:Cluster",
        {"accessConfig": ACCESS_API},
        {"accessConfig": {"authenticationMode": "API"}},
        "bootstrapClusterCreatorAdminPermissions is unset",
        None,
    ),
    (
        "eks-access-entries-only",
        "aws:eks/cluster:Cluster",
        {"accessConfig": ACCESS_API},
        {},
        "authenticationMode is unset",
        None,
    ),
    (
        "site-key-encryption",
        "aws:ec2/launchTemplate:LaunchTemplate",
        lt(),
        lt(
            blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "kmsKeyId": "alias/aws/ebs"}}]
        ),
        "AWS-managed key 'alias/aws/ebs'",
        None,
    ),
    (
        "site-key-encryption",
        "aws:cloudwatch/logGroup:LogGroup",
        {"kmsKeyId": KMS_EU},
        {"kmsKeyId": KMS_EU_WEST},
        "key in eu-west-1, but the resource is in eu-north-1",
        None,
    ),
    (
        "site-key-encryption",
        "aws:eks/cluster:Cluster",
        {"encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": KMS_EU}}},
        {"encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": "alias/my-key"}}},
        "alias 'alias/my-key'",
        None,
    ),
    (
        "site-key-encryption",
        "aws:ebs/volume:Volume",
        {"encrypted": True, "kmsKeyId": KMS_EU},
        {"encrypted": True, "kmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
        "is not a KMS key ARN",
        None,
    ),
    (
        "private-vpc-cidr",
        "aws:ec2/vpc:Vpc",
        {"cidrBlock": "100.64.0.0/16"},
        {"cidrBlock": "169.254.0.0/16"},
        "169.254.0.0/16 is not in a private range",
        None,
    ),
    (
        "private-vpc-cidr",
        "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation",
        {"cidrBlock": "172.31.0.0/16"},
        {"cidrBlock": "0.0.0.0/16"},
        "0.0.0.0/16",
        None,
    ),
    (
        "region-allowed",
        "aws:ec2/launchTemplate:LaunchTemplate",
        {"placement": {"availabilityZone": "eu-north-1a"}},
        {"placement": {"availabilityZone": "us-east-1a"}},
        "placement.availabilityZone 'us-east-1'",
        None,
    ),
    (
        "guardrails-intact",
        "aws:organizations/policy:Policy",
        scp(EU_ONLY),
        scp({**EU_ONLY, "ArnNotLike": {"aws:PrincipalARN": ["*"]}}),
        "exempts principals *",
        None,
    ),
    (
        "guardrails-intact",
        "aws:organizations/policy:Policy",
        scp({**EU_ONLY, "ArnNotLike": {"aws:PrincipalARN": ["arn:aws:iam::123456789012:role/break-glass"]}}),
        scp({**EU_ONLY, "ArnNotLike": {"aws:PrincipalARN": ["arn:aws:iam::*:role/*"]}}),
        "arn:aws:iam::*:role/*",
        None,
    ),
    (
        "guardrails-intact",
        "aws:organizations/policy:Policy",
        scp(EU_ONLY),
        scp({"StringNotEquals": {"aws:RequestedRegion": ["eu-north-1", "us-east-1"]}}),
        "outside jurisdiction 'eu': us-east-1",
        None,
    ),
    (
        "guardrails-intact",
        "aws:organizations/policy:Policy",
        scp(EU_ONLY),
        scp(EU_ONLY, not_action=[*GLOBAL, "ec2:*"]),
        "exempts regional actions ec2:*",
        None,
    ),
    (
        "guardrails-intact",
        "aws:organizations/policy:Policy",
        scp(EU_ONLY),
        scp(EU_ONLY, effect="Allow"),
        "Effect 'Allow'",
        None,
    ),
    (
        "guardrails-intact",
        "aws:organizations/policy:Policy",
        scp(EU_ONLY),
        scp({**EU_ONLY, "StringNotLike": {"aws:PrincipalTag/team": "*"}}),
        "StringNotLike aws:PrincipalTag/team",
        None,
    ),
    (
        "vpc-endpoint-policy",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        {"vpcEndpointType": "Interface", "policy": OWN_ACCOUNT_ONLY},
        {"vpcEndpointType": "Interface"},
        "no endpoint policy",
        None,
    ),
    (
        "vpc-endpoint-policy",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        {"vpcEndpointType": "Gateway", "policy": OWN_ACCOUNT_ONLY},
        {"vpcEndpointType": "Gateway", "policy": FULL_ACCESS},
        "allows any principal on * without a condition",
        None,
    ),
    (
        "vpc-endpoint-policy",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        {"policy": ECR_LAYERS},
        {
            "policy": json.dumps(
                {"Statement": [{**json.loads(ECR_LAYERS)["Statement"][0], "Resource": "arn:aws:s3:::*"}]}
            )
        },
        "arn:aws:s3:::*",
        None,
    ),
    (
        "no-iam-wildcard",
        "aws:iam/policy:Policy",
        {"policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": ["ecr:BatchGetImage"], "Resource": "*"}]})},
        {"policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})},
        "every action",
        None,
    ),
    (
        "no-iam-wildcard",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        {"policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"},
        {"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        "AdministratorAccess",
        None,
    ),
]
IDS = [f"{c[0]}:{c[1].rsplit(':', 1)[-1]}:{i}" for i, c in enumerate(CASES)]


def pure(rule_id: str, res: Res, stack_ctx: StackContext) -> list[str]:
    rule = RULES[rule_id]
    cfg = resolve({}, stack_ctx, rule.config_keys)
    assert rule.check is not None
    return list(rule.check(res, cfg, stack_ctx))


@pytest.mark.parametrize(("rule_id", "type_", "good", "bad", "words", "config"), CASES, ids=IDS)
def test_compliant_resource_passes(rule_id, type_, good, bad, words, config) -> None:
    res = make(type_, good)
    assert pure(rule_id, res, stack(config)) == []
    assert sdk_validate(rule_id, res, stack_config=config) == []


@pytest.mark.parametrize(("rule_id", "type_", "good", "bad", "words", "config"), CASES, ids=IDS)
def test_violating_resource_is_reported(rule_id, type_, good, bad, words, config) -> None:
    res = make(type_, bad)
    messages = pure(rule_id, res, stack(config))
    assert messages and any(words in m for m in messages), messages
    sdk = sdk_validate(rule_id, res, stack_config=config)
    # The SDK prefixes nothing itself here (the servicer adds the description); the messages are ours.
    assert sdk == messages


def test_no_internet_egress_is_quiet_when_the_site_opted_in() -> None:
    igw = make("aws:ec2/internetGateway:InternetGateway", {})
    assert pure("no-internet-egress", igw, stack(EGRESS_STACK)) == []
    assert pure("internet-egress-opted-in", igw, stack(EGRESS_STACK))


def test_effective_region_comes_from_the_provider_then_stack_config() -> None:
    us_provider = aws_provider("us-east-1")
    vpc = make("aws:ec2/vpc:Vpc", {}, provider=us_provider)
    assert any("us-east-1" in m for m in pure("region-allowed", vpc, stack()))
    bare = Res(type="aws:ec2/vpc:Vpc", urn="urn:x", name="v", props={})
    assert pure("region-allowed", bare, stack({**EU_STACK, "aws:region": "eu-west-1"})) == []
    assert pure("region-allowed", bare, stack({**EU_STACK, "aws:region": "us-west-2"}))
    # The resource's own region wins over the provider's.
    own = make("aws:ec2/vpc:Vpc", {"region": "eu-central-1"}, provider=us_provider)
    assert pure("region-allowed", own, stack()) == []


def test_location_rules_fail_closed_without_a_jurisdiction() -> None:
    vpc = make("aws:ec2/vpc:Vpc", {})
    assert any("no jurisdiction" in m for m in pure("region-allowed", vpc, StackContext(config={})))


def test_daemonsets_need_no_pin_but_a_pin_they_carry_must_be_allowed() -> None:
    ds = "kubernetes:apps/v1:DaemonSet"
    assert pure("k8s-region-pinned", make(ds, pod({"containers": []})), stack()) == []
    assert pure("k8s-region-pinned", make(ds, pod(AFFINITY_US)), stack())


def test_tags_advisory_and_its_remediation() -> None:
    untagged = make("aws:ec2/vpc:Vpc", {}, provider=aws_provider(tags={}))
    assert any("gpufabric:jurisdiction" in m for m in pure("residency-tags", untagged, stack()))
    tagged = make("aws:ec2/vpc:Vpc", {})
    assert pure("residency-tags", tagged, stack()) == []
    assert sdk_validate("residency-tags", tagged) == []
    # Non-taggable types are left alone.
    attachment = make("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {}, provider=aws_provider(tags={}))
    assert pure("residency-tags", attachment, stack()) == []
    rule = RULES["residency-tags"]
    cfg = resolve(
        {"tagValues": {"cost-center": "claims", "gpufabric:site": "aws-stockholm"}}, stack(), rule.config_keys
    )
    fixed = rule.fix(untagged, cfg, stack())
    assert fixed is not None and fixed["tags"] == {
        "gpufabric:jurisdiction": "eu",
        "cost-center": "claims",
        "gpufabric:site": "aws-stockholm",
    }
    assert list(rule.check(make("aws:ec2/vpc:Vpc", fixed, provider=aws_provider(tags={})), cfg, stack())) == []


# ------------------------------------------------------------------------------------- stack rules


def bucket(name: str, region: str | None = None) -> Res:
    return make("aws:s3/bucket:Bucket", {"bucket": name, **({"region": region} if region else {})}, name=name)


def replication(dest: str) -> Res:
    return make(
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        {
            "bucket": "weights",
            "rules": [{"status": "Enabled", "destination": {"bucket": f"arn:aws:s3:::{dest}"}}],
        },
        name="weights-replication",
    )


def pure_stack(rule_id: str, resources: list[Res], stack_ctx: StackContext | None = None) -> list[tuple[str, str]]:
    rule = RULES[rule_id]
    ctx = stack_ctx or stack()
    assert rule.check_stack is not None
    return list(rule.check_stack(resources, resolve({}, ctx, rule.config_keys), ctx))


def test_single_jurisdiction() -> None:
    eu = [make("aws:ec2/vpc:Vpc", {}, name="a"), make("aws:ec2/vpc:Vpc", {"region": "eu-west-1"}, name="b")]
    assert pure_stack("single-jurisdiction", eu) == []
    assert sdk_validate("single-jurisdiction", eu) == []
    mixed = [*eu, make("aws:ec2/vpc:Vpc", {"region": "us-east-1"}, name="c")]
    found = pure_stack("single-jurisdiction", mixed)
    assert found and "us (1 resources)" in found[0][0]
    assert sdk_validate("single-jurisdiction", mixed) == [m for m, _ in found]


def test_single_jurisdiction_catches_a_lying_jurisdiction_tag() -> None:
    liar = make("aws:ec2/vpc:Vpc", {"tags": {"gpufabric:jurisdiction": "us"}})
    found = pure_stack("single-jurisdiction", [liar])
    assert found == [(found[0][0], liar.urn)] and "disagrees" in found[0][0]


def test_storage_replicates_only_in_jurisdiction() -> None:
    good = [bucket("weights"), bucket("weights-dr", "eu-central-1"), replication("weights-dr")]
    assert pure_stack("storage-in-jurisdiction", good) == []
    assert sdk_validate("storage-in-jurisdiction", good) == []
    abroad = [bucket("weights"), bucket("weights-dr", "us-east-1"), replication("weights-dr")]
    found = pure_stack("storage-in-jurisdiction", abroad)
    assert any("us-east-1" in m for m, _ in found)
    assert sdk_validate("storage-in-jurisdiction", abroad) == [m for m, _ in found]
    unknown = [bucket("weights"), replication("somebody-elses-bucket")]
    assert any("does not declare" in m for m, _ in pure_stack("storage-in-jurisdiction", unknown))


def test_gcs_bucket_outside_jurisdiction() -> None:
    gcs = make("gcp:storage/bucket:Bucket", {"location": "US"})
    found = pure_stack("storage-in-jurisdiction", [gcs])
    assert found and found[0][1] == gcs.urn


def test_spec_validation_and_the_residency_pack_share_the_region_rule_id() -> None:
    from gpufabric.core.vocabulary import POLICY_REGION_ALLOWED
    from policies.residency.rules import RULES

    assert POLICY_REGION_ALLOWED in {r.id for r in RULES}


NODE_TRUST = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}]})
POD_TRUST = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"}}]})
CNI_ARN = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ADDON = "aws:eks/addon:Addon"


def cni_fabric(*, cni_on: str, via_addon: bool = True, agent: bool = True, association: bool = False) -> list[Res]:
    """A cluster's IAM and add-ons: a node role and a CNI role, the CNI policy on `cni_on`, the vpc-cni
    add-on with (or without) its Pod Identity association, and (or not) the Pod Identity agent."""
    pod_identity = [{"roleArn": "arn:aws:iam::123456789012:role/cni", "serviceAccount": "aws-node"}]
    resources = [
        make("aws:iam/role:Role", {"assumeRolePolicy": NODE_TRUST}, name="nodes"),
        make("aws:iam/role:Role", {"assumeRolePolicy": POD_TRUST}, name="cni"),
        make(ATTACHMENT, {"role": cni_on, "policyArn": CNI_ARN}, name="cni-policy"),
        make(
            ADDON,
            {
                "addonName": "vpc-cni",
                "clusterName": "c",
                **({"podIdentityAssociations": pod_identity} if via_addon else {}),
            },
            name="vpc-cni",
        ),
    ]
    if agent:
        resources.append(make(ADDON, {"addonName": "eks-pod-identity-agent", "clusterName": "c"}, name="agent"))
    if association:
        props = {"clusterName": "c", "namespace": "kube-system", "serviceAccount": "aws-node", "roleArn": "x"}
        resources.append(make("aws:eks/podIdentityAssociation:PodIdentityAssociation", props, name="assoc"))
    return resources


def stack_rule(rule_id: str, resources: list[Res]) -> list[str]:
    rule = RULES[rule_id]
    ctx = stack()
    assert rule.check_stack is not None
    return [m for m, _ in rule.check_stack(resources, resolve({}, ctx, rule.config_keys), ctx)]


@pytest.mark.parametrize(
    ("resources", "words"),
    [
        (cni_fabric(cni_on="cni"), None),
        (cni_fabric(cni_on="cni", via_addon=False, association=True), None),
        (cni_fabric(cni_on="nodes"), "to node role 'nodes'"),
        (cni_fabric(cni_on="cni", via_addon=False), "no Pod Identity association for kube-system/aws-node"),
        (cni_fabric(cni_on="cni", agent=False), "no eks-pod-identity-agent add-on"),
        (
            [make("aws:iam/role:Role", {"assumeRolePolicy": NODE_TRUST, "managedPolicyArns": [CNI_ARN]}, name="n")],
            "node role 'n' carries AmazonEKS_CNI_Policy",
        ),
    ],
    ids=["addon-association", "separate-association", "on-node-role", "no-association", "no-agent", "inline-managed"],
)
def test_cni_via_pod_identity(resources: list[Res], words: str | None) -> None:
    messages = stack_rule("cni-via-pod-identity", resources)
    assert sdk_validate("cni-via-pod-identity", resources) == messages
    if words is None:
        assert messages == []
    else:
        assert messages and any(words in m for m in messages), messages

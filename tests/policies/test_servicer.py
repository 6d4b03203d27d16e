"""Each pack through the engine's own analyzer servicer (pulumi_policy.policy._PolicyAnalyzerServicer,
private API, pinned by pulumi-policy 1.21.x): enforcement levels and config behave as under the CLI."""

from __future__ import annotations

import json

from harness import RESIDENCY, SECURITY, aws_provider, make
from pulumi.runtime import proto

US_VPC = make("aws:ec2/vpc:Vpc", {"region": "us-east-1"}, name="vpc-us")
PUBLIC_EKS = make("aws:eks/cluster:Cluster", {"vpcConfig": {"endpointPublicAccess": True}}, name="eks")


def by_policy(diagnostics) -> dict[str, list]:
    out: dict[str, list] = {}
    for d in diagnostics:
        out.setdefault(d.policyName, []).append(d)
    return out


def test_residency_pack_info_declares_levels_severity_and_config_schema(analyzer) -> None:
    info = analyzer(RESIDENCY).info()
    policies = {p.name: p for p in info.policies}
    assert policies["region-allowed"].enforcementLevel == proto.MANDATORY
    assert policies["region-allowed"].severity == proto.POLICY_SEVERITY_CRITICAL
    assert policies["residency-tags"].enforcementLevel == proto.ADVISORY
    assert policies["single-jurisdiction"].policy_type == proto.PolicyType.POLICY_TYPE_STACK
    assert "allowedAwsRegions" in policies["region-allowed"].configSchema.properties
    assert policies["region-allowed"].remediation_steps


def test_residency_region_rule_is_mandatory_by_default(analyzer) -> None:
    found = by_policy(analyzer(RESIDENCY).analyze(US_VPC))
    [diag] = found["region-allowed"]
    assert diag.enforcementLevel == proto.MANDATORY
    assert "us-east-1" in diag.message and diag.policyPackName == "gpufabric-residency"


def test_residency_config_allows_an_extra_region_and_can_downgrade(analyzer) -> None:
    a = analyzer(RESIDENCY)
    a.configure({"region-allowed": {"enforcementLevel": "advisory", "allowedAwsRegions": ["us-east-1"]}})
    assert "region-allowed" not in by_policy(a.analyze(US_VPC))
    a.configure({"region-allowed": {"enforcementLevel": "advisory"}})
    [diag] = by_policy(a.analyze(US_VPC))["region-allowed"]
    assert diag.enforcementLevel == proto.ADVISORY
    a.configure({"region-allowed": {"enforcementLevel": "disabled"}})
    assert "region-allowed" not in by_policy(a.analyze(US_VPC))


def test_residency_pinned_jurisdiction_beats_the_stack_spec(analyzer) -> None:
    """CI pins the jurisdiction in the policy config: a stack renaming its own jurisdiction cannot move."""
    us_stack = {"gpufabric:fabric": '{"jurisdiction": "us"}'}
    a = analyzer(RESIDENCY, stack_config=us_stack)
    assert "region-allowed" not in by_policy(a.analyze(US_VPC))
    a.configure({"region-allowed": {"jurisdiction": "eu"}})
    assert by_policy(a.analyze(US_VPC))["region-allowed"]


def test_residency_stack_policy_through_analyze_stack(analyzer) -> None:
    eu = make("aws:ec2/vpc:Vpc", {}, name="vpc-eu")
    found = by_policy(analyzer(RESIDENCY).analyze_stack([eu, US_VPC]))
    [diag] = found["single-jurisdiction"]
    assert diag.enforcementLevel == proto.MANDATORY and "2 jurisdictions" in diag.message


def test_security_pack_reports_public_endpoint_and_respects_config(analyzer) -> None:
    a = analyzer(SECURITY)
    [diag] = by_policy(a.analyze(PUBLIC_EKS))["private-control-plane"]
    assert diag.enforcementLevel == proto.MANDATORY
    assert diag.severity == proto.POLICY_SEVERITY_CRITICAL
    a.configure({"private-control-plane": {"enforcementLevel": "advisory"}})
    [diag] = by_policy(a.analyze(PUBLIC_EKS))["private-control-plane"]
    assert diag.enforcementLevel == proto.ADVISORY


def test_security_pack_passes_a_secure_cluster(analyzer) -> None:
    eks = make(
        "aws:eks/cluster:Cluster",
        {
            "vpcConfig": {"endpointPublicAccess": False},
            "encryptionConfig": {
                "resources": ["secrets"],
                "provider": {"keyArn": "arn:aws:kms:eu-north-1:123456789012:key/k"},
            },
            "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            "accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
        },
        provider=aws_provider(),
    )
    assert analyzer(SECURITY).analyze(eks) == []


def test_weakened_cluster_names_each_new_rule_through_the_servicer(analyzer) -> None:
    eks = make(
        "aws:eks/cluster:Cluster",
        {
            "vpcConfig": {"endpointPublicAccess": False},
            "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": "alias/aws/eks"}},
            "enabledClusterLogTypes": ["api"],
            "accessConfig": {"authenticationMode": "CONFIG_MAP"},
        },
        provider=aws_provider(),
    )
    found = by_policy(analyzer(SECURITY).analyze(eks))
    assert set(found) == {"control-plane-logs", "eks-access-entries-only", "site-key-encryption"}
    assert all(d.enforcementLevel == proto.MANDATORY for diags in found.values() for d in diags)


def test_neutered_scp_is_reported_through_the_servicer(analyzer) -> None:
    statement = {
        "Effect": "Deny",
        "NotAction": ["iam:*"],
        "Resource": "*",
        "Condition": {
            "StringNotEquals": {"aws:RequestedRegion": ["eu-north-1"]},
            "ArnNotLike": {"aws:PrincipalARN": ["*"]},
        },
    }
    scp = make(
        "aws:organizations/policy:Policy",
        {"type": "SERVICE_CONTROL_POLICY", "content": json.dumps({"Statement": [statement]})},
    )
    [diag] = by_policy(analyzer(RESIDENCY).analyze(scp))["guardrails-intact"]
    assert diag.enforcementLevel == proto.MANDATORY and "exempts principals *" in diag.message


def test_tag_remediation_through_the_servicer(analyzer) -> None:
    a = analyzer(RESIDENCY)
    a.configure({"residency-tags": {"enforcementLevel": "remediate", "tagValues": {"gpufabric:site": "s"}}})
    untagged = make("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}, provider=aws_provider(tags={}))
    request = a._resource(untagged, proto.AnalyzeRequest)
    response = a.servicer.Remediate(request, None)
    [remediation] = response.remediations
    tags = dict(remediation.properties["tags"])
    assert tags == {"gpufabric:jurisdiction": "eu", "gpufabric:site": "s"}


def test_cni_on_the_node_role_is_reported_through_analyze_stack(analyzer) -> None:
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}]}
    nodes = make("aws:iam/role:Role", {"assumeRolePolicy": json.dumps(trust)}, name="nodes")
    attachment = make(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        {"role": "nodes", "policyArn": "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"},
        name="cni",
    )
    [diag] = by_policy(analyzer(SECURITY).analyze_stack([nodes, attachment]))["cni-via-pod-identity"]
    assert diag.enforcementLevel == proto.MANDATORY and "node role 'nodes'" in diag.message
    assert diag.urn == attachment.urn

"""GPU-fabric security rules as pure functions: private control planes, no public exposure, customer-
managed encryption in the right jurisdiction, IMDSv2 and no admin wildcards in IAM; and, for every
site's cluster (issue 10), no privileged pods outside the GPU Operator, no public Services, and rendered
Kubernetes objects that meet their site's Kubernetes schema.

Rule numbers follow issue 3. The secure defaults live in the components; these rules are what makes a
weakening (an escape hatch, an opted-in option) loud.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gpufabric.core.autoscaling import EC2_NODECLASS_TYPE
from gpufabric.core.aws_baseline import (
    CNI_NAMESPACE,
    CNI_POLICY,
    CNI_SERVICE_ACCOUNT,
    EKS_ACCESS_ENTRIES_ONLY,
    EKS_CONTROL_PLANE_LOG_TYPES,
    PRIVATE_VPC_RANGES,
    is_private_vpc_cidr,
)
from gpufabric.core.jurisdictions import jurisdiction_of
from gpufabric.core.vocabulary import OPERATOR_NAMESPACE, TAG_SITE
from policies.config import ResolvedConfig, egress_sites
from policies.kube import (
    is_helm_release,
    kubernetes_version_of,
    manifest_of,
    namespace_of,
    public_ip,
    schema_errors,
)
from policies.model import Enforcement, Pack, Res, Rule, Severity, StackContext
from policies.resources import (
    arn_region,
    as_list,
    as_mapping,
    aws_region,
    aws_tags,
    containers,
    dig,
    gcp_key_location,
    gcp_locations,
    pod_spec,
    truthy,
)
from policies.security.gcp_rules import gcp_rules
from policies.security.link_rules import link_rules
from policies.security.serving import serving_security_rules

PACK = "gpufabric-security"
ANYWHERE = {"0.0.0.0/0", "::/0"}

# ------------------------------------------------------------------------------------------- rule 3


def check_private_control_plane(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 3: EKS public endpoint off (AWS turns it on when unset); GKE private endpoint on."""
    if res.type == "aws:eks/cluster:Cluster":
        public = dig(res.props, "vpcConfig", "endpointPublicAccess")
        if public is None or truthy(public):
            cidrs = as_list(dig(res.props, "vpcConfig", "publicAccessCidrs")) or ["0.0.0.0/0"]
            state = "unset (AWS defaults it to on)" if public is None else "on"
            yield f"EKS API endpoint public access is {state}, reachable from {', '.join(map(str, cidrs))}"
    elif res.type == "gcp:container/cluster:Cluster" and not truthy(
        dig(res.props, "privateClusterConfig", "enablePrivateEndpoint")
    ):
        yield "GKE control plane has a public endpoint (privateClusterConfig.enablePrivateEndpoint not true)"


# ------------------------------------------------------------------------------------------- rule 4


def _open_cidrs(values: Any) -> list[str]:
    return [c for c in as_list(values) if c in ANYWHERE]


def check_no_public_exposure(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 4a: nothing that runs GPU nodes gets a public IP or accepts ingress from anywhere."""
    t, p = res.type, res.props
    if t == "aws:ec2/launchTemplate:LaunchTemplate":
        for i, nic in enumerate(as_list(p.get("networkInterfaces"))):
            if truthy(as_mapping(nic).get("associatePublicIpAddress")):
                yield f"networkInterfaces[{i}].associatePublicIpAddress is true: nodes get public IPs"
    elif t == "aws:ec2/instance:Instance" and truthy(p.get("associatePublicIpAddress")):
        yield "associatePublicIpAddress is true: the instance gets a public IP"
    elif t == "aws:ec2/subnet:Subnet" and truthy(p.get("mapPublicIpOnLaunch")):
        yield "mapPublicIpOnLaunch is true: instances launched here get public IPs"
    elif t == "aws:ec2/securityGroup:SecurityGroup":
        for i, rule in enumerate(as_list(p.get("ingress"))):
            rule = as_mapping(rule)
            opened = _open_cidrs(rule.get("cidrBlocks")) + _open_cidrs(rule.get("ipv6CidrBlocks"))
            if opened:
                ports = f"{rule.get('fromPort')}-{rule.get('toPort')}"
                yield f"ingress[{i}] (ports {ports}) is open to {', '.join(opened)}"
    elif t == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        opened = _open_cidrs(p.get("cidrIpv4")) + _open_cidrs(p.get("cidrIpv6"))
        if opened:
            yield f"ingress rule is open to {', '.join(opened)}"
    elif t == "aws:ec2/securityGroupRule:SecurityGroupRule" and p.get("type") == "ingress":
        opened = _open_cidrs(p.get("cidrBlocks")) + _open_cidrs(p.get("ipv6CidrBlocks"))
        if opened:
            yield f"ingress rule is open to {', '.join(opened)}"
    elif t == "aws:eks/nodeGroup:NodeGroup":
        remote = as_mapping(p.get("remoteAccess"))
        if remote and not as_list(remote.get("sourceSecurityGroupIds")):
            yield "remoteAccess without sourceSecurityGroupIds opens SSH to 0.0.0.0/0"
    elif t == "gcp:compute/firewall:Firewall":
        if str(p.get("direction", "INGRESS")).upper() == "INGRESS" and as_list(p.get("allows")):
            opened = _open_cidrs(p.get("sourceRanges"))
            if opened:
                yield f"ingress firewall is open to {', '.join(opened)}"
    elif t in {"gcp:compute/instanceTemplate:InstanceTemplate", "gcp:compute/instance:Instance"}:
        for i, nic in enumerate(as_list(p.get("networkInterfaces"))):
            if as_list(as_mapping(nic).get("accessConfigs")):
                yield f"networkInterfaces[{i}].accessConfigs gives the VM a public IP"
    elif t == "gcp:container/cluster:Cluster" and not truthy(dig(p, "privateClusterConfig", "enablePrivateNodes")):
        yield "GKE nodes get public IPs (privateClusterConfig.enablePrivateNodes is not true)"


EGRESS_TYPES = {
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
}


def _egress(res: Res, stack: StackContext) -> tuple[bool, str | None]:
    """(is an internet doorway?, the site it belongs to). Private NAT gateways are not doorways."""
    if res.type not in EGRESS_TYPES:
        return False, None
    if res.type == "aws:ec2/natGateway:NatGateway" and res.props.get("connectivityType") == "private":
        return False, None
    return True, aws_tags(res).get(TAG_SITE)


def check_no_internet_egress(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 4b: no internet gateway, public NAT or Elastic IP unless its site opted into egress."""
    doorway, site = _egress(res, stack)
    if doorway and (site is None or site not in egress_sites(stack)):
        who = f"site {site!r}" if site else f"a resource without a {TAG_SITE} tag"
        kind = res.type.rsplit(":", 1)[-1]
        yield f"internet egress ({kind}) in {who}, which did not opt into `egress: nat`"


def check_egress_opted_in(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 4c (advisory): an internet doorway in a site that opted in, reported so it stays visible."""
    doorway, site = _egress(res, stack)
    if doorway and site is not None and site in egress_sites(stack):
        kind = res.type.rsplit(":", 1)[-1]
        yield f"site {site!r} opted into internet egress ({kind}); data can leave through it"


# ------------------------------------------------------------------------------------------- rule 5


def _node_volumes(block_devices: Any, *, key_field: str) -> Iterator[tuple[str, Any]]:
    """Node volumes of a launch template or a Karpenter node class (which spells the key `kmsKeyID`)."""
    mappings = [m for m in as_list(block_devices) if as_mapping(m).get("ebs") is not None]
    if not mappings:
        yield "node volumes (no blockDeviceMappings: the AMI's unencrypted default applies)", None
    for m in mappings:
        ebs = as_mapping(as_mapping(m).get("ebs"))
        yield (
            f"volume {as_mapping(m).get('deviceName', '?')}",
            ebs.get(key_field) if truthy(ebs.get("encrypted")) else None,
        )


def _key_refs(res: Res) -> Iterator[tuple[str, Any]]:
    """(what it protects, key reference or None when encryption with a customer key is missing)."""
    t, p = res.type, res.props
    if t == "aws:eks/cluster:Cluster":
        configs = as_list(p.get("encryptionConfig"))
        secrets = [c for c in configs if "secrets" in as_list(as_mapping(c).get("resources"))]
        yield "Kubernetes secrets", dig(secrets[0], "provider", "keyArn") if secrets else None
    elif t == "aws:cloudwatch/logGroup:LogGroup":
        yield "log group", p.get("kmsKeyId")
    elif t == "aws:ec2/launchTemplate:LaunchTemplate":
        yield from _node_volumes(p.get("blockDeviceMappings"), key_field="kmsKeyId")
    elif t == EC2_NODECLASS_TYPE:  # Karpenter launches the nodes: its node class holds their volumes
        yield from _node_volumes(as_mapping(p.get("spec")).get("blockDeviceMappings"), key_field="kmsKeyID")
    elif t == "aws:ebs/volume:Volume":
        yield "EBS volume", p.get("kmsKeyId") if truthy(p.get("encrypted")) else None
    elif t == "aws:ec2/instance:Instance":
        root = as_mapping(p.get("rootBlockDevice"))
        yield "root volume", root.get("kmsKeyId") if truthy(root.get("encrypted")) else None
        for d in as_list(p.get("ebsBlockDevices")):
            d = as_mapping(d)
            yield (
                f"volume {d.get('deviceName', '?')}",
                d.get("kmsKeyId") if truthy(d.get("encrypted")) else None,
            )
    elif t == "aws:efs/fileSystem:FileSystem":
        yield "file system", p.get("kmsKeyId") if truthy(p.get("encrypted")) else None
    elif t == "aws:ecr/repository:Repository":
        enc = [as_mapping(e) for e in as_list(p.get("encryptionConfigurations"))]
        kms = [e for e in enc if str(e.get("encryptionType", "")).upper() == "KMS"]
        yield "image repository", kms[0].get("kmsKey") if kms else None
    elif t in {
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    }:
        for r in as_list(p.get("rules")) or [{}]:
            default = as_mapping(as_mapping(r).get("applyServerSideEncryptionByDefault"))
            kms = str(default.get("sseAlgorithm", "")).startswith("aws:kms")
            yield "bucket objects", default.get("kmsMasterKeyId") if kms else None
    elif t in {"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"} and p.get("serverSideEncryptionConfiguration"):
        default = as_mapping(dig(p, "serverSideEncryptionConfiguration", "rule", "applyServerSideEncryptionByDefault"))
        kms = str(default.get("sseAlgorithm", "")).startswith("aws:kms")
        yield "bucket objects", default.get("kmsMasterKeyId") if kms else None
    elif t == "gcp:storage/bucket:Bucket":
        yield "bucket objects", dig(p, "encryption", "defaultKmsKeyName")
    elif t == "gcp:container/cluster:Cluster":
        db = as_mapping(p.get("databaseEncryption"))
        yield "Kubernetes secrets", db.get("keyName") if db.get("state") == "ENCRYPTED" else None
    elif t == "gcp:compute/disk:Disk":
        yield "disk", dig(p, "diskEncryptionKey", "kmsKeySelfLink")
    elif t == "gcp:container/nodePool:NodePool":
        yield "node boot disks", dig(p, "nodeConfig", "bootDiskKmsKey")


def _site_region(res: Res, stack: StackContext) -> str | None:
    """The region of the site a Kubernetes object belongs to (its `gpufabric.io/site` label), from the spec."""
    site = as_mapping(as_mapping(res.props.get("metadata")).get("labels")).get("gpufabric.io/site")
    fabric = stack.fabric
    found = [s for s in (fabric.sites if fabric is not None else []) if s.name == site]
    return getattr(found[0], "region", None) if found else None


def check_cmk_encryption(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 5: data at rest is encrypted with a customer-managed key that lives in the same jurisdiction
    as what it protects. KMS keys themselves rotate and are single-region."""
    if res.type == "aws:kms/key:Key":
        if not truthy(res.props.get("enableKeyRotation")):
            yield "key rotation is off (enableKeyRotation)"
        if truthy(res.props.get("multiRegion")):
            yield "multi-Region key: replicas can be created in any region, outside the jurisdiction"
        return
    for what, key in _key_refs(res):
        if not key:
            yield f"{what} not encrypted with a customer-managed key"
            continue
        if res.package == "aws":
            key_region, own_region = arn_region(key), aws_region(res, stack)
            provider = "aws"
        elif res.type == EC2_NODECLASS_TYPE:
            key_region, own_region, provider = arn_region(key), _site_region(res, stack), "aws"
        else:
            key_region = gcp_key_location(key)
            own = gcp_locations(res, stack)
            own_region, provider = (own[0][1] if own else None), "gcp"
        if key_region and own_region:
            key_j = jurisdiction_of(provider, key_region)
            own_j = jurisdiction_of(provider, own_region)
            if key_j != own_j or key_j is None:
                yield (
                    f"{what} encrypted with a key in {key_region} ({key_j or 'unknown jurisdiction'}), but "
                    f"the data is in {own_region} ({own_j or 'unknown jurisdiction'})"
                )


# ------------------------------------------------------------------------------------------- rule 8


def check_imdsv2(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 8a: instance metadata only through IMDSv2 session tokens (stops SSRF credential theft), with a
    response hop limit of 1 so that a container (one hop further) cannot reach the node's credentials."""
    if res.type in {"aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"}:
        tokens = dig(res.props, "metadataOptions", "httpTokens")
        if tokens != "required":
            yield f"metadataOptions.httpTokens is {tokens or 'unset'!s}, expected 'required' (IMDSv2 only)"
        hops = dig(res.props, "metadataOptions", "httpPutResponseHopLimit")
        if hops is None and res.type == "aws:ec2/launchTemplate:LaunchTemplate":
            yield "metadataOptions.httpPutResponseHopLimit is unset (EKS node groups then default to 2), expected 1"
        elif hops is not None and _number(hops) != 1:
            yield f"metadataOptions.httpPutResponseHopLimit is {hops}, expected 1 (pods must not reach IMDS)"
    elif res.type == EC2_NODECLASS_TYPE:  # Karpenter's defaults are IMDSv2 and hop limit 1: only overrides fail
        options = as_mapping(as_mapping(res.props.get("spec")).get("metadataOptions"))
        tokens, hops = options.get("httpTokens"), options.get("httpPutResponseHopLimit")
        if tokens is not None and tokens != "required":
            yield f"spec.metadataOptions.httpTokens is {tokens}, expected 'required' (IMDSv2 only)"
        if hops is not None and _number(hops) != 1:
            yield f"spec.metadataOptions.httpPutResponseHopLimit is {hops}, expected 1 (pods must not reach IMDS)"


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


IAM_DOCUMENT_TYPES = {
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
}
ATTACHMENT_TYPES = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
}


def _statements(document: Any) -> list[Mapping[str, Any]]:
    doc = document
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            return []
    return [as_mapping(s) for s in as_list(as_mapping(doc).get("Statement"))]


def _wildcard(values: Any) -> bool:
    return any(v in {"*", "*:*"} for v in as_list(values))


def _admin_arn(arn: Any) -> bool:
    return isinstance(arn, str) and arn.startswith("arn:") and arn.endswith(":iam::aws:policy/AdministratorAccess")


def check_iam_wildcards(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 8b: no statement allows `*` actions on `*` resources (nor NotAction on `*`), no
    AdministratorAccess attachment: a compromised node must not own the account."""
    documents: list[tuple[str, Any]] = []
    if res.type in IAM_DOCUMENT_TYPES:
        documents.append(("policy", res.props.get("policy")))
    elif res.type == "aws:iam/role:Role":
        for p in as_list(res.props.get("inlinePolicies")):
            documents.append((f"inline policy {as_mapping(p).get('name', '?')!r}", as_mapping(p).get("policy")))
        if any(_admin_arn(a) for a in as_list(res.props.get("managedPolicyArns"))):
            yield "attaches the AWS-managed AdministratorAccess policy"
    elif res.type in ATTACHMENT_TYPES and _admin_arn(res.props.get("policyArn")):
        yield "attaches the AWS-managed AdministratorAccess policy"
    for where, document in documents:
        for i, st in enumerate(_statements(document)):
            if st.get("Effect") != "Allow" or not _wildcard(st.get("Resource")):
                continue
            if _wildcard(st.get("Action")):
                yield f"{where} statement {st.get('Sid') or i} allows every action on every resource"
            elif st.get("NotAction") is not None:
                yield f"{where} statement {st.get('Sid') or i} allows NotAction on every resource"


# ------------------------------------------------------------------------------------------- rule 10


def check_control_plane_logs(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 10a: every EKS control-plane log type goes to CloudWatch (audit and authenticator above all)."""
    if res.type == "aws:eks/cluster:Cluster":
        enabled = {str(t) for t in as_list(res.props.get("enabledClusterLogTypes"))}
        missing = [t for t in EKS_CONTROL_PLANE_LOG_TYPES if t not in enabled]
        if missing:
            expected = ", ".join(EKS_CONTROL_PLANE_LOG_TYPES)
            yield f"enabledClusterLogTypes lacks {', '.join(missing)} (expected all of {expected})"


def check_eks_access_entries(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 10b: cluster access through EKS access entries only (auditable in the EKS API), and no implicit
    cluster-admin for whoever created the cluster."""
    if res.type != "aws:eks/cluster:Cluster":
        return
    access = as_mapping(res.props.get("accessConfig"))
    mode = access.get("authenticationMode")
    if mode != EKS_ACCESS_ENTRIES_ONLY:
        state = f"{mode!r}" if mode else "unset (AWS defaults it to CONFIG_MAP)"
        yield f"accessConfig.authenticationMode is {state}, expected {EKS_ACCESS_ENTRIES_ONLY!r} (access entries only)"
    bootstrap = access.get("bootstrapClusterCreatorAdminPermissions")
    if bootstrap is None or truthy(bootstrap):
        state = "unset (AWS defaults it to true)" if bootstrap is None else "true"
        yield (
            f"accessConfig.bootstrapClusterCreatorAdminPermissions is {state}: "
            "the cluster's creator gets implicit cluster-admin"
        )


_KEY_ARN_RE = re.compile(r"^arn:[a-z-]+:kms:([a-z0-9-]+):(\d{12}):key/[A-Za-z0-9-]+$")
_MANAGED_ALIAS_RE = re.compile(r"(^|:)alias/aws/")


def check_site_key(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 10c: data at rest is encrypted with the site's own KMS key, referenced by its key ARN in the
    site's region: not an AWS-managed key (alias/aws/ebs, ...), which the account cannot restrict or audit
    per use, not an alias that may point anywhere, and not a key from another region. A missing key is
    cmk-encryption's finding, not repeated here."""
    if res.package != "aws" or res.type == "aws:kms/key:Key":
        return
    region = aws_region(res, stack)
    for what, key in _key_refs(res):
        if not key or not isinstance(key, str):
            continue  # no customer key at all: cmk-encryption reports it (once)
        elif _MANAGED_ALIAS_RE.search(key):
            yield f"{what}: encrypted with the AWS-managed key {key!r} instead of the site's key"
        elif "alias/" in key:
            yield f"{what}: key given as alias {key!r}, which can be re-pointed; expected the site key's ARN"
        elif (m := _KEY_ARN_RE.match(key)) is None:
            yield f"{what}: key {key!r} is not a KMS key ARN; expected the site key's ARN"
        elif region and m.group(1) != region:
            yield f"{what}: key in {m.group(1)}, but the resource is in {region}; expected the site's key"


def check_private_vpc_cidr(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 10d: VPC address space is private (RFC 1918 or 100.64.0.0/10), whichever path set it."""
    if res.type in {"aws:ec2/vpc:Vpc", "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation"}:
        cidr = res.props.get("cidrBlock")
        if isinstance(cidr, str) and not is_private_vpc_cidr(cidr):
            ranges = ", ".join(str(r) for r in PRIVATE_VPC_RANGES)
            yield f"cidrBlock {cidr} is not in a private range ({ranges})"


# ------------------------------------------------------------------------------------------- rule 11


def _principal_open(principal: Any) -> bool:
    return principal == "*" or _wildcard(as_mapping(principal).get("AWS"))


def check_vpc_endpoint_policy(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 11a: every interface and gateway endpoint has a policy, and no statement of it allows anyone
    everything on every resource without a condition (AWS's default full-access policy): a private VPC
    otherwise reaches any bucket or any account's API in the region."""
    if res.type != "aws:ec2/vpcEndpoint:VpcEndpoint":
        return
    if str(res.props.get("vpcEndpointType", "Gateway")) not in {"Interface", "Gateway"}:
        return
    policy = res.props.get("policy")
    if not policy:
        yield "no endpoint policy: AWS applies full access (any principal, any action, any resource)"
        return
    statements = _statements(policy)
    if not statements:
        yield "the endpoint policy is not a JSON policy document with statements"
    for i, st in enumerate(statements):
        if st.get("Effect") != "Allow" or st.get("Condition"):
            continue
        resources = as_list(st.get("Resource"))
        unbounded = [r for r in resources if isinstance(r, str) and (r == "*" or r.endswith(":s3:::*"))]
        if unbounded and _principal_open(st.get("Principal", "*")):
            yield (
                f"statement {st.get('Sid') or i} allows any principal on {', '.join(unbounded)} without a "
                "condition (full access)"
            )


_CNI_POLICY_SUFFIX = f":iam::aws:policy/{CNI_POLICY}"


def _trusts_ec2(role: Res) -> bool:
    for st in _statements(role.props.get("assumeRolePolicy")):
        services = as_list(as_mapping(st.get("Principal")).get("Service"))
        if st.get("Effect") == "Allow" and any(str(s).startswith("ec2.") for s in services):
            return True
    return False


def check_cni_via_pod_identity(
    resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext
) -> Iterator[tuple[str, str]]:
    """Rule 11b: the VPC CNI's EC2 permissions (AmazonEKS_CNI_Policy) reach only the `aws-node` service
    account, through EKS Pod Identity: never the node role, which every process on a node can use."""
    roles = {str(r.props.get("name") or r.name): r for r in resources if r.type == "aws:iam/role:Role"}
    for res in resources:
        if res.type == "aws:iam/role:Role" and _trusts_ec2(res):
            if any(str(a).endswith(_CNI_POLICY_SUFFIX) for a in as_list(res.props.get("managedPolicyArns"))):
                yield f"node role {res.name!r} carries {CNI_POLICY}: every pod on its nodes gets it", res.urn
        elif res.type in ATTACHMENT_TYPES and str(res.props.get("policyArn", "")).endswith(_CNI_POLICY_SUFFIX):
            role = roles.get(str(res.props.get("role")))
            if role is not None and _trusts_ec2(role):
                yield f"attaches {CNI_POLICY} to node role {role.name!r}: every pod on its nodes gets it", res.urn
    addons = [r for r in resources if r.type == "aws:eks/addon:Addon"]
    associated = {
        str(r.props.get("clusterName"))
        for r in resources
        if r.type == "aws:eks/podIdentityAssociation:PodIdentityAssociation"
        and r.props.get("namespace") == CNI_NAMESPACE
        and r.props.get("serviceAccount") == CNI_SERVICE_ACCOUNT
    }
    agents = {str(a.props.get("clusterName")) for a in addons if a.props.get("addonName") == "eks-pod-identity-agent"}
    for addon in addons:
        if addon.props.get("addonName") != "vpc-cni":
            continue
        cluster = str(addon.props.get("clusterName"))
        own = [
            a
            for a in as_list(addon.props.get("podIdentityAssociations"))
            if as_mapping(a).get("serviceAccount") == CNI_SERVICE_ACCOUNT and as_mapping(a).get("roleArn")
        ]
        if not own and cluster not in associated:
            yield (
                f"vpc-cni on cluster {cluster!r} has no Pod Identity association for "
                f"{CNI_NAMESPACE}/{CNI_SERVICE_ACCOUNT}",
                addon.urn,
            )
        if cluster not in agents:
            yield f"cluster {cluster!r} has no eks-pod-identity-agent add-on: Pod Identity cannot work", addon.urn


# ------------------------------------------------------------------------------ rule 12 (Kubernetes objects)

PRIVILEGED_NAMESPACE_LABEL = "pod-security.kubernetes.io/enforce"
_INTERNAL_LB_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": {"true"},
    "service.beta.kubernetes.io/aws-load-balancer-scheme": {"internal"},
    "networking.gke.io/load-balancer-type": {"Internal"},
    "cloud.google.com/load-balancer-type": {"Internal"},
}


def _privileged_values(values: Any, path: str = "values") -> Iterator[str]:
    if isinstance(values, Mapping):
        if values.get("privileged") is True:
            yield f"{path}.privileged"
        for key, value in values.items():
            yield from _privileged_values(value, f"{path}.{key}")
    elif isinstance(values, list):
        for n, value in enumerate(values):
            yield from _privileged_values(value, f"{path}[{n}]")


def check_no_privileged(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """No privileged pod, release or namespace outside the GPU Operator's namespace."""
    namespace = namespace_of(res)
    if res.type == "kubernetes:core/v1:Namespace":
        meta = as_mapping(res.props.get("metadata"))
        level = as_mapping(meta.get("labels")).get(PRIVILEGED_NAMESPACE_LABEL)
        if level == "privileged" and meta.get("name") != OPERATOR_NAMESPACE:
            yield f"namespace {meta.get('name')!r} enforces Pod Security 'privileged' (only {OPERATOR_NAMESPACE!r} may)"
        return
    if namespace == OPERATOR_NAMESPACE:
        return
    if is_helm_release(res):
        for where in _privileged_values(res.props.get("values")):
            only = f"only {OPERATOR_NAMESPACE!r} may"
            yield f"release in namespace {namespace or 'default'!r} sets {where}: true ({only})"
        return
    spec = pod_spec(res)
    if spec is None:
        return
    for c in containers(spec):
        if as_mapping(c.get("securityContext")).get("privileged") is True:
            yield (
                f"container {c.get('name', '?')!r} in namespace {namespace or 'default'!r} is privileged "
                f"(only {OPERATOR_NAMESPACE!r} may run privileged pods)"
            )


def check_no_public_service(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """No NodePort Service, no LoadBalancer Service without an internal scheme, no public external IP."""
    if res.type != "kubernetes:core/v1:Service":
        return
    spec = as_mapping(res.props.get("spec"))
    kind = spec.get("type")
    if kind == "NodePort":
        yield "Service of type NodePort opens a port on every node's address"
    if kind == "LoadBalancer":
        annotations = as_mapping(as_mapping(res.props.get("metadata")).get("annotations"))
        address = spec.get("loadBalancerIP")
        private = isinstance(address, str) and not public_ip(address)  # e.g. MetalLB on-prem, from a private pool
        if not private and not any(annotations.get(k) in v for k, v in _INTERNAL_LB_ANNOTATIONS.items()):
            yield "Service of type LoadBalancer without an internal-scheme annotation gets a public address"
    for ip in as_list(spec.get("externalIPs")):
        if isinstance(ip, str) and public_ip(ip):
            yield f"Service has public external IP {ip}"


def check_k8s_schema(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Every Kubernetes object the fabric renders meets the OpenAPI schema of its site's Kubernetes version."""
    manifest = manifest_of(res)
    if manifest is None:
        return
    version = kubernetes_version_of(res, stack)
    name = as_mapping(manifest.get("metadata")).get("name", "?")
    for problem in schema_errors(manifest, version):
        yield f"{manifest['kind']} {name!r} does not meet the Kubernetes {version} schema at {problem}"


RULES: tuple[Rule, ...] = (
    Rule(
        id="private-control-plane",
        number=3,
        pack=PACK,
        description="Cluster control planes are private: no public Kubernetes API endpoint.",
        severity=Severity.CRITICAL,
        remediation="Remove `cluster: {endpoint_public_access: true}` (and any endpointPublicAccess in "
        "cluster_args); reach the API through the VPC, a VPN or an SSM bastion.",
        check=check_private_control_plane,
    ),
    Rule(
        id="no-public-exposure",
        number=4,
        pack=PACK,
        description="No public IPs and no ingress from 0.0.0.0/0 on anything that runs GPU nodes.",
        severity=Severity.HIGH,
        remediation="Drop associatePublicIpAddress / mapPublicIpOnLaunch from the escape hatches; restrict "
        "security group ingress to the VPC CIDR or to security groups.",
        check=check_no_public_exposure,
    ),
    Rule(
        id="no-internet-egress",
        number=4,
        pack=PACK,
        description="No internet gateway, public NAT or Elastic IP unless the site opted into egress.",
        severity=Severity.HIGH,
        remediation="Remove the gateway; images and weights come through the VPC endpoints. If the site "
        "really needs internet egress, say so with `network: {egress: nat}`.",
        check=check_no_internet_egress,
    ),
    Rule(
        id="internet-egress-opted-in",
        number=4,
        pack=PACK,
        description="A site opted into internet egress: reported so that the weakening stays visible.",
        severity=Severity.MEDIUM,
        enforcement=Enforcement.ADVISORY,
        remediation="Prefer `egress: none` with VPC endpoints and an in-region registry mirror.",
        check=check_egress_opted_in,
    ),
    Rule(
        id="cmk-encryption",
        number=5,
        pack=PACK,
        description="Data at rest is encrypted with customer-managed keys (rotated, single-region) that live "
        "in the same jurisdiction as the data they protect.",
        severity=Severity.HIGH,
        remediation="Set encrypted=true with the site's KMS key (kmsKeyId) on volumes, log groups, "
        "repositories and buckets; do not pass unencrypted block devices through launch_template_args.",
        check=check_cmk_encryption,
    ),
    Rule(
        id="imdsv2-required",
        number=8,
        pack=PACK,
        description="GPU launch templates, instances and Karpenter node classes require IMDSv2 (metadata "
        "session tokens) with a hop limit of 1.",
        severity=Severity.HIGH,
        remediation="Keep metadataOptions.httpTokens 'required'; do not override it in launch_template_args.",
        check=check_imdsv2,
    ),
    Rule(
        id="no-iam-wildcard",
        number=8,
        pack=PACK,
        description="No IAM policy allows `*` actions on `*` resources; no AdministratorAccess attachment.",
        severity=Severity.CRITICAL,
        remediation="Grant the specific actions and resource ARNs the role needs (least privilege).",
        check=check_iam_wildcards,
    ),
    Rule(
        id="control-plane-logs",
        number=10,
        pack=PACK,
        description="EKS clusters send every control-plane log type (api, audit, authenticator, "
        "controllerManager, scheduler) to CloudWatch.",
        severity=Severity.MEDIUM,
        remediation="Remove enabled_cluster_log_types from cluster_args and keep `cluster.log_types` at its "
        "default (all five types).",
        check=check_control_plane_logs,
    ),
    Rule(
        id="eks-access-entries-only",
        number=10,
        pack=PACK,
        description="EKS clusters authenticate through access entries only (authentication mode API), with "
        "no implicit cluster-admin for the cluster's creator.",
        severity=Severity.HIGH,
        remediation="Remove access_config from cluster_args; grant administrators through "
        "`cluster.admin_role_arns` (access entries).",
        check=check_eks_access_entries,
    ),
    Rule(
        id="site-key-encryption",
        number=10,
        pack=PACK,
        description="Volumes, secrets, logs and repositories are encrypted with the site's own KMS key (by "
        "key ARN, in the site's region), never an AWS-managed key or an alias.",
        severity=Severity.HIGH,
        remediation="Drop kms_key_id / key_arn overrides from the escape hatches: the components use the "
        "site's data and secrets keys.",
        check=check_site_key,
    ),
    Rule(
        id="private-vpc-cidr",
        number=10,
        pack=PACK,
        description="VPC address space is private (RFC 1918 or 100.64.0.0/10).",
        severity=Severity.HIGH,
        remediation="Set `network.cidr` to a private range and remove cidr_block from vpc_args.",
        check=check_private_vpc_cidr,
    ),
    Rule(
        id="vpc-endpoint-policy",
        number=11,
        pack=PACK,
        description="Every interface and gateway VPC endpoint has a least-privilege policy, not AWS's "
        "full-access default (which lets a private VPC reach any bucket or account in the region).",
        severity=Severity.HIGH,
        remediation="Give the endpoint a policy bounded by a condition (aws:PrincipalAccount / "
        "aws:ResourceAccount) or by named resources; the components do (gpufabric.decide.iam).",
        check=check_vpc_endpoint_policy,
    ),
    Rule(
        id="cni-via-pod-identity",
        number=11,
        pack=PACK,
        description="The VPC CNI gets AmazonEKS_CNI_Policy through EKS Pod Identity for kube-system/aws-node, "
        "never on the node role that every pod's node shares.",
        severity=Severity.HIGH,
        remediation="Detach AmazonEKS_CNI_Policy from the node role; give the vpc-cni add-on a Pod Identity "
        "association (role trusted by pods.eks) and install the eks-pod-identity-agent add-on.",
        check_stack=check_cni_via_pod_identity,
    ),
    Rule(
        id="k8s-no-privileged-outside-operator",
        number=12,
        pack=PACK,
        description=f"No privileged pod, release or Pod Security level outside the {OPERATOR_NAMESPACE!r} namespace.",
        severity=Severity.HIGH,
        remediation="Drop securityContext.privileged (inference needs none: GPUs come through the device plugin); "
        f"only the GPU Operator in {OPERATOR_NAMESPACE!r} installs drivers.",
        check=check_no_privileged,
    ),
    Rule(
        id="k8s-no-public-service",
        number=12,
        pack=PACK,
        description="No NodePort or public LoadBalancer Service, no public external IP.",
        severity=Severity.HIGH,
        remediation="Use a ClusterIP Service behind the gateway, or an internal load balancer (e.g. "
        "service.beta.kubernetes.io/aws-load-balancer-scheme: internal).",
        check=check_no_public_service,
    ),
    Rule(
        id="k8s-schema-valid",
        number=12,
        pack=PACK,
        description="Rendered Kubernetes objects meet the OpenAPI schema of their site's Kubernetes version.",
        severity=Severity.HIGH,
        remediation="Fix the named field; objects are validated with kubernetes-validate for the site's "
        "kubernetes_version.",
        check=check_k8s_schema,
    ),
)

RULES += gcp_rules(PACK)  # GCP-only rules live in their own module
RULES += serving_security_rules(PACK)  # the inference namespace's rule
RULES += link_rules(PACK)  # private links: endpoints, IKE strength, routes

PACK_DEF = Pack(
    name=PACK,
    description="GPU fabric security: private control planes and networks, customer-managed encryption, "
    "IMDSv2 and least-privilege IAM.",
    rules=RULES,
)

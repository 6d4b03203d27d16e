"""AWS facts that both the secure defaults (decide/components) and the rules that guard them (policies) read.

One home, so that a default and the rule that reports its weakening can never disagree: the private address
ranges a VPC may use, the global services a region-deny SCP must let through, the EKS control-plane log
types, and the AWS-owned S3 buckets an EKS node must reach through the S3 gateway endpoint.
"""

from __future__ import annotations

import ipaddress

# RFC 1918 plus the shared address space AWS accepts for VPCs (RFC 6598, 100.64.0.0/10). Anything else
# (public, loopback, link-local, 0.0.0.0/x) is refused by AWS or routes publicly.
# Source: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
PRIVATE_VPC_RANGES: tuple[ipaddress.IPv4Network, ...] = tuple(
    ipaddress.IPv4Network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


def is_private_vpc_cidr(cidr: str) -> bool:
    """True for an IPv4 network inside one of PRIVATE_VPC_RANGES; False for anything else (or not a CIDR)."""
    try:
        net = ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:
        return False
    return any(net.subnet_of(r) for r in PRIVATE_VPC_RANGES)


# Every EKS control-plane log type (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html).
EKS_CONTROL_PLANE_LOG_TYPES: tuple[str, ...] = ("api", "audit", "authenticator", "controllerManager", "scheduler")

# The EKS authentication mode that uses access entries only (no aws-auth ConfigMap).
EKS_ACCESS_ENTRIES_ONLY = "API"

# The AWS-managed policy that gives the VPC CNI (the `aws-node` DaemonSet) its EC2 network permissions.
CNI_POLICY = "AmazonEKS_CNI_Policy"
CNI_NAMESPACE = "kube-system"
CNI_SERVICE_ACCOUNT = "aws-node"

# Global services (single endpoint, usually us-east-1) that a region-deny SCP must not block. KMS and ACM
# are regional and deliberately absent: keys are residency-relevant and must be created in-jurisdiction.
# Source: AWS Organizations example SCP "Deny access to AWS based on the requested AWS Region".
GLOBAL_SERVICE_ACTIONS: tuple[str, ...] = (
    "a4b:*",
    "account:*",
    "aws-marketplace-management:*",
    "aws-marketplace:*",
    "aws-portal:*",
    "billing:*",
    "budgets:*",
    "ce:*",
    "chime:*",
    "cloudfront:*",
    "config:*",
    "cur:*",
    "directconnect:*",
    "ec2:DescribeRegions",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVpnGateways",
    "fms:*",
    "globalaccelerator:*",
    "health:*",
    "iam:*",
    "importexport:*",
    "invoicing:*",
    "networkmanager:*",
    "organizations:*",
    "pricing:*",
    "route53:*",
    "route53domains:*",
    "s3:GetAccountPublic*",
    "s3:ListAllMyBuckets",
    "s3:ListMultiRegionAccessPoints",
    "s3:PutAccountPublic*",
    "shield:*",
    "sts:*",
    "support:*",
    "tax:*",
    "trustedadvisor:*",
    "waf-regional:*",
    "waf:*",
    "wafv2:*",
    "wellarchitected:*",
)
SCP_REGION_KEY = "aws:RequestedRegion"
SCP_PRINCIPAL_KEY = "aws:PrincipalARN"


def aws_owned_node_buckets(region: str) -> tuple[str, ...]:
    """AWS-owned S3 buckets EKS nodes read through the S3 gateway endpoint in a private VPC.

    - `prod-<region>-starport-layer-bucket`: ECR serves image layers from it
      (https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html, "Minimum Amazon S3
      bucket permissions for Amazon ECR").
    Nothing else: the EKS AL2023 AMIs need no package repository at boot, and a node without internet
    egress does not install packages at run time.
    """
    return (f"prod-{region}-starport-layer-bucket",)

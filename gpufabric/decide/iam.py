"""IAM and KMS policy documents, built from the partition and account the program runs in.

ARNs are never built with a hard-coded `aws` partition, so the same program works in aws-us-gov, aws-cn
and the AWS European Sovereign Cloud. Documents are returned as JSON text with sorted keys, so a plan
is byte-for-byte stable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    """Where the program runs: the partition, its DNS suffix, the account id and the region."""

    partition: str
    dns_suffix: str
    account_id: str
    region: str

    def managed_policy(self, name: str) -> str:
        return f"arn:{self.partition}:iam::aws:policy/{name}"

    @property
    def root(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    def service(self, name: str) -> str:
        """A service principal, e.g. `eks.amazonaws.com` (or its equivalent in another partition)."""
        return f"{name}.{self.dns_suffix}"


def _doc(statements: list[dict]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def assume_role_policy(account: Account, service: str) -> str:
    """Trust policy letting one AWS service assume a role, scoped to this account."""
    return _doc(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": account.service(service)},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {"StringEquals": {"aws:SourceAccount": account.account_id}},
            }
        ]
    )


CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
# The node role carries no AmazonEKS_CNI_Policy: the VPC CNI gets it through EKS Pod Identity (a role trusted by
# `assume_role_policy(account, "pods.eks")`), so that not every process on a node can rewire the VPC's interfaces.
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly")


# S3 actions the nodes and workloads of a site need on the account's own buckets (models in, artifacts out).
OWN_BUCKET_ACTIONS = (
    "s3:AbortMultipartUpload",
    "s3:GetBucketLocation",
    "s3:GetObject",
    "s3:ListBucket",
    "s3:ListMultipartUploadParts",
    "s3:PutObject",
)


def interface_endpoint_policy(account: Account, service: str) -> str:
    """An interface endpoint's policy: only principals of this account may use it (stolen credentials of
    another account cannot carry data out through it). STS also lets web-identity tokens assume roles of
    this account (an unsigned call, so it carries no principal account)."""
    statements: list[dict] = [
        {
            "Sid": "ThisAccountsPrincipalsOnly",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": account.account_id}},
        }
    ]
    if service == "sts":
        statements.append(
            {
                "Sid": "WebIdentityIntoThisAccountsRoles",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Resource": f"arn:{account.partition}:iam::{account.account_id}:role/*",
            }
        )
    return _doc(statements)


def s3_gateway_endpoint_policy(account: Account, aws_owned_buckets: tuple[str, ...]) -> str:
    """The S3 gateway endpoint's policy: the account's own buckets (by `aws:ResourceAccount`), plus read
    access to the AWS-owned buckets the nodes need (ECR's image-layer bucket). Any other bucket in the
    region, someone else's above all, is unreachable from the VPC."""
    return _doc(
        [
            {
                "Sid": "ThisAccountsBuckets",
                "Effect": "Allow",
                "Principal": "*",
                "Action": list(OWN_BUCKET_ACTIONS),
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceAccount": account.account_id}},
            },
            {
                "Sid": "AwsOwnedBucketsNodesRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [f"arn:{account.partition}:s3:::{b}/*" for b in aws_owned_buckets],
            },
        ]
    )


def flow_logs_policy(log_group_arn: str) -> str:
    """Least privilege for VPC flow logs: write to its one log group."""
    return _doc(
        [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": [log_group_arn, f"{log_group_arn}:*"],
            }
        ]
    )


def secrets_key_policy(account: Account) -> str:
    """The EKS secrets key: administered by the account; EKS uses it through the cluster role's grants."""
    return _doc([_account_admin(account)])


def data_key_policy(account: Account) -> str:
    """The site's data key: EBS volumes of GPU nodes (via the Auto Scaling service-linked role) and logs."""
    autoscaling = (
        f"arn:{account.partition}:iam::{account.account_id}:role/aws-service-role/"
        f"autoscaling.{account.dns_suffix}/AWSServiceRoleForAutoScaling"
    )
    logs_arn = f"arn:{account.partition}:logs:{account.region}:{account.account_id}:*"
    return _doc(
        [
            _account_admin(account),
            {
                "Sid": "AutoScalingUsesKeyForNodeVolumes",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling},
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:DescribeKey",
                ],
                "Resource": "*",
            },
            {
                "Sid": "AutoScalingGrantsForNodeVolumes",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling},
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
            {
                "Sid": "CloudWatchLogsInThisRegion",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{account.region}.{account.dns_suffix}"},
                "Action": [
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                "Resource": "*",
                "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": logs_arn}},
            },
        ]
    )


def _account_admin(account: Account) -> dict:
    return {
        "Sid": "AccountAdministersKey",
        "Effect": "Allow",
        "Principal": {"AWS": account.root},
        "Action": "kms:*",
        "Resource": "*",
    }


def bucket_prefix_read_policy(account: Account, bucket: str, prefix: str) -> str:
    """Read one prefix of one bucket (a site's model weights): list it, get its objects, nothing else."""
    keys = f"{prefix}/*" if prefix else "*"
    return _doc(
        [
            {
                "Sid": "ListThePrefix",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": f"arn:{account.partition}:s3:::{bucket}",
                "Condition": {"StringLike": {"s3:prefix": [prefix, keys] if prefix else ["*"]}},
            },
            {
                "Sid": "ReadThePrefix",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"arn:{account.partition}:s3:::{bucket}/{keys}",
            },
        ]
    )

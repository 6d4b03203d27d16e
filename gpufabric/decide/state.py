"""Names, URLs and policy documents of the state bootstrap, as pure functions of its spec.

One home for the physical names (log bucket, KMS alias, key ring) and for the `pulumi login` and
`--secrets-provider` URLs built from them, so the program, `gpufabric state` and the state-location rule
agree. Documents are JSON text with sorted keys, so a plan is byte-for-byte stable.
"""

from __future__ import annotations

from gpufabric.decide.iam import Account
from gpufabric.decide.iam import _account_admin as account_admin  # one home of the key-admin statement
from gpufabric.decide.iam import _doc as policy_doc
from gpufabric.spec.state import AwsStateSpec, GcpStateSpec, StateSpec

GCP_KEY_ROTATION = "7776000s"  # 90 days


def log_bucket(aws: AwsStateSpec) -> str:
    """The private bucket receiving the audit log of every read and write of the state bucket."""
    return f"{aws.bucket}-audit-logs"


def secrets_alias(stack: str) -> str:
    return f"alias/gpufabric/state/{stack}/secrets"


def key_ring(stack: str) -> str:
    return f"gpufabric-state-{stack}"


def backend_url(spec: StateSpec) -> str:
    """What `pulumi login` takes: the backend cloud's state bucket (an S3 URL says its region)."""
    if spec.backend_cloud == "aws":
        assert spec.aws is not None
        return f"s3://{spec.aws.bucket}?region={spec.aws.region}&awssdk=v2"
    assert spec.gcp is not None
    return f"gs://{spec.gcp.bucket}"


def secrets_provider(spec: StateSpec, stack: str) -> str:
    """What `pulumi stack init --secrets-provider` takes: the backend cloud's secrets key."""
    if spec.backend_cloud == "aws":
        assert spec.aws is not None
        return f"awskms://{secrets_alias(stack)}?region={spec.aws.region}&awssdk=v2"
    assert spec.gcp is not None
    return gcpkms_url(spec.gcp, stack)


def gcpkms_url(gcp: GcpStateSpec, stack: str) -> str:
    return f"gcpkms://projects/{gcp.project}/locations/{gcp.region}/keyRings/{key_ring(stack)}/cryptoKeys/secrets"


def tls_only_statement(bucket_arn: str) -> dict:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def state_bucket_policy(bucket_arn: str) -> str:
    """TLS only: any request over plain HTTP is denied, whoever makes it."""
    return policy_doc([tls_only_statement(bucket_arn)])


def log_bucket_policy(account: Account, log_bucket_arn: str, trail_arn: str) -> str:
    """TLS only, and CloudTrail may write this account's trail into it (and nothing else may)."""
    cloudtrail = account.service("cloudtrail")
    source = {"aws:SourceArn": trail_arn}
    return policy_doc(
        [
            tls_only_statement(log_bucket_arn),
            {
                "Sid": "CloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": cloudtrail},
                "Action": "s3:GetBucketAcl",
                "Resource": log_bucket_arn,
                "Condition": {"StringEquals": source},
            },
            {
                "Sid": "CloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": cloudtrail},
                "Action": "s3:PutObject",
                "Resource": f"{log_bucket_arn}/AWSLogs/{account.account_id}/*",
                "Condition": {"StringEquals": {**source, "s3:x-amz-acl": "bucket-owner-full-control"}},
            },
        ]
    )


def trail_arn(account: Account, name: str) -> str:
    return f"arn:{account.partition}:cloudtrail:{account.region}:{account.account_id}:trail/{name}"


def state_key_policy(account: Account, trail: str) -> str:
    """The state data key: administered by the account; CloudTrail encrypts the audit log of this trail."""
    return policy_doc(
        [
            account_admin(account),
            {
                "Sid": "CloudTrailEncryptsItsLog",
                "Effect": "Allow",
                "Principal": {"Service": account.service("cloudtrail")},
                "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceArn": trail}},
            },
        ]
    )

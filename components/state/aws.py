"""AwsStateStore: the S3 state bucket, its audit log and the KMS keys, in one region, all protected.

Why CloudTrail data events for the access log, not S3 server access logging: a server-access-log target
bucket cannot use SSE-KMS (only SSE-S3), so its log would be the one thing here not under a customer key.
A trail logs every object read and write with the caller's identity, into a second private bucket encrypted
with the state key.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws import facts
from gpufabric.decide import iam
from gpufabric.decide import state as decide
from gpufabric.spec.state import AwsStateSpec

ROTATION_DAYS = 365


class AwsStateStore(pulumi.ComponentResource):
    bucket: aws.s3.Bucket
    secrets_key: aws.kms.Key

    def __init__(
        self, name: str, *, spec: AwsStateSpec, stack: str, tags: dict[str, str], opts: pulumi.ResourceOptions
    ) -> None:
        super().__init__("gpufabric:state:AwsStateStore", name, None, opts)
        provider = aws.Provider(
            name, region=spec.region, default_tags={"tags": tags}, opts=pulumi.ResourceOptions(parent=self)
        )
        keep = pulumi.ResourceOptions(parent=self, provider=provider, protect=True)
        account = facts.account(provider, spec.region)
        trail_name = f"{spec.bucket}-audit"
        trail_arn = decide.trail_arn(account, trail_name)

        data_key = aws.kms.Key(
            f"{name}-data",
            description=f"{stack}: Pulumi state bucket and its audit log",
            enable_key_rotation=True,
            rotation_period_in_days=ROTATION_DAYS,
            deletion_window_in_days=30,
            policy=decide.state_key_policy(account, trail_arn),
            opts=keep,
        )
        self.secrets_key = aws.kms.Key(
            f"{name}-secrets",
            description=f"{stack}: Pulumi stack secrets provider",
            enable_key_rotation=True,
            rotation_period_in_days=ROTATION_DAYS,
            deletion_window_in_days=30,
            policy=iam.secrets_key_policy(account),
            opts=keep,
        )
        aws.kms.Alias(
            f"{name}-secrets",
            name=decide.secrets_alias(stack),
            target_key_id=self.secrets_key.key_id,
            opts=keep,
        )
        self.bucket = self._bucket(f"{name}-state", spec.bucket, data_key, keep, object_lock=spec.object_lock)
        logs = self._bucket(f"{name}-logs", decide.log_bucket(spec), data_key, keep, object_lock=None)
        self._versioning(name, spec, keep)
        aws.s3.BucketPolicy(
            f"{name}-state", bucket=self.bucket.id, policy=self.bucket.arn.apply(decide.state_bucket_policy), opts=keep
        )
        log_policy = aws.s3.BucketPolicy(
            f"{name}-logs",
            bucket=logs.id,
            policy=logs.arn.apply(lambda arn: decide.log_bucket_policy(account, arn, trail_arn)),
            opts=keep,
        )
        aws.s3.BucketVersioning(
            f"{name}-logs", bucket=logs.id, versioning_configuration={"status": "Enabled"}, opts=keep
        )
        aws.cloudtrail.Trail(
            f"{name}-audit",
            name=trail_name,
            s3_bucket_name=logs.id,
            kms_key_id=data_key.arn,
            enable_log_file_validation=True,
            is_multi_region_trail=False,
            include_global_service_events=False,
            event_selectors=[
                {
                    "read_write_type": "All",
                    "include_management_events": False,
                    "data_resources": [
                        {"type": "AWS::S3::Object", "values": [self.bucket.arn.apply(lambda a: a + "/")]}
                    ],
                }
            ],
            opts=pulumi.ResourceOptions.merge(keep, pulumi.ResourceOptions(depends_on=[log_policy])),
        )
        self.register_outputs({"bucket": self.bucket.id, "secrets_key_arn": self.secrets_key.arn})

    def _bucket(
        self,
        name: str,
        physical: str,
        key: aws.kms.Key,
        keep: pulumi.ResourceOptions,
        *,
        object_lock: object | None,
    ) -> aws.s3.Bucket:
        """A private bucket: SSE-KMS with `key`, every public path blocked, objects owned by the bucket owner."""
        bucket = aws.s3.Bucket(
            name, bucket=physical, force_destroy=False, object_lock_enabled=object_lock is not None or None, opts=keep
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": key.arn,
                    },
                    "bucket_key_enabled": True,
                }
            ],
            opts=keep,
        )
        aws.s3.BucketPublicAccessBlock(
            name,
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=keep,
        )
        aws.s3.BucketOwnershipControls(
            name, bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=keep
        )
        return bucket

    def _versioning(self, name: str, spec: AwsStateSpec, keep: pulumi.ResourceOptions) -> None:
        """Every state write keeps the previous version; object lock or MFA delete when the spec asks."""
        if spec.mfa_delete is not None:
            namespace, key = spec.mfa_delete.secret.split(":", 1)
            aws.s3.BucketVersioning(
                f"{name}-state",
                bucket=self.bucket.id,
                versioning_configuration={"status": "Enabled", "mfa_delete": "Enabled"},
                mfa=pulumi.Config(namespace).require_secret(key),
                opts=keep,
            )
        else:
            aws.s3.BucketVersioning(
                f"{name}-state", bucket=self.bucket.id, versioning_configuration={"status": "Enabled"}, opts=keep
            )
        if spec.object_lock is not None:
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-state",
                bucket=self.bucket.id,
                rule={"default_retention": {"mode": spec.object_lock.mode, "days": spec.object_lock.days}},
                opts=keep,
            )

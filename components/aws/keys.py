"""SiteKeys: the customer-managed KMS keys of a site, created in the site's region.

Two keys with separate duties: one for Kubernetes secrets (EKS envelope encryption), one for data at
rest (node volumes, control-plane and flow logs, and later model buckets). Rotation on; protected.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from gpufabric.decide import iam


class SiteKeys(pulumi.ComponentResource):
    secrets: aws.kms.Key
    data: aws.kms.Key

    def __init__(self, name: str, *, account: iam.Account, opts: pulumi.ResourceOptions) -> None:
        super().__init__("gpufabric:aws:SiteKeys", name, None, opts)
        keep = pulumi.ResourceOptions(parent=self, protect=True)
        self.secrets = aws.kms.Key(
            f"{name}-secrets",
            description=f"{name}: Kubernetes secrets envelope encryption",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=iam.secrets_key_policy(account),
            opts=keep,
        )
        self.data = aws.kms.Key(
            f"{name}-data",
            description=f"{name}: GPU node volumes, logs and model artifacts",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=iam.data_key_policy(account),
            opts=keep,
        )
        aws.kms.Alias(
            f"{name}-secrets",
            name=f"alias/gpufabric/{name}/secrets",
            target_key_id=self.secrets.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.kms.Alias(
            f"{name}-data",
            name=f"alias/gpufabric/{name}/data",
            target_key_id=self.data.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"secrets_key_arn": self.secrets.arn, "data_key_arn": self.data.arn})

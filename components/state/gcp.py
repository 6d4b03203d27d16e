"""GcpStateStore: the GCS state bucket and a Cloud KMS key ring with two keys (bucket; secrets provider).

Uniform access, public access prevention enforced, versioning, CMEK; the Cloud Storage service agent may use
the bucket key and nothing else; Data Access audit logs record every read and write. Protected.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from gpufabric.decide import state as decide
from gpufabric.spec.state import GcpStateSpec

ENCRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"


class GcpStateStore(pulumi.ComponentResource):
    bucket: gcp.storage.Bucket
    secrets_key: gcp.kms.CryptoKey

    def __init__(
        self, name: str, *, spec: GcpStateSpec, stack: str, labels: dict[str, str], opts: pulumi.ResourceOptions
    ) -> None:
        super().__init__("gpufabric:state:GcpStateStore", name, None, opts)
        provider = gcp.Provider(
            name,
            project=spec.project,
            region=spec.region,
            default_labels=labels,
            opts=pulumi.ResourceOptions(parent=self),
        )
        keep = pulumi.ResourceOptions(parent=self, provider=provider, protect=True)
        project = gcp.organizations.get_project(project_id=spec.project, opts=pulumi.InvokeOptions(provider=provider))
        ring = gcp.kms.KeyRing(
            f"{name}-keys", name=decide.key_ring(stack), location=spec.region, project=spec.project, opts=keep
        )
        data_key = gcp.kms.CryptoKey(
            f"{name}-data", name="state", key_ring=ring.id, rotation_period=decide.GCP_KEY_ROTATION, opts=keep
        )
        self.secrets_key = gcp.kms.CryptoKey(
            f"{name}-secrets", name="secrets", key_ring=ring.id, rotation_period=decide.GCP_KEY_ROTATION, opts=keep
        )
        agent = gcp.kms.CryptoKeyIAMMember(
            f"{name}-storage-agent",
            crypto_key_id=data_key.id,
            role=ENCRYPTER,
            member=f"serviceAccount:service-{project.number}@gs-project-accounts.iam.gserviceaccount.com",
            opts=keep,
        )
        gcp.projects.IAMAuditConfig(
            f"{name}-storage-audit",
            project=spec.project,
            service="storage.googleapis.com",
            audit_log_configs=[{"log_type": "DATA_READ"}, {"log_type": "DATA_WRITE"}],
            opts=keep,
        )
        self.bucket = gcp.storage.Bucket(
            f"{name}-state",
            name=spec.bucket,
            project=spec.project,
            location=spec.region.upper(),
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning={"enabled": True},
            encryption={"default_kms_key_name": data_key.id},
            force_destroy=False,
            opts=pulumi.ResourceOptions.merge(keep, pulumi.ResourceOptions(depends_on=[agent])),
        )
        self.register_outputs({"bucket": self.bucket.name, "secrets_key": self.secrets_key.id})

"""GcpSiteKeys: a Cloud KMS key ring in the site's region and two keys (Kubernetes secrets; disks).

Rotation every 90 days, protected. The GKE and Compute Engine service agents get encrypt/decrypt on the key
they use, and nothing else does.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

ROTATION = "7776000s"  # 90 days
ENCRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"


class GcpSiteKeys(pulumi.ComponentResource):
    secrets: gcp.kms.CryptoKey
    disks: gcp.kms.CryptoKey

    def __init__(
        self, name: str, *, region: str, project: str, project_number: str, opts: pulumi.ResourceOptions
    ) -> None:
        super().__init__("gpufabric:gcp:SiteKeys", name, None, opts)
        keep = pulumi.ResourceOptions(parent=self, protect=True)
        ring = gcp.kms.KeyRing(f"{name}-keys", name=f"{name}-keys", location=region, project=project, opts=keep)
        self.secrets = gcp.kms.CryptoKey(
            f"{name}-secrets", name="secrets", key_ring=ring.id, rotation_period=ROTATION, opts=keep
        )
        self.disks = gcp.kms.CryptoKey(
            f"{name}-disks", name="disks", key_ring=ring.id, rotation_period=ROTATION, opts=keep
        )
        agents = {
            "secrets": (self.secrets, f"service-{project_number}@container-engine-robot.iam.gserviceaccount.com"),
            "disks": (self.disks, f"service-{project_number}@compute-system.iam.gserviceaccount.com"),
        }
        self.grants = [
            gcp.kms.CryptoKeyIAMMember(
                f"{name}-{duty}-agent",
                crypto_key_id=key.id,
                role=ENCRYPTER,
                member=f"serviceAccount:{agent}",
                opts=pulumi.ResourceOptions(parent=self),
            )
            for duty, (key, agent) in agents.items()
        ]
        self.register_outputs({"secrets_key": self.secrets.id, "disks_key": self.disks.id})

"""IPsec facts the links' decisions, the on-prem renderer and the security rules all read (one home).

One strong suite per provider, spelled as each provider spells it: AES-256-GCM, SHA-384 PRF/integrity and
ECP-384 (DH group 20) for IKE and for ESP with PFS, IKEv2 only. The allowed sets are what the rules accept
(a user may pass a stronger member through an escape hatch); anything else is weak.
"""

from __future__ import annotations

IKE_VERSION = 2

# AWS site-to-site VPN (aws.ec2.VpnConnection tunnelN_* arguments).
AWS_IKE_VERSIONS = ("ikev2",)
AWS_ENCRYPTION = ("AES256-GCM-16",)
AWS_INTEGRITY = ("SHA2-384",)
AWS_DH_GROUPS = (20,)
AWS_ALLOWED_ENCRYPTION = frozenset({"AES256", "AES256-GCM-16"})
AWS_ALLOWED_INTEGRITY = frozenset({"SHA2-256", "SHA2-384", "SHA2-512"})
AWS_ALLOWED_DH_GROUPS = frozenset({19, 20, 21})

# GCP Cloud VPN (gcp.compute.VPNTunnel cipher_suite).
GCP_ENCRYPTION = ("AES-GCM-16-256",)
GCP_PRF = ("PRF-HMAC-SHA2-384",)
GCP_DH = ("Group-20",)
GCP_ALLOWED_ENCRYPTION = frozenset({"AES-GCM-16-256", "AES-CBC-256"})
GCP_ALLOWED_INTEGRITY = frozenset({"HMAC-SHA2-256-128", "HMAC-SHA2-384-192", "HMAC-SHA2-512-256"})
GCP_ALLOWED_PRF = frozenset({"PRF-HMAC-SHA2-256", "PRF-HMAC-SHA2-384", "PRF-HMAC-SHA2-512"})
GCP_ALLOWED_DH = frozenset({"Group-19", "Group-20", "Group-21"})

# strongSwan (swanctl.conf proposals) for the on-prem end: the same suite.
STRONGSWAN_IKE_PROPOSAL = "aes256gcm16-prfsha384-ecp384"
STRONGSWAN_ESP_PROPOSAL = "aes256gcm16-ecp384"

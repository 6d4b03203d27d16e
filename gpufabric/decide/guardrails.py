"""The guardrail documents, decided without Pulumi: an AWS Organizations SCP that denies requests to
regions outside the jurisdiction, and the allowed values of GCP's `gcp.resourceLocations` constraint.

Why both layers: the policy packs stop a bad plan in CI, but only the cloud's own API can stop a console
click or a script that never went through CI. The SCP follows AWS's "Deny access to AWS based on the
requested AWS Region" example: a Deny with NotAction, so global services whose single endpoint lives in
us-east-1 keep working, and an ArnNotLike exemption for break-glass roles.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from gpufabric.core.aws_baseline import GLOBAL_SERVICE_ACTIONS, SCP_PRINCIPAL_KEY, SCP_REGION_KEY

SCP_MAX_CHARS = 5120  # AWS Organizations limit on an SCP document
GCP_CONSTRAINT = "gcp.resourceLocations"
GCP_MULTI_REGIONS = {"eu", "us", "asia"}


def region_deny_scp(allowed_regions: Iterable[str], exempt_role_arns: Iterable[str] = ()) -> dict[str, Any]:
    """The SCP document: deny every non-global action whose requested region is not allowed."""
    regions = sorted(set(allowed_regions))
    if not regions:
        raise ValueError("a region-deny SCP needs at least one allowed region")
    condition: dict[str, Any] = {"StringNotEquals": {SCP_REGION_KEY: regions}}
    exempt = sorted(set(exempt_role_arns))
    if exempt:
        condition["ArnNotLike"] = {SCP_PRINCIPAL_KEY: exempt}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyOutsideJurisdiction",
                "Effect": "Deny",
                "NotAction": list(GLOBAL_SERVICE_ACTIONS),
                "Resource": "*",
                "Condition": condition,
            }
        ],
    }


def scp_json(document: dict[str, Any]) -> str:
    """Compact, deterministic JSON; ValueError when it exceeds the SCP size limit."""
    text = json.dumps(document, separators=(",", ":"), sort_keys=True)
    if len(text) > SCP_MAX_CHARS:
        raise ValueError(f"the SCP is {len(text)} characters, over the AWS limit of {SCP_MAX_CHARS}")
    return text


def gcp_allowed_locations(gcp_regions: Iterable[str]) -> list[str]:
    """Value groups for `gcp.resourceLocations`: `in:<region>-locations` per region (its zones included),
    `in:<multi>-locations` for a multi-region such as `eu`. Never `in:europe-locations`, which includes
    London and Zurich."""
    return sorted({f"in:{r.lower()}-locations" for r in gcp_regions})


def gcp_policy_name(parent: str) -> str:
    """`organizations/123` -> `organizations/123/policies/gcp.resourceLocations` (Org Policy v2 naming)."""
    return f"{parent}/policies/{GCP_CONSTRAINT}"

"""The state bootstrap: its spec's errors by key path, and its secure defaults as planned under mocks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from gpufabric.core.errors import InputError, InputErrors
from gpufabric.spec.state import parse_state
from policies.engine import evaluate, resources_from_plan
from policies.model import StackContext
from tests.conftest import Planned

KEY = "aws:kms/key:Key"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
TRAIL = "aws:cloudtrail/trail:Trail"
GCS = "gcp:storage/bucket:Bucket"
CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"


def _set(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    node = doc
    for p in parents:
        node = node[p]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "where", "says"),
    [
        ("aws.region", "us-east-1", "gpufabric:state.aws.region", "a region of jurisdiction 'eu'"),
        ("gcp.region", "us-central1", "gpufabric:state.gcp.region", "a region of jurisdiction 'eu'"),
        ("aws.versioning", True, "gpufabric:state.aws.versioning", "unknown key 'versioning'"),
        ("aws.bucket", "Bad_Bucket", "gpufabric:state.aws.bucket", "found 'Bad_Bucket'"),
        ("aws.mfa_delete", {"secret": "gpufabric:stateMfa"}, "gpufabric:state.aws.mfa_delete", "found both"),
        ("aws.object_lock.days", 0, "gpufabric:state.aws.object_lock.days", "greater than or equal to 1"),
        ("backend", None, "gpufabric:state.backend", "both clouds are declared"),
        ("jurisdiction", "atlantis", "gpufabric:state.jurisdiction", "atlantis"),
    ],
    ids=[
        "aws-region-outside",
        "gcp-region-outside",
        "unknown-key",
        "bucket-name",
        "lock-and-mfa",
        "lock-days",
        "backend-ambiguous",
        "unknown-jurisdiction",
    ],
)
def test_bad_state_spec_is_named_by_key_path(
    base_state: Callable[[], dict[str, Any]], path: str, value: Any, where: str, says: str
) -> None:
    with pytest.raises(InputError) as caught:
        parse_state(_set(base_state(), path, value), "bootstrap/Pulumi.boot.yaml")
    errors = caught.value.errors if isinstance(caught.value, InputErrors) else [caught.value]
    assert [e.where for e in errors] == [where]
    assert says in errors[0].message and "bootstrap/Pulumi.boot.yaml" in errors[0].message


def test_a_region_outside_the_jurisdiction_is_the_region_rule(base_state: Callable[[], dict[str, Any]]) -> None:
    with pytest.raises(InputError) as caught:
        parse_state(_set(base_state(), "aws.region", "us-east-1"))
    assert caught.value.policy == "region-allowed"


def test_neither_cloud_is_refused(base_state: Callable[[], dict[str, Any]]) -> None:
    doc = {"jurisdiction": "eu"}
    with pytest.raises(InputError, match="found neither"):
        parse_state(doc)


@pytest.fixture(scope="module")
def planned(plan_state: Callable[..., Planned], base_state: Callable[[], dict[str, Any]]) -> Planned:
    return plan_state(base_state())


def _by_bucket(planned: Planned, type_: str, suffix: str) -> dict[str, Any]:
    (found,) = [r for r in planned.of_type(type_) if r["name"].endswith(suffix)]
    return found


def test_every_resource_is_protected_and_in_the_region(planned: Planned) -> None:
    custom = [r for r in planned.resources if r["custom"] and not r["type"].startswith("pulumi:providers:")]
    assert len(custom) >= 20
    assert [r["urn"] for r in custom if not r["protect"]] == []
    regions = {r["region"].lower() for r in custom}
    assert regions == {"eu-central-1", "europe-west3"}


@pytest.mark.parametrize("which", ["state-state", "state-logs"], ids=["state-bucket", "log-bucket"])
def test_both_buckets_are_private_and_encrypted_with_the_customer_key(planned: Planned, which: str) -> None:
    name = f"state-aws-{which.split('-')[1]}"
    bucket = planned.one(BUCKET, name)
    assert bucket["inputs"]["forceDestroy"] is False
    (rule,) = planned.one(SSE, name)["inputs"]["rules"]
    data_key = planned.one(KEY, "state-aws-data")
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": data_key["outputs"]["arn"],
    }
    assert ":eu-central-1:" in data_key["outputs"]["arn"]
    block = planned.one(PAB, name)["inputs"]
    assert {
        k: block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    } == {
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    assert planned.one(OWNERSHIP, name)["inputs"]["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    assert planned.one(VERSIONING, name)["inputs"]["versioningConfiguration"]["status"] == "Enabled"
    statements = json.loads(planned.one(POLICY, name)["inputs"]["policy"])["Statement"]
    deny = [s for s in statements if s["Effect"] == "Deny"]
    assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny[0]["Principal"] == "*"


def test_keys_rotate_and_the_secrets_key_has_its_alias(planned: Planned) -> None:
    keys = planned.of_type(KEY)
    assert sorted(k["name"] for k in keys) == ["state-aws-data", "state-aws-secrets"]
    assert all(k["inputs"]["enableKeyRotation"] is True and not k["inputs"].get("multiRegion") for k in keys)
    (alias,) = planned.of_type("aws:kms/alias:Alias")
    assert alias["inputs"]["name"] == "alias/gpufabric/state/boot/secrets"


def test_every_object_read_and_write_is_logged_to_the_log_bucket(planned: Planned) -> None:
    (trail,) = planned.of_type(TRAIL)
    p = trail["inputs"]
    assert p["s3BucketName"] == planned.one(BUCKET, "state-aws-logs")["id"]
    assert p["isMultiRegionTrail"] is False and p["enableLogFileValidation"] is True
    (selector,) = p["eventSelectors"]
    assert selector["readWriteType"] == "All"
    assert selector["dataResources"][0]["type"] == "AWS::S3::Object"
    assert selector["dataResources"][0]["values"][0].endswith("/")


def test_object_lock_when_asked(planned: Planned) -> None:
    assert planned.one(BUCKET, "state-aws-state")["inputs"]["objectLockEnabled"] is True
    (lock,) = planned.of_type(LOCK)
    assert lock["inputs"]["rule"] == {"defaultRetention": {"mode": "COMPLIANCE", "days": 7}}


def test_mfa_delete_when_asked(plan_state: Callable[..., Planned], base_state: Callable[[], dict[str, Any]]) -> None:
    state = base_state()
    state["aws"].pop("object_lock")
    state["aws"]["mfa_delete"] = {"secret": "gpufabric:stateMfa"}
    planned = plan_state(state, extra_config={"gpufabric:stateMfa": {"secure": "v1:b2ZmbGluZQ=="}})
    versioning = planned.one(VERSIONING, "state-aws-state")["inputs"]
    assert versioning["versioningConfiguration"] == {"status": "Enabled", "mfaDelete": "Enabled"}
    assert versioning["mfa"] == "[secret]"
    assert planned.of_type(LOCK) == []
    assert "objectLockEnabled" not in planned.one(BUCKET, "state-aws-state")["inputs"]


def test_the_gcs_bucket_is_uniform_private_versioned_and_cmek(planned: Planned) -> None:
    (bucket,) = planned.of_type(GCS)
    p = bucket["inputs"]
    assert p["uniformBucketLevelAccess"] is True
    assert p["publicAccessPrevention"] == "enforced"
    assert p["versioning"] == {"enabled": True}
    assert p["encryption"]["defaultKmsKeyName"] == planned.one(CRYPTO_KEY, "state-gcp-data")["id"]
    assert p["location"] == "EUROPE-WEST3"
    assert all(k["inputs"]["rotationPeriod"] == "7776000s" for k in planned.of_type(CRYPTO_KEY))


def test_the_outputs_are_the_login_url_and_the_secrets_provider(planned: Planned) -> None:
    assert planned.plan.outputs["backend_url"] == "s3://acme-pulumi-state-eu?region=eu-central-1&awssdk=v2"
    assert planned.plan.outputs["secrets_provider"] == (
        "awskms://alias/gpufabric/state/boot/secrets?region=eu-central-1&awssdk=v2"
    )


def test_the_bootstrap_passes_every_rule(planned: Planned) -> None:
    context = StackContext(config=planned.plan.config, stack_urn="urn:pulumi:boot::gpufabric-bootstrap::x")
    violations, _ = evaluate(resources_from_plan(planned.resources), context)
    assert violations == []


def _without(resource: dict[str, Any], path: str) -> dict[str, Any]:
    out = json.loads(json.dumps(resource))
    node = out["inputs"]
    *parents, last = path.split(".")
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    node.pop(last)
    return out


@pytest.mark.parametrize(
    ("type_", "name", "drop", "policy"),
    [
        (SSE, "state-aws-state", "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", "cmk-encryption"),
        (KEY, "state-aws-secrets", "enableKeyRotation", "cmk-encryption"),
        (GCS, "state-gcp-state", "encryption", "cmk-encryption"),
        (CRYPTO_KEY, "state-gcp-secrets", "rotationPeriod", "gcp-key-rotation"),
    ],
    ids=["s3-without-cmk", "key-without-rotation", "gcs-without-cmek", "gcp-key-without-rotation"],
)
def test_the_security_rules_see_the_bootstrap(planned: Planned, type_: str, name: str, drop: str, policy: str) -> None:
    resources = [_without(r, drop) if (r["type"], r["name"]) == (type_, name) else r for r in planned.resources]
    context = StackContext(config=planned.plan.config, stack_urn="urn:pulumi:boot::gpufabric-bootstrap::x")
    violations, _ = evaluate(resources_from_plan(resources), context)
    assert [(v.policy, v.urn.rsplit("::", 1)[-1]) for v in violations] == [(policy, name)]


def test_the_residency_rules_see_the_bootstrap_region(planned: Planned) -> None:
    moved = [replace_region(r) if r["type"] == BUCKET else r for r in planned.resources]
    context = StackContext(config=planned.plan.config, stack_urn="urn:pulumi:boot::gpufabric-bootstrap::x")
    violations, _ = evaluate(resources_from_plan(moved), context)
    assert {v.policy for v in violations} >= {"region-allowed"}


def replace_region(resource: dict[str, Any]) -> dict[str, Any]:
    return {**resource, "inputs": {**resource["inputs"], "region": "us-east-1"}}

"""The spec of a state bootstrap stack: where Pulumi's own state and secrets key live, per jurisdiction.

A bootstrap stack (`bootstrap/Pulumi.<stack>.yaml`, config key `gpufabric:state`) declares the bucket that
holds every other stack's state and the KMS key their secrets provider uses. Its regions must lie inside its
jurisdiction: the state holds every resource's inputs and outputs (kubeconfigs, VPN keys), so it is data too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from gpufabric.core.errors import InputError, InputErrors
from gpufabric.core.files import read_yaml
from gpufabric.core.jurisdictions import Jurisdiction
from gpufabric.core.vocabulary import POLICY_REGION_ALLOWED, STATE_CONFIG_KEY
from gpufabric.spec.base import FieldError, Strict
from gpufabric.spec.bounds import Tags
from gpufabric.spec.models import JurisdictionSpec
from gpufabric.spec.sites.gcp import GCP_PROJECT_PATTERN, GCP_REGION_PATTERN

S3_BUCKET_PATTERN = r"^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$"  # 63 minus the "-audit-logs" suffix of the log bucket
GCS_BUCKET_PATTERN = r"^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$"


class ObjectLockSpec(Strict):
    """S3 Object Lock default retention: every state object version is kept at least `days`."""

    mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    days: int = Field(ge=1, le=3650)


class MfaDeleteSpec(Strict):
    """S3 MFA delete: `secret` names the secret config value holding '<device serial> <current code>'."""

    secret: str = Field(pattern=r"^[a-z][a-z0-9-]*:[A-Za-z][A-Za-z0-9]*$")


class AwsStateSpec(Strict):
    """The S3 state bucket and the KMS keys (state encryption; secrets provider) in one AWS region."""

    region: str = Field(pattern=r"^[a-z]{2,4}(-[a-z]+)+-\d$")
    bucket: str = Field(pattern=S3_BUCKET_PATTERN, description="the state bucket's globally unique name")
    object_lock: ObjectLockSpec | None = None
    mfa_delete: MfaDeleteSpec | None = None

    @model_validator(mode="after")
    def _one_protection(self) -> AwsStateSpec:
        if self.object_lock is not None and self.mfa_delete is not None:
            raise FieldError("mfa_delete", "expected one of object_lock or mfa_delete, found both")
        return self


class GcpStateSpec(Strict):
    """The GCS state bucket and the Cloud KMS key ring and keys in one GCP region."""

    project: str = Field(pattern=GCP_PROJECT_PATTERN)
    region: str = Field(pattern=GCP_REGION_PATTERN)
    bucket: str = Field(pattern=GCS_BUCKET_PATTERN)


class StateSpec(Strict):
    """A state bootstrap: its jurisdiction, the clouds that hold state, and which one is the backend."""

    jurisdiction: JurisdictionSpec
    aws: AwsStateSpec | None = None
    gcp: GcpStateSpec | None = None
    backend: Literal["aws", "gcp"] | None = Field(
        default=None, description="the cloud whose bucket is `pulumi login`'s backend (default: the only one)"
    )
    tags: Tags = Field(default_factory=dict)

    @field_validator("jurisdiction", mode="before")
    @classmethod
    def _jurisdiction_by_name(cls, v: Any) -> Any:
        return {"name": v} if isinstance(v, str) else v

    @model_validator(mode="after")
    def _backend_known(self) -> StateSpec:
        declared = [c for c in ("aws", "gcp") if getattr(self, c) is not None]
        if not declared:
            raise FieldError("aws", "expected an `aws` or a `gcp` state location, found neither")
        if self.backend is None and len(declared) > 1:
            raise FieldError("backend", "expected `backend: aws` or `backend: gcp` (both clouds are declared)")
        if self.backend is not None and self.backend not in declared:
            raise FieldError("backend", f"expected a declared cloud ({', '.join(declared)}), found {self.backend!r}")
        return self

    @property
    def backend_cloud(self) -> str:
        return self.backend or ("aws" if self.aws is not None else "gcp")

    def resolved_jurisdiction(self) -> Jurisdiction:
        return self.jurisdiction.resolve()


def parse_state(raw: Any, where: str = "<config>") -> StateSpec:
    """Validate a raw `gpufabric:state` object; InputError(s) by key path, regions checked against the
    jurisdiction (policy region-allowed)."""
    if not isinstance(raw, dict):
        raise InputError(
            where, STATE_CONFIG_KEY, "a mapping with 'jurisdiction' and 'aws' or 'gcp'", type(raw).__name__
        )
    try:
        spec = StateSpec.model_validate(raw)
    except ValidationError as e:
        errors = [InputError(where, _path(err, raw), detail=_text(err)) for err in e.errors()]
        raise errors[0] if len(errors) == 1 else InputErrors(errors) from None
    except KeyError as e:  # an unknown jurisdiction name
        raise InputError(where, f"{STATE_CONFIG_KEY}.jurisdiction", detail=f"expected {e.args[0]}") from None
    j = spec.resolved_jurisdiction()
    issues = []
    if spec.aws is not None and not j.allows_aws_region(spec.aws.region):
        allowed = ", ".join(sorted(j.aws_regions)) or "none"
        issues.append(("aws.region", spec.aws.region, allowed))
    if spec.gcp is not None and not j.allows_gcp_location(spec.gcp.region):
        allowed = ", ".join(sorted(j.gcp_regions)) or "none"
        issues.append(("gcp.region", spec.gcp.region, allowed))
    errors = [
        InputError(
            where,
            f"{STATE_CONFIG_KEY}.{key}",
            f"a region of jurisdiction {j.name!r} ({allowed})",
            repr(region),
            policy=POLICY_REGION_ALLOWED,
        )
        for key, region, allowed in issues
    ]
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return spec


def _path(err: Any, raw: dict[str, Any]) -> str:
    loc = [str(step) for step in err["loc"]]
    if loc[:1] == ["jurisdiction"] and isinstance(raw.get("jurisdiction"), str):
        loc = ["jurisdiction"]  # written as a bare name: `jurisdiction: eu`
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldError):
        loc.append(cause.field)
    return ".".join([STATE_CONFIG_KEY, *loc])


def _text(err: Any) -> str:
    kind, found = err["type"], err.get("input")
    if kind == "extra_forbidden":
        return f"expected a known key, found unknown key {err['loc'][-1]!r}"
    if kind == "missing":
        return "expected this required key, found nothing"
    if kind == "value_error":
        return err["msg"].removeprefix("Value error, ")
    msg = err["msg"]
    msg = msg.removeprefix("Input should be ").replace("String should ", "a string that should ")
    return f"expected {msg[0].lower() + msg[1:]}, found {found!r}"


@dataclass(frozen=True)
class LoadedBootstrap:
    """A bootstrap stack file, read and validated: its name, raw config (for the engine) and its spec."""

    path: Path
    stack: str
    config: dict[str, Any]
    spec: StateSpec
    secret_keys: frozenset[str] = field(default_factory=frozenset)


def is_bootstrap_doc(doc: Any) -> bool:
    """A stack file whose config holds a state bootstrap (`gpufabric:state`) rather than a fabric."""
    config = doc.get("config") if isinstance(doc, dict) else None
    return isinstance(config, dict) and STATE_CONFIG_KEY in config


def load_bootstrap_file(path: Path, stack: str) -> LoadedBootstrap:
    """Read, parse and validate a bootstrap stack file. InputError(s) on any bad input."""
    doc = read_yaml(path)
    if not is_bootstrap_doc(doc):
        raise InputError(str(path), "config", f"a Pulumi stack file with the key {STATE_CONFIG_KEY!r}", "no such key")
    config: dict[str, Any] = doc["config"]
    secret_keys = frozenset(k for k, v in config.items() if isinstance(v, dict) and set(v) == {"secure"})
    spec = parse_state(config[STATE_CONFIG_KEY], str(path))
    return LoadedBootstrap(path=path, stack=stack, config=config, spec=spec, secret_keys=secret_keys)

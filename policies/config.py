"""The policy config: one set of properties shared by the rules, with defaults applied by our own code.

CrossGuard gives each policy its own config object (`{"<policy>": {"enforcementLevel": ..., <props>}}`) and
fills JSON-schema defaults in the CLI, not in the SDK. `gpufabric check` has no CLI to do that, so this module
applies the same defaults itself (`apply_defaults`) and then resolves what the schema cannot express
statically: the allowed regions default to the *built-in* jurisdiction table entry, not to a stack's own
widening of it, so that a stack which widens its jurisdiction is reported (loud when weakened) unless the
owner of the policy config allows the extra region too.

The jurisdiction itself defaults to the one the stack's spec names. CI that must pin it (so that a stack
cannot move itself by renaming its jurisdiction) sets `jurisdiction` in the policy config.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gpufabric.core.jurisdictions import ecr_registry_pattern, get_jurisdiction, known_jurisdictions
from gpufabric.core.vocabulary import TAG_COST_CENTER, TAG_JURISDICTION, TAG_SITE
from policies.model import ResolvedConfig, StackContext

DEFAULT_REQUIRED_TAGS = [TAG_JURISDICTION, TAG_SITE, TAG_COST_CENTER]

_STRINGS = {"type": "array", "items": {"type": "string"}}

# The JSON schema of every shared property; a rule's CrossGuard schema is the subset in its `config_keys`.
CONFIG_PROPERTIES: dict[str, dict[str, Any]] = {
    "jurisdiction": {
        "type": "string",
        "enum": known_jurisdictions(),
        "description": "The jurisdiction everything must stay in (default: the one the stack's spec names).",
    },
    "allowedAwsRegions": {
        **_STRINGS,
        "description": "AWS regions allowed (default: the jurisdiction's regions in the built-in table).",
    },
    "allowedGcpRegions": {
        **_STRINGS,
        "description": "GCP regions allowed; zones follow their region (default: the built-in table).",
    },
    "allowedOnpremLocations": {
        **_STRINGS,
        "description": "On-prem countries (ISO 3166-1 alpha-2) allowed (default: the built-in table).",
    },
    "allowedRegistries": {
        **_STRINGS,
        "description": "Image registry hosts allowed, shell patterns (default: in-region ECR and Artifact "
        "Registry hosts of the allowed regions).",
    },
    "requiredTags": {
        **_STRINGS,
        "default": DEFAULT_REQUIRED_TAGS,
        "description": "Tags (AWS) / labels (GCP) every taggable resource must carry.",
    },
    "tagValues": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "default": {},
        "description": "Values the tag remediation fills in for missing required tags.",
    },
}


class PolicyConfigError(ValueError):
    """The policy config itself is wrong (unknown jurisdiction, wrong type): a bad input, not a violation."""


class PolicyConfig(BaseModel):
    """The raw properties of one policy's config, after defaults, before resolution."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    jurisdiction: str | None = None
    allowed_aws_regions: list[str] | None = Field(default=None, alias="allowedAwsRegions")
    allowed_gcp_regions: list[str] | None = Field(default=None, alias="allowedGcpRegions")
    allowed_onprem_locations: list[str] | None = Field(default=None, alias="allowedOnpremLocations")
    allowed_registries: list[str] | None = Field(default=None, alias="allowedRegistries")
    required_tags: list[str] = Field(default_factory=lambda: list(DEFAULT_REQUIRED_TAGS), alias="requiredTags")
    tag_values: dict[str, str] = Field(default_factory=dict, alias="tagValues")


def schema_for(keys: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return {k: CONFIG_PROPERTIES[k] for k in keys}


def apply_defaults(raw: Mapping[str, Any] | None, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """What the Pulumi CLI does before it hands config to a pack: fill each missing property's default."""
    out = dict(raw or {})
    for key in keys if keys is not None else tuple(CONFIG_PROPERTIES):
        default = CONFIG_PROPERTIES[key].get("default")
        if key not in out and default is not None:
            out[key] = json.loads(json.dumps(default))  # a fresh copy
    return out


def egress_sites(stack: StackContext) -> frozenset[str]:
    """Names of the sites whose spec opted into internet egress (`network.egress: nat`)."""
    if stack.fabric is None:
        return frozenset()
    return frozenset(s.name for s in stack.fabric.sites if getattr(s.network, "egress", "none") != "none")


def default_registries(aws_regions: frozenset[str], gcp_regions: frozenset[str]) -> tuple[str, ...]:
    """In-region registries only: ECR (`*.dkr.ecr.<region>.amazonaws.com`, `.com.cn` in China) and
    Artifact Registry (`<region>-docker.pkg.dev`; `europe-`/`us-`/`asia-docker.pkg.dev` for multi-regions)."""
    multi = {"eu": "europe", "us": "us", "asia": "asia"}
    out = [ecr_registry_pattern(r) for r in sorted(aws_regions)]
    out += [f"{multi.get(r, r)}-docker.pkg.dev" for r in sorted(gcp_regions)]
    return tuple(out)


def resolve(raw: Mapping[str, Any] | None, stack: StackContext, keys: tuple[str, ...] | None = None) -> ResolvedConfig:
    """Defaults, validation (pydantic) and table look-ups, in that order. Raises PolicyConfigError."""
    try:
        cfg = PolicyConfig.model_validate(apply_defaults(raw, keys))
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'config'}: {err['msg']}" for err in e.errors())
        raise PolicyConfigError(f"invalid policy config: {problems}") from None
    name = cfg.jurisdiction or stack.jurisdiction
    if name is None:
        return ResolvedConfig(None, frozenset(), frozenset(), frozenset(), (), tuple(cfg.required_tags), {})
    try:
        table = get_jurisdiction(name)
    except KeyError as e:
        raise PolicyConfigError(f"invalid policy config: jurisdiction: {e.args[0]}") from None
    allowed = table.narrowed(
        aws_regions=cfg.allowed_aws_regions,
        gcp_regions=cfg.allowed_gcp_regions,
        onprem_countries=cfg.allowed_onprem_locations,
    )
    aws, gcp, onprem = allowed.aws_regions, allowed.gcp_regions, allowed.onprem_countries
    registries = tuple(cfg.allowed_registries) if cfg.allowed_registries is not None else default_registries(aws, gcp)
    tag_values = {TAG_JURISDICTION: name, **cfg.tag_values}
    return ResolvedConfig(name, aws, gcp, onprem, registries, tuple(cfg.required_tags), tag_values)

"""The vocabulary of a rule: what a rule is, what it looks at, and what it says when something is wrong.

Rules are plain data plus pure functions, so the same rule runs three ways without change: directly in
`gpufabric check` (the offline runner), through the Policy SDK's `validate` (tests), and inside the Pulumi
engine as a CrossGuard pack (the adapter). Nothing here imports Pulumi.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatch
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict

from gpufabric.core.errors import InputError
from gpufabric.core.vocabulary import CONFIG_KEY, STATE_CONFIG_KEY
from gpufabric.spec import FabricSpec, JurisdictionSpec, parse_fabric
from gpufabric.spec.state_location import StateSettings


class Severity(StrEnum):
    """The same four levels as `pulumi_policy.Severity`, so reports and CrossGuard agree."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Enforcement(StrEnum):
    """The same levels as `pulumi_policy.EnforcementLevel`. Only `mandatory` fails a check."""

    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    REMEDIATE = "remediate"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Res:
    """One resource as a rule sees it: engine type token, URN, name, inputs (camelCase) and its provider.

    The provider is itself a `Res` (type `pulumi:providers:<pkg>`), because the effective region and the
    default tags of a resource live on its provider.
    """

    type: str
    urn: str
    name: str
    props: Mapping[str, Any]
    provider: Res | None = None
    parent: str = ""
    id: str = ""  # the physical id when known (offline plans); other resources name it (e.g. a reservation)

    @property
    def package(self) -> str:
        """`aws:ec2/vpc:Vpc` -> `aws`; `pulumi:providers:aws` -> `pulumi`."""
        return self.type.split(":", 1)[0]

    @property
    def is_provider(self) -> bool:
        return self.type.startswith("pulumi:providers:")


@dataclass(frozen=True)
class StackContext:
    """What a rule may know about the stack besides its resources: its config and its URN.

    `config` holds stack config by full key (`aws:region`, `gpufabric:fabric`); values are strings or, when
    read from a stack file, already-parsed objects. Under CrossGuard it comes from the engine's config env.
    """

    config: Mapping[str, Any] = field(default_factory=dict)
    stack_urn: str = ""
    # Where the stack's Pulumi state and secrets key live (read by `gpufabric check` from the project's
    # files); None where no project files are at hand (plan, CrossGuard): the state rules then say nothing.
    state: StateSettings | None = None

    @cached_property
    def fabric(self) -> FabricSpec | None:
        """The stack's parsed fabric spec (the same models the program uses), or None when the stack has none
        or it does not parse (the spec's own errors are reported by the loader, not by the rules)."""
        raw = self.raw_fabric
        try:
            return parse_fabric(raw) if raw is not None else None
        except InputError:
            return None

    @cached_property
    def raw_fabric(self) -> Mapping[str, Any] | None:
        """The `gpufabric:fabric` object as given (a mapping in a stack file, JSON text under the engine)."""
        return self._raw(CONFIG_KEY)

    def _raw(self, key: str) -> Mapping[str, Any] | None:
        """A config object as given (a state bootstrap's `gpufabric:state` names its jurisdiction too)."""
        raw = self.config.get(key)
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                return None
        return raw if isinstance(raw, Mapping) else None

    @cached_property
    def jurisdiction(self) -> str | None:
        """The jurisdiction the spec names: from the parsed spec, or from its own (valid) `jurisdiction` key
        when the rest of the spec does not parse, so location rules still know where they are."""
        if self.fabric is not None:
            return self.fabric.jurisdiction.name
        try:
            raw = (self.raw_fabric or self._raw(STATE_CONFIG_KEY) or {}).get("jurisdiction")
            return JurisdictionSpec.model_validate({"name": raw} if isinstance(raw, str) else raw).name
        except ValueError:
            return None


@dataclass(frozen=True)
class ResolvedConfig:
    """The config a rule works with: every allow-list concrete. `jurisdiction` is None when neither the
    policy config nor the stack names one; location rules then fail closed."""

    jurisdiction: str | None
    aws_regions: frozenset[str]
    gcp_regions: frozenset[str]
    onprem_locations: frozenset[str]
    registries: tuple[str, ...]
    required_tags: tuple[str, ...]
    tag_values: Mapping[str, str]

    def allows_aws(self, region: str) -> bool:
        return region in self.aws_regions

    def allows_gcp(self, region: str) -> bool:
        return region.lower() in self.gcp_regions

    def allows_region_label(self, value: str) -> bool:
        """A `topology.kubernetes.io/region` value: an AWS or GCP region, or an on-prem location."""
        return (
            self.allows_aws(value) or self.allows_gcp(value) or value.split("-", 1)[0].upper() in self.onprem_locations
        )

    def allows_registry(self, host: str) -> bool:
        return any(fnmatch(host, pattern) for pattern in self.registries)

    def describe_allowed(self, provider: str) -> str:
        regions = {"aws": self.aws_regions, "gcp": self.gcp_regions}.get(provider, self.onprem_locations)
        return ", ".join(sorted(regions)) or "none"


# A resource check yields one message per problem; a stack check yields (message, urn or "") pairs.
ResourceCheck = Callable[[Res, ResolvedConfig, StackContext], Iterable[str]]
StackCheck = Callable[[Sequence[Res], ResolvedConfig, StackContext], Iterable[tuple[str, str]]]
# A remediation returns the resource's new inputs, or None when it has nothing to change.
Fix = Callable[[Res, ResolvedConfig, StackContext], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Rule:
    """One policy: an id (the CrossGuard policy name), the issue's rule number, metadata and its check.

    Exactly one of `check` (per resource) and `check_stack` (whole stack) is set. `config_keys` names the
    shared policy-config properties the rule reads; they make up its CrossGuard config schema.
    """

    id: str
    number: int
    pack: str
    description: str
    severity: Severity
    remediation: str
    enforcement: Enforcement = Enforcement.MANDATORY
    check: ResourceCheck | None = None
    check_stack: StackCheck | None = None
    fix: Fix | None = None
    config_keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.check is None) == (self.check_stack is None):
            raise ValueError(f"rule {self.id}: set exactly one of check / check_stack")


@dataclass(frozen=True)
class Pack:
    """A policy pack: its CrossGuard name and its rules, in report order."""

    name: str
    description: str
    rules: tuple[Rule, ...]

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)


STACK_TYPE = "pulumi:pulumi:Stack"


class Violation(BaseModel):
    """One problem on one resource (or on the stack, with `type` pulumi:pulumi:Stack)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    policy: str
    pack: str
    enforcement: Enforcement
    severity: Severity
    urn: str
    type: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return self.model_dump(mode="json")

    @property
    def blocking(self) -> bool:
        """Only mandatory violations fail a check (advisories print but pass)."""
        return self.enforcement == Enforcement.MANDATORY


class RuleInfo(BaseModel):
    """A rule as evaluated: its id, pack, issue rule number, texts and effective enforcement level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    pack: str
    number: int
    description: str
    remediation: str
    severity: Severity
    enforcement: Enforcement


def has_blocking(violations: Iterable[Violation]) -> bool:
    return any(v.blocking for v in violations)


def sort_key(v: Violation) -> tuple[str, str, str, str]:
    return (v.pack, v.policy, v.urn, v.message)

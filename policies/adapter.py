"""Turning pure rules into Policy SDK objects, for the CrossGuard packs (`policies/*/__main__.py`).

The same `Rule.check` runs here as in `gpufabric check`; only the plumbing differs: the SDK hands us a
`ResourceValidationArgs` (inputs behind a proxy that raises on values unknown during preview, so a rule
that needs such a value becomes "can't run during preview", as CrossGuard intends) and the stack config
comes from the engine's config environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from gpufabric.core.vocabulary import CONFIG_KEY
from policies.config import PolicyConfigError, resolve, schema_for
from policies.model import Pack, Res, Rule, StackContext
from policies.resources import plain

# The stack config keys rules read (effective region fall-backs and the fabric spec).
STACK_CONFIG_KEYS = ("aws:region", "gcp:region", "gcp:zone", CONFIG_KEY)

StackConfigSource = Callable[[], Mapping[str, Any]]


def runtime_stack_config() -> dict[str, Any]:
    """The stack's config as the engine hands it to a policy pack (PULUMI_CONFIG and explicit settings)."""
    from pulumi.runtime.config import get_config

    return {k: v for k in STACK_CONFIG_KEYS if (v := get_config(k)) is not None}


def _provider(args: ResourceValidationArgs | PolicyResource) -> Res | None:
    p = args.provider
    return Res(type=p.resource_type, urn=p.urn, name=p.name, props=p.props) if p is not None else None


def res_from_args(args: ResourceValidationArgs | PolicyResource) -> Res:
    parent = args.opts.parent if args.opts is not None else None
    if isinstance(parent, PolicyResource):
        parent = parent.urn
    return Res(
        type=args.resource_type,
        urn=args.urn,
        name=args.name,
        props=args.props,
        provider=_provider(args),
        parent=parent or "",
    )


def _settings(
    rule: Rule, stack_config: StackConfigSource, policy_config: Mapping[str, Any]
) -> tuple[StackContext, Any]:
    """The stack context and the rule's resolved config; raises PolicyConfigError on a bad config."""
    stack = StackContext(config=stack_config())
    return stack, resolve(policy_config, stack, rule.config_keys)


def _resource_policy(rule: Rule, stack_config: StackConfigSource) -> ResourceValidationPolicy:
    assert rule.check is not None
    check = rule.check

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        try:
            stack, cfg = _settings(rule, stack_config, args.get_config())
        except PolicyConfigError as e:
            report(str(e), None)
            return
        for message in check(res_from_args(args), cfg, stack):
            report(message, None)

    remediate = None
    if rule.fix is not None:
        fix = rule.fix

        def remediate(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
            try:
                stack, cfg = _settings(rule, stack_config, args.get_config())
            except PolicyConfigError:
                return None
            new = fix(res_from_args(args), cfg, stack)
            return plain(new) if new is not None else None

    return ResourceValidationPolicy(
        name=rule.id,
        description=rule.description,
        validate=validate,
        remediate=remediate,
        **_metadata(rule),
    )


def _stack_policy(rule: Rule, stack_config: StackConfigSource) -> StackValidationPolicy:
    assert rule.check_stack is not None
    check_stack = rule.check_stack

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        try:
            stack, cfg = _settings(rule, stack_config, args.get_config())
        except PolicyConfigError as e:
            report(str(e), None)
            return
        resources = [res_from_args(r) for r in args.resources]
        for message, urn in check_stack(resources, cfg, stack):
            report(message, urn or None)

    return StackValidationPolicy(name=rule.id, description=rule.description, validate=validate, **_metadata(rule))


def _metadata(rule: Rule) -> dict[str, Any]:
    return {
        "enforcement_level": EnforcementLevel(rule.enforcement.value),
        "config_schema": PolicyConfigSchema(properties=schema_for(rule.config_keys)) if rule.config_keys else None,
        "severity": Severity(rule.severity.value),
        "remediation_steps": rule.remediation,
        "tags": [rule.pack, f"rule-{rule.number}"],
    }


def to_policies(pack: Pack, stack_config: StackConfigSource = runtime_stack_config) -> list[Policy]:
    """Every rule of a pack as a Policy SDK object, ready for `PolicyPack(policies=...)`."""
    return [
        _resource_policy(r, stack_config) if r.check is not None else _stack_policy(r, stack_config) for r in pack.rules
    ]


def serve(pack: Pack) -> None:
    """Start a pack's CrossGuard analyzer. `PolicyPack(...)` starts the gRPC server and never returns, so only
    a pack's `__main__.py` calls this; tests use the rules directly."""
    from pulumi_policy import PolicyPack

    PolicyPack(
        name=pack.name,
        policies=to_policies(pack),
        enforcement_level=EnforcementLevel.MANDATORY,
        description=pack.description,
    )

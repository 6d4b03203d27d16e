"""The offline runner: every rule of every pack over a plan's resources and its stack, without the engine.

It does what the Pulumi CLI and the analyzer servicer do around a pack: read the policy-config file
(`{"<policy>": "<level>" | {"enforcementLevel": ..., <props>}, "all": ...}`), apply schema defaults, pick
each rule's enforcement level, skip disabled rules, and for `remediate` apply the fix before checking
(what is left is reported as mandatory, as the engine does). Then it runs the very `Rule.check` functions
the CrossGuard packs run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from gpufabric.core.errors import InputError
from gpufabric.core.files import YAML_MAX_BYTES, read_json
from gpufabric.spec.state_location import StateSettings
from policies.config import PolicyConfigError, ResolvedConfig, resolve
from policies.model import STACK_TYPE, Enforcement, Pack, Res, Rule, RuleInfo, StackContext, Violation, sort_key

LEVELS = {e.value for e in Enforcement}
PROJECT = "gpufabric"


class PlannedStack(Protocol):
    """What the runner needs of an offline plan (gpufabric.offline.Plan), without depending on the engine."""

    stack: str
    config: Mapping[str, Any]
    resources: Sequence[Mapping[str, Any]]


def stack_urn(stack: str, project: str = PROJECT) -> str:
    """The URN Pulumi gives a stack's root resource, where stack-level violations are reported."""
    return f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"


def evaluate_full(
    plan: PlannedStack, policy_config: Mapping[str, Any] | None = None, state: StateSettings | None = None
) -> tuple[list[Violation], list[RuleInfo]]:
    """Violations and the rules as evaluated, for an offline plan (and its state location, when read).
    PolicyConfigError on a bad policy config."""
    context = StackContext(config=plan.config, stack_urn=stack_urn(plan.stack), state=state)
    return evaluate(resources_from_plan(plan.resources), context, policy_config)


def evaluate_plan(plan: PlannedStack, policy_config: Mapping[str, Any] | None = None) -> list[Violation]:
    """Every pack's violations of an offline plan: what `gpufabric plan` lists and `gpufabric check` judges."""
    return evaluate_full(plan, policy_config)[0]


class SpecBreach(Protocol):
    """A bad stack-file input that also breaks a policy rule (gpufabric.core.errors.InputError has these)."""

    policy: str
    message: str


def spec_violations(
    stack: str, breaches: Sequence[SpecBreach], policy_config: Mapping[str, Any] | None = None
) -> tuple[list[Violation], list[RuleInfo]] | None:
    """The stack-level violations of a stack file whose every problem breaks a mandatory rule, with the rules
    as evaluated; None when any problem is plain bad input (no rule, or a rule configured below mandatory)."""
    urn = stack_urn(stack)
    _, rules = evaluate([], StackContext(config={}, stack_urn=urn), policy_config)
    by_id = {r.id: r for r in rules}
    violations = []
    for breach in breaches:
        rule = by_id.get(breach.policy)
        if rule is None or rule.enforcement != Enforcement.MANDATORY.value:
            return None
        violations.append(
            Violation(
                policy=rule.id,
                pack=rule.pack,
                enforcement=rule.enforcement,
                severity=rule.severity,
                urn=urn,
                type=STACK_TYPE,
                message=breach.message,
            )
        )
    return (violations, rules) if violations else None


def all_packs() -> tuple[Pack, ...]:
    """The packs `gpufabric check` runs, in report order."""
    from policies.overflow.rules import PACK_DEF as overflow
    from policies.residency.rules import PACK_DEF as residency
    from policies.security.rules import PACK_DEF as security

    return (residency, security, overflow)


def resources_from_plan(items: Sequence[Mapping[str, Any]]) -> list[Res]:
    """Plan resource dicts -> `Res`, each with its provider resolved by URN (a provider reference may be
    `<urn>::<id>` as in the engine, or the bare URN)."""
    providers = {
        r["urn"]: Res(type=r["type"], urn=r["urn"], name=r.get("name", ""), props=r.get("inputs") or {})
        for r in items
        if str(r.get("type", "")).startswith("pulumi:providers:")
    }
    out = []
    for r in items:
        ref = r.get("provider") or ""
        provider = providers.get(ref) or providers.get(ref.rsplit("::", 1)[0]) if ref else None
        out.append(
            Res(
                type=r["type"],
                urn=r["urn"],
                name=r.get("name", ""),
                props=r.get("inputs") or {},
                provider=provider,
                parent=r.get("parent") or "",
                id=str(r.get("id") or ""),
            )
        )
    return out


def load_policy_config(paths: Sequence[Path]) -> dict[str, Any]:
    """Merge policy-config files (later files win per policy). PolicyConfigError on unreadable files."""
    merged: dict[str, Any] = {}
    for path in paths:
        try:
            doc = read_json(Path(path), YAML_MAX_BYTES, "JSON policy config")
        except InputError as e:
            raise PolicyConfigError(e.message) from None
        if not isinstance(doc, dict):
            raise PolicyConfigError(f"{path}: expected a JSON object keyed by policy name")
        merged.update(doc)
    return merged


def _level(value: Any, where: str) -> Enforcement:
    if value not in LEVELS:
        raise PolicyConfigError(
            f"{where}: expected an enforcement level ({', '.join(sorted(LEVELS))}), found {value!r}"
        )
    return Enforcement(value)


def rule_settings(rule: Rule, policy_config: Mapping[str, Any]) -> tuple[Enforcement, dict[str, Any]]:
    """(enforcement level, config properties) for one rule, as the CLI would configure the pack."""
    level = rule.enforcement
    props: dict[str, Any] = {}
    for key in ("all", rule.id):
        entry = policy_config.get(key)
        if entry is None:
            continue
        if isinstance(entry, str):
            level = _level(entry, key)
        elif isinstance(entry, Mapping):
            if "enforcementLevel" in entry:
                level = _level(entry["enforcementLevel"], f"{key}.enforcementLevel")
            if key == rule.id:
                props = {k: v for k, v in entry.items() if k != "enforcementLevel"}
        else:
            raise PolicyConfigError(f"{key}: expected an enforcement level or an object, found {entry!r}")
    return level, props


def check_policy_names(packs: Sequence[Pack], policy_config: Mapping[str, Any]) -> None:
    known = {r.id for p in packs for r in p.rules} | {"all"}
    unknown = sorted(set(policy_config) - known)
    if unknown:
        raise PolicyConfigError(
            f"policy config names unknown policies {', '.join(unknown)}; known: {', '.join(sorted(known - {'all'}))}"
        )


def evaluate(
    resources: Sequence[Res],
    stack: StackContext,
    policy_config: Mapping[str, Any] | None = None,
    packs: Sequence[Pack] | None = None,
) -> tuple[list[Violation], list[RuleInfo]]:
    """Run every enabled rule; returns the violations (sorted) and the rules as evaluated."""
    packs = tuple(packs) if packs is not None else all_packs()
    policy_config = policy_config or {}
    check_policy_names(packs, policy_config)
    violations: list[Violation] = []
    infos: list[RuleInfo] = []
    for pack in packs:
        for rule in pack.rules:
            level, props = rule_settings(rule, policy_config)
            infos.append(
                RuleInfo(
                    id=rule.id,
                    pack=pack.name,
                    number=rule.number,
                    description=rule.description,
                    remediation=rule.remediation,
                    severity=rule.severity.value,
                    enforcement=level.value,
                )
            )
            if level == Enforcement.DISABLED:
                continue
            cfg = resolve(props, stack, rule.config_keys)
            violations += _run(rule, pack, level, cfg, resources, stack)
    return sorted(violations, key=sort_key), infos


def _run(
    rule: Rule,
    pack: Pack,
    level: Enforcement,
    cfg: ResolvedConfig,
    resources: Sequence[Res],
    stack: StackContext,
) -> list[Violation]:
    reported = Enforcement.MANDATORY if level == Enforcement.REMEDIATE else level

    def violation(message: str, urn: str, type_: str) -> Violation:
        return Violation(
            policy=rule.id,
            pack=pack.name,
            enforcement=reported.value,
            severity=rule.severity.value,
            urn=urn,
            type=type_,
            message=message,
        )

    out: list[Violation] = []
    if rule.check_stack is not None:
        types = {r.urn: r.type for r in resources}
        for message, urn in rule.check_stack(resources, cfg, stack):
            target = urn or stack.stack_urn
            out.append(violation(message, target, types.get(urn, STACK_TYPE)))
        return out
    assert rule.check is not None
    for res in resources:
        if level == Enforcement.REMEDIATE and rule.fix is not None:
            fixed = rule.fix(res, cfg, stack)
            if fixed is not None:
                res = replace(res, props=fixed)
        out += [violation(m, res.urn, res.type) for m in rule.check(res, cfg, stack)]
    return out

"""`gpufabric check`: the offline plan of a stack, checked by every rule of the residency and security
packs. Exit 1 on any mandatory violation (advisories print but pass), 0 otherwise, 2 on bad input.

`evaluate_plan` is the one function both `check` and `plan` use, so both report the same violations.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from gpufabric.cli import EXIT_OK, EXIT_VIOLATION, app, fail_input
from gpufabric.cli.common import load, run_plan
from gpufabric.core.errors import InputError, InputErrors
from gpufabric.offline import Plan
from gpufabric.report.junit import junit_text
from gpufabric.report.sarif import sarif_text
from gpufabric.report.table import render
from gpufabric.spec.load import declared_jurisdiction, stack_name_of
from policies.config import PolicyConfigError
from policies.engine import evaluate, load_policy_config, resources_from_plan
from policies.model import STACK_TYPE, RuleInfo, StackContext, Violation, has_blocking

PROJECT = "gpufabric"


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"
    junit = "junit"


def stack_context(plan: Plan) -> StackContext:
    urn = f"urn:pulumi:{plan.stack}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{plan.stack}"
    return StackContext(config=plan.config, stack_urn=urn)


def evaluate_full(plan: Plan, policy_config: Mapping[str, Any] | None = None) -> tuple[list[Violation], list[RuleInfo]]:
    """Violations and the rules as evaluated. Raises PolicyConfigError on a bad policy config."""
    return evaluate(resources_from_plan(plan.resources), stack_context(plan), policy_config)


def evaluate_plan(plan: Plan, policy_config: Mapping[str, Any] | None = None) -> list[Violation]:
    """Every pack's violations of an offline plan (what `gpufabric plan` puts in `violations`)."""
    return evaluate_full(plan, policy_config)[0]


def _artifact_uri(path: str) -> str:
    p = Path(path).resolve()
    try:
        return p.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")


def _policy_config(paths: Sequence[Path]) -> dict[str, Any]:
    try:
        return load_policy_config(paths)
    except PolicyConfigError as e:
        raise InputError("--policy-config", "", detail=str(e)) from None


@app.command("check")
def check_command(
    stack: Annotated[str | None, typer.Option("--stack", "-s", help="Stack name: stacks/Pulumi.<NAME>.yaml")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Path of any stack file")] = None,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="table, json, sarif or junit")] = (
        CheckFormat.table
    ),
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here instead of stdout")] = None,
    policy_config: Annotated[
        list[Path] | None,
        typer.Option(
            "--policy-config",
            help="CrossGuard policy-config JSON (repeatable): policies/residency/policy-config.json",
        ),
    ] = None,
) -> None:
    """Check a stack offline against the residency and security policy packs."""
    try:
        policy = _policy_config(policy_config or [])
        try:
            loaded = load(stack, config)
        except InputError as err:
            # A stack file that names a region outside its jurisdiction cannot be planned, but it is a
            # residency verdict, not a typo: report it as the residency rule it breaks.
            breach = spec_breaches(err, policy)
            if breach is None:
                raise
            violations, rules, name, file = breach
            _report(fmt, out, violations, rules, name, declared_jurisdiction(Path(file)), file, 0.0)
            raise typer.Exit(EXIT_VIOLATION) from None
        plan = run_plan(loaded, quiet=fmt != CheckFormat.table)
        started = time.perf_counter()
        try:
            violations, rules = evaluate_full(plan, policy)
        except PolicyConfigError as e:
            raise InputError("--policy-config", "", detail=str(e)) from None
        elapsed = time.perf_counter() - started
    except InputError as err:
        raise fail_input(err) from None
    _report(fmt, out, violations, rules, plan.stack, plan.jurisdiction, plan.stack_file, elapsed)
    raise typer.Exit(EXIT_VIOLATION if has_blocking(violations) else EXIT_OK)


def spec_breaches(
    err: InputError, policy_config: Mapping[str, Any]
) -> tuple[list[Violation], list[RuleInfo], str, str] | None:
    """Violations for a stack file whose every problem breaks a mandatory pack rule; else None (bad input)."""
    errors = err.errors if isinstance(err, InputErrors) else [err]
    if not errors or not all(e.policy for e in errors) or not Path(errors[0].file).is_file():
        return None
    name = stack_name_of(Path(errors[0].file))
    urn = f"urn:pulumi:{name}::{PROJECT}::{STACK_TYPE}::{PROJECT}-{name}"
    _, rules = evaluate([], StackContext(config={}, stack_urn=urn), policy_config)
    by_id = {r.id: r for r in rules}
    violations = []
    for e in errors:
        rule = by_id.get(e.policy)
        if rule is None or rule.enforcement != "mandatory":
            return None
        violations.append(
            Violation(
                policy=rule.id,
                pack=rule.pack,
                enforcement=rule.enforcement,
                severity=rule.severity,
                urn=urn,
                type=STACK_TYPE,
                message=e.message,
            )
        )
    return violations, rules, name, errors[0].file


def _report(
    fmt: CheckFormat,
    out: Path | None,
    violations: list[Violation],
    rules: list[RuleInfo],
    stack: str,
    jurisdiction: str | None,
    stack_file: str,
    elapsed: float,
) -> None:
    if fmt == CheckFormat.json:
        doc = {
            "stack": stack,
            "jurisdiction": jurisdiction,
            "violations": [v.to_dict() for v in violations],
        }
        _emit(json.dumps(doc, indent=2, sort_keys=True) + "\n", out)
    elif fmt == CheckFormat.sarif:
        _emit(sarif_text(violations, rules, _artifact_uri(stack_file)), out)
    elif fmt == CheckFormat.junit:
        _emit(junit_text(violations, rules, stack, elapsed), out)
    else:
        width = None if sys.stdout.isatty() and out is None else int(os.environ.get("COLUMNS", "160"))
        console = Console(record=out is not None, width=width, file=open(os.devnull, "w") if out else None)  # noqa: SIM115
        render(violations, rules, stack, console)
        if out is not None:
            _emit(console.export_text(), out)

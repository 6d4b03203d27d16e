"""`gpufabric check`: the offline plan of a stack, checked by every rule of the residency and security
packs. Exit 1 on any mandatory violation (advisories print but pass), 0 otherwise, 2 on bad input.

The evaluation itself (URNs, violations) is policies.engine's; this module only parses options and reports.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from gpufabric.cli.app import EXIT_OK, EXIT_VIOLATION, app, fail_input
from gpufabric.cli.common import check_out, emit, load_any, run_plan
from gpufabric.cli.options import Config, Out, Stack, chosen_format, format_option
from gpufabric.core.errors import InputError, InputErrors
from gpufabric.report.junit import junit_text
from gpufabric.report.sarif import sarif_text
from gpufabric.report.table import render
from gpufabric.spec.load import declared_jurisdiction, stack_name_of
from gpufabric.spec.state_location import read_state_settings
from policies.config import PolicyConfigError
from policies.engine import evaluate_full, load_policy_config, spec_violations
from policies.model import RuleInfo, Violation, has_blocking


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"
    junit = "junit"


def _artifact_uri(path: str) -> str:
    p = Path(path).resolve()
    try:
        return p.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def _policy_config(paths: Sequence[Path]) -> dict[str, Any]:
    try:
        return load_policy_config(paths)
    except PolicyConfigError as e:
        raise InputError("--policy-config", "", detail=str(e)) from None


@app.command("check")
def check_command(
    stack: Stack = None,
    config: Config = None,
    fmt: Annotated[CheckFormat | None, format_option(CheckFormat)] = None,
    out: Out = None,
    policy_config: Annotated[
        list[Path] | None,
        typer.Option(
            "--policy-config",
            help="CrossGuard policy-config JSON (repeatable): policies/residency/policy-config.json",
        ),
    ] = None,
) -> None:
    """Check a stack offline against the residency and security policy packs."""
    chosen = chosen_format(fmt, out, CheckFormat)
    try:
        check_out(out)
        policy = _policy_config(policy_config or [])
        try:
            loaded = load_any(stack, config)
        except InputError as err:
            # A stack file that names a region outside its jurisdiction cannot be planned, but it is a
            # residency verdict, not a typo: report it as the residency rule it breaks.
            errors = err.errors if isinstance(err, InputErrors) else [err]
            file = Path(errors[0].file) if errors else None
            if file is None or not file.is_file() or not all(e.policy for e in errors):
                raise
            breach = spec_violations(stack_name_of(file), errors, policy)
            if breach is None:
                raise
            violations, rules = breach
            _report(chosen, out, violations, rules, stack_name_of(file), declared_jurisdiction(file), str(file), 0.0)
            raise typer.Exit(EXIT_VIOLATION) from None
        plan = run_plan(loaded, quiet=chosen != CheckFormat.table)
        started = time.perf_counter()
        try:
            state = read_state_settings(Path(plan.stack_file), os.environ)
            violations, rules = evaluate_full(plan, policy, state)
        except PolicyConfigError as e:
            raise InputError("--policy-config", "", detail=str(e)) from None
        elapsed = time.perf_counter() - started
        _report(chosen, out, violations, rules, plan.stack, plan.jurisdiction, plan.stack_file, elapsed)
    except InputError as err:
        raise fail_input(err) from None
    raise typer.Exit(EXIT_VIOLATION if has_blocking(violations) else EXIT_OK)


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
    """Render the report in `fmt` and emit it (stdout, or `--out` atomically). InputError on an unwritable --out."""
    if fmt == CheckFormat.json:
        doc = {
            "stack": stack,
            "jurisdiction": jurisdiction,
            "violations": [v.to_dict() for v in violations],
        }
        emit(json.dumps(doc, indent=2, sort_keys=True) + "\n", out)
    elif fmt == CheckFormat.sarif:
        emit(sarif_text(violations, rules, _artifact_uri(stack_file)), out)
    elif fmt == CheckFormat.junit:
        emit(junit_text(violations, rules, stack, elapsed), out)
    elif out is None:
        width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "160"))
        render(violations, rules, stack, Console(width=width))
    else:
        console = Console(record=True, width=int(os.environ.get("COLUMNS", "160")), file=io.StringIO())
        render(violations, rules, stack, console)
        emit(console.export_text(), out)

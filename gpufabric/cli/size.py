"""`gpufabric size`: demand forecasts in, a capacity plan per site and tier out.

Exit codes: 0 plan covers demand, 1 demand is unserved (caps bind), 2 bad input, 3 the solver failed (no
plan). Nothing is written (--out, --plot, --apply-to) unless the whole plan was computed; every path is checked
before the solver runs, and every file is written atomically (gpufabric.core.output; --apply-to:
gpufabric.sizing.apply).
"""

from __future__ import annotations

import io
import json
import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from gpufabric.cli.app import EXIT_OK, EXIT_VIOLATION, app, fail_input
from gpufabric.cli.common import check_out, emit
from gpufabric.cli.options import Config, Out, Stack, chosen_format, format_option
from gpufabric.core.errors import InputError
from gpufabric.core.output import resolve_target
from gpufabric.sizing import apply as apply_mod
from gpufabric.sizing.apply import StackTarget
from gpufabric.sizing.demand import load_demand, load_scenarios, parse_interval
from gpufabric.sizing.evaluate import evaluate
from gpufabric.sizing.loaders import load_catalog, load_prices, load_profile
from gpufabric.sizing.optimize import SolverError
from gpufabric.sizing.plan import Plan, build_plan, is_unserved
from gpufabric.sizing.plan_file import load_plan
from gpufabric.spec import load_stack_file

Applied = tuple[str, str, list[str]]
EXIT_SOLVER_FAILED = 3  # distinct from 1 (a plan with unserved demand): there is no plan at all


def _render_table(plan: Plan, console: Console) -> None:
    t = Table(title=f"Capacity plan ({plan.intervals} intervals of {plan.interval_seconds // 60} min)")
    for col in ("option", "tier", "gpu", "units/node", "USD/node-h", "committed", "max nodes", "cost USD"):
        t.add_column(col, justify="left" if col in ("option", "tier", "gpu") else "right")
    hours = plan.interval_seconds / 3600
    for o in plan.options:
        cost = sum(o.nodes) * o.price_per_node_hour * hours
        t.add_row(
            o.id,
            o.tier.value,
            o.gpu,
            f"{o.capacity_per_node:.2f}",
            f"{o.price_per_node_hour:.2f}",
            str(o.committed_nodes) if o.tier.value in ("owned", "reserved", "capacity_block") else "-",
            str(max(o.nodes, default=0)),
            f"{cost:,.0f}",
        )
    console.print(t)
    console.print(f"unit: {plan.unit}")
    console.print(
        f"total cost: {plan.cost.total:,.2f} USD; by tier: "
        + ", ".join(f"{k} {v:,.0f}" for k, v in plan.cost.by_tier.items())
    )
    if plan.cost.per_million_output_tokens is not None:
        console.print(f"cost per million output tokens: {plan.cost.per_million_output_tokens:.3f} USD")
    console.print(f"optimality gap: {plan.optimality_gap:.2%} ({plan.solver_status})")
    for e in plan.excluded:
        console.print(f"excluded {e.id}: {e.reason}")
    if is_unserved(plan.unserved):
        console.print(
            f"[red]UNSERVED: {plan.unserved:.2f} unit-hours; binding caps: {', '.join(plan.binding_caps)}[/red]"
        )
    if plan.notice:
        console.print(f"[dim]{plan.notice}[/dim]")


class SizeFormat(StrEnum):
    table = "table"
    json = "json"


def _plot(plan: Plan, plot: Path | None) -> None:
    if plot is not None:
        from gpufabric.sizing.plot import plot_plan

        plot_plan(plan, plot)


def _apply(apply_to: StackTarget | None, apply_text: Applied | None) -> None:
    """Write --apply-to, last: the stack file changes only when every other output was written."""
    if apply_to is None:
        return
    if apply_text is None:
        print(f"not applied to {apply_to.path}: demand is unserved, raise the binding caps first", file=sys.stderr)
        return
    old, new, changes = apply_text
    if new != old:
        apply_to.write(new)
    print(apply_mod.diff(old, new, apply_to.path) or f"{apply_to.path}: already up to date", file=sys.stderr)
    for change in changes:
        print(f"  {change}", file=sys.stderr)


@app.command("size")
def size(
    demand: Annotated[list[str], typer.Option("--demand", help="demand CSV, FILE[:WEIGHT]; repeat for scenarios")] = [],  # noqa: B006
    catalog: Annotated[Path | None, typer.Option(help="capacity options YAML")] = None,
    stack: Stack = None,
    config: Config = None,
    profile: Annotated[Path | None, typer.Option(help="serving profile YAML (default: shipped 8B profile)")] = None,
    prices: Annotated[Path | None, typer.Option(help="price table YAML for --stack (default: shipped)")] = None,
    interval: Annotated[str, typer.Option(help="planning interval, e.g. 15m, 1h")] = "1h",
    jurisdiction: Annotated[str | None, typer.Option(help="only use options inside this jurisdiction")] = None,
    fmt: Annotated[SizeFormat | None, format_option(SizeFormat)] = None,
    out: Out = None,
    plot: Annotated[Path | None, typer.Option(help="write a PNG of demand vs capacity by tier")] = None,
    apply_to: Annotated[Path | None, typer.Option("--apply-to", help="write counts into this stack file")] = None,
    evaluate_csv: Annotated[Path | None, typer.Option("--evaluate", help="replay --plan on this actual demand")] = None,
    plan_path: Annotated[Path | None, typer.Option("--plan", help="plan JSON for --evaluate")] = None,
    max_nodes: Annotated[int, typer.Option(help="cap per tier for --stack options")] = 64,
    unserved_penalty: Annotated[float | None, typer.Option(help="USD per unserved unit-hour")] = None,
    time_limit: Annotated[float, typer.Option(help="solver time limit, seconds")] = 30.0,
) -> None:
    """Size capacity per site and tier at the lowest cost that meets the SLO."""
    chosen = chosen_format(fmt, out, SizeFormat)
    console = Console() if sys.stdout.isatty() and out is None else Console(width=140, file=io.StringIO(), record=True)
    status = Console(stderr=True)
    try:
        if unserved_penalty is not None and not (math.isfinite(unserved_penalty) and unserved_penalty > 0):
            raise InputError("--unserved-penalty", "", "a positive, finite USD per unit-hour", repr(unserved_penalty))
        if not (math.isfinite(time_limit) and time_limit > 0):
            raise InputError("--time-limit", "", "a positive, finite number of seconds", repr(time_limit))
        # Every path the run will write is checked before any work, so a typo costs no solver time.
        check_out(out)
        if plot is not None:
            resolve_target(plot, "--plot")
        if evaluate_csv is not None:
            if plan_path is None:
                raise InputError("--evaluate", "", "--plan PLAN.json alongside", "no --plan")
            plan = load_plan(plan_path)
            actual = load_demand(evaluate_csv, plan.interval_seconds)
            with status.status("Replaying the plan and solving the hindsight optimum..."):
                result = evaluate(plan, actual).as_dict()
            if chosen == SizeFormat.json:
                emit(json.dumps(result, indent=2) + "\n", out)
            else:
                for k, v in result.items():
                    console.print(f"{k}: {v}")
                _flush(console, out)
            raise typer.Exit(EXIT_VIOLATION if is_unserved(float(result["unserved"] or 0.0)) else EXIT_OK)
        if sum(x is not None for x in (catalog, stack, config)) != 1:
            raise InputError(
                "gpufabric size",
                "",
                "exactly one of --catalog FILE or --stack NAME (or --config PATH)",
                "more than one" if catalog or stack or config else "neither",
            )
        target = StackTarget.open(apply_to) if apply_to is not None else None
        seconds = parse_interval(interval)
        prof = load_profile(profile)
        notice = ""
        if catalog is not None:
            options = load_catalog(catalog).options
        else:
            from gpufabric.sizing.stack import options_from_spec, options_from_stack

            table = load_prices(prices)
            if config is not None:
                spec = load_stack_file(config).spec
                options = options_from_spec(spec, table, str(config), max_nodes)
            else:
                options, _, spec = options_from_stack(stack or "", table, max_nodes)
            if jurisdiction is None:
                jurisdiction = getattr(getattr(spec, "jurisdiction", None), "name", None)
            notice = f"prices: {table.notice} (as of {table.as_of})"
        scenarios = load_scenarios(demand, seconds)
        with status.status(
            f"Solving the capacity MILP ({len(scenarios[0].demand)} intervals, {len(options)} options)..."
        ):
            plan = build_plan(
                options,
                prof,
                scenarios,
                jurisdiction=jurisdiction,
                penalty=unserved_penalty,
                time_limit=time_limit,
                notice=notice,
            )
        document = plan.model_dump(mode="json")
        apply_text = target.updated(plan) if target is not None and not is_unserved(plan.unserved) else None

        # Everything computed: now write, the plot first (a device may refuse it only now), the stack file last.
        _plot(plan, plot)
        if chosen == SizeFormat.json:
            emit(json.dumps(document, indent=2) + "\n", out)
        else:
            _render_table(plan, console)
            _flush(console, out)
        _apply(target, apply_text)
    except InputError as err:
        raise fail_input(err) from None
    except SolverError as err:
        print(f"gpufabric size: no plan: {err}", file=sys.stderr)
        raise typer.Exit(EXIT_SOLVER_FAILED) from None
    raise typer.Exit(EXIT_VIOLATION if is_unserved(plan.unserved) else EXIT_OK)


def _flush(console: Console, out: Path | None) -> None:
    """A recorded console's text to stdout or --out (a console on a terminal has printed already)."""
    if not console.record:
        return
    emit(console.export_text(), out)

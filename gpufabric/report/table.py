"""The report for people: violations grouped by rule, mandatory rules first, with the fix for each."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from policies.model import RuleInfo, Violation

STYLE = {"mandatory": "bold red", "advisory": "yellow", "remediate": "bold red"}


def render(violations: Sequence[Violation], rules: Sequence[RuleInfo], stack: str, console: Console) -> None:
    by_rule: dict[str, list[Violation]] = {}
    for v in violations:
        by_rule.setdefault(v.policy, []).append(v)
    ordered = sorted(
        (r for r in rules if r.id in by_rule),
        key=lambda r: (not any(v.blocking for v in by_rule[r.id]), r.pack, r.number, r.id),
    )
    for rule in ordered:
        items = by_rule[rule.id]
        level = items[0].enforcement
        table = Table(
            title=f"[{STYLE.get(level, '')}]{rule.id}[/] ({rule.pack}, rule {rule.number}, {level}, {rule.severity})",
            caption=f"fix: {escape(rule.remediation)}",
            title_justify="left",
            caption_justify="left",
            show_lines=False,
            expand=False,
        )
        table.add_column("type", overflow="fold")
        table.add_column("resource", overflow="fold")
        table.add_column("problem", overflow="fold")
        for v in items:
            # Messages carry key paths like sites[aws-stockholm]: plain text, never rich markup.
            table.add_row(
                escape(v.type.rsplit(":", 1)[-1]), escape(v.urn.rsplit("::", 1)[-1] or "(stack)"), escape(v.message)
            )
        console.print(table)
        console.print()
    mandatory = sum(v.blocking for v in violations)
    advisory = len(violations) - mandatory
    enabled = [r for r in rules if r.enforcement != "disabled"]
    passing = len([r for r in enabled if r.id not in by_rule])
    verdict = "[bold red]FAIL[/]" if mandatory else "[bold green]PASS[/]"
    console.print(
        f"{verdict} stack {stack}: {mandatory} mandatory and {advisory} advisory violation(s); "
        f"{passing} of {len(enabled)} rules clean"
    )

"""`gpufabric plan`: the offline plan of a stack, for people (table) or programs (json)."""

from __future__ import annotations

import io
import sys
from collections import Counter
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gpufabric.cli.app import EXIT_OK, EXIT_VIOLATION, app, fail_input
from gpufabric.cli.common import check_out, emit, load_any, run_plan
from gpufabric.cli.options import Config, Out, Stack, chosen_format, format_option
from gpufabric.core.errors import InputError
from gpufabric.core.vocabulary import LABEL_OVERFLOW_RANK, LABEL_SITE, LABEL_TIER, LABEL_TIER_KIND
from gpufabric.decide.tier_policy import tier_policy
from gpufabric.offline import Plan


class PlanFormat(StrEnum):
    table = "table"
    json = "json"


NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"  # an owned tier's note: its nodes exist already (on-prem)
KARPENTER_NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"


@app.command("plan")
def plan_command(
    stack: Stack = None,
    config: Config = None,
    fmt: Annotated[PlanFormat | None, format_option(PlanFormat)] = None,
    out: Out = None,
) -> None:
    """Plan a stack offline: run the real Pulumi program under mocks and show what it would create."""
    from policies.engine import evaluate_plan  # start-up: loaded only when a plan is judged

    chosen = chosen_format(fmt, out, PlanFormat)
    try:
        check_out(out)
        loaded = load_any(stack, config)
        plan = run_plan(loaded, quiet=chosen == PlanFormat.json)
        plan.violations = [v.to_dict() for v in evaluate_plan(plan)]
        if chosen == PlanFormat.json:
            emit(plan.to_json() + "\n", out)
        elif out is None:
            render(plan, Console(width=None if sys.stdout.isatty() else 150))
        else:
            console = Console(record=True, width=150, file=io.StringIO())
            render(plan, console)
            emit(console.export_text(), out)
    except InputError as err:
        raise fail_input(err) from None
    mandatory = [v for v in plan.violations if v.get("enforcement") == "mandatory"]
    raise typer.Exit(EXIT_VIOLATION if mandatory else EXIT_OK)


def tier_rows(plan: Plan) -> list[dict[str, Any]]:
    """One row per GPU tier, read back from the node groups in the resource graph."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in plan.by_type(NODE_GROUP):
        labels = r["inputs"].get("labels", {})
        if LABEL_TIER not in labels:
            continue
        key = (labels[LABEL_SITE], labels[LABEL_TIER])
        scaling = r["inputs"]["scalingConfig"]
        row = rows.setdefault(
            key,
            {
                "site": key[0],
                "tier": key[1],
                "kind": labels[LABEL_TIER_KIND],
                "rank": int(labels[LABEL_OVERFLOW_RANK]),
                "region": r["region"],
                "instance_types": r["inputs"].get("instanceTypes", []),
                "capacity_type": r["inputs"].get("capacityType"),
                "node_groups": 0,
                "min": 0,
                "max": 0,
            },
        )
        row["node_groups"] += 1
        row["min"] += int(scaling["minSize"])
        row["max"] += int(scaling["maxSize"])
    rows |= gcp_tier_rows(plan)
    rows |= karpenter_tier_rows(plan)
    for r in plan.by_type(CONFIG_MAP):
        labels = r["inputs"].get("metadata", {}).get("labels", {})
        if LABEL_TIER_KIND not in labels:
            continue
        nodes = int(r["inputs"]["data"]["nodes"])
        rows[(labels[LABEL_SITE], labels[LABEL_TIER])] = {
            "site": labels[LABEL_SITE],
            "tier": labels[LABEL_TIER],
            "kind": labels[LABEL_TIER_KIND],
            "rank": int(labels[LABEL_OVERFLOW_RANK]),
            "region": next((s.region for s in plan.spec.sites if s.name == labels[LABEL_SITE]), None),
            "instance_types": [f"{r['inputs']['data']['gpusPerNode']} x {r['inputs']['data']['gpu']} (owned)"],
            "capacity_type": None,
            "node_groups": 0,
            "min": nodes,
            "max": nodes,
        }
    return sorted(rows.values(), key=lambda row: row["rank"])


def gcp_tier_rows(plan: Plan) -> dict[tuple[str, str], dict[str, Any]]:
    """GCP tiers read back from their GKE node pools (one pool per tier; a reserved pool's count is per zone)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in plan.by_type(GKE_NODE_POOL):
        config = r["inputs"].get("nodeConfig", {})
        labels = config.get("labels", {})
        if LABEL_TIER not in labels:
            continue
        scaling = r["inputs"].get("autoscaling")
        zones = len(r["inputs"].get("nodeLocations", [])) or 1
        fixed = int(r["inputs"].get("nodeCount", 0)) * zones
        capacity = "SPOT" if config.get("spot") else "RESERVATION" if config.get("reservationAffinity") else "ON_DEMAND"
        rows[(labels[LABEL_SITE], labels[LABEL_TIER])] = {
            "site": labels[LABEL_SITE],
            "tier": labels[LABEL_TIER],
            "kind": labels[LABEL_TIER_KIND],
            "rank": int(labels[LABEL_OVERFLOW_RANK]),
            "region": r["region"],
            "instance_types": [config.get("machineType", "")],
            "capacity_type": capacity,
            "node_groups": 1,
            "min": int(scaling["totalMinNodeCount"]) if scaling else fixed,
            "max": int(scaling["totalMaxNodeCount"]) if scaling else fixed,
        }
    return rows


def karpenter_tier_rows(plan: Plan) -> dict[tuple[str, str], dict[str, Any]]:
    """AWS tiers Karpenter launches, read back from their NodePools (nodes: the tier's size in the spec)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    sizes = {(s.name, t.name): t for s in plan.spec.sites for t in s.tiers}
    for r in plan.by_type(KARPENTER_NODE_POOL):
        template = r["inputs"].get("spec", {}).get("template", {})
        labels = template.get("metadata", {}).get("labels", {})
        if LABEL_TIER not in labels:
            continue
        key = (labels[LABEL_SITE], labels[LABEL_TIER])
        reqs = {q["key"]: q["values"] for q in template.get("spec", {}).get("requirements", [])}
        tier = sizes[key]
        low, high = (tier.count, tier.count) if hasattr(tier, "count") else (tier.min, tier.max)
        rows[key] = {
            "site": key[0],
            "tier": key[1],
            "kind": labels[LABEL_TIER_KIND],
            "rank": int(labels[LABEL_OVERFLOW_RANK]),
            "region": next(s.region for s in plan.spec.sites if s.name == key[0]),
            "instance_types": reqs.get("node.kubernetes.io/instance-type", []),
            "capacity_type": "/".join(reqs.get("karpenter.sh/capacity-type", [])),
            "node_groups": 0,
            "min": low,
            "max": high,
        }
    return rows


def engine_rows(plan: Plan) -> list[tuple[str, str, str]]:
    """Per site: the engine that scales it and the compiled order (tier, weight, GPU ceiling)."""
    return [
        (
            site,
            policy.engine.value,
            "  >  ".join(f"{t.tier} (w{t.weight}, {t.gpu_limit} GPU)" for t in policy.tiers),
        )
        for site, policy in tier_policy(plan.spec).items()
    ]


def _render_gateway(plan: Plan, console: Console) -> None:
    """The gateway's servers in spill order, read from the ConfigMap it runs (when the stack serves)."""
    from policies.residency.gateway import CONFIG_FILE, CONFIG_MAP, server_lines

    for r in plan.resources:
        text = (r["inputs"].get("data") or {}).get(CONFIG_FILE) if r["type"] == CONFIG_MAP else None
        if not isinstance(text, str):
            continue
        site = r["inputs"].get("metadata", {}).get("labels", {}).get(LABEL_SITE, "?")
        table = Table(title=f"Gateway on {site}: spill order (maxconn per gateway replica)", title_justify="left")
        for col in ("#", "site", "address", "maxconn"):
            table.add_column(col, justify="right" if col in ("#", "maxconn") else "left")
        for i, (name, address, cap) in enumerate(server_lines(text), start=1):
            table.add_row(str(i), name, address, "uncapped" if cap is None else str(cap))
        console.print(table)


def render(plan: Plan, console: Console) -> None:
    console.print(
        f"[bold]Stack[/bold] {plan.stack}  [bold]jurisdiction[/bold] {plan.jurisdiction}  "
        f"[bold]resources[/bold] {sum(r['custom'] for r in plan.resources)}  ([dim]{plan.stack_file}[/dim])"
    )
    for key, values in plan.spec.jurisdiction.overrides().items():
        console.print(
            f"[yellow]This stack replaces the built-in {plan.jurisdiction!r} {key}: {', '.join(values)}[/yellow]"
        )
    tiers = Table(title="GPU capacity, in overflow order", title_justify="left")
    for col in ("#", "site", "region", "tier", "kind", "capacity type", "instance types", "nodes", "groups"):
        tiers.add_column(col, justify="right" if col in ("#", "nodes", "groups") else "left")
    for row in tier_rows(plan):
        nodes = str(row["min"]) if row["min"] == row["max"] else f"{row['min']}-{row['max']}"
        tiers.add_row(
            str(row["rank"]),
            row["site"],
            row["region"] or "",
            row["tier"],
            row["kind"],
            row["capacity_type"] or "",
            ", ".join(row["instance_types"]),
            nodes,
            str(row["node_groups"]),
        )
    if tiers.row_count:  # a state bootstrap stack has no GPU tiers
        console.print(tiers)
    engines = Table(title="Autoscaling, per site (compiled tier order: weight, GPU ceiling)", title_justify="left")
    for col in ("site", "engine", "order"):
        engines.add_column(col)
    for row in engine_rows(plan):
        engines.add_row(*row)
    if engines.row_count:
        console.print(engines)
    _render_gateway(plan, console)
    counts = Counter(r["type"] for r in plan.resources if r["custom"] and not r["type"].startswith("pulumi:"))
    resources = Table(title="Resources by type", title_justify="left")
    resources.add_column("type")
    resources.add_column("count", justify="right")
    for type_, n in sorted(counts.items()):
        resources.add_row(type_, str(n))
    console.print(resources)
    if plan.violations:
        v = Table(title="Policy violations", title_justify="left")
        for col in ("enforcement", "policy", "resource", "message"):
            v.add_column(col)
        for item in plan.violations:
            resource = escape(item.get("urn", "").rsplit("::", 1)[-1])
            v.add_row(item["enforcement"], item["policy"], resource, escape(item["message"]))
        console.print(v)
    else:
        console.print("[green]No policy violations.[/green]")

"""`gpufabric new`'s pipeline: answers -> CIDRs -> rendered stack -> spec -> offline plan -> policy packs -> file.

Nothing is written unless every step passed: the rendered text is validated by the spec's loader, the team's
quota is checked on the spec, and it is planned by the offline engine and checked by the policy packs (the
same functions `plan` and `check` use). Any failure is an InputError naming the answers that caused it. The
stack file is then written atomically (gpufabric.core.output), and never over an existing one.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gpufabric.core import hardware
from gpufabric.core.errors import InputError
from gpufabric.core.output import write_text
from gpufabric.spec import FabricSpec, LoadedStack, load_stack_file
from gpufabric.spec.tiers import CommittedTier
from gpufabric.templates.answers import Answer, Ask, collect
from gpufabric.templates.catalog import Manifest, pick
from gpufabric.templates.cidr import allocate, taken_ranges
from gpufabric.templates.platform import Platform
from gpufabric.templates.render import render

STACK_NAME = r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$"


@dataclass(frozen=True)
class NewStack:
    """A stack ready to write: its file, text and the answers and networks it was rendered from."""

    stack: str
    path: Path
    text: str
    template: str
    answers: dict[str, Answer]
    networks: dict[str, str]


def target_path(root: Path, stack: str) -> Path:
    """`stacks/Pulumi.<stack>.yaml`; InputError for a bad name or an existing file (never overwritten)."""
    if not re.fullmatch(STACK_NAME, stack):
        raise InputError("STACK", "", "a stack name of 2-40 lowercase letters, digits and '-'", repr(stack))
    path = root / "stacks" / f"Pulumi.{stack}.yaml"
    if path.exists():
        raise InputError(str(path), "", "a new stack name (an existing stack file is never overwritten)", "it exists")
    return path


def context(stack: str, answers: Mapping[str, Answer], networks: Mapping[str, str], platform: Platform) -> dict:
    """What a template sees: the answers by name, `stack`, `networks` (allocated CIDRs) and `platform`."""
    return {
        **answers,
        "stack": stack,
        "networks": dict(networks),
        "platform": platform.model_dump(mode="json"),
        "secrets_provider": platform.secrets_providers.get(str(answers.get("jurisdiction", ""))),
    }


def prepare(
    root: Path,
    stack: str,
    template: str,
    platform: Platform,
    given: Mapping[str, tuple[Any, str]],
    *,
    ask: Ask | None = None,
) -> NewStack:
    """Answers checked, networks allocated, the stack rendered (not yet verified, nothing written)."""
    path = target_path(root, stack)
    manifest, folder = pick(root, template)
    answers = collect(manifest, platform, given, ask=ask)
    taken = [net for nets in taken_ranges(root / "stacks").values() for net in nets]
    networks = allocate((p.network for p in platform.cidr_pools), manifest.networks, taken)
    text = render(folder, context(stack, answers, networks, platform))
    return NewStack(stack, path, text, manifest.name, answers, networks)


def blame(new: NewStack, message: str) -> str:
    """The answers a failure is about: those whose value the message names, else every answer."""
    named = [k for k, v in new.answers.items() if len(str(v)) > 1 and str(v) in message]
    chosen = named or list(new.answers)
    return ", ".join(f"{k}={new.answers[k]}" for k in chosen)


def refuse(new: NewStack, message: str) -> InputError:
    return InputError(
        f"--template {new.template}",
        "",
        detail=f"answers {blame(new, message)} give a stack that is refused: {message}",
        hint="Nothing was written.",
    )


def verify(new: NewStack, platform: Platform, text: str | None = None, sized_by: str = "") -> LoadedStack:
    """Parse, plan and check `text` (default: the rendered one) as the new stack; InputError naming answers."""
    from gpufabric.offline import plan_stack
    from gpufabric.spec.state_location import read_state_settings
    from policies.engine import evaluate_full
    from policies.model import has_blocking

    text = new.text if text is None else text
    with tempfile.TemporaryDirectory(prefix="gpufabric-new-") as tmp:
        draft = Path(tmp) / new.path.name
        draft.write_text(text, encoding="utf-8")
        try:
            loaded = load_stack_file(draft)
        except InputError as err:
            raise refuse(new, err.message.replace(str(draft), str(new.path))) from None
        within_quota(new, loaded.spec, platform, sized_by)  # before the plan: a quota refusal costs no plan
        try:
            plan = plan_stack(loaded)
        except InputError as err:
            raise refuse(new, err.message.replace(str(draft), str(new.path))) from None
        state = read_state_settings(draft, os.environ, governed_as=new.path)  # the same state rules as `check`
    violations, _ = evaluate_full(plan, {}, state)
    blocking = [v for v in violations if v.blocking]
    if has_blocking(violations):
        found = "; ".join(f"{v.pack}/{v.policy}: {v.message}" for v in blocking)
        raise refuse(new, f"the policy packs report {found}")
    return LoadedStack(new.path, loaded.stack, loaded.config, loaded.spec, loaded.secret_keys)


def usage(spec: FabricSpec) -> tuple[int, int]:
    """(nodes, GPUs) a stack may hold at most: committed counts plus elastic maxima, any instance type's GPUs."""
    nodes = gpus = 0
    for site in spec.sites:
        for tier in site.tiers:
            n = tier.count if isinstance(tier, CommittedTier) else tier.max  # type: ignore[attr-defined]
            per_node = getattr(tier, "gpus_per_node", None) or max(
                hardware.lookup(t, str(site.kind)).gpus_per_node
                for t in tier.instance_types  # type: ignore[attr-defined]
            )
            nodes += n
            gpus += n * per_node
    return nodes, gpus


def within_quota(new: NewStack, spec: FabricSpec, platform: Platform, sized_by: str = "") -> None:
    """The team's node and GPU limits from platform.yaml; InputError naming the size answers otherwise."""
    team = str(new.answers.get("team", ""))
    quota = platform.teams.get(team)
    if quota is None:
        return
    nodes, gpus = usage(spec)
    sizes = ", ".join(f"{k}={v}" for k, v in new.answers.items() if isinstance(v, int)) or "the sizes"
    source = f"{sized_by} (the sized counts)" if sized_by else f"answers {sizes}"
    for what, used, limit in (("nodes", nodes, quota.max_nodes), ("GPUs", gpus, quota.max_gpus)):
        if used > limit:
            raise InputError(
                source,
                "",
                f"at most {limit} {what} for team {team} (platform.yaml teams.{team})",
                f"{used} {what}",
                hint="Nothing was written; ask for less, or ask the platform team to raise the quota.",
            )


def write(new: NewStack, text: str | None = None) -> None:
    """Write the stack file atomically; refused if a file appeared at its path meanwhile."""
    if new.path.exists():
        raise InputError(
            str(new.path), "", "a new stack name (an existing stack file is never overwritten)", "it exists"
        )
    write_text(new.path, new.text if text is None else text, "STACK")


def sized_text(new: NewStack, spec: FabricSpec, demand: Path, max_nodes: int = 64) -> tuple[str, list[str]]:
    """The rendered stack with its tier counts sized for `demand` (the `size --apply-to` flow, before writing)."""
    from gpufabric.sizing.apply import updated_text
    from gpufabric.sizing.demand import load_scenarios, parse_interval
    from gpufabric.sizing.loaders import load_prices, load_profile
    from gpufabric.sizing.optimize import SolverError
    from gpufabric.sizing.plan import build_plan, is_unserved
    from gpufabric.sizing.stack import options_from_spec

    try:
        options = options_from_spec(spec, load_prices(), str(new.path), max_nodes)
        scenarios = load_scenarios([str(demand)], parse_interval("1h"))
        plan = build_plan(options, load_profile(), scenarios, jurisdiction=spec.resolved_jurisdiction().name)
    except InputError as err:
        raise refuse(new, f"--demand {demand}: {err.message}") from None
    except SolverError as err:
        raise InputError(f"--demand {demand}", "", detail=f"no capacity plan: {err}") from None
    if is_unserved(plan.unserved):
        raise InputError(
            f"--demand {demand}",
            "",
            "demand the template's tiers can serve (as `gpufabric size --apply-to`, nothing is applied otherwise)",
            f"{plan.unserved:.2f} unit-hours unserved",
        )
    _, text, changes = updated_text(new.path, plan, new.text)
    return text, changes


def manifest_of(root: Path, name: str) -> Manifest:
    return pick(root, name)[0]

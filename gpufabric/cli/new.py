"""`gpufabric new STACK --template NAME`: a checked stack file from a template and answers.

Answers come from `--set k=v`, `--answers FILE` and, when stdin is a terminal and `--non-interactive` is not
given, prompts (defaults shown). The pipeline (gpufabric.templates.create) writes nothing unless the stack
parses, plans offline and checks clean; exit 2 naming the answer otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from gpufabric.cli.app import app, fail_input
from gpufabric.core.errors import InputError
from gpufabric.spec import project_root
from gpufabric.templates.answers import Answer, parse_sets, read_answers
from gpufabric.templates.catalog import Question
from gpufabric.templates.create import prepare, sized_text, verify, write
from gpufabric.templates.platform import PLATFORM_FILE, load_platform


def ask(q: Question, default: Answer | None, allowed: list[str] | None) -> str:
    """One prompt: the question's help and allowed values, its default shown (Enter takes it)."""
    choices = f" [{', '.join(allowed)}]" if allowed is not None else ""
    return str(typer.prompt(f"{q.name}: {q.help}{choices}", default=default, show_default=True))


@app.command("new")
def new_command(
    stack: Annotated[str, typer.Argument(help="the new stack's name: stacks/Pulumi.<STACK>.yaml", metavar="STACK")],
    template: Annotated[str, typer.Option("--template", "-t", help="the template (gpufabric templates)")],
    sets: Annotated[
        list[str] | None, typer.Option("--set", help="an answer, QUESTION=VALUE (repeatable)", metavar="K=V")
    ] = None,
    answers: Annotated[Path | None, typer.Option("--answers", help="a YAML file of answers", metavar="FILE")] = None,
    non_interactive: Annotated[
        bool, typer.Option("--non-interactive", help="never prompt: defaults, else fail on an unanswered question")
    ] = False,
    demand: Annotated[
        Path | None, typer.Option("--demand", help="size the tiers for this demand CSV before writing", metavar="FILE")
    ] = None,
    platform_file: Annotated[
        Path | None, typer.Option("--platform", help=f"the platform file (default: {PLATFORM_FILE})", metavar="FILE")
    ] = None,
) -> None:
    """Create a stack from a template: answers checked, rendered, planned and checked before it is written."""
    try:
        root = project_root()
        platform = load_platform(platform_file or root / PLATFORM_FILE)
        given: dict[str, tuple[Any, str]] = dict(read_answers(answers)) if answers is not None else {}
        given.update(parse_sets(sets or []))  # --set wins over the answers file
        interactive = not non_interactive and sys.stdin.isatty()
        new = prepare(root, stack, template, platform, given, ask=ask if interactive else None)
        loaded = verify(new, platform)
        text, changes = new.text, []
        if demand is not None:
            text, changes = sized_text(new, loaded.spec, demand)
            verify(new, platform, text, sized_by=f"--demand {demand}")
        write(new, text)
    except InputError as err:
        raise fail_input(err) from None
    rel = _shown(new.path)
    print(f"wrote {rel} (template {new.template})")
    for name, cidr in new.networks.items():
        print(f"  network {name}: {cidr}")
    for change in changes:
        print(f"  sized: {change}")
    print("next steps:")
    print(f"  gpufabric plan --stack {stack}")
    print(f"  gpufabric check --stack {stack}")
    print(f"  pulumi up --stack {stack}")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)

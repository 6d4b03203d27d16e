"""What several commands share: choosing the stack (`--stack` or `--config`), running the offline plan,
and emitting a command's output (stdout, or `--out` written atomically)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from gpufabric.core.errors import InputError
from gpufabric.core.output import resolve_target, write_text
from gpufabric.spec import LoadedStack, load_stack_file, stack_file
from gpufabric.spec.load import load_any_stack_file
from gpufabric.spec.state import LoadedBootstrap

if TYPE_CHECKING:  # start-up: `size` shares these helpers and must not load Pulumi
    from gpufabric.offline import Plan

stderr = Console(stderr=True)


def load(stack: str | None, config: Path | None) -> LoadedStack:
    """Exactly one of `--stack NAME` and `--config PATH`: a fabric stack."""
    return load_stack_file(chosen_path(stack, config))


def load_any(stack: str | None, config: Path | None) -> LoadedStack | LoadedBootstrap:
    """Exactly one of `--stack NAME` and `--config PATH`: a fabric stack or a state bootstrap stack."""
    return load_any_stack_file(chosen_path(stack, config))


def chosen_path(stack: str | None, config: Path | None) -> Path:
    """The stack file named by exactly one of `--stack NAME` and `--config PATH`."""
    if (stack is None) == (config is None):
        raise InputError(
            "command line",
            "--stack/--config",
            "exactly one of --stack NAME or --config PATH",
            "both" if stack else "neither",
        )
    return config if config is not None else stack_file(stack)  # type: ignore[arg-type]


def run_plan(loaded: LoadedStack | LoadedBootstrap, *, quiet: bool = False) -> Plan:
    """The offline plan, with a spinner counting resources on stderr when a person is watching."""
    from gpufabric.offline import plan_stack

    if quiet or not sys.stderr.isatty():
        return plan_stack(loaded)
    with stderr.status(f"planning stack {loaded.stack} offline ...") as status:
        return plan_stack(
            loaded,
            on_resource=lambda n: status.update(f"planning stack {loaded.stack} offline: {n} resources"),
        )


def emit(text: str, out: Path | None, option: str = "--out") -> None:
    """`text` on stdout, or in `out` (atomically, InputError naming the path when it cannot be written)."""
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_text(out, text, option)


def check_out(out: Path | None) -> None:
    """Refuse an unwritable `--out` before any work (InputError naming the path); the write re-checks."""
    if out is not None:
        resolve_target(out, "--out")

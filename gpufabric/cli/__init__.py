"""The `gpufabric` command. Each sub-command lives in its own module and registers itself on `app`.

Exit codes, for CI: 0 ok, 1 policy violation or infeasible plan, 2 bad input.
"""

from __future__ import annotations

import sys

import typer

from gpufabric.core.errors import InputError

app = typer.Typer(
    name="gpufabric",
    help="Sovereign GPU inference fabrics: plan, check and size them offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root() -> None:
    """Plan a stack offline, check it against the residency and security packs, size its capacity."""


EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_BAD_INPUT = 2


def fail_input(err: InputError) -> typer.Exit:
    """Print a bad-input error on stderr (no traceback) and return the exit to raise."""
    print(f"error: {err.message}", file=sys.stderr)
    return typer.Exit(EXIT_BAD_INPUT)


COMMANDS = ("check", "plan", "size")  # each registers itself on `app` when its module gpufabric.cli.<name> loads


def _register(argv: list[str]) -> None:
    """Import only the command being run (start-up: `size` needs no Pulumi, `plan` no numpy); all for help."""
    import importlib

    wanted = [a for a in argv[:1] if a in COMMANDS] or list(COMMANDS)
    for name in wanted:
        importlib.import_module(f"gpufabric.cli.{name}")


def main() -> None:
    _register(sys.argv[1:])
    try:
        app()
    except InputError as err:  # a command that forgot to catch: still no traceback
        print(f"error: {err.message}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)

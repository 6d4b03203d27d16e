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


def _register() -> None:
    # Imported for their side effect of adding commands to `app`.
    from gpufabric.cli import check, plan, size  # noqa: F401


def main() -> None:
    _register()
    try:
        app()
    except InputError as err:  # a command that forgot to catch: still no traceback
        print(f"error: {err.message}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)

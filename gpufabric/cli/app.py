"""The `gpufabric` Typer app, its exit codes and the one way a command reports bad input.

Commands import this module, never each other (an import-linter contract keeps them independent).
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
    """Plan a stack offline, check it against the residency and security packs, size its capacity.

    Options shared by every command mean the same everywhere: --stack/-s NAME (stacks/Pulumi.NAME.yaml),
    --config/-c PATH (any stack file), --format/-f (the output format; json for programs), --out/-o FILE
    (write that output to FILE, atomically, instead of stdout).
    """


EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_BAD_INPUT = 2


def fail_input(err: InputError) -> typer.Exit:
    """Print a bad-input error on stderr (no traceback) and return the exit to raise."""
    print(f"error: {err.message}", file=sys.stderr)
    return typer.Exit(EXIT_BAD_INPUT)

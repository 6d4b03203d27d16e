"""The `gpufabric` command. Each sub-command lives in its own module and registers itself on `app`
(gpufabric/cli/app.py); shared option declarations live in gpufabric/cli/options.py.

Exit codes, for CI: 0 ok, 1 policy violation or infeasible plan, 2 bad input.
"""

from __future__ import annotations

import sys

from gpufabric.cli.app import EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATION, app, fail_input
from gpufabric.core.errors import InputError

__all__ = ["EXIT_BAD_INPUT", "EXIT_OK", "EXIT_VIOLATION", "app", "fail_input", "main"]


COMMANDS = ("check", "plan", "size", "vpn")  # each registers itself on `app` when its module gpufabric.cli.<name> loads


def _register(argv: list[str] | None = None) -> None:
    """Import only the command being run (start-up: `size` needs no Pulumi, `plan` no numpy); all for help."""
    import importlib

    wanted = [a for a in (argv or [])[:1] if a in COMMANDS] or list(COMMANDS)
    for name in wanted:
        importlib.import_module(f"gpufabric.cli.{name}")


def main() -> None:
    _register(sys.argv[1:])
    try:
        app()
    except InputError as err:  # a command that forgot to catch: still no traceback
        print(f"error: {err.message}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)

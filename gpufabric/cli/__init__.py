"""The `gpufabric` command. Each sub-command lives in its own module and registers itself on `app`
(gpufabric/cli/app.py); shared option declarations live in gpufabric/cli/options.py.

Exit codes, for CI: 0 ok, 1 policy violation or infeasible plan, 2 bad input.
"""

from __future__ import annotations

import sys

from gpufabric.cli.app import EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATION, app, fail_input
from gpufabric.core.errors import InputError

__all__ = ["EXIT_BAD_INPUT", "EXIT_OK", "EXIT_VIOLATION", "app", "fail_input", "main"]


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

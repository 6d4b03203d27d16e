"""How the Pulumi program (`__main__.py`) ends a run on bad input: a clean error, never a traceback.

Pulumi's Python executor prints a `pulumi.RunError` as its message alone and anything else with a
traceback. `ProgramInputError` is a RunError, and also a `pulumi.InputPropertiesError` (every SDK this
project allows, pulumi >= 3.200, has it) carrying each problem's key path, so tools that read property
errors see `gpufabric:fabric.sites[...]` paths.
"""

from __future__ import annotations

from typing import Any

import pulumi

from gpufabric.core.errors import InputError, InputErrors


class ProgramInputError(pulumi.RunError, pulumi.InputPropertiesError):
    """Bad input found by the program: the message, and `errors` as [{property_path, reason}]."""

    def __init__(self, message: str, errors: list[dict[str, str]]) -> None:
        Exception.__init__(self, message)
        self.message = message
        self.errors: list[Any] = errors

    @classmethod
    def of(cls, err: Exception) -> ProgramInputError:
        """Wrap one of `PROGRAM_INPUT_ERRORS` (raise it `from err`, so the offline engine can unwrap it)."""
        return cls(str(err), property_errors(err))


def property_errors(err: Exception) -> list[dict[str, str]]:
    """Each located problem as {property_path, reason}: the key path and the whole message."""
    found = err.errors if isinstance(err, InputErrors) else [err]
    return [
        {"property_path": where, "reason": e.message if isinstance(e, InputError) else str(e)}
        for e in found
        if (where := getattr(e, "where", ""))
    ]

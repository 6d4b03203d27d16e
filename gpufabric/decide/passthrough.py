"""The escape hatch: provider arguments a component does not model, passed through unchanged.

Checked against the resource's own argument names before use, so a typo is an error at the stack file's
key path instead of a Python TypeError deep inside a component.
"""

from __future__ import annotations

import inspect
from typing import Any

from gpufabric.core.errors import InputError


def merge(defaults: dict[str, Any], escape: dict[str, Any], *, args_class: type, where: str) -> dict[str, Any]:
    """`defaults` overridden key by key by the user's `escape` arguments (snake_case Python names)."""
    known = set(inspect.signature(args_class.__init__).parameters) - {"self", "__self__"}
    unknown = sorted(set(escape) - known)
    if unknown:
        raise InputError(
            "",
            f"{where}.{unknown[0]}",
            f"an argument of {args_class.__name__.removesuffix('Args')} ({', '.join(sorted(known))})",
            f"unknown argument {unknown[0]!r}",
        )
    if "region" in escape:  # the site's region is the residency boundary: it is never passed through
        raise InputError(
            "",
            f"{where}.region",
            "no 'region' here (every resource of a site lives in the site's region)",
            f"region {escape['region']!r}",
        )
    return {**defaults, **escape}

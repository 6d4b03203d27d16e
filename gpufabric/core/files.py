"""Reading the YAML files users write (stack files, profiles, catalogs, price tables), with located errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gpufabric.core.errors import InputError


def read_yaml(path: Path) -> Any:
    """Parse a YAML file into plain Python data; missing, unreadable, malformed or empty files raise."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(name, "", "an existing file", "no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(name, "", "a readable UTF-8 text file", str(err)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise InputError(name, where, "valid YAML", str(getattr(err, "problem", None) or err)) from None
    if data is None:
        raise InputError(name, "", "a YAML mapping", "an empty file")
    return data

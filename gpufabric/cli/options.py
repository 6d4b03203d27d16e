"""Option declarations every command shares, so each flag has one spelling and one meaning.

- `--stack/-s NAME`: the stack `stacks/Pulumi.NAME.yaml` of this project.
- `--config/-c PATH`: any stack file, by path (a stack file is data, never code).
- `--format/-f`: the output format; `table` is for people, `json` (and sarif/junit for `check`) for programs.
  When it is not given and `--out FILE` is, FILE's suffix picks it (`.json`, `.sarif`, `.xml` for junit).
- `--out/-o FILE`: write that output to FILE instead of stdout, atomically (gpufabric.core.output): a failure
  leaves no partial file, and the parent directory must exist.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer

STACK_HELP = "Stack name: stacks/Pulumi.<NAME>.yaml"
CONFIG_HELP = "Path of any stack file (data, never code)"
OUT_HELP = "Write the output to FILE instead of stdout (atomically; the directory must exist)"

Stack = Annotated[str | None, typer.Option("--stack", "-s", help=STACK_HELP, metavar="NAME")]
Config = Annotated[Path | None, typer.Option("--config", "-c", help=CONFIG_HELP, metavar="PATH")]
Out = Annotated[Path | None, typer.Option("--out", "-o", help=OUT_HELP, metavar="FILE")]


def format_option(choices: type[StrEnum]) -> typer.models.OptionInfo:
    """`--format/-f`, listing the command's choices; None (not given) lets `--out`'s suffix choose."""
    names = ", ".join(c.value for c in choices)
    return typer.Option(
        "--format",
        "-f",
        help=f"{names} (default: by --out's suffix, else table)",
        case_sensitive=False,
    )


SUFFIX_FORMATS = {".json": "json", ".sarif": "sarif", ".xml": "junit"}

F = TypeVar("F", bound=StrEnum)


def chosen_format(fmt: F | None, out: Path | None, choices: type[F]) -> F:
    """The format given, else the one `--out`'s suffix names (if the command has it), else table."""
    if fmt is not None:
        return fmt
    if out is not None:
        by_suffix = SUFFIX_FORMATS.get(out.suffix.lower())
        if by_suffix in {c.value for c in choices}:
            return choices(by_suffix)
    return choices("table")

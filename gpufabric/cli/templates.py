"""`gpufabric templates`: the catalog of self-service stack templates (templates/<name>/manifest.yaml)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

from rich.console import Console
from rich.table import Table

from gpufabric.cli.app import app, fail_input
from gpufabric.cli.common import emit
from gpufabric.cli.options import Out, chosen_format, format_option
from gpufabric.core.errors import InputError
from gpufabric.spec import project_root
from gpufabric.templates.catalog import catalog


class TemplatesFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("templates")
def templates_command(
    fmt: Annotated[TemplatesFormat | None, format_option(TemplatesFormat)] = None,
    out: Out = None,
) -> None:
    """List the stack templates `gpufabric new` renders, with the questions each asks."""
    chosen = chosen_format(fmt, out, TemplatesFormat)
    try:
        entries = [m.summary() for m, _ in catalog(project_root()).values()]
        if chosen == TemplatesFormat.json:
            emit(json.dumps({"templates": entries}, indent=2, sort_keys=True) + "\n", out)
            return
        table = Table(title="Stack templates (gpufabric new STACK --template NAME)")
        for col in ("template", "site kinds", "questions", "description"):
            table.add_column(col)
        for e in entries:
            questions = ", ".join(q["name"] for q in e["questions"])
            table.add_row(e["name"], ", ".join(e["site_kinds"]), questions, e["description"])
        console = Console(record=out is not None or not sys.stdout.isatty(), width=160)
        console.print(table)
        if out is not None:
            emit(console.export_text(), out)
    except InputError as err:
        raise fail_input(err) from None

"""Rendering a stack template: jinja2's sandbox, StrictUndefined, and every output YAML-escaped.

Every `{{ ... }}` passes through `yaml_value` (the environment's `finalize`), so a template author cannot
forget to escape: an answer is always emitted as one JSON scalar (or flow list), which YAML reads back as
exactly that value. A `: `, `#`, a quote or a line break in an answer can never change the document's shape.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment

from gpufabric.core.errors import InputError
from gpufabric.core.files import read_text
from gpufabric.templates.catalog import STACK_TEMPLATE

TEMPLATE_MAX_BYTES = 256 * 1024  # a stack template is a page of YAML


def yaml_value(value: Any) -> str:
    """A value as YAML flow text that parses back to the same value (JSON is YAML)."""
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises its own error, naming the missing name
    return json.dumps(value, ensure_ascii=False)


def environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined,
        finalize=yaml_value,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(folder: Path, context: dict[str, Any]) -> str:
    """The stack file text of the template in `folder`; InputError naming the template on a template bug."""
    path = folder / STACK_TEMPLATE
    try:
        source = read_text(path, TEMPLATE_MAX_BYTES, "stack template")
        return environment().from_string(source).render(**context)
    except (TemplateError, TypeError) as err:
        raise InputError(str(path), "", "a template that renders with its answers", str(err)) from None

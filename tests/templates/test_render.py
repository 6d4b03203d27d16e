"""Rendering is sandboxed, strict about undefined names, and escapes every answer for YAML: a value with
`: `, `#`, quotes or a line break stays one scalar and cannot change the document's shape."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gpufabric.core.errors import InputError
from gpufabric.templates.catalog import STACK_TEMPLATE
from gpufabric.templates.render import render

DOC = "config:\n  team: {{ team }}\n  tags:\n    owner: {{ owner }}\n  count: {{ count }}\n"

HOSTILE = [
    pytest.param("a: b", id="colon-space"),
    pytest.param("x # not a comment", id="hash"),
    pytest.param('say "hi" it\'s', id="quotes"),
    pytest.param("one\n  injected: true\ntwo", id="newline"),
    pytest.param("{evil: 1}", id="flow-mapping"),
    pytest.param("- item", id="sequence-dash"),
    pytest.param("*alias", id="alias"),
    pytest.param("yes", id="yaml11-bool"),
    pytest.param("", id="empty"),
]


def _folder(tmp_path: Path, text: str) -> Path:
    (tmp_path / STACK_TEMPLATE).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("value", HOSTILE)
def test_every_answer_is_one_scalar_whatever_it_holds(tmp_path: Path, value: str) -> None:
    text = render(_folder(tmp_path, DOC), {"team": value, "owner": value, "count": 3})
    doc = yaml.safe_load(text)
    assert doc == {"config": {"team": value, "tags": {"owner": value}, "count": 3}}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("{{ ''.__class__.__mro__[1].__subclasses__() }}", id="dunder-walk"),
        pytest.param("{{ team.__class__.__init__.__globals__ }}", id="globals"),
    ],
)
def test_the_sandbox_refuses_python_internals(tmp_path: Path, body: str) -> None:
    with pytest.raises(InputError, match="a template that renders"):
        render(_folder(tmp_path, body), {"team": "x"})


def test_an_undefined_name_is_an_error_not_an_empty_string(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="'region' is undefined"):
        render(_folder(tmp_path, "region: {{ region }}\n"), {})

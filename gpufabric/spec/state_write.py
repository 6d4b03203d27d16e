"""Writing a stack's state location into the project's files: `backend.url` in Pulumi.yaml and
`secretsprovider` in the stack file, with ruamel.yaml's round-trip mode (comments and layout kept).

Both files are read and edited in memory first; a file that does not parse is refused (InputError) before
anything is written, so a refusal leaves both files as they were. Each write is atomic (core.output).
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from gpufabric.core.errors import InputError
from gpufabric.core.files import YAML_MAX_BYTES, parse_yaml, read_text
from gpufabric.core.output import resolve_target, write_text


@dataclass(frozen=True)
class Edit:
    """One file's old and new text."""

    path: Path
    old: str
    new: str
    old_doc: Any = None  # the file as parsed before the edit

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def diff(self) -> str:
        lines = difflib.unified_diff(
            self.old.splitlines(keepends=True), self.new.splitlines(keepends=True), str(self.path), str(self.path)
        )
        return "".join(lines)


def _yaml() -> YAML:
    y = YAML()  # round-trip
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _load(path: Path) -> tuple[str, Any]:
    text = read_text(path, YAML_MAX_BYTES, "YAML file")
    parse_yaml(text, str(path))  # the same bounds as every read: no alias bomb, no duplicate key
    try:
        doc = _yaml().load(text)
    except YAMLError as err:
        raise InputError(str(path), "", "valid YAML", str(err).splitlines()[0]) from None
    if not isinstance(doc, CommentedMap):
        raise InputError(str(path), "", "a YAML mapping", type(doc).__name__)
    return text, doc


def _dump(doc: Any) -> str:
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def backend_edit(project_file: Path, url: str) -> Edit:
    """Pulumi.yaml with `backend.url` set to `url` (the other keys, comments and order kept)."""
    old, doc = _load(project_file)
    _, before = _load(project_file)
    backend = doc.get("backend")
    if backend is None:
        doc["backend"] = CommentedMap(url=url)
    elif isinstance(backend, CommentedMap):
        backend["url"] = url
    else:
        raise InputError(str(project_file), "backend", "a mapping with `url`", repr(backend))
    return Edit(project_file, old, _dump(doc), before)


def project_backend(doc: Any) -> str | None:
    """The `backend.url` a parsed Pulumi.yaml sets, if any."""
    backend = doc.get("backend") if isinstance(doc, dict) else None
    url = backend.get("url") if isinstance(backend, dict) else None
    return url if isinstance(url, str) else None


def secrets_edit(stack_file: Path, provider: str) -> Edit:
    """The stack file with `secretsprovider` set to `provider`: first key when new (where Pulumi puts it)."""
    old, doc = _load(stack_file)
    if "secretsprovider" in doc:
        doc["secretsprovider"] = provider
    else:
        doc.insert(0, "secretsprovider", provider)
    return Edit(stack_file, old, _dump(doc))


def apply(edits: list[Edit], option: str = "--write") -> None:
    """Write every changed file atomically; each target is checked writable before any is written."""
    changed = [e for e in edits if e.changed]
    for e in changed:
        resolve_target(e.path, option)
    for e in changed:
        write_text(e.path, e.new, option)

"""Write a plan's counts back into a stack file, keeping its comments and layout, atomically, without lost updates.

Reserved and capacity_block tiers get `count` = the committed nodes; spot and on_demand tiers get `max` =
the plan's burst maximum. Options are matched to tiers by id `<site>/<tier>`. The file is edited with
ruamel.yaml's round-trip mode.

The write path (`StackTarget`): the file is read once when the run starts (`StackTarget.open`, which also
refuses a file the user could not write: no write bit, read-only directory, and a file the spec does not
validate: `load_stack_file`'s error, by key path); at the end the target is locked
(`fcntl.flock` on the file itself; a waiter that finds the file renamed away re-locks the new one), re-read,
and written only if its content is still what was read, through gpufabric.core.output (temp file, fsync,
rename; mode and owner kept; a symlink followed and its target replaced). A file changed meanwhile, by an
editor or a second `size --apply-to`, is refused (exit 2, naming it) and left as it is.
"""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import io
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from gpufabric.core.errors import InputError
from gpufabric.core.files import YAML_MAX_BYTES, parse_yaml, read_text
from gpufabric.core.output import resolve_target, write_text
from gpufabric.core.vocabulary import CONFIG_KEY, ELASTIC_TIERS, TierKind
from gpufabric.sizing.plan import Plan
from gpufabric.spec import load_stack_file


def _yaml() -> YAML:
    y = YAML()  # round-trip
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def updated_text(path: Path, plan: Plan, old: str | None = None) -> tuple[str, str, list[str]]:
    """(old text, new text, changed key paths); InputError when the file or the match is wrong.

    `old` is the file's text when the caller has read it already (StackTarget), else it is read here."""
    name = str(path)
    if old is None:
        old = _read(path)
    parse_yaml(old, name)  # the same bounds as every read: no alias bomb, no duplicate key
    y = _yaml()
    try:
        doc = y.load(old)
    except YAMLError as err:
        raise InputError(name, "", "valid YAML", str(err).splitlines()[0]) from None
    try:
        sites = doc["config"][CONFIG_KEY]["sites"]
    except (KeyError, TypeError):
        raise InputError(name, f"config.{CONFIG_KEY}.sites", "a list of sites", "nothing") from None
    by_id = {o.id: o for o in plan.options}
    changed: list[str] = []
    for i, site in enumerate(sites):
        for k, tier in enumerate(site.get("tiers") or []):
            opt = by_id.get(f"{site.get('name')}/{tier.get('name')}")
            if opt is None:
                continue
            kind = TierKind(tier.get("kind"))
            key, value = (
                ("max", max(max(opt.nodes, default=0), 1)) if kind in ELASTIC_TIERS else ("count", opt.committed_nodes)
            )
            if kind == TierKind.OWNED:
                continue  # owned hardware is what it is; the plan does not buy it
            if key == "count" and value < 1:
                # A committed tier of zero nodes cannot be declared (count >= 1): leave it, and say so.
                changed.append(f"sites[{i}].tiers[{k}] ({opt.id}): plan commits 0 nodes; remove the tier by hand")
                continue
            if tier.get(key) != value:
                tier[key] = value
                changed.append(f"sites[{i}].tiers[{k}].{key} = {value} ({opt.id})")
    matched = any(f"{s.get('name')}/{t.get('name')}" in by_id for s in sites for t in (s.get("tiers") or []))
    if not matched:
        raise InputError(
            name,
            f"config.{CONFIG_KEY}.sites",
            "tiers matching the plan's option ids (<site>/<tier>)",
            "none",
            hint="Size with --stack so option ids follow the stack's sites and tiers.",
        )
    buf = io.StringIO()
    y.dump(doc, buf)
    return old, buf.getvalue(), changed


def diff(old: str, new: str, path: Path) -> str:
    lines = difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"{path} (before)", f"{path} (after)")
    return "".join(lines)


def _read(path: Path) -> str:
    return read_text(path, YAML_MAX_BYTES, "stack file")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


LOCK_TIMEOUT_S = 30.0  # another run holding the lock longer than this is reported, not waited for


@dataclass(frozen=True)
class StackTarget:
    """A stack file to apply a plan to, as read when the run started."""

    path: Path  # as the user gave it (messages name it)
    target: Path  # the file written: symlinks followed
    text: str
    sha256: str

    @classmethod
    def open(cls, path: Path) -> StackTarget:
        """Read the file and check, before any work, that the user could write it. InputError otherwise."""
        target = resolve_target(path, "--apply-to")
        if not target.is_file():
            found = "not a regular file" if target.exists() else "no such file"
            raise InputError(str(path), "", "an existing stack file for --apply-to", found)
        text = _read(target)
        # The spec's own validation first: an unknown tier kind or a malformed site list is reported by key
        # path (exit 2) before any work, instead of failing mid-edit.
        load_stack_file(path)
        return cls(path=path, target=target, text=text, sha256=digest(text))

    def updated(self, plan: Plan) -> tuple[str, str, list[str]]:
        """(old text, new text, changed key paths) from the text read at `open`."""
        return updated_text(self.path, plan, self.text)

    def write(self, new: str) -> None:
        """Under the lock: refuse if the file changed since `open`, else replace it atomically."""
        with _locked(self.path, self.target):
            now = _read(self.target)
            if digest(now) != self.sha256:
                raise InputError(
                    str(self.path),
                    "",
                    "the stack file as it was read when this run started",
                    "it was changed since (by an editor or another gpufabric size --apply-to)",
                    hint="Nothing was written; run again on the current file.",
                )
            write_text(self.path, new, "--apply-to")


@contextmanager
def _locked(path: Path, target: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """An exclusive flock on the file `target` names now. A holder may rename a new file over it; a waiter
    that then finds its locked inode is no longer the file at `target` drops it and locks the new one."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(target, os.O_RDONLY)
        except OSError as err:
            raise InputError(str(path), "", "a readable stack file", err.strerror or str(err)) from None
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise InputError(
                            str(path), "", "a stack file no other run is writing", f"locked for {timeout:.0f} s"
                        ) from None
                    time.sleep(0.01)
            if _same_file(fd, target):
                yield
                return
            if time.monotonic() > deadline:
                raise InputError(str(path), "", "a stack file that stays in place", "it keeps being replaced")
        finally:
            os.close(fd)  # closing releases the lock


def _same_file(fd: int, target: Path) -> bool:
    try:
        st, now = os.fstat(fd), os.stat(target)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == (now.st_dev, now.st_ino)

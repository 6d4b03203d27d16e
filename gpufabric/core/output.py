"""The one way gpufabric writes a file the user named (`--out`, `--plot`, `--apply-to`): atomically, safely.

The bytes go to a temporary file in the target's own directory, are fsynced, and are renamed over the target,
so a reader sees the old file or the new one, never half of either, and a failure (disk full, no permission,
a directory where a file should be) leaves no partial file behind. A missing parent directory IS created (CI
writes `--out reports/check.sarif` into a fresh checkout), like `mkdir -p`, and removed again if the write
fails; a parent that is a regular file, or a nearest existing directory the user cannot write, is refused.

An existing target keeps its permission bits (and, where the process may, its owner and group); a symlink is
followed and its target replaced, the link itself left in place. What the user could not write is refused
before anything is written, by a check the tool does itself (mode bits and `os.access`), so the refusal holds
even for root, which the kernel would let through.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from gpufabric.core.errors import InputError

WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
NEW_FILE_MODE = 0o644  # what `open(path, "w")` gives under the usual umask 022; the umask still applies


def resolve_target(path: Path, option: str = "output") -> Path:
    """The file that would be written: symlinks followed. InputError when it cannot be written.

    Refused: a directory, a path under a regular file, a missing or unwritable directory, an existing
    file with no write bit (0444: the user marked it read-only, even root must not overwrite it).
    """
    where = str(path)
    if _is_stream(path):
        return Path(path)  # /dev/null, /dev/full, /dev/stdout on a pipe: written in place, nothing to replace
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise InputError(where, "", f"a file path for {option}", "a directory")
    parent = target.parent
    existing = next(p for p in (parent, *parent.parents) if p.exists())
    if not existing.is_dir():
        raise InputError(where, "", f"a file path for {option}", f"{existing} is not a directory")
    if target.exists():
        if not target.is_file():
            raise InputError(where, "", f"a regular file for {option}", "not a regular file")
        mode = target.stat().st_mode
        if not mode & WRITE_BITS or not os.access(target, os.W_OK):
            raise InputError(where, "", f"a writable file for {option}", f"read-only (mode {stat.S_IMODE(mode):o})")
    dir_mode = existing.stat().st_mode
    if not dir_mode & WRITE_BITS or not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(where, "", f"a writable directory for {option}", f"{existing} is read-only")
    return target


def write_text(path: Path, text: str, option: str = "output") -> None:
    """Write `text` (UTF-8) to `path` atomically; InputError naming the path on any failure."""
    data = text.encode("utf-8")
    write_with(path, lambda fh: fh.write(data), option)


def write_with(path: Path, produce: Callable[[BinaryIO], object], option: str = "output") -> None:
    """Let `produce` write into a binary file handle, then put the result at `path` atomically.

    Used for artefacts a library writes itself (a matplotlib figure): `produce(fh)` writes into the
    temporary file, so even a library failure halfway leaves the target as it was.
    """
    target = resolve_target(path, option)
    if _is_stream(target):
        _write_device(path, target, produce)
        return
    keep = target.stat() if target.exists() else None
    created = _make_parents(path, target.parent)
    try:
        fd, tmp = _mkstemp(path, target)
    except InputError:
        _remove_dirs(created)
        raise
    try:
        with os.fdopen(fd, "wb") as fh:
            produce(fh)
            fh.flush()
            os.fsync(fh.fileno())
        _restore_metadata(tmp, keep)
        os.replace(tmp, target)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        _remove_dirs(created)
        raise _error(path, err) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        _remove_dirs(created)
        raise
    with contextlib.suppress(OSError):  # durability of the rename; the data itself is already safe
        dfd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _make_parents(path: Path, parent: Path) -> list[Path]:
    """Create the missing directories above the target; returns them, deepest last (to undo on failure)."""
    missing = [p for p in (parent, *parent.parents) if not p.exists()][::-1]
    made: list[Path] = []
    for d in missing:
        try:
            d.mkdir()
        except FileExistsError:
            continue
        except OSError as err:
            _remove_dirs(made)
            raise _error(path, err) from None
        made.append(d)
    return made


def _remove_dirs(dirs: list[Path]) -> None:
    for d in reversed(dirs):
        with contextlib.suppress(OSError):
            d.rmdir()


def _mkstemp(path: Path, target: Path) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise _error(path, err) from None


def _restore_metadata(tmp: str, keep: os.stat_result | None) -> None:
    """The new file takes the old file's mode (and owner, where allowed); a new file gets NEW_FILE_MODE & ~umask."""
    if keep is None:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, NEW_FILE_MODE & ~umask)
        return
    os.chmod(tmp, stat.S_IMODE(keep.st_mode))
    with contextlib.suppress(PermissionError):  # only root may give a file away; others keep their own
        os.chown(tmp, keep.st_uid, keep.st_gid)


def _write_device(path: Path, target: Path, produce: Callable[[BinaryIO], object]) -> None:
    try:
        with open(target, "wb") as fh:
            produce(fh)
            fh.flush()
    except OSError as err:
        raise _error(path, err) from None


def _error(path: Path, err: OSError) -> InputError:
    return InputError(str(path), "", "a path gpufabric can write", err.strerror or str(err))


def _is_stream(path: Path) -> bool:
    """A character device or a pipe (as `/dev/stdout` often is): written in place, never renamed over."""
    try:
        mode = os.stat(path).st_mode
        return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)
    except OSError:
        return False

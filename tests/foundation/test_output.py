"""gpufabric.core.output: every file the tool writes goes through one atomic writer that refuses, naming the
path, what it cannot or must not write, and never leaves a partial file, a temp file or a changed mode.

Refusals are decided from mode bits and os.access by the writer itself, so they hold under root (CI)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from gpufabric.core.errors import InputError
from gpufabric.core.output import write_text, write_with


def _dir(tmp: Path) -> Path:
    return tmp


def _under_file(tmp: Path) -> Path:
    (tmp / "plain").write_text("x")
    return tmp / "plain" / "out.json"


def _deep_under_file(tmp: Path) -> Path:
    (tmp / "plain").write_text("x")
    return tmp / "plain" / "a" / "b" / "out.json"


def _read_only_dir(tmp: Path) -> Path:
    (tmp / "ro").mkdir()
    (tmp / "ro").chmod(0o555)
    return tmp / "ro" / "out.json"


def _missing_under_read_only_dir(tmp: Path) -> Path:
    (tmp / "ro").mkdir()
    (tmp / "ro").chmod(0o555)
    return tmp / "ro" / "new" / "out.json"


def _read_only_file(tmp: Path) -> Path:
    (tmp / "out.json").write_text("keep me")
    (tmp / "out.json").chmod(0o444)
    return tmp / "out.json"


def _link_to_read_only_file(tmp: Path) -> Path:
    target = _read_only_file(tmp)
    (tmp / "link.json").symlink_to(target)
    return tmp / "link.json"


REFUSED: list[tuple[str, Callable[[Path], Path], str]] = [
    ("a directory", _dir, "a directory"),
    ("under a regular file", _under_file, "is not a directory"),
    ("deep under a regular file", _deep_under_file, "is not a directory"),
    ("in a read-only directory", _read_only_dir, "is read-only"),
    ("a missing dir under a read-only one", _missing_under_read_only_dir, "is read-only"),
    ("a 0444 file", _read_only_file, "read-only (mode 444)"),
    ("a symlink to a 0444 file", _link_to_read_only_file, "read-only (mode 444)"),
]


def _snapshot(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every path under root with its mode and content: what a refusal must leave exactly as it was."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(root))] = (st.st_mode, p.read_bytes() if p.is_file() and not p.is_symlink() else None)
    return out


@pytest.mark.parametrize(("case", "make", "found"), REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_paths_name_the_path_and_change_nothing(tmp_path: Path, case: str, make, found: str) -> None:
    path = make(tmp_path)
    before = _snapshot(tmp_path)
    with pytest.raises(InputError) as caught:
        write_text(path, "new\n", "--out")
    assert caught.value.message.startswith(f"{path}: expected ")
    assert found in caught.value.message
    assert _snapshot(tmp_path) == before


def test_a_full_device_is_refused_naming_it() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("/dev/full is a Linux device")
    with pytest.raises(InputError) as caught:
        write_text(Path("/dev/full"), "x" * 100_000, "--out")
    assert caught.value.message.startswith("/dev/full: ") and "No space left on device" in caught.value.message


def test_dev_null_is_written_in_place() -> None:
    write_text(Path("/dev/null"), "discarded\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # still the device, not a file renamed over it


def test_missing_parent_directories_are_created(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "ci" / "check.sarif"
    write_text(path, "{}\n")
    assert path.read_text() == "{}\n"


def test_a_failing_producer_leaves_the_old_file_and_no_temp_or_new_dirs(tmp_path: Path) -> None:
    old = tmp_path / "plot.png"
    old.write_bytes(b"old")

    def boom(fh) -> None:
        fh.write(b"half a pic")
        raise ValueError("renderer crashed")

    with pytest.raises(ValueError):
        write_with(old, boom)
    with pytest.raises(ValueError):
        write_with(tmp_path / "fresh" / "dir" / "plot.png", boom)
    assert old.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png"]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664, 0o755], ids=oct)
def test_an_existing_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "out.json"
    path.write_text("old")
    path.chmod(mode)
    write_text(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == mode


def test_a_new_file_gets_the_usual_mode_not_mkstemps_0600(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        write_text(tmp_path / "new.json", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o644


def test_a_symlink_is_followed_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real" / "Pulumi.x.yaml"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "Pulumi.x.yaml"
    link.symlink_to(real)
    write_text(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another owner to set the scene")
def test_root_keeps_the_files_owner(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    path.write_text("old")
    os.chown(path, 1234, 4321)
    write_text(path, "new")
    st = path.stat()
    assert (st.st_uid, st.st_gid) == (1234, 4321)


def test_a_pipe_is_written_in_place_like_dev_stdout(tmp_path: Path) -> None:
    fifo = tmp_path / "stdout"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader exists, so opening for write cannot block
    try:
        write_text(fifo, "hello\n")
        assert os.read(reader, 100) == b"hello\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still the pipe, not a file renamed over it

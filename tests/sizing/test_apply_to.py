"""`size --apply-to STACKFILE` harms no file: it refuses what the user could not write (file untouched), keeps
mode and owner, follows a symlink and replaces its target, and loses no update: the file is locked for the
read-modify-write and refused (exit 2, naming it) when it changed since the run read it."""

from __future__ import annotations

import fcntl
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from gpufabric.cli import _register, app
from gpufabric.core.errors import InputError
from gpufabric.sizing import apply as apply_module
from gpufabric.sizing.apply import StackTarget

from .helpers import option

STACK = """\
config:
  gpufabric:fabric:
    jurisdiction: eu   # keep this comment
    sites:
      - name: aws-stockholm
        kind: aws
        region: eu-north-1
        network:
          cidr: 10.40.0.0/16
          availability_zones: [eu-north-1a, eu-north-1b]
          egress: none
        cluster:
          kubernetes_version: "1.33"
        tiers:
          - name: l40s-spot
            kind: spot
            instance_types: [g6e.2xlarge]
            min: 0
            max: 8
"""
JOIN_S = 20.0  # every thread a test starts is joined within this bound


@pytest.fixture
def size_args(write_catalog, write_series) -> list[str]:
    catalog = write_catalog([option("aws-stockholm/l40s-spot", "spot", gpu="L40S", max_nodes=64)])
    return ["size", "--catalog", str(catalog), "--demand", str(write_series([20, 60, 120]))]


def invoke(*args: str) -> Result:
    _register()
    return CliRunner().invoke(app, list(args))


def _spot_max(path: Path) -> int:
    return yaml.safe_load(path.read_text())["config"]["gpufabric:fabric"]["sites"][0]["tiers"][0]["max"]


def _plain(tmp: Path) -> tuple[Path, Path]:
    path = tmp / "Pulumi.x.yaml"
    path.write_text(STACK)
    return path, path


def _read_only_file(tmp: Path) -> tuple[Path, Path]:
    path, _ = _plain(tmp)
    path.chmod(0o444)
    return path, path


def _in_read_only_dir(tmp: Path) -> tuple[Path, Path]:
    (tmp / "ro").mkdir()
    path = tmp / "ro" / "Pulumi.x.yaml"
    path.write_text(STACK)
    (tmp / "ro").chmod(0o555)
    return path, path


def _link_to_read_only_file(tmp: Path) -> tuple[Path, Path]:
    real, _ = _read_only_file(tmp)
    link = tmp / "Pulumi.link.yaml"
    link.symlink_to(real)
    return link, real


REFUSED: dict[str, tuple[Callable[[Path], tuple[Path, Path]], str]] = {
    "a 0444 file": (_read_only_file, "read-only (mode 444)"),
    "a file in a read-only directory": (_in_read_only_dir, "is read-only"),
    "a symlink to a 0444 file": (_link_to_read_only_file, "read-only (mode 444)"),
    "a directory": (lambda tmp: (tmp, tmp), "a directory"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_the_user_could_not_write_is_refused_untouched(tmp_path: Path, size_args, case: str) -> None:
    make, found = REFUSED[case]
    path, real = make(tmp_path)
    before = (real.stat().st_mode, real.read_text()) if real.is_file() else None
    result = invoke(*size_args, "--apply-to", str(path))
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert f"error: {path}: expected " in result.output and found in result.output
    assert ((real.stat().st_mode, real.read_text()) if real.is_file() else None) == before


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664], ids=oct)
def test_mode_is_kept(tmp_path: Path, size_args, mode: int) -> None:
    path, _ = _plain(tmp_path)
    path.chmod(mode)
    result = invoke(*size_args, "--apply-to", str(path))
    assert result.exit_code == 0, result.output
    assert _spot_max(path) != 8 and "# keep this comment" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == mode


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another owner to set the scene")
def test_owner_is_kept(tmp_path: Path, size_args) -> None:
    path, _ = _plain(tmp_path)
    os.chown(path, 1234, 4321)
    assert invoke(*size_args, "--apply-to", str(path)).exit_code == 0
    assert (path.stat().st_uid, path.stat().st_gid) == (1234, 4321) and _spot_max(path) != 8


def test_a_symlink_is_followed_and_its_target_written(tmp_path: Path, size_args) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "Pulumi.x.yaml"
    real.write_text(STACK)
    link = tmp_path / "Pulumi.x.yaml"
    link.symlink_to(real)
    result = invoke(*size_args, "--apply-to", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert _spot_max(real) != 8
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["Pulumi.x.yaml"]  # no temp file left


def _edit(path: Path, new_max: int) -> str:
    text = path.read_text().replace("max: 8", f"max: {new_max}")
    path.write_text(text)
    return text


def test_an_edit_made_while_the_run_worked_is_refused_and_kept(tmp_path: Path) -> None:
    path, _ = _plain(tmp_path)
    target = StackTarget.open(path)
    edited = _edit(path, 5)  # someone saves the file while the solver runs
    with pytest.raises(InputError) as caught:
        target.write(STACK.replace("max: 8", "max: 3"))
    assert caught.value.message.startswith(f"{path}: expected the stack file as it was read")
    assert "changed since" in caught.value.message
    assert path.read_text() == edited


def test_two_runs_at_once_lose_no_update(tmp_path: Path) -> None:
    """Both runs read the same file; whichever writes second finds it changed and is refused."""
    path, _ = _plain(tmp_path)
    runs = [StackTarget.open(path) for _ in range(2)]
    start = threading.Barrier(2, timeout=JOIN_S)
    outcome: dict[int, str] = {}

    def run(i: int) -> None:
        start.wait()
        try:
            runs[i].write(STACK.replace("max: 8", f"max: {i + 1}"))
            outcome[i] = "written"
        except InputError as err:
            outcome[i] = err.message

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_S)
    assert not any(t.is_alive() for t in threads)
    written = [i for i, o in outcome.items() if o == "written"]
    refused = [o for o in outcome.values() if o != "written"]
    assert len(written) == 1 and len(refused) == 1, outcome
    assert "changed since" in refused[0] and refused[0].startswith(str(path))
    assert _spot_max(path) == written[0] + 1


def test_a_waiter_on_a_replaced_file_relocks_the_new_one_and_refuses(tmp_path: Path, monkeypatch) -> None:
    """Run A holds the lock; run B waits on the same inode; A renames a new file over it and releases: B
    must lock the new file, see the change, and refuse instead of writing over A's update."""
    path, _ = _plain(tmp_path)
    b = StackTarget.open(path)
    holder = os.open(path, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    outcome: list[str] = []

    def run_b() -> None:
        try:
            b.write(STACK.replace("max: 8", "max: 2"))
            outcome.append("written")
        except InputError as err:
            outcome.append(err.message)

    waiting = threading.Event()

    class Clock:  # the lock loop's clock, telling the test when B is waiting for the lock
        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def sleep(seconds: float) -> None:
            waiting.set()
            time.sleep(seconds)

    monkeypatch.setattr(apply_module, "time", Clock)
    thread = threading.Thread(target=run_b)
    thread.start()
    try:
        assert waiting.wait(JOIN_S)  # B holds the old file open and waits for its lock
        replacement = tmp_path / "a.tmp"
        replacement.write_text(STACK.replace("max: 8", "max: 1"))
        os.replace(replacement, path)  # A's atomic write
    finally:
        os.close(holder)  # A releases
    thread.join(JOIN_S)
    assert not thread.is_alive()
    assert len(outcome) == 1 and "changed since" in outcome[0], outcome
    assert _spot_max(path) == 1


def test_an_unchanged_file_is_written_under_the_lock(tmp_path: Path) -> None:
    path, _ = _plain(tmp_path)
    StackTarget.open(path).write(STACK.replace("max: 8", "max: 4"))
    assert _spot_max(path) == 4 and sorted(p.name for p in tmp_path.iterdir()) == ["Pulumi.x.yaml"]


def test_a_plot_the_disk_refuses_leaves_out_and_the_stack_unwritten(tmp_path: Path, size_args) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("/dev/full is a Linux device")
    path, _ = _plain(tmp_path)
    out = tmp_path / "plan.json"
    result = invoke(*size_args, "--out", str(out), "--plot", "/dev/full", "--apply-to", str(path))
    assert result.exit_code == 2 and result.output.startswith("error: /dev/full: "), result.output
    assert not out.exists() and path.read_text() == STACK


def _apply_in_process(path: str, value: int, barrier, results) -> None:
    target = StackTarget.open(Path(path))
    barrier.wait(JOIN_S)
    try:
        target.write(STACK.replace("max: 8", f"max: {value}"))
        results.put((value, "written"))
    except InputError as err:
        results.put((value, err.message))


def test_two_processes_at_once_lose_no_update(tmp_path: Path) -> None:
    """The lock holds between processes too (flock, not a lock in this interpreter)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
    path, _ = _plain(tmp_path)
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_apply_in_process, args=(str(path), v, barrier, results)) for v in (1, 2)]
    for p in procs:
        p.start()
    outcome = dict(results.get(timeout=JOIN_S) for _ in procs)
    for p in procs:
        p.join(JOIN_S)
    assert all(p.exitcode == 0 for p in procs)
    written = [v for v, o in outcome.items() if o == "written"]
    assert len(written) == 1, outcome
    (refused,) = [o for o in outcome.values() if o != "written"]
    assert "changed since" in refused
    assert _spot_max(path) == written[0]

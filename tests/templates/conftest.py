"""A throwaway copy of the project (Pulumi.yaml, stacks/, platform.yaml, templates/) per test, and the CLI run
in-process inside it: `gpufabric new` writes into the copy's stacks/, never into the repository's."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO

COPIED = ("Pulumi.yaml", "platform.yaml", "stacks", "templates")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    for name in COPIED:
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def cli(project: Path) -> Callable[..., object]:
    """`cli("new", "demo", ...)` -> click's Result (exit_code, stdout, stderr), run in `project`."""
    import gpufabric.cli.check  # noqa: F401  (registers `check`)
    import gpufabric.cli.new  # noqa: F401
    import gpufabric.cli.templates  # noqa: F401
    from gpufabric.cli import app

    def run(*args: str):
        return CliRunner().invoke(app, list(args), catch_exceptions=False)

    return run


def snapshot(root: Path) -> dict[str, str]:
    """Every stack file's name and text: what a refused `new` must leave exactly as it was."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((root / "stacks").iterdir())}

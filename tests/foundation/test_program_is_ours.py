"""A stack file is data: planning it always runs gpufabric's own program, never code found next to it.

Each hostile layout puts a Pulumi project around the stack file whose code, if run, would write a marker
file. The plan must succeed, write no marker, and be exactly the plan of the same stack in a clean folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from gpufabric.offline import plan_stack
from gpufabric.spec import load_stack_file
from tests.conftest import stack_document
from tests.foundation.test_cli_plan import run

EVIL = "from pathlib import Path\nPath({marker!r}).write_text('hostile code ran')\n"


def _main_beside(d: Path, evil: str) -> Path:
    (d / "__main__.py").write_text(evil)
    (d / "Pulumi.yaml").write_text("name: evil\nruntime: python\n")
    return d


def _main_elsewhere(d: Path, evil: str) -> Path:
    (d / "Pulumi.yaml").write_text("name: evil\nruntime: python\nmain: src/\n")
    (d / "src").mkdir()
    (d / "src" / "__main__.py").write_text(evil)
    return d


def _runtime_options(d: Path, evil: str) -> Path:
    (d / "Pulumi.yaml").write_text(
        "name: evil\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n    toolchain: poetry\n"
        "stackConfigDir: .\n"
    )
    (d / "__main__.py").write_text(evil)
    (d / "sitecustomize.py").write_text(evil)
    return d


def _package_dir(d: Path, evil: str) -> Path:
    (d / "Pulumi.yaml").write_text("name: evil\nruntime: python\nmain: prog\n")
    for package in ("prog", "components", "gpufabric"):
        (d / package).mkdir()
        (d / package / "__init__.py").write_text(evil)
        (d / package / "__main__.py").write_text(evil)
    return d


def _no_program(d: Path, evil: str) -> Path:
    (d / "Pulumi.yaml").write_text("name: empty\nruntime: python\n")
    return d


def _symlinked_program(d: Path, evil: str) -> Path:
    elsewhere = d.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "evil.py").write_text(evil)
    (d / "Pulumi.yaml").symlink_to(d.parent / "missing-Pulumi.yaml")  # dangling
    (d / "__main__.py").symlink_to(elsewhere / "evil.py")
    return d


def _project_above(d: Path, evil: str) -> Path:
    (d / "Pulumi.yaml").write_text("name: evil\nruntime: python\nstackConfigDir: stacks\n")
    (d / "__main__.py").write_text(evil)
    (d / "stacks").mkdir()
    return d / "stacks"


def _stack_file_symlinked_into_project(d: Path, evil: str) -> Path:
    project = d / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: evil\nruntime: python\n")
    (project / "__main__.py").write_text(evil)
    return project  # the stack file is written here and reached through a symlink outside


LAYOUTS: dict[str, Callable[[Path, str], Path]] = {
    "main-py-beside": _main_beside,
    "pulumi-yaml-main-elsewhere": _main_elsewhere,
    "runtime-options-and-sitecustomize": _runtime_options,
    "shadowing-package-dirs": _package_dir,
    "pulumi-yaml-without-program": _no_program,
    "symlinked-program-and-dangling-project": _symlinked_program,
    "project-in-parent-folder": _project_above,
    "stack-file-symlink-into-project": _stack_file_symlinked_into_project,
}


def _write_stack(folder: Path, fabric: dict) -> Path:
    path = folder / "Pulumi.x.yaml"
    path.write_text(yaml.safe_dump(stack_document(fabric), sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory, base_fabric) -> list[dict]:
    clean = tmp_path_factory.mktemp("clean")
    return plan_stack(load_stack_file(_write_stack(clean, base_fabric()))).resources


@pytest.mark.parametrize("layout", list(LAYOUTS), ids=list(LAYOUTS))
def test_planning_a_stack_runs_gpufabrics_own_program(layout, tmp_path, monkeypatch, base_fabric, reference) -> None:
    marker = tmp_path / "MARKER"
    root = tmp_path / "hostile"
    root.mkdir()
    folder = LAYOUTS[layout](root, EVIL.format(marker=str(marker)))
    path = _write_stack(folder, base_fabric())
    if layout == "stack-file-symlink-into-project":
        (root / "Pulumi.x.yaml").symlink_to(path)
        path = root / "Pulumi.x.yaml"
    monkeypatch.chdir(folder)
    plan = plan_stack(load_stack_file(path))
    assert not marker.exists(), f"{layout}: code next to the stack file ran"
    assert json.dumps(plan.resources, sort_keys=True) == json.dumps(reference, sort_keys=True)


def test_the_cli_run_from_inside_a_hostile_project_plans_gpufabrics_program(tmp_path, base_fabric) -> None:
    """Through the console script, with the hostile folder as working directory (shadowing packages)."""
    marker = tmp_path / "MARKER"
    root = tmp_path / "hostile"
    root.mkdir()
    folder = _package_dir(root, EVIL.format(marker=str(marker)))
    (folder / "__main__.py").write_text(EVIL.format(marker=str(marker)))
    path = _write_stack(folder, base_fabric())
    result = run("plan", "--config", str(path), "--format", "json", cwd=folder)
    assert not marker.exists()
    assert "Traceback" not in result.stderr
    plan = json.loads(result.stdout)
    assert {r["name"] for r in plan["resources"] if r["type"] == "aws:eks/cluster:Cluster"} == {"aws-stockholm"}

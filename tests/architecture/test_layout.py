"""The layout shows the layers: `components/` holds Pulumi ComponentResources only, and every pure layer
is free of Pulumi. (The import direction between layers is held by the import-linter contracts in
pyproject.toml, which `make test` runs before pytest.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


COMPONENT_MODULES = sorted(p for p in (REPO / "components").rglob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("path", COMPONENT_MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_component_module_declares_pulumi_resources(path: Path) -> None:
    assert "pulumi" in _imported_roots(path), f"{path.relative_to(REPO)} has no Pulumi import: move it to gpufabric/"


def test_components_is_not_empty() -> None:
    assert len(COMPONENT_MODULES) >= 5

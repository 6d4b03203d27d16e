"""Shared fixtures: stack files built in tmp_path from plain dicts, and the offline plan engine.

The Pulumi runtime is process-global, so mocks are set by `gpufabric.offline.plan_stack` itself, once per
run, from the single `plan_fabric` fixture below (never at module level). Plans are cached per session
by the stack's content: many tests read the same resource graph, and each plan costs a second or more.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
STACKS = REPO / "stacks"


# A small but complete fabric: one EU site (Stockholm) with a reserved, a spot and an on-demand tier.
# Tests copy it (`base_fabric()`) and change what they are about.
_BASE_FABRIC: dict[str, Any] = {
    "jurisdiction": "eu",
    "sites": [
        {
            "name": "aws-stockholm",
            "kind": "aws",
            "region": "eu-north-1",
            "network": {"cidr": "10.40.0.0/16", "availability_zones": ["eu-north-1a", "eu-north-1b"]},
            "tiers": [
                {"name": "h100-reserved", "kind": "reserved", "instance_types": ["p5.48xlarge"], "count": 2},
                {
                    "name": "l40s-spot",
                    "kind": "spot",
                    "instance_types": ["g6e.xlarge", "g6e.12xlarge"],
                    "min": 0,
                    "max": 6,
                },
                {"name": "h100-on-demand", "kind": "on_demand", "instance_types": ["p5.48xlarge"], "max": 2},
            ],
        }
    ],
}


@pytest.fixture(autouse=True, scope="session")
def _every_cli_command_registered() -> None:
    """Tests drive `gpufabric.cli.app` in-process; commands register when their module loads, so load them all
    (as `gpufabric --help` does) and no test depends on which other test imported a command first."""
    from gpufabric.cli import _register

    _register()


@pytest.fixture(scope="session")
def base_fabric() -> Callable[[], dict[str, Any]]:
    """`base_fabric()` -> a fresh, valid `gpufabric:fabric` object (a deep copy) to change in a test."""
    return lambda: copy.deepcopy(_BASE_FABRIC)


def stack_document(fabric: Any, extra_config: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"config": {"gpufabric:fabric": fabric, **(extra_config or {})}}


@pytest.fixture
def write_stack(tmp_path: Path) -> Callable[..., Path]:
    """`write_stack(fabric, name="test")` -> path of `Pulumi.<name>.yaml` in tmp_path holding that fabric.

    `raw=` writes the given text verbatim instead (for YAML and file-level errors).
    """

    def write(
        fabric: Any = None,
        *,
        name: str = "test",
        extra_config: dict[str, Any] | None = None,
        raw: str | None = None,
    ) -> Path:
        path = tmp_path / f"Pulumi.{name}.yaml"
        text = raw if raw is not None else yaml.safe_dump(stack_document(fabric, extra_config), sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


class Planned:
    """An offline plan plus what tests look up in it: resources by type, and the id the engine recorded."""

    def __init__(self, plan: Any) -> None:
        self.plan = plan
        self.resources: list[dict[str, Any]] = plan.resources

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == type_]

    def one(self, type_: str, name: str) -> dict[str, Any]:
        (found,) = [r for r in self.of_type(type_) if r["name"] == name]
        return found

    def id_of(self, resource: dict[str, Any]) -> str:
        return resource["id"]


@pytest.fixture(scope="session")
def plan_fabric(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Planned]:
    """`plan_fabric(fabric, name="test")` -> the offline plan (`Planned`) of a stack holding that fabric.

    The one place tests run the offline engine, `gpufabric.offline.plan_stack`, which sets Pulumi's mocks
    for each run. Results are cached by content, so a stack several tests read is planned once per session
    (per xdist worker). Bad input raises the engine's InputError (never cached).
    """
    from gpufabric.offline import plan_stack
    from gpufabric.spec import load_stack_file

    cache: dict[str, Planned] = {}
    folder = tmp_path_factory.mktemp("stacks")

    def plan(fabric: dict[str, Any], *, name: str = "test", extra_config: dict[str, Any] | None = None) -> Planned:
        key = json.dumps([name, fabric, extra_config], sort_keys=True)
        if key not in cache:
            sub = folder / f"s{len(list(folder.iterdir()))}"
            sub.mkdir()
            path = sub / f"Pulumi.{name}.yaml"
            path.write_text(yaml.safe_dump(stack_document(fabric, extra_config), sort_keys=False), encoding="utf-8")
            cache[key] = Planned(plan_stack(load_stack_file(path)))
        return cache[key]

    return plan


@pytest.fixture(scope="session")
def example_fabric() -> Callable[[str], dict[str, Any]]:
    """The `gpufabric:fabric` object of an example stack in stacks/, as a dict."""

    def read(stack: str) -> dict[str, Any]:
        doc = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
        return doc["config"]["gpufabric:fabric"]

    return read

"""Fixtures of the state tests: bootstrap stack files written from plain dicts, planned once per content."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import Planned

REPO = Path(__file__).resolve().parents[2]

# A bootstrap on both clouds, AWS the backend, object lock on: tests copy it and change what they are about.
_BASE_STATE: dict[str, Any] = {
    "jurisdiction": "eu",
    "backend": "aws",
    "tags": {"cost-center": "platform"},
    "aws": {
        "region": "eu-central-1",
        "bucket": "acme-pulumi-state-eu",
        "object_lock": {"mode": "COMPLIANCE", "days": 7},
    },
    "gcp": {"project": "acme-state-eu", "region": "europe-west3", "bucket": "acme-pulumi-state-eu"},
}


@pytest.fixture(scope="session")
def base_state() -> Callable[[], dict[str, Any]]:
    return lambda: copy.deepcopy(_BASE_STATE)


def bootstrap_document(state: Any, extra_config: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"config": {"gpufabric:state": state, **(extra_config or {})}}


@pytest.fixture(scope="session")
def plan_state(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Planned]:
    """`plan_state(state, name="boot")` -> the offline plan of a bootstrap stack holding that spec (cached)."""
    from gpufabric.offline import plan_stack
    from gpufabric.spec.load import load_any_stack_file

    cache: dict[str, Planned] = {}
    folder = tmp_path_factory.mktemp("bootstrap")

    def plan(state: dict[str, Any], *, name: str = "boot", extra_config: dict[str, Any] | None = None) -> Planned:
        key = json.dumps([name, state, extra_config], sort_keys=True)
        if key not in cache:
            sub = folder / f"s{len(cache)}"
            sub.mkdir()
            path = sub / f"Pulumi.{name}.yaml"
            doc = bootstrap_document(state, extra_config)
            path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
            cache[key] = Planned(plan_stack(load_any_stack_file(path)))
        return cache[key]

    return plan

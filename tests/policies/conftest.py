"""Fixtures of the policy tests (helpers live in harness.py, importable by the test modules)."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pytest
from harness import Analyzer


@pytest.fixture
def analyzer() -> Callable[..., Analyzer]:
    """`analyzer(pack)` -> a pack's analyzer servicer driven like the Pulumi CLI drives it."""
    return Analyzer


# ------------------------------------------------------------------------------------------ mocks


class GuardrailMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.resources.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        return {}


@pytest.fixture
def pulumi_mocks() -> GuardrailMocks:
    """Fresh mocks for one test (never module-level: the last set_mocks would win for every file)."""
    mocks = GuardrailMocks()
    pulumi.runtime.set_mocks(mocks, project="gpufabric", stack="test", preview=False)
    return mocks

"""On-prem fixtures: the `onprem-only` example site as a dict, and the config its kubeconfig secret needs."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from tests.conftest import STACKS

KUBECONFIG_KEY = "gpufabric:fraKubeconfig"
CIPHERTEXT = "v1:b2ZmbGluZQ==:c2VjcmV0LWt1YmVjb25maWctY2lwaGVydGV4dA=="
SECRET_CONFIG = {KUBECONFIG_KEY: {"secure": CIPHERTEXT}}


@pytest.fixture(scope="session")
def onprem_fabric() -> Callable[[], dict[str, Any]]:
    """`onprem_fabric()` -> a fresh copy of the `onprem-only` example fabric."""
    doc = yaml.safe_load((STACKS / "Pulumi.onprem-only.yaml").read_text(encoding="utf-8"))
    fabric = doc["config"]["gpufabric:fabric"]
    return lambda: copy.deepcopy(fabric)

"""Fixtures of the sizing tests: trace paths (full shared traces, else the shipped excerpts), the default
profile, builders for catalogs and interval-series CSVs, and a runner for the `gpufabric size` command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.sizing.loaders import load_profile
from components.sizing.models import Profile

REPO = Path(__file__).resolve().parents[2]
SHARED_TRACES = REPO / ".." / "shared" / "data" / "azure-llm-2023"
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = REPO / "examples" / "sizing"


def trace_path(kind: str) -> Path:
    """The full Azure trace when ../shared exists beside the repository, else the 2,000-row excerpt."""
    full = SHARED_TRACES / f"AzureLLMInferenceTrace_{kind}.csv"
    if os.environ.get("GPUFABRIC_TEST_EXCERPTS"):
        full = DATA / "absent"
    return full if full.is_file() else DATA / f"AzureLLMInferenceTrace_{kind}_head2000.csv"


def gpufabric_exe() -> Path:
    for candidate in (REPO / ".venv" / "bin" / "gpufabric", Path(sys.executable).parent / "gpufabric"):
        if candidate.exists():
            return candidate
    raise RuntimeError("no gpufabric console script found")


@pytest.fixture(scope="session")
def profile() -> Profile:
    return load_profile()


@pytest.fixture
def run_size(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(gpufabric_exe()), "size", *args], capture_output=True, text=True, cwd=REPO, timeout=120
        )

    return run


def option(id: str, tier: str, **kw: Any) -> dict[str, Any]:
    """A catalog option dict with test defaults (1 H100 per node, EU region)."""
    base: dict[str, Any] = {
        "id": id,
        "provider": "aws",
        "region": "eu-north-1",
        "tier": tier,
        "gpu": "H100",
        "gpus_per_node": 1,
        "price_per_node_hour": 1.0,
        "max_nodes": 10,
    }
    return base | kw


@pytest.fixture
def write_catalog(tmp_path: Path) -> Callable[[list[dict[str, Any]]], Path]:
    def write(options: list[dict[str, Any]], name: str = "catalog.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump({"options": options}, sort_keys=False))
        return path

    return write


@pytest.fixture
def write_series(tmp_path: Path) -> Callable[..., Path]:
    """An interval series CSV with hourly rows from a list of request rates."""

    def write(rates: list[float], name: str = "demand.csv", mean_in: float = 500, mean_out: float = 200) -> Path:
        path = tmp_path / name
        lines = ["timestamp,requests_per_second,mean_input_tokens,mean_output_tokens"]
        lines += [f"{1767571200 + 3600 * k},{r},{mean_in},{mean_out}" for k, r in enumerate(rates)]
        path.write_text("\n".join(lines) + "\n")
        return path

    return write

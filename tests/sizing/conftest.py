"""Fixtures of the sizing tests: the default profile, builders for catalogs and interval-series CSVs, and a
runner for the `gpufabric size` command (helpers live in helpers.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gpufabric.sizing.loaders import load_profile
from gpufabric.sizing.models import Profile

from .helpers import REPO, gpufabric_exe


@pytest.fixture(scope="session")
def profile() -> Profile:
    return load_profile()


@pytest.fixture
def run_size() -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(gpufabric_exe()), "size", *args], capture_output=True, text=True, cwd=REPO, timeout=120
        )

    return run


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

"""Helpers shared by the sizing tests (imported relatively: `from .helpers import ...`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SHARED_TRACES = REPO / ".." / "shared" / "data" / "azure-llm-2023"
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = REPO / "examples" / "sizing"


def trace_path(kind: str) -> Path:
    """The full Azure trace when ../shared exists beside the repository, else the 2,000-row excerpt
    (forced with GPUFABRIC_TEST_EXCERPTS=1)."""
    full = SHARED_TRACES / f"AzureLLMInferenceTrace_{kind}.csv"
    if os.environ.get("GPUFABRIC_TEST_EXCERPTS"):
        full = DATA / "absent"
    return full if full.is_file() else DATA / f"AzureLLMInferenceTrace_{kind}_head2000.csv"


def gpufabric_exe() -> Path:
    for candidate in (REPO / ".venv" / "bin" / "gpufabric", Path(sys.executable).parent / "gpufabric"):
        if candidate.exists():
            return candidate
    raise RuntimeError("no gpufabric console script found")


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

"""Golden files: everything gpufabric renders is compared with a reviewed file under tests/golden/.

One mechanism for every rendered artefact (plans, Kubernetes objects, HAProxy configs, templates):
`assert_golden("plans/eu-sovereign.json", data)` compares `data` with the file and, when the environment
sets GPUFABRIC_UPDATE_GOLDENS=1 (`make golden`), rewrites the file instead, so review sees every change
as a diff of the golden file. A missing golden fails with the command that creates it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("GPUFABRIC_UPDATE_GOLDENS") == "1"
REGENERATE = "make golden"


def render(data: Any) -> str:
    """Text of a golden: strings verbatim, anything else as stable, sorted, indented JSON."""
    if isinstance(data, str):
        return data if data.endswith("\n") else data + "\n"
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def assert_golden(relative: str, data: Any) -> None:
    """Compare `data` with tests/golden/<relative>, or rewrite that file under `make golden`."""
    path = GOLDEN_DIR / relative
    text = render(data)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        raise AssertionError(f"no golden file {path.relative_to(GOLDEN_DIR.parent)}; run `{REGENERATE}` and review it")
    expected = path.read_text(encoding="utf-8")
    if expected != text:
        import difflib

        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), text.splitlines(keepends=True), "golden", "rendered", n=2
            )
        )
        raise AssertionError(
            f"{relative} differs from its golden file (if intended, run `{REGENERATE}` and review):\n{diff[:6000]}"
        )

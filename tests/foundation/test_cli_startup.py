"""CLI start-up: a command imports only what it uses (no Pulumi for `size`, no numpy or moto for `plan`)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pulumi", "numpy", "moto", "boto3", "policies.engine")


@pytest.mark.parametrize(
    ("command", "loaded"),
    [
        (["size"], {"numpy"}),
        (["plan"], {"pulumi"}),
        (["check"], {"policies.engine"}),
        (["gateway"], {"numpy"}),  # reads sizing plans; never Pulumi
        (["--help"], {"pulumi", "numpy", "policies.engine"}),
    ],
    ids=["size", "plan", "check", "gateway", "help-lists-all"],
)
def test_a_command_imports_only_its_own_heavy_modules(command: list[str], loaded: set[str]) -> None:
    code = (
        "import json, sys\nfrom gpufabric.cli import _register\n"
        f"_register({command!r})\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert set(json.loads(out.stdout)) == loaded

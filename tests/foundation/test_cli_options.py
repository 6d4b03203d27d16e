"""The options `plan`, `check` and `size` share have one declaration and one meaning, and a bad `--out` or
`--plot` ends every command with exit 2 naming the path, before any work and without a traceback.

In-process through Typer's runner (no planning needed: a bad output path is refused first; the format
cases use a stack `check` judges without planning, a region outside its jurisdiction)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.main import get_command
from typer.testing import CliRunner, Result

from gpufabric.cli import _register, app

REPO = Path(__file__).resolve().parents[2]
EU_FILE = str(REPO / "stacks" / "Pulumi.eu-sovereign.yaml")
DEMAND = str(REPO / "examples" / "sizing" / "demand-4w.csv")
COMMANDS = ("plan", "check", "size")
SHARED = {"stack": ["--stack", "-s"], "config": ["--config", "-c"], "fmt": ["--format", "-f"], "out": ["--out", "-o"]}


def _params(command: str) -> dict[str, Any]:
    _register()
    group = get_command(app)
    return {p.name: p for p in group.commands[command].params if p.name}  # type: ignore[attr-defined]


def invoke(*args: str) -> Result:
    _register()
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize("name", sorted(SHARED))
def test_every_command_declares_the_shared_option_the_same_way(name: str) -> None:
    declared = {c: _params(c)[name] for c in COMMANDS}
    assert {c: sorted(p.opts) for c, p in declared.items()} == {c: sorted(SHARED[name]) for c in COMMANDS}
    helps = {c: getattr(p, "help", "") for c, p in declared.items()}
    if name == "fmt":  # --format lists each command's own choices, then the same rule for the default
        assert all(h.endswith("(default: by --out's suffix, else table)") for h in helps.values()), helps
    else:
        assert len(set(helps.values())) == 1, helps


def _dir(tmp: Path) -> Path:
    return tmp


def _under_file(tmp: Path) -> Path:
    (tmp / "plain").write_text("x")
    return tmp / "plain" / "out"


def _read_only_dir(tmp: Path) -> Path:
    (tmp / "ro").mkdir(mode=0o555)
    (tmp / "ro").chmod(0o555)
    return tmp / "ro" / "out"


def _read_only_file(tmp: Path) -> Path:
    (tmp / "out").write_text("keep")
    (tmp / "out").chmod(0o444)
    return tmp / "out"


def _full_device(tmp: Path) -> Path:
    return Path("/dev/full")


BAD_PATHS = {
    "a directory": (_dir, "a directory"),
    "under a regular file": (_under_file, "is not a directory"),
    "in a read-only directory": (_read_only_dir, "is read-only"),
    "a 0444 file": (_read_only_file, "read-only (mode 444)"),
}
ARGS = {
    "plan --out": ["plan", "-s", "eu-sovereign", "-o"],
    "check --out": ["check", "-s", "eu-sovereign", "-o"],
    "size --out": ["size", "-s", "eu-sovereign", "--demand", DEMAND, "-o"],
    "size --plot": ["size", "-s", "eu-sovereign", "--demand", DEMAND, "--plot"],
}


@pytest.mark.parametrize("bad", sorted(BAD_PATHS))
@pytest.mark.parametrize("command", sorted(ARGS))
def test_a_bad_output_path_exits_2_naming_it_before_any_work(tmp_path: Path, command: str, bad: str) -> None:
    make, found = BAD_PATHS[bad]
    path = make(tmp_path)
    before = sorted((p, p.stat().st_mode) for p in tmp_path.rglob("*"))
    result = invoke(*ARGS[command], str(path))
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # not a traceback
    assert result.output.startswith(f"error: {path}: expected ") and found in result.output, result.output
    assert sorted((p, p.stat().st_mode) for p in tmp_path.rglob("*")) == before


def test_a_full_disk_is_reported_not_a_traceback(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("/dev/full is a Linux device")
    result = invoke("check", "-c", str(_outside_jurisdiction(tmp_path)), "-o", "/dev/full", "-f", "json")
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert result.output.startswith("error: /dev/full: ") and "No space left" in result.output


def _outside_jurisdiction(tmp: Path) -> Path:
    """An EU stack with its site moved to us-east-1: `check` judges it (region-allowed) without planning."""
    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.eu-sovereign.yaml").read_text(encoding="utf-8"))
    site = next(s for s in doc["config"]["gpufabric:fabric"]["sites"] if s["kind"] == "aws")
    site["region"] = "us-east-1"
    site["network"]["availability_zones"] = ["us-east-1a", "us-east-1b", "us-east-1c"]
    path = tmp / "Pulumi.eu-in-us.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def _kind(text: str) -> str:
    if text.lstrip().startswith("<?xml") or text.lstrip().startswith("<testsuites"):
        return "junit"
    if text.lstrip().startswith("{"):
        return "sarif" if "$schema" in json.loads(text) else "json"
    return "table"


FORMATS = [
    ("suffix .json", [], "r.json", "json"),
    ("suffix .sarif", [], "r.sarif", "sarif"),
    ("suffix .xml", [], "r.xml", "junit"),
    ("other suffix", [], "r.txt", "table"),
    ("--format wins over the suffix", ["-f", "json"], "r.sarif", "json"),
    ("--format table into .json", ["--format", "table"], "r.json", "table"),
]


@pytest.mark.parametrize(("case", "extra", "name", "kind"), FORMATS, ids=[f[0] for f in FORMATS])
def test_out_writes_the_format_given_else_the_one_its_suffix_names(
    tmp_path: Path, case: str, extra: list[str], name: str, kind: str
) -> None:
    out = tmp_path / "reports" / name  # a missing directory is created
    result = invoke("check", "-c", str(_outside_jurisdiction(tmp_path)), *extra, "-o", str(out))
    assert result.exit_code == 1, result.output
    assert result.output == ""  # --out: instead of stdout
    assert _kind(out.read_text(encoding="utf-8")) == kind
    assert "region-allowed" in out.read_text(encoding="utf-8")


def test_size_reads_a_stack_by_name_or_by_path_alike() -> None:
    demand = ["--demand", DEMAND, "-f", "json", "--time-limit", "10"]
    by_name = invoke("size", "-s", "eu-sovereign", *demand)
    by_path = invoke("size", "-c", EU_FILE, *demand)
    assert by_name.exit_code == by_path.exit_code == 0, by_name.output + by_path.output
    ids = [[o["id"] for o in json.loads(r.output)["options"]] for r in (by_name, by_path)]
    assert ids[0] == ids[1] and ids[0]


@pytest.mark.parametrize(
    "sources",
    [
        ["--catalog", "x.yaml", "-s", "eu-sovereign"],
        ["-s", "eu-sovereign", "-c", EU_FILE],
    ],
    ids=["catalog and stack", "stack and config"],
)
def test_size_takes_exactly_one_source_of_options(sources: list[str]) -> None:
    result = invoke("size", *sources, "--demand", DEMAND)
    assert result.exit_code == 2 and "exactly one of --catalog FILE or --stack NAME" in result.output

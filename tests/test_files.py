"""The one reader (gpufabric/core/files.py): bounds, duplicate keys, NaN, and every file read routed through it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from gpufabric.core import files
from gpufabric.core.errors import InputError
from gpufabric.core.files import parse_json, parse_yaml, read_json, read_text, read_yaml

REPO = Path(__file__).resolve().parents[1]


def laughs(levels: int, width: int = 9) -> str:
    """A "billion laughs" document: `width ** levels` strings after expansion, a few hundred bytes before."""
    lines = ['l0: &l0 ["lol"' + ', "lol"' * (width - 1) + "]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def nested(depth: int) -> list[object]:
    out: list[object] = []
    for _ in range(depth - 1):
        out = [out]
    return out


YAML_REFUSED = [
    pytest.param(laughs(9), "line 6", "alias expansion", id="billion-laughs"),
    pytest.param("a: &a [1, *a]\n", "line 1", "recursive alias", id="recursive-alias"),
    pytest.param("x: " + "[" * 80 + "]" * 80 + "\n", "line 1", "levels deep", id="deep-flow-nesting"),
    pytest.param(
        "config:\n  region: us-east-1\n  region: eu-north-1\n", "line 3", "duplicate key 'region'", id="dup-top"
    ),
    pytest.param("a:\n  - b: 1\n    c: 2\n    b: 3\n", "line 4", "duplicate key 'b'", id="dup-in-list-item"),
    pytest.param("a: {x: 1, x: 2}\n", "line 1", "duplicate key 'x'", id="dup-flow-mapping"),
    pytest.param("a: [1, 2\n", "line 2", "valid YAML", id="malformed"),
    pytest.param("a: *nowhere\n", "line 1", "valid YAML", id="unknown-alias"),
]


@pytest.mark.parametrize(("text", "where", "needle"), YAML_REFUSED)
def test_hostile_or_ambiguous_yaml_is_refused_located(text: str, where: str, needle: str) -> None:
    with pytest.raises(InputError) as err:
        parse_yaml(text, "stack.yaml")
    assert err.value.file == "stack.yaml"
    assert err.value.where.startswith(where)
    assert needle in err.value.message


def test_an_alias_bomb_is_refused_before_anything_is_constructed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refusal by the node counter, not by wall time: construction is never reached."""
    constructed: list[object] = []
    original = files._Loader.construct_document

    def spy(self: yaml.SafeLoader, node: yaml.Node) -> object:
        constructed.append(node)
        return original(self, node)

    monkeypatch.setattr(files._Loader, "construct_document", spy)
    with pytest.raises(InputError, match="alias expansion"):
        parse_yaml(laughs(9), "bomb.yaml")
    assert constructed == []
    assert parse_yaml("a: 1\n", "ok.yaml") == {"a": 1}
    assert len(constructed) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a: &a [1, 2]\nb: [*a, *a]\n", {"a": [1, 2], "b": [[1, 2], [1, 2]]}, id="aliases"),
        pytest.param(
            "base: &b {x: 1}\nme:\n  <<: *b\n  y: 2\n", {"base": {"x": 1}, "me": {"x": 1, "y": 2}}, id="merge-key"
        ),
        pytest.param("a: " + "[" * 60 + "]" * 60 + "\n", {"a": nested(60)}, id="nesting-under-bound"),
        pytest.param("a: 1\nb: {a: 2}\n", {"a": 1, "b": {"a": 2}}, id="same-key-in-another-mapping"),
    ],
)
def test_reasonable_yaml_still_reads(text: str, expected: object) -> None:
    assert parse_yaml(text, "ok.yaml") == expected


def test_expansion_bound_counts_expanded_values_not_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Expanded nodes, by hand: l0 = 1 + 3 = 4, l1 = 1 + 3 * 4 = 13, l2 = 40, l3 = 121, l4 = 364;
    the root mapping adds its 5 keys and itself: 548. Accepted at a bound of 548, refused at 547 (root) and
    at 363 (l4, line 5)."""
    text = laughs(4, width=3)
    monkeypatch.setattr(files, "MAX_NODES", 548)
    assert len(parse_yaml(text, "ok.yaml")["l4"]) == 3
    monkeypatch.setattr(files, "MAX_NODES", 547)
    with pytest.raises(InputError, match="at most 547 values") as err:
        parse_yaml(text, "bomb.yaml")
    assert err.value.where == "line 1"
    monkeypatch.setattr(files, "MAX_NODES", 363)
    with pytest.raises(InputError) as err:
        parse_yaml(text, "bomb.yaml")
    assert err.value.where == "line 5"


JSON_REFUSED = [
    pytest.param('{"a": 1, "a": 2}', "line 1", "duplicate key 'a'", id="dup-top"),
    pytest.param('{\n "p": {\n  "n": 1,\n  "n": 2}}', "line 2", "duplicate key 'n'", id="dup-nested"),
    pytest.param('{"x": NaN}', "", "NaN", id="nan"),
    pytest.param('{"x": [Infinity]}', "", "Infinity", id="infinity"),
    pytest.param('{"x": -Infinity}', "", "-Infinity", id="minus-infinity"),
    pytest.param("[" * 80 + "]" * 80, "line 1", "levels deep", id="deep-arrays"),
    pytest.param('{"a": ' * 80 + "1" + "}" * 80, "line 1", "levels deep", id="deep-objects"),
    pytest.param('{"a": 1,}', "line 1, column 9", "a JSON document", id="malformed"),
]


@pytest.mark.parametrize(("text", "where", "needle"), JSON_REFUSED)
def test_bad_json_is_refused_located(text: str, where: str, needle: str) -> None:
    with pytest.raises(InputError) as err:
        parse_json(text, "plan.json")
    assert err.value.file == "plan.json"
    assert where in err.value.where
    assert needle in err.value.message


def test_strict_json_reads_what_json_reads() -> None:
    text = '{"a": [1, 2.5, {"b": null, "c": "x"}], "d": {"a": true}, "e": -1e3}'
    assert parse_json(text, "ok.json") == {"a": [1, 2.5, {"b": None, "c": "x"}], "d": {"a": True}, "e": -1000.0}


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        pytest.param(None, "no such file", id="missing"),
        pytest.param(b"", "empty file", id="empty"),
        pytest.param(b"a: \xff\n", "invalid UTF-8", id="not-utf8"),
        pytest.param(b"a: 1\n" + b"#" * files.YAML_MAX_BYTES, "at most 1 MiB", id="too-large"),
    ],
)
def test_yaml_files_are_bounded(tmp_path: Path, content: bytes | None, needle: str) -> None:
    path = tmp_path / "s.yaml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=needle):
        read_yaml(path)


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="a directory"):
        read_text(tmp_path, 100)


def test_json_file_bound(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"a": 1}' + " " * 100)
    assert read_json(path) == {"a": 1}
    with pytest.raises(InputError, match="at most 50 bytes"):
        read_json(path, limit=50)


# Every YAML/JSON file the tool reads goes through core/files.py: no other module opens one itself.
FILE_READS = re.compile(r"yaml\.(safe_)?load\(|json\.load\(|\.read_text\(|\.read_bytes\(|YAML\(\)\.load\(")


def test_no_module_reads_yaml_or_json_files_itself() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{n}"
        for root in ("gpufabric", "policies", "components")
        for path in sorted((REPO / root).rglob("*.py"))
        if path != REPO / "gpufabric" / "core" / "files.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FILE_READS.search(line)
    ]
    assert offenders == []


# Through the command line: refused with exit 2, a message and no traceback, well before any expansion.
@pytest.mark.parametrize(
    ("args", "body", "needle"),
    [
        pytest.param(("plan", "--config"), laughs(9), "alias expansion", id="plan-bomb"),
        pytest.param(("check", "--config"), laughs(9), "alias expansion", id="check-bomb"),
        pytest.param(
            ("plan", "--config"),
            "config:\n  gpufabric:fabric:\n    jurisdiction: eu\n    jurisdiction: us\n",
            "duplicate key 'jurisdiction'",
            id="plan-duplicate",
        ),
        pytest.param(("size", "--demand", "x.csv", "--catalog"), laughs(9), "alias expansion", id="size-catalog"),
        pytest.param(
            ("size", "--demand", "x.csv", "--catalog", "c.yaml", "--profile"), laughs(9), "alias", id="size-profile"
        ),
    ],
)
def test_cli_refuses_hostile_files_with_exit_2(tmp_path: Path, args: tuple[str, ...], body: str, needle: str) -> None:
    exe = REPO / ".venv" / "bin" / "gpufabric"
    (tmp_path / "x.csv").write_text("timestamp,requests\n0,1\n")
    (tmp_path / "c.yaml").write_text("options: []\n")
    target = tmp_path / "Pulumi.hostile.yaml"
    target.write_text(body)
    proc = subprocess.run(
        [str(exe), *args, str(target)], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 2, proc.stderr + proc.stdout
    assert needle in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr

"""The one reader for every YAML and JSON file the tool reads, bounded, with located errors.

Stack files, catalogs, profiles, price tables, policy config and plan JSON are all untrusted input: a file
can be huge, nest without end, expand aliases into billions of nodes ("billion laughs") or repeat a key so
that the last one silently wins. Everything is refused here, as an `InputError` naming the file, the line or
key path, what was expected and what was found, before any data is built:

- size: at most `YAML_MAX_BYTES` for YAML, `JSON_MAX_BYTES` for JSON (plans are larger than stacks);
- alias expansion: the YAML node graph is measured as the tree it would expand to, by a counter over the
  composed nodes (memoised per node, so the count itself stays cheap) and refused above `MAX_NODES`,
  before anything is constructed; a recursive alias is refused outright;
- nesting deeper than `MAX_DEPTH`;
- a duplicate key in any mapping (YAML) or object (JSON);
- NaN and Infinity in JSON (not JSON, and they poison every sum).

libyaml's C parser is used where available (`CSafeLoader`); the checks run on its node graph either way.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
from pathlib import Path
from typing import Any

import yaml

from gpufabric.core.errors import InputError

YAML_MAX_BYTES = 1 << 20  # 1 MiB: the largest shipped stack is a few KiB
JSON_MAX_BYTES = 64 << 20  # 64 MiB: a year of 15-minute intervals over dozens of options stays far below
CSV_MAX_BYTES = 256 << 20  # 256 MiB: a few million request rows
MAX_NODES = 200_000  # nodes after alias expansion; a 12-site stack is about 1,000
MAX_DEPTH = 64  # nesting levels; a stack file nests about 8

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[assignment]
_MERGE = "tag:yaml.org,2002:merge"


def read_text(path: Path, limit: int, what: str = "file") -> str:
    """The UTF-8 text of `path`, refused when it is missing, unreadable or larger than `limit` bytes."""
    name = str(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError(name, "", f"an existing {what}", "no such file") from None
    except IsADirectoryError:
        raise InputError(name, "", f"a {what}", "a directory") from None
    except OSError as err:
        raise InputError(name, "", f"a readable {what}", err.strerror or str(err)) from None
    if len(data) > limit:
        raise InputError(name, "", f"a {what} of at most {_size(limit)}", "a larger file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(name, f"byte {err.start}", f"a UTF-8 text {what}", "invalid UTF-8") from None


def check_size(path: Path, limit: int, what: str = "file") -> None:
    """Refuse a file larger than `limit` bytes before it is streamed (CSV)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(str(path), "", f"an existing {what}", "no such file") from None
    except OSError as err:
        raise InputError(str(path), "", f"a readable {what}", err.strerror or str(err)) from None
    if size > limit:
        raise InputError(str(path), "", f"a {what} of at most {_size(limit)}", f"{_size(size)}")


def read_yaml(path: Path, limit: int = YAML_MAX_BYTES) -> Any:
    """Parse a YAML file into plain Python data; missing, oversized, hostile, malformed or empty files raise."""
    data = parse_yaml(read_text(path, limit, "YAML file"), str(path))
    if data is None:
        raise InputError(str(path), "", "a YAML mapping", "an empty file")
    return data


def parse_yaml(text: str, name: str) -> Any:
    """Parse YAML text (one document) under the bounds above; `name` locates errors."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_yaml_node(node, name)
        return loader.construct_document(node)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise InputError(name, where, "valid YAML", str(getattr(err, "problem", None) or err)) from None
    except RecursionError:
        raise InputError(name, "", f"YAML nested at most {MAX_DEPTH} levels deep", "deeper nesting") from None
    finally:
        loader.dispose()


def check_yaml_node(root: yaml.Node, name: str) -> None:
    """Refuse duplicate keys, deep nesting, recursive aliases and alias bombs in a composed YAML graph.

    Iterative (no recursion limit), and each node is measured once: `expanded[id]` is the size of the tree
    the node stands for, summed from its children's sizes, so a bomb is refused from the counter alone,
    long before its expansion would be built.
    """
    expanded: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            expanded[key] = 1 + sum(expanded[id(c)] for c in _children(node))
            if expanded[key] > MAX_NODES:
                raise InputError(
                    name,
                    _line(node),
                    f"at most {MAX_NODES:,} values after alias expansion",
                    f"more than {MAX_NODES:,} (an alias bomb?)",
                )
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise InputError(name, _line(node), "aliases that do not contain themselves", "a recursive alias")
        if depth > MAX_DEPTH:
            raise InputError(name, _line(node), f"nesting at most {MAX_DEPTH} levels deep", "deeper nesting")
        if isinstance(node, yaml.MappingNode):
            _check_duplicates(node, name)
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in _children(node) if id(c) not in expanded)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_duplicates(node: yaml.MappingNode, name: str) -> None:
    seen: dict[str, int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE:
            continue  # merge keys (`<<`) may repeat; complex keys are refused by the constructor
        line = key.start_mark.line + 1
        if key.value in seen:
            raise InputError(
                name,
                f"line {line}",
                f"each key once per mapping ({key.value!r} is first set on line {seen[key.value]})",
                f"a duplicate key {key.value!r}",
            )
        seen[key.value] = line


def _line(node: yaml.Node) -> str:
    return f"line {node.start_mark.line + 1}"


def read_json(path: Path, limit: int = JSON_MAX_BYTES, what: str = "JSON file") -> Any:
    """Parse a JSON file; oversized, malformed, NaN/Infinity, duplicate keys or deep nesting raise."""
    return parse_json(read_text(path, limit, what), str(path), what)


def parse_json(text: str, name: str, what: str = "JSON document") -> Any:
    """Parse JSON text strictly (see the module docstring); `name` locates errors."""
    decoder = _StrictDecoder(name)
    try:
        return decoder.decode(text)
    except json.JSONDecodeError as err:
        raise InputError(name, f"line {err.lineno}, column {err.colno}", f"a {what}", err.msg) from None
    except RecursionError:
        raise InputError(name, "", f"JSON nested at most {MAX_DEPTH} levels deep", "deeper nesting") from None


class _StrictDecoder(json.JSONDecoder):
    """json's pure-Python scanner with hooks that see positions: duplicates are located, depth is bounded."""

    def __init__(self, name: str) -> None:
        super().__init__(parse_constant=self._constant)
        self.name = name
        self.depth = 0
        self.parse_object = self._object  # type: ignore[assignment]
        self.parse_array = self._array  # type: ignore[assignment]
        self.scan_once = json.scanner.py_make_scanner(self)

    def _constant(self, text: str) -> Any:
        raise InputError(self.name, "", "finite JSON numbers", text)

    def _enter(self, s: str, end: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            line = s.count("\n", 0, end) + 1
            raise InputError(self.name, f"line {line}", f"nesting at most {MAX_DEPTH} levels deep", "deeper nesting")

    def _object(self, s_and_end: tuple[str, int], *args: Any) -> tuple[dict[str, Any], int]:
        s, end = s_and_end
        self._enter(s, end)
        strict, scan_once, _, _, memo = args  # the inner scanner and memo py_make_scanner passes
        pairs, stop = json.decoder.JSONObject(s_and_end, strict, scan_once, None, list, memo)
        self.depth -= 1
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                line = s.count("\n", 0, end) + 1
                raise InputError(
                    self.name,
                    f"the object opening on line {line}",
                    "each key once per object",
                    f"a duplicate key {key!r}",
                )
            out[key] = value
        return out, stop

    def _array(self, s_and_end: tuple[str, int], scan_once: Any) -> tuple[list[Any], int]:
        self._enter(*s_and_end)
        result = json.decoder.JSONArray(s_and_end, scan_once)
        self.depth -= 1
        return result


def _size(n: int) -> str:
    return f"{n / (1 << 20):.0f} MiB" if n >= 1 << 20 else f"{n:,} bytes"

"""Write a plan's counts back into a stack file, keeping its comments and layout, atomically.

Reserved and capacity_block tiers get `count` = the committed nodes; spot and on_demand tiers get `max` =
the plan's burst maximum. Options are matched to tiers by id `<site>/<tier>`. The file is edited with
ruamel.yaml's round-trip mode, written to a temporary file beside it and renamed over it, so a failure
leaves the original untouched.
"""

from __future__ import annotations

import difflib
import io
import os
import tempfile
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from gpufabric.core.errors import InputError
from gpufabric.core.files import YAML_MAX_BYTES, parse_yaml, read_text
from gpufabric.core.vocabulary import CONFIG_KEY, ELASTIC_TIERS, TierKind
from gpufabric.sizing.plan import Plan


def _yaml() -> YAML:
    y = YAML()  # round-trip
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def updated_text(path: Path, plan: Plan) -> tuple[str, str, list[str]]:
    """(old text, new text, changed key paths); InputError when the file or the match is wrong."""
    name = str(path)
    old = read_text(path, YAML_MAX_BYTES, "stack file")
    parse_yaml(old, name)  # the same bounds as every read: no alias bomb, no duplicate key
    y = _yaml()
    try:
        doc = y.load(old)
    except YAMLError as err:
        raise InputError(name, "", "valid YAML", str(err).splitlines()[0]) from None
    try:
        sites = doc["config"][CONFIG_KEY]["sites"]
    except (KeyError, TypeError):
        raise InputError(name, f"config.{CONFIG_KEY}.sites", "a list of sites", "nothing") from None
    by_id = {o.id: o for o in plan.options}
    changed: list[str] = []
    for i, site in enumerate(sites):
        for k, tier in enumerate(site.get("tiers") or []):
            opt = by_id.get(f"{site.get('name')}/{tier.get('name')}")
            if opt is None:
                continue
            kind = TierKind(tier.get("kind"))
            key, value = (
                ("max", max(max(opt.nodes, default=0), 1)) if kind in ELASTIC_TIERS else ("count", opt.committed_nodes)
            )
            if kind == TierKind.OWNED:
                continue  # owned hardware is what it is; the plan does not buy it
            if key == "count" and value < 1:
                # A committed tier of zero nodes cannot be declared (count >= 1): leave it, and say so.
                changed.append(f"sites[{i}].tiers[{k}] ({opt.id}): plan commits 0 nodes; remove the tier by hand")
                continue
            if tier.get(key) != value:
                tier[key] = value
                changed.append(f"sites[{i}].tiers[{k}].{key} = {value} ({opt.id})")
    matched = any(f"{s.get('name')}/{t.get('name')}" in by_id for s in sites for t in (s.get("tiers") or []))
    if not matched:
        raise InputError(
            name,
            f"config.{CONFIG_KEY}.sites",
            "tiers matching the plan's option ids (<site>/<tier>)",
            "none",
            hint="Size with --stack so option ids follow the stack's sites and tiers.",
        )
    buf = io.StringIO()
    y.dump(doc, buf)
    return old, buf.getvalue(), changed


def diff(old: str, new: str, path: Path) -> str:
    lines = difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"{path} (before)", f"{path} (after)")
    return "".join(lines)


def write_atomic(path: Path, text: str) -> None:
    """Temp file in the same directory, fsync, rename over the target (atomic on POSIX)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

"""The CrossGuard pack files the Pulumi CLI reads: valid YAML, the Python runtime, the project's virtualenv."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PACKS = sorted(p.parent for p in (REPO / "policies").glob("*/PulumiPolicy.yaml"))


def test_every_pack_exists() -> None:
    assert {p.name for p in PACKS} == {"residency", "security", "overflow"}


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_pulumi_policy_yaml_is_what_the_cli_expects(pack: Path) -> None:
    doc = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    assert doc["runtime"]["name"] == "python"
    assert isinstance(doc["description"], str) and doc["description"]
    venv = (pack / doc["runtime"]["options"]["virtualenv"]).resolve()
    assert venv == (REPO / ".venv").resolve()


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_main_only_constructs_the_pack(pack: Path) -> None:
    # PolicyPack(...) never returns (it serves gRPC): the entry point must do nothing else at import time.
    tree = ast.parse((pack / "__main__.py").read_text(encoding="utf-8"))
    calls = [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    assert [c.value.func.id for c in calls] == ["serve"]  # type: ignore[union-attr]


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_serve_builds_the_pack_with_every_rule_mandatory(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    import pulumi_policy

    from policies.adapter import serve

    built: list[dict] = []
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kw: built.append(kw))
    pack_def = importlib.import_module(f"policies.{pack.name}.rules").PACK_DEF
    serve(pack_def)
    (kw,) = built
    assert kw["name"] == pack_def.name
    assert kw["enforcement_level"] == pulumi_policy.EnforcementLevel.MANDATORY
    assert sorted(p.name for p in kw["policies"]) == sorted(r.id for r in pack_def.rules)


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_sample_policy_config_is_valid_json_for_the_pack(pack: Path) -> None:
    import json

    from policies.engine import all_packs

    config = json.loads((pack / "policy-config.json").read_text(encoding="utf-8"))
    known = {r.id for p in all_packs() for r in p.rules}
    assert set(config) <= known

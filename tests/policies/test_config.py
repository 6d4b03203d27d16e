"""The policy config: schema defaults applied by our code, allowed regions from the built-in table (not
from a stack's own widening), and the sample config files valid for both runners."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from gpufabric.core.jurisdictions import get_jurisdiction
from policies.config import CONFIG_PROPERTIES, PolicyConfig, PolicyConfigError, apply_defaults, resolve
from policies.engine import all_packs, check_policy_names, load_policy_config, rule_settings
from policies.model import StackContext

REPO = Path(__file__).resolve().parents[2]


def ctx(fabric: dict) -> StackContext:
    return StackContext(config={"gpufabric:fabric": json.dumps(fabric)})


def test_every_property_schema_is_valid_json_schema_and_defaults_match_the_model() -> None:
    for schema in CONFIG_PROPERTIES.values():
        jsonschema.Draft7Validator.check_schema(schema)
        if "default" in schema:
            jsonschema.validate(schema["default"], schema)
    model = PolicyConfig.model_validate(apply_defaults({}))
    assert model.required_tags == CONFIG_PROPERTIES["requiredTags"]["default"]
    assert set(CONFIG_PROPERTIES) == {f.alias or n for n, f in PolicyConfig.model_fields.items()}


def test_allowed_regions_default_to_the_table_not_the_stacks_widening() -> None:
    widened = ctx({"jurisdiction": {"name": "eu", "aws_regions": ["eu-north-1", "us-east-1"]}})
    cfg = resolve({}, widened)
    assert cfg.jurisdiction == "eu"
    assert cfg.aws_regions == get_jurisdiction("eu").aws_regions
    assert not cfg.allows_aws("us-east-1")
    assert resolve({"allowedAwsRegions": ["us-east-1"]}, widened).allows_aws("us-east-1")


def test_default_registries_are_in_region() -> None:
    cfg = resolve({}, ctx({"jurisdiction": "eu"}))
    assert cfg.allows_registry("123456789012.dkr.ecr.eu-north-1.amazonaws.com")
    assert cfg.allows_registry("europe-west4-docker.pkg.dev")
    assert not cfg.allows_registry("123456789012.dkr.ecr.us-east-1.amazonaws.com")
    assert not cfg.allows_registry("docker.io")


def test_bad_config_is_a_config_error() -> None:
    with pytest.raises(PolicyConfigError, match="jurisdiction"):
        resolve({"jurisdiction": "atlantis"}, StackContext())
    with pytest.raises(PolicyConfigError, match="allowedAwsRegions"):
        resolve({"allowedAwsRegions": "eu-north-1"}, StackContext())
    with pytest.raises(PolicyConfigError, match="unknown policies region-alowed"):
        check_policy_names(all_packs(), {"region-alowed": "advisory"})


@pytest.mark.parametrize("pack", ["residency", "security"])
def test_sample_policy_configs_match_their_pack(pack: str) -> None:
    path = REPO / "policies" / pack / "policy-config.json"
    doc = load_policy_config([path])
    [definition] = [p for p in all_packs() if p.name.endswith(pack)]
    assert set(doc) <= {r.id for r in definition.rules}
    for rule in definition.rules:
        level, props = rule_settings(rule, doc)
        assert set(props) <= set(rule.config_keys)
        for key, value in props.items():
            jsonschema.validate(value, CONFIG_PROPERTIES[key])
        resolve(props, StackContext(), rule.config_keys)
    yaml_text = (REPO / "policies" / pack / "PulumiPolicy.yaml").read_text(encoding="utf-8")
    assert "virtualenv: ../../.venv" in yaml_text and "name: python" in yaml_text

"""The serving rules on the rendered server Deployment: the good one passes, each weakening is reported
(offline and through the Policy SDK), naming the site."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from gpufabric.decide.overflow import overflow_order
from gpufabric.decide.serving import ReplicaShape, deployment, server_site, site_capacity, site_registry
from gpufabric.spec.load import parse_fabric
from policies.config import resolve
from policies.engine import all_packs
from policies.model import StackContext
from tests.policies.harness import make, sdk_validate

RULES = {r.id: r for p in all_packs() for r in p.rules}
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SHAPES = {"H100": ReplicaShape(1, 64), "L40S": ReplicaShape(1, 24), "L4": ReplicaShape(1, 16)}


@pytest.fixture(scope="module")
def eu(example_fabric) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    raw = example_fabric("eu-sovereign")
    spec = parse_fabric(raw)
    order = overflow_order(spec)
    rendered = {}
    for site in spec.sites:
        ranks = {r.tier: r.rank for r in order if r.site == site.name}
        ss = server_site(spec, site, ranks, site_registry(site, "123456789012"))
        d = deployment(ss, spec.serving, site_capacity(site, SHAPES))
        rendered[site.name] = {k: v for k, v in d.items() if k not in ("apiVersion", "kind")}
    return {"gpufabric:fabric": json.dumps(raw)}, rendered


def _container(d: dict[str, Any]) -> dict[str, Any]:
    return d["spec"]["template"]["spec"]["containers"][0]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        _container(d)[path] = value

    return change


def _env(name: str, value: str) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        _container(d)["env"] = [e for e in _container(d)["env"] if e["name"] != name] + [{"name": name, "value": value}]

    return change


def _sc(**kw: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: _container(d)["securityContext"].update(kw)


def _args0(value: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: _container(d)["args"].__setitem__(0, value)


# (id, rule, site, change, words in the message)
CASES = [
    ("image-public", "serving-image-site-registry", "aws-stockholm", _set("image", "vllm/vllm-openai:v0.11.0"),
     "not from the site's own registry (*.dkr.ecr.eu-north-1.amazonaws.com)"),
    ("image-other-region-ecr", "serving-image-site-registry", "aws-stockholm",
     _set("image", "123456789012.dkr.ecr.eu-central-1.amazonaws.com/vllm/vllm-openai:v1"), "of site 'aws-stockholm'"),
    ("image-other-site-mirror", "serving-image-site-registry", "fra-onprem",
     _set("image", "europe-west4-docker.pkg.dev/claims-assistant-eu/gpufabric-mirror/vllm/vllm-openai:v0.11.0"),
     "(registry.fra.claims.internal/*)"),
    ("image-gcp-other-project", "serving-image-site-registry", "gcp-eemshaven",
     _set("image", "europe-west4-docker.pkg.dev/someone-else/m/vllm/vllm-openai:v0.11.0"), "of site 'gcp-eemshaven'"),
    ("hub-online", "serving-weights-in-jurisdiction", "aws-stockholm", _env("HF_HUB_OFFLINE", "0"),
     "may download from a public hub"),
    ("hub-model-id", "serving-weights-in-jurisdiction", "aws-stockholm", _args0("meta-llama/Llama-3.1-8B"),
     "loads 'meta-llama/Llama-3.1-8B', not the weights the stack declares"),
    ("other-bucket", "serving-weights-in-jurisdiction", "gcp-eemshaven", _args0("gs://someone-else/llama"),
     "not the weights the stack declares (gs://claims-assistant-eu-weights-eemshaven/llama-3.1-8b)"),
    ("root-user", "k8s-inference-non-root", "aws-stockholm", _sc(runAsUser=0), "runs as user 0"),
    ("may-be-root", "k8s-inference-non-root", "fra-onprem",
     lambda d: (_container(d)["securityContext"].pop("runAsNonRoot"),
                d["spec"]["template"]["spec"]["securityContext"].pop("runAsNonRoot")), "does not set runAsNonRoot"),
    ("escalation", "k8s-inference-non-root", "gcp-eemshaven", _sc(allowPrivilegeEscalation=True),
     "allowPrivilegeEscalation: false"),
    ("privileged", "k8s-inference-non-root", "gcp-eemshaven", _sc(privileged=True), "is privileged"),
]  # fmt: skip


def _run(rule_id: str, props: dict[str, Any], config: dict[str, Any]) -> list[str]:
    ctx = StackContext(config=config)
    rule = RULES[rule_id]
    assert rule.check is not None
    return list(rule.check(make(DEPLOYMENT, props), resolve({}, ctx, rule.config_keys), ctx))


@pytest.mark.parametrize(("rule_id", "site", "change", "words"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_the_rendered_server_passes_and_each_weakening_is_reported(eu, rule_id, site, change, words) -> None:
    config, rendered = eu
    good = rendered[site]
    assert _run(rule_id, good, config) == []
    bad = copy.deepcopy(good)
    change(bad)
    messages = _run(rule_id, bad, config)
    assert any(words in m for m in messages), messages
    assert sdk_validate(rule_id, make(DEPLOYMENT, bad), stack_config=config) == messages


def test_weights_outside_the_jurisdiction_are_reported_even_if_declared(eu) -> None:
    """A policy config narrowing the jurisdiction's GCP regions makes the declared bucket location illegal."""
    config, rendered = eu
    ctx = StackContext(config=config)
    rule = RULES["serving-weights-in-jurisdiction"]
    narrowed = resolve({"allowedGcpRegions": ["europe-west1"]}, ctx, rule.config_keys)
    messages = list(rule.check(make(DEPLOYMENT, rendered["gcp-eemshaven"]), narrowed, ctx))
    assert any("in europe-west4, outside jurisdiction" in m for m in messages), messages

"""Helpers for the policy tests: hand-built resources, the SDK's own validate path, the analyzer servicer.

`PolicyPack(...)` never returns (it starts the gRPC server), so nothing here constructs it: the SDK path
calls `ResourceValidationPolicy.validate` / `StackValidationPolicy.validate` directly, and the engine path
drives the private `_PolicyAnalyzerServicer` (pulumi-policy is pinned to 1.21.x for that reason) with the
protobuf requests the Pulumi CLI would send.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _PolicyAnalyzerServicer

from policies.adapter import to_policies
from policies.model import Pack, Res, StackContext
from policies.overflow.rules import PACK_DEF as OVERFLOW
from policies.residency.rules import PACK_DEF as RESIDENCY
from policies.security.rules import PACK_DEF as SECURITY

PACKS = {RESIDENCY.name: RESIDENCY, SECURITY.name: SECURITY, OVERFLOW.name: OVERFLOW}
EU_STACK = {"gpufabric:fabric": json.dumps({"jurisdiction": "eu", "sites": []})}
EU_TAGS = {"gpufabric:jurisdiction": "eu", "gpufabric:site": "aws-stockholm", "cost-center": "claims"}


def urn(type_: str, name: str, stack: str = "test") -> str:
    return f"urn:pulumi:{stack}::gpufabric::{type_}::{name}"


def aws_provider(region: str = "eu-north-1", tags: Mapping[str, str] | None = None) -> Res:
    """An explicit AWS provider as the engine records it (defaultTags as JSON text, like pulumi-aws sends)."""
    props: dict[str, Any] = {"region": region}
    props["defaultTags"] = json.dumps({"tags": dict(EU_TAGS if tags is None else tags)})
    return Res(type="pulumi:providers:aws", urn=urn("pulumi:providers:aws", f"aws-{region}"), name="p", props=props)


def make(type_: str, props: Mapping[str, Any], name: str = "r", provider: Res | None = None) -> Res:
    """A hand-built resource; AWS resources get an EU provider unless one is given."""
    if provider is None and type_.startswith("aws:"):
        provider = aws_provider()
    return Res(type=type_, urn=urn(type_, name), name=name, props=dict(props), provider=provider)


def stack(config: Mapping[str, Any] | None = None) -> StackContext:
    return StackContext(config=dict(EU_STACK if config is None else config))


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def _sdk_provider(res: Res) -> PolicyProviderResource | None:
    p = res.provider
    return PolicyProviderResource(p.type, p.props, p.urn, p.name) if p is not None else None


def sdk_policy(rule_id: str, stack_config: Mapping[str, Any] | None = None):
    """The SDK object the CrossGuard pack would register for this rule (built by our adapter)."""
    config = dict(EU_STACK if stack_config is None else stack_config)
    for pack in PACKS.values():
        for policy in to_policies(pack, stack_config=lambda: config):
            if policy.name == rule_id:
                return policy
    raise KeyError(rule_id)


def sdk_validate(
    rule_id: str,
    res: Res | list[Res],
    config: Mapping[str, Any] | None = None,
    stack_config: Mapping[str, Any] | None = None,
) -> list[str]:
    """Run one rule through the SDK's own `validate`, as the analyzer would; returns reported messages.
    `config` is the policy's config *after* the CLI applied schema defaults (here: none applied)."""
    policy = sdk_policy(rule_id, stack_config)
    messages: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        messages.append(message)

    if isinstance(policy, ResourceValidationPolicy):
        assert isinstance(res, Res)
        args = ResourceValidationArgs(res.type, res.props, res.urn, res.name, _opts(), _sdk_provider(res), config)
        policy.validate(args, report)
    else:
        assert isinstance(policy, StackValidationPolicy)
        resources = res if isinstance(res, list) else [res]
        policy_resources = [
            PolicyResource(r.type, r.props, r.urn, r.name, _opts(), _sdk_provider(r), None, [], {}) for r in resources
        ]
        policy.validate(StackValidationArgs(policy_resources, config), report)
    return messages


# ------------------------------------------------------------------------------------------ servicer


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(value))
    return s


class Analyzer:
    """A pack's analyzer servicer, driven with the requests the Pulumi CLI sends."""

    def __init__(self, pack: Pack, stack_config: Mapping[str, Any] | None = None) -> None:
        config = dict(EU_STACK if stack_config is None else stack_config)
        self.servicer = _PolicyAnalyzerServicer(
            pack.name, "0.1.0", to_policies(pack, stack_config=lambda: config), EnforcementLevel.MANDATORY
        )

    def configure(self, policy_config: Mapping[str, Mapping[str, Any]]) -> None:
        """`policy_config` as the CLI sends it: per policy an enforcement level and properties."""
        request = proto.ConfigureAnalyzerRequest()
        levels = {e.value: getattr(proto, e.name) for e in EnforcementLevel}
        for name, entry in policy_config.items():
            cfg = proto.PolicyConfig(enforcementLevel=levels[entry.get("enforcementLevel", "mandatory")])
            cfg.properties.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
            request.policyConfig[name].CopyFrom(cfg)
        self.servicer.Configure(request, None)

    def info(self):
        return self.servicer.GetAnalyzerInfo(None, None)

    def _resource(self, res: Res, cls: Any) -> Any:
        kwargs: dict[str, Any] = {
            "type": res.type,
            "properties": _struct(res.props),
            "urn": res.urn,
            "name": res.name,
            "options": proto.AnalyzerResourceOptions(protect=False),
        }
        if res.provider is not None:
            kwargs["provider"] = proto.AnalyzerProviderResource(
                type=res.provider.type,
                properties=_struct(res.provider.props),
                urn=res.provider.urn,
                name=res.provider.name,
            )
        return cls(**kwargs)

    def analyze(self, res: Res) -> list[Any]:
        return list(self.servicer.Analyze(self._resource(res, proto.AnalyzeRequest), None).diagnostics)

    def analyze_stack(self, resources: list[Res]) -> list[Any]:
        request = proto.AnalyzeStackRequest(resources=[self._resource(r, proto.AnalyzerResource) for r in resources])
        return list(self.servicer.AnalyzeStack(request, None).diagnostics)

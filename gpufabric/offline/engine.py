"""The offline plan engine: run the real Pulumi program under Pulumi's mocks and record the resource graph.

No Pulumi CLI, no provider plugins, no cloud account: `pulumi.runtime.set_mocks` stands in for the engine,
a recording monitor notes every registration (type, name, parent, provider, protect, inputs in engine
camelCase, as CrossGuard sees them), and data sources are answered from moto's recorded AWS data. The
result is sorted by URN, so planning the same stack twice gives identical JSON.
"""

from __future__ import annotations

import hashlib
import json
import runpy
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc as _rpc

from gpufabric.core.errors import DecisionError, InputError
from gpufabric.core.jurisdictions import aws_partition_of
from gpufabric.decide.placement import PlacementError
from gpufabric.offline import datasources
from gpufabric.offline.plan import Plan
from gpufabric.spec import LoadedStack, project_root

PROJECT = "gpufabric"
REDACTED = "[secret]"  # what a plan shows for any secret input (a kubeconfig): never its value
SECRET_PLACEHOLDER = "[secret {key}: not decrypted offline]"
_LOCK = threading.Lock()  # the Pulumi runtime is process-global: one offline run at a time


class _Recorder(pulumi.runtime.Mocks):
    """Answers registrations with deterministic ids and outputs, and calls from `datasources`."""

    def __init__(self, config: dict[str, str], on_resource: Callable[[int], None] | None) -> None:
        self.config = config
        self.providers: dict[str, dict[str, Any]] = {}  # provider reference "urn::id" -> inputs
        self.records: dict[str, dict[str, Any]] = {}
        self.errors: list[BaseException] = []
        self.on_resource = on_resource

    # -- resources -------------------------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        inputs = dict(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            inputs = {k: _maybe_json(v) for k, v in inputs.items()}
        rid = _fake_id(args.typ, args.name)
        state = {
            **inputs,
            **_computed_outputs(args.typ, args.name, rid, inputs, self._region_of(args, inputs)),
        }
        return rid, state

    def _region_of(self, args: pulumi.runtime.MockResourceArgs, inputs: dict[str, Any]) -> str | None:
        return effective_region(args.typ, inputs, self.providers.get(args.provider or "", {}), self.config)

    # -- data sources ----------------------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        provider = self.providers.get(args.provider or "", {})
        region = args.args.get("region") or provider.get("region") or self.config.get("aws:region") or "us-east-1"
        try:
            return datasources.answer(args.token, region, dict(args.args))
        except Exception as e:  # recorded and re-raised after the run: the SDK would swallow it
            self.errors.append(e)
            raise


class _Monitor(pulumi_mocks.MockMonitor):
    """A mock monitor that also records parent, provider and protect of every registration."""

    def __init__(self, recorder: _Recorder) -> None:
        super().__init__(recorder)
        self.recorder = recorder

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        urn = self.make_urn(request.parent, request.type, request.name)
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        provider_ref = request.provider or ""
        raw_inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
        if request.type.startswith("pulumi:providers:"):
            raw_inputs = {k: _maybe_json(v) for k, v in raw_inputs.items()}
            # Later registrations name their provider as "urn::id": remember its inputs (e.g. region) by that.
            self.recorder.providers[f"{urn}::{response.id}"] = raw_inputs
        provider_inputs = self.recorder.providers.get(provider_ref, {})
        record = {
            "urn": urn,
            "type": request.type,
            "name": request.name,
            "parent": request.parent or "",
            "provider": provider_ref.rsplit("::", 1)[0] if provider_ref else "",
            "region": effective_region(request.type, raw_inputs, provider_inputs, self.recorder.config)
            if request.custom
            else None,
            "inputs": _plain(raw_inputs) if request.custom else {},
            "protect": bool(request.protect),
            "custom": bool(request.custom),
        }
        self.recorder.records[urn] = record
        if self.recorder.on_resource:
            self.recorder.on_resource(len(self.recorder.records))
        return response


def effective_region(
    type_: str, inputs: dict[str, Any], provider: dict[str, Any], config: dict[str, str]
) -> str | None:
    """Where a resource lives: its own region argument, else its provider's, else the stack default."""
    if type_.startswith("aws:") or type_ == "pulumi:providers:aws":
        return inputs.get("region") or provider.get("region") or config.get("aws:region")
    if type_.startswith("gcp:") or type_ == "pulumi:providers:gcp":
        return (
            inputs.get("region")
            or inputs.get("location")
            or inputs.get("zone")
            or provider.get("region")
            or provider.get("zone")
            or config.get("gcp:region")
        )
    return None


def plan_stack(loaded: LoadedStack, *, on_resource: Callable[[int], None] | None = None) -> Plan:
    """Run the project's program for `loaded` under mocks; return the recorded, sorted resource graph."""
    config = _config_strings(loaded)
    with _LOCK:
        recorder = _Recorder(config, on_resource)
        pulumi.runtime.set_mocks(
            recorder, project=PROJECT, stack=loaded.stack, preview=False, monitor=_Monitor(recorder)
        )
        pulumi.runtime.config.set_all_config(config, secret_keys=sorted(loaded.secret_keys))
        program = project_root(loaded.path.parent) / "__main__.py"
        outputs: dict[str, Any] = {}

        @pulumi.runtime.test
        def run() -> None:
            outputs.update(runpy.run_path(str(program), run_name="__main__"))

        try:
            run()
        except Exception as e:
            raise _as_input_error(loaded.path, recorder.errors[0] if recorder.errors else e) from None
        if recorder.errors:
            raise _as_input_error(loaded.path, recorder.errors[0])
    resources = sorted(recorder.records.values(), key=lambda r: r["urn"])
    return Plan(
        stack=loaded.stack,
        stack_file=str(loaded.path),
        jurisdiction=loaded.spec.resolved_jurisdiction().name,
        spec=loaded.spec,
        config=config,
        resources=resources,
    )


def _as_input_error(path: Path, err: BaseException) -> BaseException:
    """Errors the user can fix become InputErrors naming the stack file; anything else is a bug: re-raise."""
    if isinstance(err, pulumi.RunError) and err.__cause__ is not None:
        err = err.__cause__  # the program's clean exit for bad input (see __main__.py)
    if isinstance(err, InputError):
        return InputError(str(path), err.where, err.expected, err.found, err.hint, err.detail, err.policy)
    if isinstance(err, PlacementError):
        return InputError(str(path), err.where, detail=str(err))
    if isinstance(err, DecisionError):
        return InputError(str(path), "", detail=str(err))
    if isinstance(err, datasources.UnansweredCall):
        return InputError(str(path), "", detail=str(err))
    return err


def _config_strings(loaded: LoadedStack) -> dict[str, str]:
    """Stack config as the engine passes it: strings, objects as JSON text, secrets as placeholders."""
    out: dict[str, str] = {}
    for key, value in loaded.config.items():
        if key in loaded.secret_keys:
            out[key] = SECRET_PLACEHOLDER.format(key=key)
        elif isinstance(value, str):
            out[key] = value
        else:
            out[key] = json.dumps(value)
    return out


def _fake_id(type_: str, name: str) -> str:
    digest = hashlib.sha256(f"{type_}::{name}".encode()).hexdigest()[:17]
    prefixes = {
        "aws:ec2/vpc:Vpc": "vpc-",
        "aws:ec2/subnet:Subnet": "subnet-",
        "aws:ec2/securityGroup:SecurityGroup": "sg-",
        "aws:ec2/capacityReservation:CapacityReservation": "cr-",
        "aws:ec2/launchTemplate:LaunchTemplate": "lt-",
        "aws:ec2/routeTable:RouteTable": "rtb-",
        "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    }
    return prefixes.get(type_, "") + digest


def _computed_outputs(type_: str, name: str, rid: str, inputs: dict[str, Any], region: str | None) -> dict[str, Any]:
    """Outputs the provider would compute that other resources read (arn, names, versions)."""
    if not type_.startswith("aws:"):
        return {"id": rid}
    region = region or "us-east-1"
    partition = aws_partition_of(region)
    service = type_.split(":")[1].split("/")[0]
    out: dict[str, Any] = {
        "arn": f"arn:{partition}:{service}:{region}:{datasources.OFFLINE_ACCOUNT_ID}:{name}/{rid}",
        "name": inputs.get("name", name),
    }
    if type_ == "aws:eks/cluster:Cluster":
        out |= {
            "endpoint": f"https://{rid.upper()}.gr7.{region}.eks.amazonaws.com",
            "certificateAuthority": {"data": "b2ZmbGluZQ=="},
            "vpcConfig": {**inputs.get("vpcConfig", {}), "clusterSecurityGroupId": f"sg-{rid}"},
        }
    elif type_ == "aws:kms/key:Key":
        out["keyId"] = rid
        out["arn"] = f"arn:{partition}:kms:{region}:{datasources.OFFLINE_ACCOUNT_ID}:key/{rid}"
    elif type_ == "aws:ec2/launchTemplate:LaunchTemplate":
        out["latestVersion"] = 1
    elif type_ == "aws:eks/nodeGroup:NodeGroup":
        out["nodeGroupName"] = name
    elif type_ == "aws:iam/role:Role":
        out["arn"] = f"arn:{partition}:iam::{datasources.OFFLINE_ACCOUNT_ID}:role/{name}"
    return out


def _maybe_json(value: Any) -> Any:
    """Provider inputs arrive JSON-encoded (e.g. defaultTags); decode them so policies see objects."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _plain(value: Any) -> Any:
    """Recorded inputs as plain JSON data (unknowns and resource references as strings, secrets redacted)."""
    if isinstance(value, dict) and value.get(_rpc._special_sig_key) == _rpc._special_secret_sig:  # noqa: SLF001
        return REDACTED
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)

"""The offline plan engine: run the real Pulumi program under Pulumi's mocks and record the resource graph.

No Pulumi CLI, no provider plugins, no cloud account: `pulumi.runtime.set_mocks` stands in for the engine,
a recording monitor notes every registration (type, name, parent, provider, protect, inputs in engine
camelCase, as CrossGuard sees them), and data sources are answered from moto's recorded AWS data. The
result is sorted by URN, so planning the same stack twice gives identical JSON.
"""

from __future__ import annotations

import asyncio
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

from gpufabric.core.errors import PROGRAM_INPUT_ERRORS, InputError, InputErrors
from gpufabric.core.jurisdictions import aws_partition_of
from gpufabric.offline import datasources
from gpufabric.offline.plan import Plan
from gpufabric.spec import LoadedStack
from gpufabric.spec.state import LoadedBootstrap

PROJECT = "gpufabric"
# gpufabric's own Pulumi program, beside the packages of this checkout. Always this one: a stack file is
# data, so a Pulumi.yaml, __main__.py or package found next to it is never run (issue 8 item 1).
PROGRAM = Path(__file__).resolve().parents[2] / "__main__.py"
# The state bootstrap's program (bootstrap/, its own Pulumi project): run for a bootstrap stack file, chosen
# by the kind of stack the file holds, never by where the file is.
BOOTSTRAP_PROJECT = "gpufabric-bootstrap"
BOOTSTRAP_PROGRAM = PROGRAM.parent / "bootstrap" / "__main__.py"
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
        self.latest = threading.local()  # .value: (inputs, state) of this thread's latest registration
        self.outputs: dict[str, Any] = {}  # the stack's exports (`pulumi stack output`)

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
        self.latest.value = (args.inputs, state)  # the monitor records these: no second deserialization
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
        raw_inputs, state = self.recorder.latest.value  # as MockMonitor deserialized them for new_resource
        if request.type.startswith("pulumi:providers:"):
            raw_inputs = {k: _maybe_json(v) for k, v in raw_inputs.items()}
            # Later registrations name their provider as "urn::id": remember its inputs (e.g. region) by that.
            self.recorder.providers[f"{urn}::{response.id}"] = raw_inputs
        provider_inputs = self.recorder.providers.get(provider_ref, {})
        inputs = _plain(raw_inputs) if request.custom else {}  # converted once: recorded, and outputs diff it
        record = {
            "urn": urn,
            "id": response.id if request.custom else "",
            "type": request.type,
            "name": request.name,
            "parent": request.parent or "",
            "provider": provider_ref.rsplit("::", 1)[0] if provider_ref else "",
            "region": effective_region(request.type, raw_inputs, provider_inputs, self.recorder.config)
            if request.custom
            else None,
            "inputs": inputs,
            "outputs": _computed_only(_plain(state), inputs) if request.custom else {},
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


def plan_stack(loaded: LoadedStack | LoadedBootstrap, *, on_resource: Callable[[int], None] | None = None) -> Plan:
    """Run the project's program for `loaded` under mocks; return the recorded, sorted resource graph."""
    config = _config_strings(loaded)
    with _LOCK:
        recorder = _Recorder(config, on_resource)
        failure = _on_fresh_thread(lambda: _run_program(loaded, config, recorder))
        if failure is not None:
            raise _as_input_error(loaded.path, recorder.errors[0] if recorder.errors else failure) from None
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
        outputs=recorder.outputs,
    )


def _run_program(loaded: LoadedStack | LoadedBootstrap, config: dict[str, str], recorder: _Recorder) -> None:
    """Set the mocks and config, then run gpufabric's program (or the bootstrap's) to completion under them."""
    bootstrap = isinstance(loaded, LoadedBootstrap)
    project, program = (BOOTSTRAP_PROJECT, BOOTSTRAP_PROGRAM) if bootstrap else (PROJECT, PROGRAM)
    # The root Stack resource lives in a context variable: a fresh thread starts without one, and this
    # makes sure a second plan never parents its resources to the first stack's URN.
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_mocks(recorder, project=project, stack=loaded.stack, preview=False, monitor=_Monitor(recorder))
    pulumi.runtime.config.set_all_config(config, secret_keys=sorted(loaded.secret_keys))

    @pulumi.runtime.test
    def run() -> pulumi.Output[None]:
        runpy.run_path(str(program), run_name="__main__")
        # The stack's exports (`pulumi stack output`), resolved before the run ends: the test harness awaits them.
        exports = getattr(pulumi.runtime.get_root_resource(), "outputs", {}) or {}
        return pulumi.Output.from_input(dict(exports)).apply(lambda v: recorder.outputs.update(_plain(v)))

    run()


def _on_fresh_thread(fn: Callable[[], None]) -> BaseException | None:
    """Run `fn` on a new thread with its own event loop and context; return what it raised, if anything.

    Why: Pulumi records a source stack trace for every resource, walking every frame down to the thread's
    first one. On a fresh thread that walk stops at the program's runner instead of also converting the
    caller's frames (CLI, typer, click, tests) once per resource. Also, each run gets clean context
    variables and event loop, so nothing of one plan's Pulumi state leaks into the next.
    """
    failure: list[BaseException] = []

    def target() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 handed to the caller's thread, which re-raises it
            failure.append(e)
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    thread = threading.Thread(target=target, name="gpufabric-offline-plan")
    thread.start()
    thread.join()
    return failure[0] if failure else None


def _as_input_error(path: Path, err: BaseException) -> BaseException:
    """Bad input becomes an InputError naming the stack file; anything else is a bug: re-raise it.

    As under `pulumi up`, only the program's clean exit (a RunError caused by bad input, see __main__.py)
    counts as bad input: an input error escaping the program unwrapped would be a traceback there, so it
    is a bug here too. Unanswered data sources are the offline engine's own, reported as bad input.
    """
    if isinstance(err, pulumi.RunError) and isinstance(err.__cause__, PROGRAM_INPUT_ERRORS):
        return _refiled(path, err.__cause__)
    if isinstance(err, datasources.UnansweredCall):
        return InputError(str(path), "", detail=str(err))
    return err


def _refiled(path: Path, err: Exception) -> InputError:
    """The program's input error, located in the stack file the user wrote."""
    if isinstance(err, InputErrors):
        return InputErrors([_refiled(path, e) for e in err.errors])
    if isinstance(err, InputError):
        return InputError(str(path), err.where, err.expected, err.found, err.hint, err.detail, err.policy)
    return InputError(str(path), getattr(err, "where", ""), detail=str(err))


def _config_strings(loaded: LoadedStack | LoadedBootstrap) -> dict[str, str]:
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
    if type_ == "gcp:container/cluster:Cluster":  # what the site's Kubernetes provider is built from
        return {"id": rid, "endpoint": "10.255.255.2", "masterAuth": {"clusterCaCertificate": "b2ZmbGluZQ=="}}
    if type_ == "random:index/randomPassword:RandomPassword":  # a secret output: plans show it redacted
        return {"id": rid, "result": "offline-random-password"}
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


def _computed_only(state: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """The outputs the engine computed (an arn, an endpoint), not the inputs it echoes back."""
    return {k: v for k, v in state.items() if k not in inputs or inputs[k] != v}


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

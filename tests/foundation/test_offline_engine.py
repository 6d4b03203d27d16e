"""The offline engine's own pieces: data-source answers, unanswered calls, effective region."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gpufabric.core.errors import InputError
from gpufabric.offline import datasources, effective_region
from gpufabric.offline.engine import _as_input_error, _Recorder


def test_offerings_come_from_recorded_aws_data() -> None:
    # The offline facts: in eu-north-1, p4d.24xlarge is offered only in zone c, p5.48xlarge in a, b and c.
    answer = datasources.answer(
        "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings",
        "eu-north-1",
        {"locationType": "availability-zone", "filters": [{"name": "instance-type", "values": ["p4d.24xlarge"]}]},
    )
    assert answer["instanceTypes"] == ["p4d.24xlarge"]
    assert answer["locations"] == ["eu-north-1c"]
    p5 = datasources.instance_type_offerings(
        "eu-north-1", {"filters": [{"name": "instance-type", "values": ["p5.48xlarge"]}]}
    )
    assert sorted(p5["locations"]) == ["eu-north-1a", "eu-north-1b", "eu-north-1c"]


def test_availability_zones_and_partition_answers() -> None:
    zones = datasources.answer("aws:index/getAvailabilityZones:getAvailabilityZones", "eu-north-1", {})
    assert zones["names"] == ["eu-north-1a", "eu-north-1b", "eu-north-1c"]
    gov = datasources.answer("aws:index/getPartition:getPartition", "us-gov-west-1", {})
    assert gov["partition"] == "aws-us-gov"
    identity = datasources.answer("aws:index/getCallerIdentity:getCallerIdentity", "us-gov-west-1", {})
    assert identity["arn"].startswith("arn:aws-us-gov:iam::")


def test_an_unanswered_data_source_is_an_error_naming_its_token(tmp_path: Path) -> None:
    token = "aws:rds/getEngineVersion:getEngineVersion"
    with pytest.raises(datasources.UnansweredCall) as caught:
        datasources.answer(token, "eu-north-1", {})
    assert token in str(caught.value)

    # Through the mocks: the error is recorded (the SDK would otherwise swallow it) ...
    recorder = _Recorder({}, None)

    class Call:
        pass

    call = Call()
    call.token, call.args, call.provider = token, {}, ""
    with pytest.raises(datasources.UnansweredCall):
        recorder.call(call)  # type: ignore[arg-type]
    assert [type(e) for e in recorder.errors] == [datasources.UnansweredCall]

    # ... and reaches the user as bad input naming the stack file and the token.
    stack = tmp_path / "Pulumi.x.yaml"
    err = _as_input_error(stack, recorder.errors[0])
    assert isinstance(err, InputError)
    assert err.message.startswith(str(stack)) and token in err.message


@pytest.mark.parametrize(
    ("inputs", "provider", "config", "expected"),
    [
        ({"region": "eu-west-3"}, {"region": "eu-north-1"}, {"aws:region": "us-east-1"}, "eu-west-3"),
        ({}, {"region": "eu-north-1"}, {"aws:region": "us-east-1"}, "eu-north-1"),
        ({}, {}, {"aws:region": "us-east-1"}, "us-east-1"),
        ({}, {}, {}, None),
    ],
)
def test_effective_region_precedence(inputs, provider, config, expected) -> None:
    assert effective_region("aws:ec2/vpc:Vpc", inputs, provider, config) == expected


def test_kubernetes_resources_have_no_cloud_region() -> None:
    assert effective_region("kubernetes:apps/v1:Deployment", {"region": "x"}, {}, {"aws:region": "y"}) is None


def test_the_plan_records_ids_and_computed_outputs_so_references_can_be_followed(plan_fabric, base_fabric) -> None:
    planned = plan_fabric(base_fabric(), name="unit")
    custom = [r for r in planned.resources if r["custom"]]
    ids = [r["id"] for r in custom]
    assert all(ids) and len(set(ids)) == len(ids)
    assert all(r["id"] == "" and r["outputs"] == {} for r in planned.resources if not r["custom"])
    by_id = {r["id"]: r for r in custom}
    # A node group names its launch template by id; the id leads to the recorded template.
    for group in planned.of_type("aws:eks/nodeGroup:NodeGroup"):
        if "launchTemplate" in group["inputs"]:
            assert by_id[group["inputs"]["launchTemplate"]["id"]]["type"] == "aws:ec2/launchTemplate:LaunchTemplate"
    (cluster,) = planned.of_type("aws:eks/cluster:Cluster")
    assert cluster["outputs"]["endpoint"].startswith("https://") and "eu-north-1" in cluster["outputs"]["endpoint"]
    assert cluster["outputs"]["vpcConfig"]["clusterSecurityGroupId"].startswith("sg-")
    # Outputs are what the engine computed, not the inputs echoed back.
    (vpc,) = planned.of_type("aws:ec2/vpc:Vpc")
    assert vpc["id"].startswith("vpc-") and "cidrBlock" not in vpc["outputs"] and vpc["outputs"]["arn"]


def test_ids_and_outputs_are_json_safe_and_deterministic(plan_fabric, base_fabric, write_stack) -> None:
    from gpufabric.offline import plan_stack
    from gpufabric.spec import load_stack_file

    first = plan_fabric(base_fabric(), name="unit").plan
    again = plan_stack(load_stack_file(write_stack(base_fabric(), name="unit")))
    assert json.loads(first.to_json()) == json.loads(again.to_json())
    assert first.to_json() == again.to_json()


def test_plans_in_one_process_each_parent_to_their_own_stack(plan_fabric, base_fabric) -> None:
    # Pulumi keeps the root Stack resource in a context variable; a second plan must not inherit the first's.
    for name in ("first-stack", "second-stack"):
        planned = plan_fabric(base_fabric(), name=name)
        prefix = f"urn:pulumi:{name}::"
        assert all(r["urn"].startswith(prefix) for r in planned.resources)
        assert all(r["parent"].startswith(prefix) for r in planned.resources if r["parent"])


@pytest.mark.parametrize("region", ["eu-north-1", "us-east-1", "eu-south-2"])
def test_the_offerings_snapshot_matches_moto(region: str) -> None:
    from gpufabric.offline import snapshot

    zones, offerings = snapshot.from_moto(region)
    assert snapshot.region_offerings(region) == (zones, offerings)
    gpu = {(t, z) for t, z in offerings if t.split(".")[0] in {"p5", "p4d", "g6e", "g5"}}
    assert gpu and gpu <= set(snapshot.region_offerings(region)[1])


def test_a_region_missing_from_the_snapshot_is_asked_of_moto(monkeypatch) -> None:
    from gpufabric.offline import snapshot

    asked: list[str] = []
    monkeypatch.setattr(snapshot, "from_moto", lambda region: asked.append(region) or (("x-1a",), ()))
    snapshot.region_offerings.cache_clear()
    try:
        assert snapshot.region_offerings("xx-nowhere-1") == (("x-1a",), ())
        assert snapshot.region_offerings("eu-north-1")[0] == ("eu-north-1a", "eu-north-1b", "eu-north-1c")
    finally:
        snapshot.region_offerings.cache_clear()
    assert asked == ["xx-nowhere-1"]


def test_sites_ask_and_decide_before_any_site_declares_resources(base_fabric, write_stack) -> None:
    """Two-step sites (components/fabric.py, DeclaresLater): bad input in the last site stops the run
    before the first site declared anything but its component and provider."""
    from gpufabric.offline import plan_stack
    from gpufabric.spec import load_stack_file

    fabric = base_fabric()
    second = {**fabric["sites"][0], "name": "aws-lulea"}
    second["network"] = {"cidr": "10.41.0.0/16", "availability_zones": ["eu-north-1a"]}
    second["tiers"] = [{"name": "a100", "kind": "reserved", "instance_types": ["p4d.24xlarge"], "count": 1}]
    fabric["sites"].append(second)
    counts: list[int] = []
    with pytest.raises(InputError) as caught:
        plan_stack(load_stack_file(write_stack(fabric, name="two-step")), on_resource=counts.append)
    assert "aws-lulea" in caught.value.message and "p4d.24xlarge" in caught.value.message
    assert max(counts) <= 1 + 2 * len(fabric["sites"])  # the Fabric, and per site its component and provider


def test_the_program_runs_on_its_own_thread_so_stack_traces_skip_the_caller(
    monkeypatch, base_fabric, write_stack
) -> None:
    """Pulumi sends a source stack trace with every registration, converting every frame down to the
    thread's first: run on a fresh thread, the caller's frames (CLI, pytest) are not walked per resource.
    The caller's Pulumi context (root Stack resource) is left as it was."""
    import pulumi

    from gpufabric.offline import engine
    from gpufabric.spec import load_stack_file

    uris: set[str] = set()
    register = engine._Monitor.RegisterResource

    def spy(self, request):  # noqa: ANN001, ANN202 (gRPC method)
        uris.update(frame.pc.uri for frame in request.stackTrace.frames)
        return register(self, request)

    monkeypatch.setattr(engine._Monitor, "RegisterResource", spy)
    before = pulumi.runtime.settings.ROOT.get()
    engine.plan_stack(load_stack_file(write_stack(base_fabric(), name="own-thread")))
    assert any(uri.endswith("/components/fabric.py") for uri in uris)  # the program's frames are there
    assert not any(uri.endswith(("/test_offline_engine.py", "/_pytest/python.py")) for uri in uris)
    assert pulumi.runtime.settings.ROOT.get() is before

"""`gpufabric plan` through a subprocess: the JSON plan, determinism, --config, and exit 2 on bad input."""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def gpufabric_exe() -> Path:
    """The console script of this checkout's virtualenv, else the one next to the running interpreter."""
    for candidate in (REPO / ".venv" / "bin" / "gpufabric", Path(sys.executable).parent / "gpufabric"):
        if candidate.exists():
            return candidate
    pytest.fail("no gpufabric console script: run `make install` first")


STACK_KEYS = {"stack", "jurisdiction", "resources", "violations", "jurisdiction_overrides"}
RESOURCE_KEYS = {"urn", "type", "name", "parent", "provider", "region", "inputs"}


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(gpufabric_exe()), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="session")
def eu_json(tmp_path_factory, worker_id):
    """`plan --stack eu-sovereign --format json`, run once for all xdist workers (shared through a file)."""
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    out, lock = shared / "eu-sovereign.plan.json", shared / "eu-sovereign.plan.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if not out.exists():
            result = run("plan", "--stack", "eu-sovereign", "--format", "json")
            assert result.returncode == 0, result.stderr
            assert result.stderr == ""
            out.write_text(result.stdout, encoding="utf-8")
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def eu_plan(eu_json):
    return json.loads(eu_json)


def of_type(plan, type_):
    return [r for r in plan["resources"] if r["type"] == type_]


def test_plan_json_has_stable_keys(eu_plan):
    assert set(eu_plan) == STACK_KEYS
    assert eu_plan["stack"] == "eu-sovereign"
    assert eu_plan["jurisdiction"] == "eu"
    assert eu_plan["jurisdiction_overrides"] == {}  # the built-in table as is
    assert eu_plan["violations"] == []
    assert len(eu_plan["resources"]) > 40
    for resource in eu_plan["resources"]:
        assert set(resource) >= RESOURCE_KEYS, resource
        assert resource["urn"].startswith("urn:pulumi:eu-sovereign::gpufabric::")
    urns = [r["urn"] for r in eu_plan["resources"]]
    assert urns == sorted(urns)
    assert len(set(urns)) == len(urns)


def test_plan_json_shows_a_private_encrypted_cluster(eu_plan):
    (cluster,) = of_type(eu_plan, "aws:eks/cluster:Cluster")
    assert cluster["inputs"]["vpcConfig"]["endpointPublicAccess"] is False
    assert cluster["inputs"]["encryptionConfig"]["provider"]["keyArn"].startswith("arn:aws:kms:eu-north-1:")
    assert cluster["region"] == "eu-north-1"


def test_plan_json_shows_no_internet_path(eu_plan):
    assert of_type(eu_plan, "aws:ec2/internetGateway:InternetGateway") == []
    assert of_type(eu_plan, "aws:ec2/natGateway:NatGateway") == []
    subnets = of_type(eu_plan, "aws:ec2/subnet:Subnet")
    assert sorted(s["inputs"]["availabilityZone"] for s in subnets) == [
        "eu-north-1a",
        "eu-north-1b",
        "eu-north-1c",
    ]
    assert all(s["inputs"]["mapPublicIpOnLaunch"] is False for s in subnets)


def test_plan_json_shows_reservation_spot_and_tainted_gpu_groups(eu_plan):
    """eu-sovereign's AWS site is scaled by Karpenter: the reservation, an EC2NodeClass selecting it, one
    NodePool per tier with strictly decreasing weights, GPU limits and the GPU taint, and the release."""
    (reservation,) = of_type(eu_plan, "aws:ec2/capacityReservation:CapacityReservation")
    assert reservation["inputs"]["instanceType"] == "p5.48xlarge"
    assert reservation["inputs"]["instanceMatchCriteria"] == "targeted"
    (node_class,) = of_type(eu_plan, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")
    assert node_class["inputs"]["spec"]["capacityReservationSelectorTerms"] == [{"id": reservation["id"]}]
    pools = sorted(
        (p["inputs"] for p in of_type(eu_plan, "kubernetes:karpenter.sh/v1:NodePool")),
        key=lambda p: -p["spec"]["weight"],
    )
    assert [p["metadata"]["name"] for p in pools] == ["h100-reserved", "l40s-spot", "h100-on-demand"]
    weights = [p["spec"]["weight"] for p in pools]
    assert weights[0] > weights[1] > weights[2]
    for pool in pools[:-1]:
        assert pool["spec"]["limits"]["nvidia.com/gpu"] > 0
    requirements = [{r["key"]: r["values"] for r in p["spec"]["template"]["spec"]["requirements"]} for p in pools]
    assert requirements[0]["karpenter.k8s.aws/capacity-reservation-id"] == [reservation["id"]]
    assert [r["karpenter.sh/capacity-type"] for r in requirements] == [["reserved"], ["spot"], ["on-demand"]]
    assert len(requirements[1]["node.kubernetes.io/instance-type"]) == 3
    for pool in pools:
        assert {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"} in pool["spec"]["template"]["spec"][
            "taints"
        ]
    releases = [r["inputs"]["name"] for r in of_type(eu_plan, "kubernetes:helm.sh/v3:Release")]
    assert "karpenter" in releases
    gpu_groups = [
        g for g in of_type(eu_plan, "aws:eks/nodeGroup:NodeGroup") if "gpufabric.io/tier" in g["inputs"]["labels"]
    ]
    assert gpu_groups == []  # no two engines manage the same nodes


def test_planning_twice_gives_identical_json(eu_json, tmp_path):
    # the same stack file again, named by --config this time and from another working directory
    again = run("plan", "--config", str(REPO / "stacks" / "Pulumi.eu-sovereign.yaml"), "-f", "json", cwd=tmp_path)

    assert again.returncode == 0, again.stderr
    assert again.stdout == eu_json


# -- bad input: exit 2, one paragraph on stderr naming the key path, no traceback --------------------------

SITE = "gpufabric:fabric.sites[aws-stockholm]"


def site_yaml(**changes: str) -> str:
    """A small stack file as text, so each case reads like the stack file a user would write."""
    values = {
        "jurisdiction": "eu",
        "kind": "aws",
        "region": "eu-north-1",
        "cidr": "10.40.0.0/16",
        "zones": "[eu-north-1a, eu-north-1b]",
        "reserved": "count: 1",
        "extra_site": "",
        "spot_extra": "",
    }
    values.update(changes)
    return f"""config:
  gpufabric:fabric:
    jurisdiction: {values["jurisdiction"]}
    sites:
      - name: aws-stockholm
        kind: {values["kind"]}
        region: {values["region"]}
        network:
          cidr: {values["cidr"]}
          availability_zones: {values["zones"]}
        tiers:
          - name: h100-reserved
            kind: reserved
            instance_types: [p5.48xlarge]
            {values["reserved"]}
          - name: l40s-spot
            kind: spot
            instance_types: [g6e.xlarge, g6e.12xlarge]
            max: 4
            {values["spot_extra"]}
{values["extra_site"]}"""


OVERLAPPING_SITE = """      - name: aws-frankfurt
        kind: aws
        region: eu-central-1
        network: {cidr: 10.40.128.0/17}
        tiers: [{name: a100-spot, kind: spot, instance_types: [p4d.24xlarge], max: 2}]
"""

BAD_INPUTS = [
    ("unknown-key", site_yaml(spot_extra="maxx: 3"), [f"{SITE}.tiers[l40s-spot].maxx", "'maxx'"]),
    ("public-cidr", site_yaml(cidr="8.8.0.0/16"), [f"{SITE}.network.cidr", "private"]),
    ("region-outside", site_yaml(region="us-east-1"), [f"{SITE}.region", "'us-east-1'"]),
    (
        "overlap",
        site_yaml(extra_site=OVERLAPPING_SITE),
        ["sites[aws-frankfurt].network.cidr", "10.40.128.0/17"],
    ),
    ("no-count", site_yaml(reserved="min: 0"), [f"{SITE}.tiers[h100-reserved]."]),
    ("unknown-jurisdiction", site_yaml(jurisdiction="mars"), ["gpufabric:fabric.jurisdiction", "'mars'"]),
    ("zone-outside-region", site_yaml(zones="[eu-west-1a]"), [f"{SITE}.network.availability_zones[0]"]),
    ("invalid-yaml", "config:\n  gpufabric:fabric: {sites: [\n", ["line ", "valid YAML"]),
    ("no-fabric-key", "config:\n  aws:region: eu-north-1\n", ["config", "'gpufabric:fabric'"]),
    (
        "type-not-offered",
        site_yaml(region="eu-west-1", zones="[eu-west-1a, eu-west-1c]"),
        ["p5.48xlarge", "eu-west-1"],
    ),
]


@pytest.mark.parametrize(("text", "fragments"), [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_exits_2_with_one_paragraph(tmp_path, text, fragments):
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(text, encoding="utf-8")

    result = run("plan", "--config", str(path), "--format", "json")

    assert result.returncode == 2, (result.stdout[:300], result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert message.startswith(f"error: {path}")
    assert "\n\n" not in message  # one paragraph
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in: {message}"


def test_missing_config_file_exits_2(tmp_path):
    result = run("plan", "--config", str(tmp_path / "Pulumi.nothing.yaml"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Pulumi.nothing.yaml" in result.stderr


def test_unknown_stack_lists_the_known_stacks():
    result = run("plan", "--stack", "eu-sovreign")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "'eu-sovreign'" in result.stderr
    assert "eu-sovereign" in result.stderr.replace("'eu-sovreign'", "")
    assert "us-cloud" in result.stderr


@pytest.mark.parametrize(
    ("args", "found"),
    [(["--stack", "eu-sovereign", "--config", "stacks/Pulumi.us-cloud.yaml"], "both"), ([], "neither")],
    ids=["both", "neither"],
)
def test_exactly_one_of_stack_and_config(args, found):
    result = run("plan", *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--stack/--config" in result.stderr
    assert f"found {found}" in result.stderr


def test_a_narrowed_jurisdiction_is_shown_in_the_plan(tmp_path):
    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.eu-sovereign.yaml").read_text(encoding="utf-8"))
    doc["config"]["gpufabric:fabric"]["jurisdiction"] = {"name": "eu", "aws_regions": ["eu-north-1"]}
    path = tmp_path / "Pulumi.eu-narrow.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")

    as_json = run("plan", "--config", str(path), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["jurisdiction_overrides"] == {"aws_regions": ["eu-north-1"]}
    as_table = run("plan", "--config", str(path))
    assert "replaces the built-in 'eu' aws_regions: eu-north-1" in as_table.stdout

"""The state-location rule: the backend URL and each stack's secrets provider, of every shape, judged
against the stack's jurisdiction; and `gpufabric check` exit codes on copies of the project's files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gpufabric.spec.state_location import read_state_settings
from policies.engine import evaluate
from policies.model import StackContext

REPO = Path(__file__).resolve().parents[2]
EU_S3 = "s3://claims-assistant-pulumi-state-eu?region=eu-north-1&awssdk=v2"
EU_KMS = "awskms://alias/gpufabric/state/bootstrap-eu/secrets?region=eu-north-1&awssdk=v2"
UNSET = object()


def project(
    root: Path, *, backend: Any = EU_S3, secrets: Any = EU_KMS, salt: bool = False, opt_in: bool = False
) -> Path:
    """A copy of the project's files in `root` (Pulumi.yaml, the bootstrap, eu-sovereign) with the state
    settings given; returns the stack file."""
    doc = yaml.safe_load((REPO / "Pulumi.yaml").read_text(encoding="utf-8"))
    doc.pop("backend", None)
    if backend is not UNSET:
        doc["backend"] = {"url": backend}
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    (root / "bootstrap").mkdir()
    shutil.copy(REPO / "bootstrap" / "Pulumi.bootstrap-eu.yaml", root / "bootstrap")
    stack = yaml.safe_load((REPO / "stacks" / "Pulumi.eu-sovereign.yaml").read_text(encoding="utf-8"))
    stack.pop("secretsprovider", None)
    if secrets is not UNSET:
        stack["secretsprovider"] = secrets
    if salt:
        stack["encryptionsalt"] = "v1:c2FsdA==:v1:aXY=:Y3Q="
    if opt_in:
        stack["config"]["gpufabric:passphraseSecrets"] = True
    (root / "stacks").mkdir()
    path = root / "stacks" / "Pulumi.eu-sovereign.yaml"
    path.write_text(yaml.safe_dump(stack, sort_keys=False), encoding="utf-8")
    return path


def judged(path: Path, env: dict[str, str] | None = None) -> dict[str, list[str]]:
    """policy -> messages of the state rules, for the stack file at `path` (no resources needed)."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))["config"]
    context = StackContext(config=config, stack_urn="urn:x", state=read_state_settings(path, env or {}))
    violations, _ = evaluate([], context)
    out: dict[str, list[str]] = {}
    for v in violations:
        out.setdefault(f"{v.policy}/{v.enforcement}", []).append(v.message)
    return out


CASES = [
    # id, project settings, env, expected {policy/enforcement: words in the one message} ({} = compliant)
    ("s3-in-region", {}, {}, {}),
    ("s3-bucket-known-from-bootstrap", {"backend": "s3://claims-assistant-pulumi-state-eu"}, {}, {}),
    ("gs-bucket-known-from-bootstrap", {"backend": "gs://claims-assistant-pulumi-state-eu"}, {}, {}),
    ("gcpkms-in-region", {"secrets": "gcpkms://projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k"}, {}, {}),
    (
        "no-backend-is-hosted",
        {"backend": UNSET},
        {},
        {"state-location/mandatory": ["backend.url is not set", "hosted"]},
    ),
    ("hosted-url", {"backend": "https://api.pulumi.com"}, {}, {"state-location/mandatory": ["hosted Pulumi Cloud"]}),
    (
        "s3-other-region",
        {"backend": "s3://claims-state?region=us-east-1"},
        {},
        {"state-location/mandatory": ["Pulumi.yaml: backend.url", "us-east-1, outside jurisdiction 'eu'"]},
    ),
    (
        "env-wins-over-project",
        {},
        {"PULUMI_BACKEND_URL": "s3://other?region=us-west-2"},
        {"state-location/mandatory": ["PULUMI_BACKEND_URL", "us-west-2"]},
    ),
    (
        "s3-unknown-bucket",
        {"backend": "s3://nobody-knows"},
        {},
        {"state-location/mandatory": ["cannot be known offline"]},
    ),
    (
        "gs-unknown-bucket",
        {"backend": "gs://nobody-knows"},
        {},
        {"state-location/mandatory": ["cannot be known offline"]},
    ),
    (
        "s3-compatible-endpoint",
        {"backend": "s3://b?endpoint=minio.local:9000"},
        {},
        {"state-location/mandatory": ["endpoint"]},
    ),
    ("malformed-backend", {"backend": "claims-state"}, {}, {"state-location/mandatory": ["malformed"]}),
    ("local-backend", {"backend": "file://~/.pulumi"}, {}, {"state-location/mandatory": ["local state"]}),
    (
        "kms-other-region",
        {"secrets": "awskms://alias/x?region=us-east-1"},
        {},
        {"state-location/mandatory": ["secretsprovider", "us-east-1"]},
    ),
    (
        "kms-arn-other-region",
        {"secrets": "awskms://arn:aws:kms:us-east-1:123456789012:key/abc"},
        {},
        {"state-location/mandatory": ["us-east-1"]},
    ),
    (
        "kms-without-region",
        {"secrets": "awskms://alias/x"},
        {},
        {"state-location/mandatory": ["cannot be known offline"]},
    ),
    (
        "gcpkms-other-region",
        {"secrets": "gcpkms://projects/p/locations/us-central1/keyRings/r/cryptoKeys/k"},
        {},
        {"state-location/mandatory": ["us-central1"]},
    ),
    ("gcpkms-malformed", {"secrets": "gcpkms://keyRings/r"}, {}, {"state-location/mandatory": ["malformed"]}),
    ("hosted-key", {"secrets": "default"}, {}, {"state-location/mandatory": ["hosted Pulumi Cloud's own key"]}),
    ("passphrase", {"secrets": "passphrase"}, {}, {"state-location/mandatory": ["passphrase", "opt in"]}),
    ("passphrase-by-salt", {"secrets": UNSET, "salt": True}, {}, {"state-location/mandatory": ["encryptionsalt"]}),
    (
        "passphrase-default-of-self-managed",
        {"secrets": UNSET},
        {},
        {"state-location/mandatory": ["secretsprovider (not set: the default)"]},
    ),
    (
        "passphrase-opted-in",
        {"secrets": "passphrase", "opt_in": True},
        {},
        {"state-passphrase-opted-in/advisory": ["opted in"]},
    ),
]


@pytest.mark.parametrize(("settings", "env", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_state_location_rule(tmp_path: Path, settings: dict[str, Any], env: dict[str, str], expected: dict) -> None:
    found = judged(project(tmp_path, **settings), env)
    assert sorted(found) == sorted(expected)
    for key, words in expected.items():
        (message,) = found[key]
        assert all(w in message for w in words), message


def test_a_stack_file_outside_any_project_is_not_judged(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.loose.yaml"
    path.write_text(yaml.safe_dump({"config": {"gpufabric:fabric": {"jurisdiction": "eu"}}}), encoding="utf-8")
    assert read_state_settings(path, {}) is None


def gpufabric(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).parent / "gpufabric")
    clean = {k: v for k, v in __import__("os").environ.items() if k != "PULUMI_BACKEND_URL"}
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, cwd=REPO, timeout=300, env={**clean, **(env or {})}
    )


def test_the_example_stack_keeps_its_state_in_the_jurisdiction() -> None:
    result = gpufabric("check", "--stack", "eu-sovereign", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["violations"] == []


@pytest.mark.parametrize(
    ("backend", "words"),
    [("https://api.pulumi.com", "hosted Pulumi Cloud"), ("s3://claims-state?region=us-east-1", "us-east-1")],
    ids=["hosted", "us-east-1"],
)
def test_a_copy_with_its_state_elsewhere_fails_check_naming_the_rule(tmp_path: Path, backend: str, words: str) -> None:
    stack = project(tmp_path, backend=backend)
    result = gpufabric("check", "--config", str(stack), "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    (violation,) = json.loads(result.stdout)["violations"]
    assert violation["policy"] == "state-location" and violation["enforcement"] == "mandatory"
    assert words in violation["message"] and str(tmp_path / "Pulumi.yaml") in violation["message"]


def test_an_unparseable_project_file_is_bad_input(tmp_path: Path) -> None:
    stack = project(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("backend: [unclosed\n", encoding="utf-8")
    result = gpufabric("check", "--config", str(stack))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Pulumi.yaml" in result.stderr and "Traceback" not in result.stderr

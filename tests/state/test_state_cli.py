"""`gpufabric state`: the login URL and secrets provider from the bootstrap's planned outputs; `--write`
edits Pulumi.yaml and the stack file (comments kept, diff shown) or refuses and leaves both untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpufabric.cli import app
from gpufabric.cli import state as _registered  # noqa: F401 (registers the command on `app`)

REPO = Path(__file__).resolve().parents[2]
URL = "s3://claims-assistant-pulumi-state-eu?region=eu-north-1&awssdk=v2"
PROVIDER = "awskms://alias/gpufabric/state/bootstrap-eu/secrets?region=eu-north-1&awssdk=v2"
STACK_HEAD = "# eu-sovereign: the health insurer's claims assistant (see docs/scenario.md).\n"


def run(*args: str):
    return CliRunner().invoke(app, ["state", *args])


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A project copy without state settings: Pulumi.yaml without backend, eu-sovereign without provider."""
    project = [line for line in (REPO / "Pulumi.yaml").read_text().splitlines(keepends=True)]
    cut = next(i for i, line in enumerate(project) if line.startswith("# Where the state"))
    (tmp_path / "Pulumi.yaml").write_text("".join(project[:cut]))
    (tmp_path / "bootstrap").mkdir()
    shutil.copy(REPO / "bootstrap" / "Pulumi.bootstrap-eu.yaml", tmp_path / "bootstrap")
    (tmp_path / "stacks").mkdir()
    stack = (REPO / "stacks" / "Pulumi.eu-sovereign.yaml").read_text()
    kept = [line for line in stack.splitlines(keepends=True) if "secretsprovider" not in line and "KMS key" not in line]
    (tmp_path / "stacks" / "Pulumi.eu-sovereign.yaml").write_text("".join(kept))
    return tmp_path


def test_prints_the_login_url_and_the_secrets_provider() -> None:
    result = run("--stack", "eu-sovereign")
    assert result.exit_code == 0, result.output
    assert f"pulumi login '{URL}'" in result.output
    assert f"pulumi stack init eu-sovereign --secrets-provider '{PROVIDER}'" in result.output
    assert "--write" not in result.output  # the repo's files already say so


def test_write_sets_both_files_keeps_comments_and_shows_the_diff(copy: Path) -> None:
    stack = copy / "stacks" / "Pulumi.eu-sovereign.yaml"
    before = stack.read_text()
    result = run("--config", str(stack), "--write")
    assert result.exit_code == 0, result.output
    assert f"+backend:\n+  url: {URL}\n" in result.output
    assert f"+secretsprovider: {PROVIDER}\n" in result.output
    assert "wrote 2 file(s)" in result.output
    after = stack.read_text()
    assert after.startswith(STACK_HEAD)
    assert after.replace(f"secretsprovider: {PROVIDER}\n", "") == before  # nothing else changed, comments kept
    assert f"backend:\n  url: {URL}\n" in (copy / "Pulumi.yaml").read_text()
    again = run("--config", str(stack), "--write")
    assert again.exit_code == 0 and "already up to date" in again.output


def test_without_write_says_what_is_not_set_and_changes_nothing(copy: Path) -> None:
    stack = copy / "stacks" / "Pulumi.eu-sovereign.yaml"
    before = stack.read_text(), (copy / "Pulumi.yaml").read_text()
    result = run("--config", str(stack))
    assert result.exit_code == 0, result.output
    assert "run with --write" in result.output
    assert (stack.read_text(), (copy / "Pulumi.yaml").read_text()) == before


@pytest.mark.parametrize(
    ("broken", "text"),
    [
        ("Pulumi.yaml", "name: gpufabric\nbackend: [unclosed\n"),
        ("Pulumi.yaml", "- a list\n"),
        ("Pulumi.yaml", "backend: s3://x\n"),
    ],
    ids=["project-yaml-error", "project-not-a-mapping", "backend-not-a-mapping"],
)
def test_refuses_a_file_it_cannot_edit_and_touches_neither(copy: Path, broken: str, text: str) -> None:
    stack = copy / "stacks" / "Pulumi.eu-sovereign.yaml"
    (copy / broken).write_text(text)
    before = stack.read_bytes(), (copy / "Pulumi.yaml").read_bytes()
    result = run("--config", str(stack), "--write")
    assert result.exit_code == 2, result.output
    assert "Pulumi.yaml" in result.output and "Traceback" not in result.output
    assert (stack.read_bytes(), (copy / "Pulumi.yaml").read_bytes()) == before


def test_refuses_an_unparseable_stack_file(copy: Path) -> None:
    stack = copy / "stacks" / "Pulumi.eu-sovereign.yaml"
    stack.write_text("config: {gpufabric:fabric: [\n")
    before = stack.read_bytes(), (copy / "Pulumi.yaml").read_bytes()
    result = run("--config", str(stack), "--write")
    assert result.exit_code == 2, result.output
    assert str(stack) in result.output
    assert (stack.read_bytes(), (copy / "Pulumi.yaml").read_bytes()) == before


def test_a_jurisdiction_without_a_bootstrap_is_named(copy: Path) -> None:
    (copy / "bootstrap" / "Pulumi.bootstrap-eu.yaml").unlink()
    result = run("--config", str(copy / "stacks" / "Pulumi.eu-sovereign.yaml"))
    assert result.exit_code == 2
    assert "one state bootstrap of jurisdiction 'eu'" in result.output and "found none" in result.output


def test_a_second_jurisdiction_gets_the_environment_not_the_project_backend(copy: Path) -> None:
    """Pulumi.yaml's backend serves the EU stacks: a US stack is told to export PULUMI_BACKEND_URL."""
    shutil.copy(REPO / "bootstrap" / "Pulumi.bootstrap-us.yaml", copy / "bootstrap")
    project = copy / "Pulumi.yaml"
    project.write_text(project.read_text() + f"backend:\n  url: {URL}\n")
    us = copy / "stacks" / "Pulumi.us-cloud.yaml"
    kept = [line for line in (REPO / "stacks" / "Pulumi.us-cloud.yaml").read_text().splitlines(keepends=True)]
    us.write_text("".join(line for line in kept if not line.startswith("secretsprovider")))
    before = project.read_bytes()
    result = run("--config", str(us), "--write")
    assert result.exit_code == 0, result.output
    assert (
        "export PULUMI_BACKEND_URL='s3://claims-assistant-pulumi-state-us?region=us-east-1&awssdk=v2'" in result.output
    )
    assert project.read_bytes() == before
    assert "secretsprovider: awskms://alias/gpufabric/state/bootstrap-us/secrets?region=us-east-1" in us.read_text()
    assert "wrote 1 file(s)" in result.output

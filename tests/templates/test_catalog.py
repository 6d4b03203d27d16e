"""The catalog's files: manifests validate, each folder is a `pulumi new` template whose config prompts are
the manifest's questions, and the platform file validates (bad entries named by key path)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from gpufabric.core.errors import InputError
from gpufabric.templates.catalog import Manifest, catalog, pulumi_project
from gpufabric.templates.platform import load_platform
from tests.conftest import REPO

CATALOG = catalog(REPO)


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_each_folder_is_a_pulumi_new_template(name: str) -> None:
    manifest, folder = CATALOG[name]
    project = yaml.safe_load((folder / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert project == pulumi_project(manifest), "regenerate Pulumi.yaml from manifest.yaml"
    assert project["runtime"]["name"] == "python" and project["name"] == "${PROJECT}"
    template = project["template"]
    assert template["description"]
    prompts = template["config"]
    assert list(prompts) == [f"gpufabric:{q.name}" for q in manifest.questions]
    for q in manifest.questions:
        prompt = prompts[f"gpufabric:{q.name}"]
        assert prompt["description"] == q.help
        assert prompt.get("default") == (None if q.default is None else str(q.default))
        assert set(prompt) <= {"description", "default", "secret"}


def _manifest(**question) -> dict:
    return {
        "name": "t",
        "description": "d",
        "site_kinds": ["aws"],
        "questions": [{"name": "jurisdiction", "type": "choice", "from": "jurisdictions", "help": "h"}, question],
    }


@pytest.mark.parametrize(
    ("question", "message"),
    [
        pytest.param({"name": "r", "type": "choice", "help": "h"}, "exactly one of", id="choice-without-values"),
        pytest.param(
            {"name": "r", "type": "string", "allowed": ["a"], "help": "h"}, "only a choice", id="string-allowed"
        ),
        pytest.param(
            {"name": "r", "type": "choice", "from": "aws_regions", "help": "h"}, "need `scope`", id="no-scope"
        ),
        pytest.param(
            {"name": "r", "type": "choice", "from": "aws_regions", "scope": "later", "help": "h"},
            "earlier question",
            id="scope-not-earlier",
        ),
        pytest.param({"name": "jurisdiction", "help": "h"}, "unique", id="duplicate-question"),
        pytest.param({"name": "r", "help": "h", "from": "galaxies", "type": "choice"}, "from", id="unknown-table"),
    ],
)
def test_a_bad_manifest_is_refused(question: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Manifest.model_validate(_manifest(**question))


def test_the_shipped_platform_file_validates() -> None:
    platform = load_platform(REPO / "platform.yaml")
    assert set(platform.jurisdictions) <= {"eu", "us", "uk", "ch", "ca", "jp"}
    assert platform.teams and platform.cidr_pools


@pytest.mark.parametrize(
    ("change", "where"),
    [
        pytest.param({"jurisdictions": ["mars"]}, "jurisdictions", id="unknown-jurisdiction"),
        pytest.param({"cidr_pools": [{"range": "8.8.0.0/16"}]}, "cidr_pools[0].range", id="public-pool"),
        pytest.param({"gpus": ["B200"]}, "gpus", id="unknown-gpu"),
        pytest.param({"teams": {"claims": {"max_nodes": -1, "max_gpus": 1}}}, "teams.claims.max_nodes", id="quota"),
        pytest.param({"quotas": {}}, "quotas", id="unknown-key"),
    ],
)
def test_a_bad_platform_file_names_the_key(tmp_path: Path, change: dict, where: str) -> None:
    doc = yaml.safe_load((REPO / "platform.yaml").read_text()) | change
    path = tmp_path / "platform.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as err:
        load_platform(path)
    assert where in err.value.message

"""The template catalog: one folder per archetype under `templates/`, each a manifest and a stack template.

`manifest.yaml` says what the archetype is, which site kinds it needs, which networks it carves from the
platform's CIDR pools, and the questions it asks; `stack.yaml.j2` is the stack file as a jinja2 template.
The same folder is a `pulumi new` template (its Pulumi.yaml `template:` section mirrors the questions).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from gpufabric.core.errors import InputError
from gpufabric.core.vocabulary import SiteKind
from gpufabric.sizing.loaders import load_model
from gpufabric.spec.base import Strict

MANIFEST = "manifest.yaml"
STACK_TEMPLATE = "stack.yaml.j2"
# One line of printable text: an answer can never carry a line break (or any control character) into a stack.
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"


class QuestionType(StrEnum):
    string = "string"
    integer = "integer"
    choice = "choice"


class Source(StrEnum):
    """Platform and house tables a choice's allowed values come from (see answers.allowed_values)."""

    jurisdictions = "jurisdictions"  # platform.yaml jurisdictions
    aws_regions = "aws_regions"  # of the chosen jurisdiction (core/jurisdictions)
    gcp_regions = "gcp_regions"
    onprem_countries = "onprem_countries"
    gpus = "gpus"  # core/hardware GPU kinds, narrowed by the platform and the sizing profile
    aws_instance_types = "aws_instance_types"  # GPU machine types offered in the chosen AWS region
    gcp_machine_types = "gcp_machine_types"  # GPU machine types of the hardware table
    teams = "teams"
    cost_centres = "cost_centres"
    registry_mirrors = "registry_mirrors"


# Tables narrowed by an earlier answer: regions by the jurisdiction, machine types by the region.
SCOPED = frozenset(
    {
        Source.aws_regions,
        Source.gcp_regions,
        Source.onprem_countries,
        Source.aws_instance_types,
        Source.gcp_machine_types,
    }
)


class Question(Strict):
    """One answer a template needs: its type, default, help text and allowed values."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: QuestionType = QuestionType.string
    help: str = Field(min_length=1)
    default: str | int | None = None
    allowed: list[str] | None = None  # a fixed list (type choice)
    source: Source | None = Field(default=None, alias="from")  # or a platform table (type choice)
    scope: str | None = None  # the earlier question a table is narrowed by (regions: the jurisdiction)
    pattern: str = SINGLE_LINE  # type string
    minimum: int | None = None  # type integer
    maximum: int | None = None

    @model_validator(mode="after")
    def _choices(self) -> Question:
        is_choice = self.type == QuestionType.choice
        if is_choice and (self.allowed is None) == (self.source is None):
            raise ValueError(f"question {self.name}: a choice has exactly one of `allowed` or `from`")
        if not is_choice and (self.allowed is not None or self.source is not None):
            raise ValueError(f"question {self.name}: only a choice has `allowed` or `from`")
        if self.source in SCOPED and self.scope is None:
            raise ValueError(
                f"question {self.name}: values from {self.source} need `scope` (the question they depend on)"
            )
        return self


class Manifest(Strict):
    """An archetype: what it is for, the site kinds it needs, its networks and its questions."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    description: str = Field(min_length=1)
    site_kinds: list[SiteKind] = Field(min_length=1)
    networks: dict[str, int] = Field(default_factory=dict)  # name -> prefix length, carved from the pools
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Manifest:
        names = [q.name for q in self.questions]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"question names are unique, found {dupes} more than once")
        for i, q in enumerate(self.questions):
            if q.scope is not None and q.scope not in names[:i]:
                raise ValueError(f"question {q.name}: its scope {q.scope!r} is an earlier question")
        return self

    def question(self, name: str) -> Question | None:
        return next((q for q in self.questions if q.name == name), None)

    def summary(self) -> dict[str, Any]:
        """The catalog entry `gpufabric templates --format json` prints (stable keys)."""
        return {
            "name": self.name,
            "description": self.description,
            "site_kinds": [str(k) for k in self.site_kinds],
            "questions": [
                {
                    "name": q.name,
                    "type": str(q.type),
                    "default": q.default,
                    "help": q.help,
                    "allowed": q.allowed,
                    "from": str(q.source) if q.source else None,
                }
                for q in self.questions
            ],
        }


def catalog(root: Path) -> dict[str, tuple[Manifest, Path]]:
    """Every archetype under `root/templates`, by name, with its folder. InputError on a bad manifest."""
    found: dict[str, tuple[Manifest, Path]] = {}
    for path in sorted((root / "templates").glob(f"*/{MANIFEST}")):
        manifest = load_model(path, Manifest)
        if manifest.name != path.parent.name:
            raise InputError(str(path), "name", f"the folder's name {path.parent.name!r}", repr(manifest.name))
        found[manifest.name] = (manifest, path.parent)
    return found


def pick(root: Path, name: str) -> tuple[Manifest, Path]:
    """The archetype `name`; InputError listing the catalog otherwise."""
    known = catalog(root)
    if name not in known:
        raise InputError("--template", "", f"one of the templates ({', '.join(known) or 'none found'})", repr(name))
    return known[name]


PULUMI_PROJECT = "Pulumi.yaml"


def pulumi_project(manifest: Manifest) -> dict[str, Any]:
    """The template folder's Pulumi.yaml, as `pulumi new` reads it: the project, and a `template:` section
    whose config prompts are the manifest's questions (`gpufabric:<question>`, same help and default)."""
    config: dict[str, Any] = {}
    for q in manifest.questions:
        prompt: dict[str, Any] = {"description": q.help}
        if q.default is not None:
            prompt["default"] = str(q.default)
        config[f"gpufabric:{q.name}"] = prompt
    return {
        "name": "${PROJECT}",
        "description": "${DESCRIPTION}",
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}},
        "stackConfigDir": "stacks",
        "template": {"displayName": manifest.name, "description": manifest.description.strip(), "config": config},
    }

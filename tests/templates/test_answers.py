"""Collecting answers: --non-interactive refuses an unanswered question without a default (naming it), a
scoped table follows the earlier answer, and a prompt re-asks a wrong answer a bounded number of times."""

from __future__ import annotations

import pytest

from gpufabric.core.errors import InputError
from gpufabric.templates.answers import MAX_PROMPTS, allowed_values, collect
from gpufabric.templates.catalog import Manifest
from gpufabric.templates.platform import load_platform
from tests.conftest import REPO

PLATFORM = load_platform(REPO / "platform.yaml")
MANIFEST = Manifest.model_validate(
    {
        "name": "t",
        "description": "d",
        "site_kinds": ["aws"],
        "questions": [
            {"name": "jurisdiction", "type": "choice", "from": "jurisdictions", "default": "eu", "help": "j"},
            {"name": "region", "type": "choice", "from": "aws_regions", "scope": "jurisdiction", "help": "r"},
        ],
    }
)


def test_non_interactive_refuses_a_question_without_answer_or_default() -> None:
    with pytest.raises(InputError, match="--set region: expected an answer for region"):
        collect(MANIFEST, PLATFORM, {})


@pytest.mark.parametrize(
    ("jurisdiction", "inside", "outside"), [("eu", "eu-west-1", "us-east-1"), ("us", "us-east-1", "eu-west-1")]
)
def test_regions_follow_the_jurisdiction_answer(jurisdiction: str, inside: str, outside: str) -> None:
    allowed = allowed_values(MANIFEST.questions[1], PLATFORM, {"jurisdiction": jurisdiction})
    assert inside in allowed and outside not in allowed


def test_a_prompt_asks_again_then_gives_up() -> None:
    asked: list[str] = []

    def ask(q, default, allowed):
        asked.append(q.name)
        return "" if q.name == "jurisdiction" else "mars-1"

    with pytest.raises(InputError, match="answer to region"):
        collect(MANIFEST, PLATFORM, {}, ask=ask)
    assert asked == ["jurisdiction"] + ["region"] * MAX_PROMPTS

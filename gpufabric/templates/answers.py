"""A template's answers: collected from `--set`, an answers file and prompts, each checked against the
platform's own tables before anything is rendered.

Allowed values are never a second list: regions come from the jurisdiction table (narrowed to the chosen
jurisdiction), GPU kinds from the hardware table (narrowed by the platform and the sizing profile), machine
types from the hardware table and the offerings of the chosen region, teams and cost centres from
platform.yaml. Every error names the answer (`--set region`, or the answers file and key).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gpufabric.core import gcp_machines, hardware
from gpufabric.core.errors import InputError
from gpufabric.core.files import read_yaml
from gpufabric.core.jurisdictions import get_jurisdiction
from gpufabric.offline.snapshot import region_offerings, snapshot_regions
from gpufabric.sizing.loaders import load_profile
from gpufabric.templates.catalog import Manifest, Question, QuestionType, Source
from gpufabric.templates.platform import Platform

Answer = str | int
# What a prompt returns for one question: the typed text (the CLI's typer prompt, or a test's script).
Ask = Callable[[Question, Answer | None, list[str] | None], str]
MAX_PROMPTS = 3  # a wrong answer is asked again, at most this often, then refused like a --set answer


def parse_sets(items: list[str]) -> dict[str, tuple[str, str]]:
    """`--set key=value` pairs -> {key: (value, where)}; InputError on a pair without `=` or a repeated key."""
    out: dict[str, tuple[str, str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--set {item}", "", "key=value (a question's name, '=', the answer)", repr(item))
        if key in out:
            raise InputError(f"--set {key}", "", "each question answered once", f"{key} given twice")
        out[key] = (value, f"--set {key}")
    return out


def read_answers(path: Path) -> dict[str, tuple[Any, str]]:
    """An answers file: a YAML mapping of question name -> scalar answer."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(str(path), "", "a mapping of question names to answers", type(data).__name__)
    out: dict[str, tuple[Any, str]] = {}
    for key, value in data.items():
        if isinstance(value, (dict, list)) or value is None:
            raise InputError(str(path), str(key), "a single value (text or number)", type(value).__name__)
        out[str(key)] = (value, f"{path}: {key}")
    return out


def allowed_values(q: Question, platform: Platform, answers: Mapping[str, Answer]) -> list[str] | None:
    """The values `q` accepts given the answers so far (None: any value of its type)."""
    if q.allowed is not None:
        return list(q.allowed)
    if q.source is None:
        return None
    scope = str(answers[q.scope]) if q.scope else ""
    table: dict[Source, Callable[[], list[str]]] = {
        Source.jurisdictions: lambda: list(platform.jurisdictions),
        Source.teams: lambda: sorted(platform.teams),
        Source.cost_centres: lambda: list(platform.cost_centres),
        Source.registry_mirrors: lambda: sorted(platform.registry_mirrors),
        Source.gpus: lambda: _gpus(platform),
        Source.aws_regions: lambda: sorted(set(get_jurisdiction(scope).aws_regions) & set(snapshot_regions())),
        Source.gcp_regions: lambda: sorted(r for r in get_jurisdiction(scope).gcp_regions if "-" in r),
        Source.onprem_countries: lambda: sorted(get_jurisdiction(scope).onprem_countries),
        Source.aws_instance_types: lambda: _aws_types(platform, scope),
        Source.gcp_machine_types: lambda: _gcp_types(platform, scope),
    }
    return table[q.source]()


def _gpus(platform: Platform) -> list[str]:
    """GPU kinds the platform allows and the sizing profile can size (so `size --apply-to` works on them)."""
    return sorted(set(platform.allowed_gpus()) & set(load_profile().gpus))


def _aws_types(platform: Platform, region: str) -> list[str]:
    offered = {t for t, _ in region_offerings(region)[1]}
    gpus = set(_gpus(platform))
    return [t for t in hardware.known_machine_types("aws") if t in offered and hardware.lookup(t, "aws").gpu in gpus]


def _gcp_types(platform: Platform, region: str) -> list[str]:
    gpus = set(_gpus(platform))
    out = []
    for t in hardware.known_machine_types("gcp"):
        if hardware.lookup(t, "gcp").gpu not in gpus:
            continue
        try:
            if gcp_machines.zones_offering(gcp_machines.accelerator_for(t).name, region):
                out.append(t)
        except KeyError:
            continue
    return out


def check_answer(q: Question, raw: Any, where: str, platform: Platform, answers: Mapping[str, Answer]) -> Answer:
    """One answer, typed and checked; InputError naming it (`where`) otherwise."""
    if q.type == QuestionType.integer:
        text = str(raw).strip()
        if isinstance(raw, bool) or not re.fullmatch(r"-?[0-9]+", text):
            raise InputError(where, "", f"a whole number for {q.name} ({q.help})", repr(raw))
        value = int(text)
        if (q.minimum is not None and value < q.minimum) or (q.maximum is not None and value > q.maximum):
            bounds = f"between {q.minimum if q.minimum is not None else '-inf'} and {q.maximum or 'any'}"
            raise InputError(where, "", f"{q.name} {bounds}", str(value))
        return value
    text = str(raw)
    if not re.fullmatch(q.pattern, text):
        raise InputError(where, "", f"{q.name}: one line matching {q.pattern} ({q.help})", repr(text))
    allowed = allowed_values(q, platform, answers)
    if allowed is not None and text not in allowed:
        scope = f" for {q.scope} {answers[q.scope]}" if q.scope else ""
        raise InputError(where, "", f"{q.name}{scope}: one of {', '.join(allowed) or '(none)'}", repr(text))
    return text


def collect(
    manifest: Manifest,
    platform: Platform,
    given: Mapping[str, tuple[Any, str]],
    *,
    ask: Ask | None = None,
) -> dict[str, Answer]:
    """Every question's answer, in manifest order: given, else asked (when `ask`), else its default.

    Without `ask` (non-interactive) a question with no answer and no default is an error naming it."""
    unknown = sorted(set(given) - {q.name for q in manifest.questions})
    if unknown:
        where = given[unknown[0]][1]
        known = ", ".join(q.name for q in manifest.questions)
        raise InputError(where, "", f"a question of template {manifest.name} ({known})", repr(unknown[0]))
    answers: dict[str, Answer] = {}
    for q in manifest.questions:
        if q.name in given:
            raw, where = given[q.name]
            answers[q.name] = check_answer(q, raw, where, platform, answers)
        elif ask is not None:
            answers[q.name] = _prompt(q, platform, answers, ask)
        elif q.default is not None:
            answers[q.name] = check_answer(
                q, q.default, f"template {manifest.name}: default of {q.name}", platform, answers
            )
        else:
            raise InputError(f"--set {q.name}", "", f"an answer for {q.name} ({q.help})", "none (--non-interactive)")
    return answers


def _prompt(q: Question, platform: Platform, answers: Mapping[str, Answer], ask: Ask) -> Answer:
    allowed = allowed_values(q, platform, answers)
    default = q.default if allowed is None or q.default is None or str(q.default) in allowed else None
    last: InputError | None = None
    for _ in range(MAX_PROMPTS):
        raw = ask(q, default, allowed)
        if raw == "" and default is not None:
            raw = str(default)
        try:
            return check_answer(q, raw, f"answer to {q.name}", platform, answers)
        except InputError as err:
            last = err
            print(f"  {err.message}")
    assert last is not None
    raise last

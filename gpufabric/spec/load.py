"""Reading a Pulumi stack file into a validated `FabricSpec`, with errors in the user's words.

A stack file is a real Pulumi stack file (`stacks/Pulumi.<stack>.yaml`, because Pulumi.yaml sets
`stackConfigDir: stacks`); the fabric lives under the config key `gpufabric:fabric`. Every problem becomes an
`InputError` naming the file, the key path (sites and tiers by name), what was expected and what was found.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from gpufabric.core.errors import InputError, InputErrors
from gpufabric.core.files import read_yaml
from gpufabric.core.vocabulary import CONFIG_KEY, SiteKind, TierKind
from gpufabric.spec.base import NAME_RULE, FieldError
from gpufabric.spec.models import FabricSpec
from gpufabric.spec.rules import Issue, spec_issues
from gpufabric.spec.state import LoadedBootstrap, is_bootstrap_doc, load_bootstrap_file

PROJECT_FILE = "Pulumi.yaml"
STACK_DIRS = ("stacks", "bootstrap")  # fabric stacks; state bootstrap stacks (their own Pulumi project)


@dataclass(frozen=True)
class LoadedStack:
    """A stack file, read and validated: its name, its raw config (for the engine) and its spec."""

    path: Path
    stack: str
    config: dict[str, Any]
    spec: FabricSpec
    secret_keys: frozenset[str] = field(default_factory=frozenset)


def project_root(start: Path | None = None) -> Path:
    """The nearest folder holding Pulumi.yaml, from `start` (default: cwd) upward; else this checkout."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    return Path(__file__).resolve().parents[2]


def stack_file(name: str, root: Path | None = None) -> Path:
    """`stacks/Pulumi.<name>.yaml` (or a bootstrap stack, `bootstrap/Pulumi.<name>.yaml`) of the project;
    InputError listing the stacks when it does not exist."""
    base = project_root(root)
    for folder in STACK_DIRS:
        path = base / folder / f"Pulumi.{name}.yaml"
        if path.is_file():
            return path
    known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for d in STACK_DIRS for p in (base / d).glob("Pulumi.*.yaml"))
    raise InputError(
        f"--stack {name}",
        "",
        f"the name of a stack in {base / 'stacks'} or {base / 'bootstrap'} ({', '.join(known) or 'none found'})",
        repr(name),
    )


def stack_name_of(path: Path) -> str:
    name = path.name
    if name.startswith("Pulumi.") and name.endswith((".yaml", ".yml")):
        return name[len("Pulumi.") :].rsplit(".", 1)[0]
    return path.stem


def load_stack_file(path: Path, stack: str | None = None) -> LoadedStack:
    """Read, parse and validate a stack file. Raises InputError (or InputErrors) on any bad input."""
    where = str(path)
    doc = read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("config"), dict):
        raise InputError(where, "config", "a Pulumi stack file with a 'config:' mapping", _kind(doc))
    config: dict[str, Any] = doc["config"]
    if CONFIG_KEY not in config:
        raise InputError(where, "config", f"the key {CONFIG_KEY!r} holding the fabric", "no such key")
    raw = config[CONFIG_KEY]
    if isinstance(raw, dict) and set(raw) == {"secure"}:
        raise InputError(where, CONFIG_KEY, "a plain (not secret) object", "an encrypted value")
    secret_keys = frozenset(k for k, v in config.items() if isinstance(v, dict) and set(v) == {"secure"})
    spec = parse_fabric(raw, where)
    _kubeconfigs_secret(spec, config, secret_keys, where)
    return LoadedStack(path=path, stack=stack or stack_name_of(path), config=config, spec=spec, secret_keys=secret_keys)


def load_any_stack_file(path: Path) -> LoadedStack | LoadedBootstrap:
    """A fabric stack or a state bootstrap stack, by what its config holds (commands that take both)."""
    if is_bootstrap_doc(read_yaml(path)):
        return load_bootstrap_file(path, stack_name_of(path))
    return load_stack_file(path)


def _kubeconfigs_secret(spec: FabricSpec, config: dict[str, Any], secret_keys: frozenset[str], where: str) -> None:
    """An on-prem site's kubeconfig is a secret config value: never plain text in the stack file."""
    for site in spec.sites:
        ref = getattr(getattr(site, "kubeconfig", None), "secret", None)
        if ref is None or ref in secret_keys:
            continue
        found = "a plain-text value" if ref in config else "no such key in the stack's config"
        raise InputError(
            where,
            f"{CONFIG_KEY}.sites[{site.name}].kubeconfig.secret",
            f"the name of a secret config value (`pulumi config set --secret {ref} < kubeconfig`)",
            f"{found} for {ref!r}",
        )


def declared_jurisdiction(path: Path) -> str | None:
    """The jurisdiction a stack file names, read without validation (for reports on invalid files)."""
    try:
        raw = read_yaml(path)["config"][CONFIG_KEY]["jurisdiction"]
    except (InputError, KeyError, TypeError):
        return None
    name = raw.get("name") if isinstance(raw, dict) else raw
    return name if isinstance(name, str) else None


def parse_fabric(raw: Any, where: str = "<config>") -> FabricSpec:
    """Validate a raw `gpufabric:fabric` object: shape (pydantic), then the cross-cutting rules."""
    if not isinstance(raw, dict):
        raise InputError(where, CONFIG_KEY, "a mapping with 'jurisdiction' and 'sites'", _kind(raw))
    try:
        spec = FabricSpec.model_validate(raw)
    except ValidationError as e:
        raise _errors(where, raw, [(_loc(err, raw), _pydantic_text(err, raw)) for err in e.errors()]) from None
    except KeyError as e:  # an unknown jurisdiction name
        raise _errors(where, raw, [(("jurisdiction",), f"expected a known jurisdiction: {e.args[0]}")]) from None
    issues = spec_issues(spec)
    if issues:
        raise _errors(where, raw, [(i.path, _expected_found(i)) for i in issues], [i.policy for i in issues])
    return spec


def _loc(err: Any, raw: dict[str, Any]) -> tuple[Any, ...]:
    """Where a pydantic error is: a model-level rule about one field (FieldError) points at that field."""
    loc = _untagged(tuple(err["loc"]), raw)
    if loc[:1] == ("jurisdiction",) and isinstance(raw.get("jurisdiction"), str):
        return ("jurisdiction",)  # written as a bare name: `jurisdiction: eu`
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return (*loc, "kind")  # the union of site or tier kinds could not pick a member: the `kind` is wrong
    cause = (err.get("ctx") or {}).get("error")
    return (*loc, cause.field) if isinstance(cause, FieldError) else loc


def _untagged(loc: tuple[Any, ...], raw: Any) -> tuple[Any, ...]:
    """Drop the union tags pydantic puts into a location (`sites.0.aws.tiers.1.spot.max` -> `sites.0.tiers.1.max`):
    a tag is the step after a list item that equals that item's `kind`."""
    out: list[Any] = []
    node = raw
    for step in loc:
        if isinstance(node, dict) and out and isinstance(out[-1], int) and node.get("kind") == step:
            continue
        out.append(step)
        if isinstance(step, int):
            node = node[step] if isinstance(node, list) and 0 <= step < len(node) else None
        else:
            node = node.get(step) if isinstance(node, dict) else None
    return tuple(out)


def _kind_text(err: dict[str, Any], raw: Any, loc: tuple[Any, ...]) -> str:
    """A site or tier `kind` no member of the union takes, in today's words: unknown, or known but not here."""
    if err["type"] == "union_tag_not_found":
        return "expected this required key, found nothing"
    tag = err["ctx"]["tag"]
    members = re.findall(r"'([a-z_]+)'", err["ctx"]["expected_tags"])
    if len(loc) >= 2 and loc[-2] == "tiers":
        if tag in {k.value for k in TierKind}:
            site = raw["sites"][loc[1]] if isinstance(loc[1], int) else {}
            return (
                f"expected a tier kind a {site.get('kind')} site can have ({', '.join(sorted(members))}), found {tag!r}"
            )
        known = [repr(k.value) for k in TierKind]
        return f"expected {', '.join(known[:-1])} or {known[-1]}, found {tag!r}"
    if tag in {k.value for k in SiteKind}:
        return (
            f"expected a supported site kind ({', '.join(sorted(members))}), found {tag!r}, which is not yet supported"
        )
    return f"expected a site kind: one of {', '.join(k.value for k in SiteKind)}, found {tag!r}"


def _expected_found(issue: Issue) -> str:
    return f"expected {issue.expected}" + (f", found {issue.found}" if issue.found else "")


def _errors(
    where: str, raw: Any, items: list[tuple[tuple[Any, ...], str]], policies: list[str] | None = None
) -> InputError:
    errors = [
        InputError(where, key_path(raw, path), detail=text, policy=policy)
        for (path, text), policy in zip(items, policies or [""] * len(items), strict=True)
    ]
    return errors[0] if len(errors) == 1 else InputErrors(errors)


def key_path(raw: Any, path: tuple[Any, ...]) -> str:
    """`('sites', 0, 'tiers', 1, 'count')` -> `gpufabric:fabric.sites[aws-stockholm].tiers[h100-reserved].count`.

    Items of lists are named by their `name` when they have one (data keyed by name), else by index.
    """
    out = CONFIG_KEY
    node = raw
    for step in path:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and 0 <= step < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            out += f"[{name}]" if isinstance(name, str) and name else f"[{step}]"
            node = item
        else:
            out += f".{step}"
            node = node.get(step) if isinstance(node, dict) else None
    return out


def _pydantic_text(err: dict[str, Any], raw: Any) -> str:
    """One pydantic error as 'expected ..., found ...' in the user's words."""
    loc = tuple(err["loc"])
    kind = err["type"]
    found = _show(err.get("input"))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _kind_text(err, raw, _untagged(loc, raw))
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        return f"expected one of the keys {', '.join(known)}, found unknown key {loc[-1]!r}"
    if kind == "missing":
        return "expected this required key, found nothing"
    if kind == "value_error":
        msg = err["msg"].removeprefix("Value error, ")
        return msg  # our validators word whole sentences
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "name":
        return f"expected {NAME_RULE}, found {found}"
    msg = err["msg"]
    for prefix, repl in (
        ("Input should be ", ""),
        ("Value should be ", ""),
        ("String should ", "a string that should "),
    ):
        if msg.startswith(prefix):
            msg = repl + msg[len(prefix) :]
            break
    else:
        msg = msg[0].lower() + msg[1:]
    return f"expected {msg}, found {found}"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return repr(value)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}.get(type(value), repr(value))


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at a location, found by walking the models' annotations along the path (a union tag
    in the path, like `spot`, picks that member of a discriminated union)."""
    model: Any = FabricSpec
    for step in loc:
        if isinstance(step, int):
            continue
        members = _members(model)
        if step in members:
            model = members[step]
            continue
        model = _unwrap(model)
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or step not in model.model_fields:
            return []
        model = model.model_fields[step].annotation
    model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _members(tp: Any) -> dict[str, type[BaseModel]]:
    """The members of a (list of a) union of models, by their `kind` tag; empty for anything else."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated or origin in (list, tuple):
        return _members(typing.get_args(tp)[0])
    if origin is typing.Union or origin is types.UnionType:
        out: dict[str, type[BaseModel]] = {}
        for arg in typing.get_args(tp):
            field = arg.model_fields.get("kind") if isinstance(arg, type) and issubclass(arg, BaseModel) else None
            for tag in typing.get_args(field.annotation) if field else ():
                out[str(getattr(tag, "value", tag))] = arg
        return out
    if isinstance(tp, type) and issubclass(tp, BaseModel) and "kind" in tp.model_fields:
        return {str(getattr(t, "value", t)): tp for t in typing.get_args(tp.model_fields["kind"].annotation)}
    return {}


def _unwrap(tp: Any) -> Any:
    """list[X] / X | None / Annotated[X, ...] -> X (the first model found)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (list, tuple) or origin is typing.Union or origin is types.UnionType:
        for arg in typing.get_args(tp):
            inner = _unwrap(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return tp

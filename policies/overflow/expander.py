"""Proofs over the Cluster Autoscaler's priority-expander ConfigMap.

The expander reads ConfigMap `cluster-autoscaler-priority-expander`, key `priorities`: YAML whose integer
keys are priorities (higher wins) and whose values are lists of regexes over node-group names (on EKS the
Auto Scaling group names, `eks-<node group>-<uuid>`). A wrong key or quoted keys make it ignore the whole
map, a catch-all pattern puts every group at one priority, and a group no pattern covers gets the lowest
priority: fallback then waits for `--max-node-provision-time` plus backoff (kubernetes/autoscaler#4958,
#2835, #3981).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gpufabric.core.autoscaling import (
    ASG_TYPE,
    CONFIG_MAP_TYPE,
    EKS_NODE_GROUP_TYPE,
    PRIORITY_EXPANDER_CONFIG_MAP,
    PRIORITY_EXPANDER_KEY,
)
from gpufabric.core.errors import InputError
from gpufabric.core.files import parse_yaml
from gpufabric.core.vocabulary import LABEL_SITE, LABEL_TIER, TAG_SITE, TAG_TIER
from policies.config import ResolvedConfig
from policies.model import Res, StackContext
from policies.overflow.view import fabric_order, metadata, object_labels, object_name, of_type, where
from policies.resources import as_list, as_mapping

Findings = Iterator[tuple[str, str]]
# The Auto Scaling group EKS creates for a managed node group is `eks-<node group name>-<uuid>`.
SAMPLE_UUID = "0ac9a3c2-8f1b-4d6e-9a57-2b3c4d5e6f70"


def expander_maps(resources: Sequence[Res]) -> list[Res]:
    return [r for r in of_type(resources, CONFIG_MAP_TYPE) if metadata(r).get("name") == PRIORITY_EXPANDER_CONFIG_MAP]


@dataclass(frozen=True)
class Parsed:
    """A priority map as the autoscaler reads it: (priority, pattern) pairs, and why it cannot be read."""

    patterns: tuple[tuple[int, str], ...]
    problems: tuple[str, ...]


def parse(config_map: Res) -> Parsed:
    """Read `data.priorities` the way the expander does; every deviation is a problem, none is guessed past."""
    data = as_mapping(config_map.props.get("data"))
    if PRIORITY_EXPANDER_KEY not in data:
        found = ", ".join(repr(k) for k in sorted(map(str, data))) or "no keys"
        return Parsed((), (f"has no data key {PRIORITY_EXPANDER_KEY!r} (found {found}): the expander ignores it",))
    try:
        doc = parse_yaml(str(data[PRIORITY_EXPANDER_KEY]), f"data.{PRIORITY_EXPANDER_KEY}")
    except InputError as e:
        return Parsed((), (f"is not YAML the expander can read: {e.message}",))
    if not isinstance(doc, Mapping) or not doc:
        return Parsed((), (f"data.{PRIORITY_EXPANDER_KEY} is not a map of priority -> patterns",))
    problems: list[str] = []
    patterns: list[tuple[int, str]] = []
    for key, values in doc.items():
        if isinstance(key, bool) or not isinstance(key, int):
            problems.append(
                f"data.{PRIORITY_EXPANDER_KEY} key {key!r} is a {type(key).__name__}, not an integer: "
                "the expander ignores a map with non-integer keys"
            )
            continue
        if not isinstance(values, list) or not values:
            problems.append(f"priority {key}: expected a list of patterns, found {values!r}")
            continue
        for value in values:
            problems += _pattern_problems(key, value)
            if isinstance(value, str):
                patterns.append((key, value))
    return Parsed(tuple(patterns), tuple(problems))


def _pattern_problems(priority: int, pattern: Any) -> list[str]:
    if not isinstance(pattern, str):
        return [f"priority {priority}: pattern {pattern!r} is not a string"]
    try:
        re.compile(pattern)
    except re.error as e:
        return [f"priority {priority}: pattern {pattern!r} is not a valid regex ({e})"]
    if not (pattern.startswith("^") and pattern.endswith("$")):
        return [
            f"priority {priority}: pattern {pattern!r} is not anchored (^...$): unanchored patterns match "
            "inside other groups' names"
        ]
    return []


def check_format(resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext) -> Findings:
    """The ConfigMap uses the key and key types the autoscaler reads; every pattern is a valid anchored regex."""
    for cm in expander_maps(resources):
        for problem in parse(cm).problems:
            yield f"ConfigMap {object_name(cm)!r} (site {object_labels(cm).get(LABEL_SITE, '?')}): {problem}", cm.urn


@dataclass(frozen=True)
class Group:
    """A GPU node group as the autoscaler sees it: the names it may go by, and the tier it serves."""

    res: Res
    site: str
    tier: str
    names: tuple[str, ...]


def gpu_groups(resources: Sequence[Res]) -> list[Group]:
    """The plan's GPU node groups (managed node groups and Auto Scaling groups labelled with a tier)."""
    out = []
    for res in of_type(resources, EKS_NODE_GROUP_TYPE):
        labels = object_labels(res)
        if labels.get(LABEL_TIER):
            name = object_name(res)
            out.append(Group(res, labels.get(LABEL_SITE, ""), labels[LABEL_TIER], (name, f"eks-{name}-{SAMPLE_UUID}")))
    for res in of_type(resources, ASG_TYPE):
        tags = {str(t.get("key")): str(t.get("value")) for t in map(as_mapping, as_list(res.props.get("tags")))}
        if tags.get(TAG_TIER):
            prefix = res.props.get("namePrefix")
            name = object_name(res) if not isinstance(prefix, str) else f"{prefix}{SAMPLE_UUID[:8]}"
            out.append(Group(res, tags.get(TAG_SITE, ""), tags[TAG_TIER], (name,)))
    return out


def _priorities(patterns: Sequence[tuple[int, str]], group: Group) -> set[int]:
    """The priorities whose patterns match any name the group goes by (Go's regexp.MatchString: a search)."""
    found = set()
    for priority, pattern in patterns:
        try:
            if any(re.search(pattern, name) for name in group.names):
                found.add(priority)
        except re.error:
            continue
    return found


def check_coverage(resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext) -> Findings:
    """Every GPU node group of the ConfigMap's site is matched at exactly one priority, and priorities
    strictly decrease in the fabric's overflow order between tiers."""
    groups = gpu_groups(resources)
    order = fabric_order(stack, [g.res for g in groups])
    for cm in expander_maps(resources):
        site = object_labels(cm).get(LABEL_SITE, "")
        head = f"ConfigMap {object_name(cm)!r} (site {site or '?'})"
        if not site:
            yield f"{head} carries no {LABEL_SITE} label: its node groups cannot be checked", cm.urn
            continue
        parsed = parse(cm)
        if parsed.problems and not parsed.patterns:
            continue  # unreadable as a whole: the format rule reports why
        patterns = parsed.patterns
        ranked: list[tuple[int, int, Group]] = []
        for g in (g for g in groups if g.site == site):
            hits = _priorities(patterns, g)
            name, at = object_name(g.res), where(g.site, g.tier, order)
            if not hits:
                yield (
                    f"{head} covers no name of GPU node group {name!r} ({at}): it would get the lowest "
                    "priority and be tried in no particular order",
                    cm.urn,
                )
            elif len(hits) > 1:
                yield (
                    f"{head}: patterns of priorities {', '.join(map(str, sorted(hits, reverse=True)))} all match "
                    f"node group {name!r} ({at}): the highest wins, the overflow order is not what it says",
                    cm.urn,
                )
            elif (rank := order.rank(g.site, g.tier)) is not None:
                ranked.append((rank, max(hits), g))
        ranked.sort(key=lambda item: item[0])
        for (r1, p1, g1), (r2, p2, g2) in zip(ranked, ranked[1:], strict=False):
            if r1 != r2 and p2 >= p1:
                yield (
                    f"{head} gives node group {object_name(g2.res)!r} ({where(g2.site, g2.tier, order)}) priority "
                    f"{p2}, not below the {p1} of node group {object_name(g1.res)!r} "
                    f"({where(g1.site, g1.tier, order)}): priorities must strictly decrease in overflow order",
                    cm.urn,
                )

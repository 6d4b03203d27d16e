"""CIDR allocation for new stacks: first fit from the platform's pools, never overlapping any existing stack.

Every network a stack file names (any value under `config` that reads as an IPv4 CIDR, whatever the site kind
or key: VPC ranges, on-prem pod/service/node ranges, link ranges as the spec grows) is taken. New blocks are
aligned at their prefix length, so allocations stay stable as stacks come and go.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from gpufabric.core.errors import InputError
from gpufabric.core.files import read_yaml

Net = ipaddress.IPv4Network


def _cidrs(node: Any) -> Iterator[Net]:
    if isinstance(node, dict):
        for v in node.values():
            yield from _cidrs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _cidrs(v)
    elif isinstance(node, str) and "/" in node:
        try:
            net = ipaddress.ip_network(node, strict=False)
        except ValueError:
            return
        if isinstance(net, Net):
            yield net


def taken_ranges(stacks_dir: Path) -> dict[str, list[Net]]:
    """The IPv4 ranges each stack file in `stacks_dir` names, by file name."""
    return {p.name: sorted(set(_cidrs(read_yaml(p)))) for p in sorted(stacks_dir.glob("Pulumi.*.yaml"))}


def allocate(pools: Iterable[Net], prefixes: Mapping[str, int], taken: Iterable[Net]) -> dict[str, str]:
    """One block per name (largest first, then by name), first fit in the pools, overlapping nothing taken.

    InputError naming the network when no pool has room left (the platform team widens a pool)."""
    used = list(taken)
    pools = list(pools)
    out: dict[str, str] = {}
    for name, prefix in sorted(prefixes.items(), key=lambda kv: (kv[1], kv[0])):
        block = _first_free(pools, prefix, used)
        if block is None:
            raise InputError(
                "platform.yaml",
                "cidr_pools",
                f"room for a /{prefix} for the {name} network, not overlapping any existing stack",
                f"every /{prefix} in {', '.join(str(p) for p in pools)} taken (pool exhausted)",
                hint="Ask the platform team to add a pool.",
            )
        used.append(block)
        out[name] = str(block)
    return out


def _first_free(pools: list[Net], prefix: int, used: list[Net]) -> Net | None:
    for pool in pools:
        if prefix < pool.prefixlen:
            continue
        for block in pool.subnets(new_prefix=prefix):
            if not any(block.overlaps(u) for u in used):
                return block
    return None

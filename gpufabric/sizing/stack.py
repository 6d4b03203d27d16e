"""Capacity options derived from a stack's sites and tiers plus the price table.

`gpufabric size --stack NAME` uses this so users keep one list of capacity (the stack file). Each tier
becomes an option with id `<site>/<tier>`: the GPU from `gpufabric.core.hardware` (the first of the tier's
instance types that both tables know), the price from the price table by provider, instance type, region
and tier kind. The optimiser may grow a tier up to `max(current, default_max_nodes)` nodes; `--apply-to`
writes the answer back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gpufabric.core import hardware
from gpufabric.core.errors import InputError
from gpufabric.core.vocabulary import COMMITTED_TIERS, TierKind
from gpufabric.sizing.models import CatalogOption, PriceTable


def _priced_type(
    kind: str, location: str, tkind: TierKind, tier: Any, prices: PriceTable
) -> tuple[str, hardware.MachineType, float, str]:
    """The first of the tier's instance types that the hardware table knows and the price table prices."""
    problems: list[str] = []
    for itype in tier.instance_types:
        try:
            if kind == "onprem":
                machine = hardware.onprem_node(getattr(tier, "gpu", itype), getattr(tier, "gpus_per_node", 8))
                price, source = prices.price(kind, "*", location, tkind)
            else:
                machine = hardware.lookup(itype, kind)
                price, source = prices.price(kind, itype, location, tkind)
            return itype, machine, price, source
        except KeyError as err:
            problems.append(str(err.args[0]))
    raise KeyError("; ".join(problems))


def options_from_spec(
    spec: Any, prices: PriceTable, stack_path: str, default_max_nodes: int = 64
) -> list[CatalogOption]:
    """One option per (site, tier) of a validated FabricSpec."""
    options: list[CatalogOption] = []
    for i, site in enumerate(spec.sites):
        kind = str(getattr(site, "kind", ""))
        location = getattr(site, "region", None) or getattr(site, "location", "")
        for k, tier in enumerate(site.tiers):
            where = f"config.gpufabric:fabric.sites[{i}].tiers[{k}]"
            tkind = TierKind(str(tier.kind))
            try:
                itype, machine, price, source = _priced_type(kind, location, tkind, tier, prices)
            except KeyError as err:
                raise InputError(
                    stack_path,
                    f"{where}.instance_types",
                    f"an instance type with GPU facts and a {tkind.value} price in {location}",
                    ", ".join(tier.instance_types),
                    hint=f"{err.args[0]}. Pass --prices FILE with your rates.",
                ) from None
            current = (tier.count if tkind in COMMITTED_TIERS else tier.max) or 0
            cap = current if tkind == TierKind.OWNED else max(current or 0, default_max_nodes)
            options.append(
                CatalogOption(
                    id=f"{site.name}/{tier.name}",
                    provider=kind,
                    region=location,
                    tier=tkind,
                    gpu=machine.gpu,
                    gpus_per_node=machine.gpus_per_node,
                    price_per_node_hour=price,
                    max_nodes=cap,
                    min_nodes=(tier.min or 0) if tkind in (TierKind.SPOT, TierKind.ON_DEMAND) else 0,
                    price_source=source,
                )
            )
    return options


def options_from_stack(
    name: str, prices: PriceTable, default_max_nodes: int = 64
) -> tuple[list[CatalogOption], Path, Any]:
    """Load `stacks/Pulumi.<name>.yaml` through gpufabric.spec and derive the options."""
    try:
        from gpufabric.spec import load_stack_file, stack_file
    except ImportError:
        raise InputError("--stack", name, "the stack spec module (gpufabric.spec)", "not installed") from None
    path = stack_file(name)
    loaded = load_stack_file(path)
    return options_from_spec(loaded.spec, prices, str(path), default_max_nodes), Path(path), loaded.spec

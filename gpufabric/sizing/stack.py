"""Capacity options derived from a stack's sites and tiers plus the price table.

`gpufabric size --stack NAME` uses this so users keep one list of capacity (the stack file). Each tier
becomes an option with id `<site>/<tier>`: the GPU from `gpufabric.core.hardware` (the first of the tier's
instance types that both tables know), the price from the price table by provider, instance type, region
and tier kind. The optimiser may grow a tier up to `max(current, default_max_nodes)` nodes; `--apply-to`
writes the answer back. Errors name sites and tiers by name, as the spec loader does.
"""

from __future__ import annotations

from pathlib import Path

from gpufabric.core import hardware
from gpufabric.core.errors import InputError
from gpufabric.core.vocabulary import CONFIG_KEY, TierKind
from gpufabric.sizing.models import CatalogOption, PriceTable
from gpufabric.spec import AwsTier, CommittedTier, ElasticTier, FabricSpec, SiteSpec, load_stack_file, stack_file
from gpufabric.spec.sites import OwnedTier


def _priced_type(
    site: SiteSpec, tier: AwsTier | OwnedTier, prices: PriceTable
) -> tuple[hardware.MachineType, float, str]:
    """The first of the tier's instance types that the hardware table knows and the price table prices."""
    if isinstance(tier, OwnedTier):  # on-prem nodes follow the hardware table's "onprem node" convention
        price, source = prices.price(site.kind, "onprem", site.region, tier.kind)
        return hardware.onprem_node(tier.gpu, tier.gpus_per_node), price, source
    problems: list[str] = []
    for itype in tier.instance_types:
        try:
            machine = hardware.lookup(itype, site.kind)
            price, source = prices.price(site.kind, itype, site.region, tier.kind)
            return machine, price, source
        except KeyError as err:
            problems.append(str(err.args[0]))
    raise KeyError("; ".join(problems))


def _node_range(tier: AwsTier | OwnedTier) -> tuple[int, int]:
    """(nodes that always run, nodes the stack allows today): count/count when committed, min/max when elastic."""
    if isinstance(tier, CommittedTier):
        return 0, tier.count
    if isinstance(tier, ElasticTier):
        return tier.min, tier.max
    raise TypeError(f"a tier that is neither committed nor elastic: {tier.kind}")


def options_from_spec(
    spec: FabricSpec, prices: PriceTable, stack_path: str, default_max_nodes: int = 64
) -> list[CatalogOption]:
    """One option per (site, tier) of a validated FabricSpec."""
    options: list[CatalogOption] = []
    for site in spec.sites:
        for tier in site.tiers:
            where = f"{CONFIG_KEY}.sites[{site.name}].tiers[{tier.name}]"
            try:
                machine, price, source = _priced_type(site, tier, prices)
            except KeyError as err:
                raise InputError(
                    stack_path,
                    f"{where}.instance_types",
                    f"an instance type with GPU facts and a {tier.kind.value} price in {site.region}",
                    ", ".join(getattr(tier, "instance_types", ["onprem"])),
                    hint=f"{err.args[0]}. Pass --prices FILE with your rates.",
                ) from None
            min_nodes, current = _node_range(tier)
            options.append(
                CatalogOption(
                    id=f"{site.name}/{tier.name}",
                    provider=site.kind,
                    region=site.region,
                    tier=tier.kind,
                    gpu=machine.gpu,
                    gpus_per_node=machine.gpus_per_node,
                    price_per_node_hour=price,
                    max_nodes=current if tier.kind == TierKind.OWNED else max(current, default_max_nodes),
                    min_nodes=min_nodes,
                    price_source=source,
                )
            )
    return options


def options_from_stack(
    name: str, prices: PriceTable, default_max_nodes: int = 64
) -> tuple[list[CatalogOption], Path, FabricSpec]:
    """Load `stacks/Pulumi.<name>.yaml` through gpufabric.spec and derive the options."""
    path = stack_file(name)
    loaded = load_stack_file(path)
    return options_from_spec(loaded.spec, prices, str(path), default_max_nodes), Path(path), loaded.spec

"""The ordered-spill gateway's decisions: which sites it routes to, in what order, with how many slots each.

Pure data in, data out. The sizing profile's numbers are passed in (`ServingFacts`), loaded by a layer allowed
to read `gpufabric.sizing` (components, cli): decide and sizing are siblings and stay independent.

- One backend per site that has tiers, ordered by the site's best (lowest) overflow rank.
- A site with committed tiers (owned, reserved, capacity_block) is capped at its committed slots:
  replicas x concurrency_at_slo, where replicas = committed GPUs of a kind // gpus_per_replica of that kind,
  summed over kinds, divided among the gateway replicas (each HAProxy enforces its own `maxconn`), rounded
  down, at least 1. Its elastic tiers do not raise the cap: traffic beyond the paid-for slots spills to the
  next site's committed slots first, as the overflow order puts committed tiers before elastic ones; a running
  gateway's caps are raised through the runtime API (`gpufabric gateway maxconn`) when capacity changes.
- The last site is uncapped (`maxconn` None): it takes whatever the others cannot, and its elastic tiers grow.
- A site with only elastic tiers that is not last is capped at its ceiling (every elastic tier at `max`):
  uncapped, `balance first` would send it everything and the sites after it would never see a request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from gpufabric.core import hardware
from gpufabric.core.errors import InputError
from gpufabric.core.vocabulary import CONFIG_KEY
from gpufabric.decide.baseline import INFERENCE_NAMESPACE
from gpufabric.decide.overflow import overflow_order
from gpufabric.decide.serving import ReplicaShape, site_capacity
from gpufabric.spec import FabricSpec, SiteSpec
from gpufabric.spec.serving import ServingSpec
from gpufabric.spec.sites import OnpremSiteSpec
from gpufabric.spec.tiers import CommittedTier

SERVICE_NAME = "vllm"  # the inference server's Service in INFERENCE_NAMESPACE on every site
INTERNAL_SERVICE_NAME = "vllm-internal"  # its internal-only LoadBalancer Service, reached from other sites


@dataclass(frozen=True)
class GpuServing:
    """What one replica of the model needs and carries on one GPU kind (a sizing-profile row)."""

    gpus_per_replica: int
    concurrency_at_slo: int


@dataclass(frozen=True)
class ServingFacts:
    """The sizing profile's numbers the gateway needs: the model it describes and one row per GPU kind."""

    model: str
    gpus: dict[str, GpuServing]
    source: str  # the profile file, named in errors


class _ProfileRow(Protocol):
    @property
    def gpus_per_replica(self) -> int: ...
    @property
    def concurrency_at_slo(self) -> int: ...


class ProfileLike(Protocol):
    """What the gateway reads of a sizing profile (gpufabric.sizing.Profile fits; decide does not import it)."""

    @property
    def model(self) -> str: ...
    @property
    def gpus(self) -> Mapping[str, _ProfileRow]: ...


def facts_of(profile: ProfileLike, source: str) -> ServingFacts:
    """The numbers of a loaded profile; `source` (its file) is named in errors."""
    rows = {k: GpuServing(g.gpus_per_replica, g.concurrency_at_slo) for k, g in profile.gpus.items()}
    return ServingFacts(model=profile.model, gpus=rows, source=source)


@dataclass(frozen=True)
class Backend:
    """One server line of the gateway's backend: a site's inference endpoint and its cap (None = uncapped)."""

    site: str
    address: str
    port: int
    maxconn: int | None


@dataclass(frozen=True)
class SiteSlots:
    """A site's place in the spill order and the concurrency slots the gateway gives it in total."""

    site: str
    rank: int  # the site's best tier rank (1 = first)
    slots: int | None  # across all gateway replicas; None = uncapped (the last site)
    basis: str  # why: "committed", "elastic ceiling", "last site (uncapped)"


def serving_of(spec: FabricSpec, file: str) -> ServingSpec:
    if spec.serving is None:
        raise InputError(file, f"{CONFIG_KEY}.serving", "a serving section (model, gateway)", "nothing")
    return spec.serving


def check_model(spec: FabricSpec, facts: ServingFacts, file: str) -> None:
    """The profile must describe the model the stack serves: its slots are that model's."""
    serving = serving_of(spec, file)
    if serving.model != facts.model:
        raise InputError(
            file,
            f"{CONFIG_KEY}.serving.model",
            f"the sizing profile's model {facts.model!r} ({facts.source})",
            repr(serving.model),
            hint="Serve the profile's model, or point serving.profile at a profile measured for this one.",
        )


def gateway_site(spec: FabricSpec) -> str:
    """The site that runs the gateway: the stack's choice, else the site of the first tier in the order."""
    serving = spec.serving
    if serving is not None and serving.gateway.site is not None:
        return serving.gateway.site
    return overflow_order(spec)[0].site


def _tier_machine(site: SiteSpec, tier: object) -> hardware.MachineType:
    if isinstance(site, OnpremSiteSpec):
        return hardware.onprem_node(tier.gpu, tier.gpus_per_node)  # type: ignore[attr-defined]
    return hardware.lookup(tier.instance_types[0], site.kind)  # type: ignore[attr-defined]


def _slots(site: SiteSpec, facts: ServingFacts, file: str, *, committed: bool) -> int:
    """Concurrency slots of a site's committed tiers (or, `committed=False`, of its elastic tiers at max): the
    replicas the inference service runs there (`decide.serving.site_capacity`, the one count of replicas)
    times the requests each admits (`--max-num-seqs`, the site's concurrency at the SLO)."""
    for tier in site.tiers:
        machine = _tier_machine(site, tier)
        if machine.gpu not in facts.gpus:
            raise InputError(
                file,
                f"{CONFIG_KEY}.sites[{site.name}].tiers[{tier.name}]",
                f"a GPU kind the sizing profile has a row for ({', '.join(sorted(facts.gpus))})",
                machine.gpu,
                hint=f"Add a {machine.gpu} row to the profile ({facts.source}).",
            )
    shapes = {kind: ReplicaShape(row.gpus_per_replica, row.concurrency_at_slo) for kind, row in facts.gpus.items()}
    capacity = site_capacity(site, shapes)
    replicas = capacity.committed_replicas if committed else capacity.elastic_replicas
    return replicas * capacity.concurrency_at_slo


def site_slots(spec: FabricSpec, facts: ServingFacts, file: str) -> list[SiteSlots]:
    """Every serving site in spill order with its total slots (before division among gateway replicas)."""
    check_model(spec, facts, file)
    best: dict[str, int] = {}
    for ref in overflow_order(spec):
        best.setdefault(ref.site, ref.rank)
    sites = {s.name: s for s in spec.sites}
    ordered = sorted(best, key=best.__getitem__)
    out: list[SiteSlots] = []
    for i, name in enumerate(ordered):
        site = sites[name]
        if i == len(ordered) - 1:
            out.append(SiteSlots(name, best[name], None, "last site (uncapped)"))
            continue
        committed = _slots(site, facts, file, committed=True)
        if any(isinstance(t, CommittedTier) for t in site.tiers):
            out.append(SiteSlots(name, best[name], committed, "committed"))
        else:
            out.append(SiteSlots(name, best[name], _slots(site, facts, file, committed=False), "elastic ceiling"))
    return out


def per_replica(slots: int | None, gateway_replicas: int) -> int | None:
    """One gateway replica's share of a site's slots (each replica enforces its own maxconn): floor, >= 1."""
    return None if slots is None else max(1, slots // gateway_replicas)


def local_address() -> str:
    """How the gateway's own site reaches its server: cluster DNS."""
    return f"{SERVICE_NAME}.{INFERENCE_NAMESPACE}.svc.cluster.local"


def remote_address(site: str) -> str:
    """How the gateway reaches another site's server until the inference service hands over its internal load
    balancer's address: a name under `.internal` (reserved for private use, never publicly resolvable) that the
    site's operators publish in the private DNS both sites share, pointing at the `vllm-internal` Service."""
    return f"{INTERNAL_SERVICE_NAME}.{site}.internal"


def site_addresses(spec: FabricSpec) -> dict[str, str]:
    """Every site's address as the gateway dials it: its own site by cluster DNS; another site by the
    internal address its stack declares (on-prem `serving.sites.<site>.internal_address`), else by name."""
    here = gateway_site(spec)
    declared = {} if spec.serving is None else {n: s.internal_address for n, s in spec.serving.sites.items()}

    def address(site: str) -> str:
        if site == here:
            return local_address()
        return str(declared[site]) if declared.get(site) is not None else remote_address(site)

    return {s.name: address(s.name) for s in spec.sites}


def backends(spec: FabricSpec, facts: ServingFacts, addresses: dict[str, str], file: str) -> list[Backend]:
    """The gateway's servers in spill order. `addresses` maps site name -> "host" (port: serving.port) or
    "host:port" (the loopback test gives every stand-in its own port)."""
    serving = serving_of(spec, file)
    replicas = serving.gateway.replicas
    out: list[Backend] = []
    for s in site_slots(spec, facts, file):
        host, _, explicit = addresses[s.site].partition(":")
        out.append(
            Backend(
                site=s.site,
                address=host,
                port=int(explicit) if explicit else serving.port,
                maxconn=per_replica(s.slots, replicas),
            )
        )
    return out

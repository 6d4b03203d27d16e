"""From inputs to a capacity plan: exclusion, the common capacity unit, demand in that unit, the MILP.

The capacity unit is one replica of the profile's reference GPU kind (an "H100 replica-equivalent"): a
node of kind g holds floor(gpus_per_node / gpus_per_replica) replicas, each worth work_ref / work_g
reference replicas, where work is the replica-seconds a request of the horizon's mean token mix needs.
That is what lets an L40S spot node and an H100 reservation be traded against each other.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from gpufabric.core.errors import InputError
from gpufabric.core.jurisdictions import get_jurisdiction, jurisdiction_of, known_jurisdictions
from gpufabric.core.vocabulary import COMMITTED_TIERS, TierKind
from gpufabric.sizing.demand import IntervalDemand, Scenario
from gpufabric.sizing.models import CatalogOption, Profile, gpu_kind
from gpufabric.sizing.optimize import MilpOption, solve
from gpufabric.sizing.queueing import required_replicas, wait_budget

# One tolerance for "unserved", everywhere (exit code, --apply-to, the table, --evaluate): half the
# resolution the table prints (0.00 unit-hours), so a run that prints UNSERVED 0.00 is a served run.
UNSERVED_TOLERANCE = 0.005


def is_unserved(unit_hours: float) -> bool:
    """True when demand is short by more than the tolerance (NaN counts as unserved: never a silent pass)."""
    return not unit_hours <= UNSERVED_TOLERANCE


class PlanOption(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    provider: str
    region: str
    tier: TierKind
    gpu: Annotated[str, AfterValidator(gpu_kind)]
    gpus_per_node: int = Field(ge=1)
    capacity_per_node: float = Field(ge=0, allow_inf_nan=False)
    availability: float = Field(gt=0, le=1)
    price_per_node_hour: float = Field(ge=0, allow_inf_nan=False)
    committed_nodes: int = Field(ge=0)
    min_nodes: int = Field(ge=0)
    max_nodes: int = Field(ge=0)
    nodes: list[Annotated[int, Field(ge=0)]]
    price_source: str = ""


class Excluded(BaseModel):
    id: str
    reason: str


class Cost(BaseModel):
    total: float
    by_tier: dict[str, float]
    per_million_output_tokens: float | None


class Plan(BaseModel):
    """The plan as data (the `--format json` document); `evaluate` reads it back."""

    model_config = ConfigDict(extra="allow")

    unit: str
    interval_seconds: int
    intervals: int
    start: list[float]
    demand: list[float]
    scenarios: list[dict[str, Any]]
    options: list[PlanOption]
    excluded: list[Excluded]
    cost: Cost
    unserved: float
    unserved_by_interval: list[float]
    binding_caps: list[str]
    optimality_gap: float
    solver_status: str
    jurisdiction: str | None
    profile: dict[str, Any]
    notice: str = ""

    @model_validator(mode="after")
    def _gpus_in_profile(self) -> Plan:
        """A plan handed back to `--evaluate` must replay: every option's GPU has a row in its profile."""
        rows = {gpu_kind(k) for k in self.profile.get("gpus", {}) if isinstance(k, str)}
        missing = sorted({o.gpu for o in self.options} - rows)
        if missing:
            raise ValueError(f"option GPU(s) {missing} have no row in the plan's profile.gpus")
        return self


def unit_name(profile: Profile) -> str:
    slo = profile.slo
    return (
        f"{profile.reference_gpu} replica-equivalents ({profile.model}, p{slo.percentile:g} "
        f"TTFT < {slo.ttft_seconds:g} s, TPOT < {slo.tpot_seconds * 1000:g} ms)"
    )


def mean_mix(scenarios: list[Scenario]) -> tuple[float, float, float]:
    """Request-weighted mean input, output and p95 input tokens over all scenarios and intervals."""
    w = np.concatenate([s.weight * s.demand.rate for s in scenarios])
    if w.sum() <= 0:
        return 0.0, 0.0, 0.0
    cat = lambda f: np.concatenate([getattr(s.demand, f) for s in scenarios])  # noqa: E731
    return tuple(float((cat(f) * w).sum() / w.sum()) for f in ("mean_in", "mean_out", "p95_in"))  # type: ignore[return-value]


def capacity_per_node(profile: Profile, gpu: str, gpus_per_node: int, mix: tuple[float, float]) -> float:
    """Reference replicas one node of `gpu` is worth for the token mix (0 when a replica does not fit)."""
    perf, ref = profile.gpus[gpu], profile.gpus[profile.reference_gpu]
    replicas = gpus_per_node // perf.gpus_per_replica
    if mix[0] + mix[1] <= 0:  # no requests at all: fall back to the decode-speed ratio
        return replicas * perf.decode_tokens_per_second / ref.decode_tokens_per_second
    return replicas * ref.work_seconds(*mix) / perf.work_seconds(*mix)


def _exclusion(opt: CatalogOption, jurisdiction: str | None, profile: Profile, p95_in: float) -> str | None:
    if jurisdiction is not None:
        j = get_jurisdiction(jurisdiction)
        if opt.jurisdiction is not None:
            if opt.jurisdiction != jurisdiction:
                return f"declared jurisdiction {opt.jurisdiction!r} is not {jurisdiction!r}"
        elif not j.allows(opt.provider, opt.region):
            actual = jurisdiction_of(opt.provider, opt.region)
            where = f"in jurisdiction {actual!r}" if actual else "not in the jurisdiction table"
            return f"{opt.provider} {opt.region} is {where}, not {jurisdiction!r}"
    if opt.gpu not in profile.gpus:
        return f"the profile has no throughput row for {opt.gpu}"
    perf = profile.gpus[opt.gpu]
    if opt.gpus_per_node < perf.gpus_per_replica:
        return f"a node has {opt.gpus_per_node} GPUs, a replica needs {perf.gpus_per_replica}"
    prefill = p95_in / perf.prefill_tokens_per_second
    if prefill >= profile.slo.ttft_seconds:
        return (
            f"p95 prompt ({p95_in:.0f} tokens) takes {prefill:.2f} s to prefill on {opt.gpu}, "
            f"over the TTFT target {profile.slo.ttft_seconds:g} s"
        )
    return None


def demand_in_units(demand: IntervalDemand, profile: Profile, budget: float) -> np.ndarray:
    return required_replicas(demand, profile, budget)


def build_plan(
    options: list[CatalogOption],
    profile: Profile,
    scenarios: list[Scenario],
    *,
    jurisdiction: str | None = None,
    penalty: float | None = None,
    time_limit: float = 30.0,
    notice: str = "",
) -> Plan:
    """Exclude, convert, solve, and report."""
    if jurisdiction is not None and jurisdiction not in known_jurisdictions():
        raise InputError("--jurisdiction", "", f"one of {', '.join(known_jurisdictions())}", repr(jurisdiction))
    mean_in, mean_out, p95_in = mean_mix(scenarios)
    excluded: list[Excluded] = []
    usable: list[CatalogOption] = []
    for opt in options:
        reason = _exclusion(opt, jurisdiction, profile, p95_in)
        if reason:
            excluded.append(Excluded(id=opt.id, reason=reason))
        else:
            usable.append(opt)
    interval = scenarios[0].demand.interval_seconds
    hours = interval / 3600.0
    n_t = len(scenarios[0].demand)
    weights = np.array([s.weight for s in scenarios])
    gpus = sorted({o.gpu for o in usable}) or [profile.reference_gpu]
    budget = wait_budget(profile, p95_in, gpus)
    if budget <= 0:
        budget = 1e-3  # every usable GPU was checked above; only an empty option list gets here
    demand = np.stack([demand_in_units(s.demand, profile, budget) for s in scenarios], axis=1)
    caps = [capacity_per_node(profile, o.gpu, o.gpus_per_node, (mean_in, mean_out)) for o in usable]
    milp = [
        MilpOption(
            capacity=c * o.availability,
            price=o.price_per_node_hour,
            lower=o.max_nodes if o.tier == TierKind.OWNED else o.min_nodes,
            upper=o.max_nodes,
            committed=o.tier in COMMITTED_TIERS,
        )
        for o, c in zip(usable, caps, strict=True)
    ]
    if milp:
        res = solve(milp, demand, weights, hours, penalty=penalty, time_limit=time_limit)
        nodes, unserved, gap, status = res.nodes, res.unserved, res.gap, res.status
    else:
        nodes, unserved, gap, status = (
            np.zeros((0, n_t, len(scenarios))),
            demand.copy(),
            0.0,
            "no usable option",
        )

    prices = np.array([o.price_per_node_hour for o in usable])
    by_tier: dict[str, float] = {}
    for j, o in enumerate(usable):
        c = float(hours * prices[j] * (nodes[j] @ weights).sum())
        by_tier[o.tier.value] = by_tier.get(o.tier.value, 0.0) + c
    total = float(sum(by_tier.values()))
    tokens = sum(s.weight * s.demand.output_tokens for s in scenarios)
    worst = unserved.max(axis=1)
    binding: list[str] = []
    short = np.flatnonzero(worst > 1e-9)
    for j, o in enumerate(usable):
        if short.size and (nodes[j][short] >= o.max_nodes).any():
            binding.append(o.id)
    plan_options = [
        PlanOption(
            id=o.id,
            provider=o.provider,
            region=o.region,
            tier=o.tier,
            gpu=o.gpu,
            gpus_per_node=o.gpus_per_node,
            capacity_per_node=round(caps[j], 6),
            availability=o.availability,
            price_per_node_hour=o.price_per_node_hour,
            committed_nodes=int(nodes[j, 0, 0]) if o.tier in COMMITTED_TIERS and n_t else 0,
            min_nodes=o.min_nodes,
            max_nodes=o.max_nodes,
            nodes=[int(v) for v in nodes[j].max(axis=1)],
            price_source=o.price_source,
            **(
                {"nodes_by_scenario": {s.name: [int(v) for v in nodes[j][:, k]] for k, s in enumerate(scenarios)}}
                if len(scenarios) > 1
                else {}
            ),
        )
        for j, o in enumerate(usable)
    ]
    return Plan(
        unit=unit_name(profile),
        interval_seconds=interval,
        intervals=n_t,
        start=[float(x) for x in scenarios[0].demand.start],
        demand=[round(float(x), 6) for x in demand.max(axis=1)],
        scenarios=[
            {"name": s.name, "weight": s.weight, "demand": [round(float(x), 6) for x in demand[:, k]]}
            for k, s in enumerate(scenarios)
        ],
        options=plan_options,
        excluded=excluded,
        cost=Cost(
            total=round(total, 4),
            by_tier={k: round(v, 4) for k, v in by_tier.items()},
            per_million_output_tokens=round(total / (tokens / 1e6), 4) if tokens > 0 else None,
        ),
        unserved=round(float((unserved @ weights).sum() * hours), 6),
        unserved_by_interval=[round(float(x), 6) for x in worst],
        binding_caps=binding,
        optimality_gap=gap,
        solver_status=status,
        jurisdiction=jurisdiction,
        profile=profile.model_dump(mode="json"),
        notice=notice,
    )

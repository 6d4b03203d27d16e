"""Input models of the sizing module: the serving profile, the capacity catalog and the price table.

They are the boundary between files a user writes and the arithmetic: strict pydantic models (unknown keys
and wrong types are errors, never silently coerced), so that everything past this module can trust its
inputs. `loaders.py` turns their validation errors into located `InputError`s.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gpufabric.core.hardware import canonical_gpu, known_gpus
from gpufabric.core.jurisdictions import get_jurisdiction, jurisdiction_of, known_jurisdictions
from gpufabric.core.vocabulary import ELASTIC_TIERS, TierKind

Label = Literal["measured", "extrapolated", "estimated", "assumption"]


def gpu_kind(value: str) -> str:
    """A GPU kind in canonical spelling (`h100` -> `H100`); ValueError (a located pydantic error) if unknown."""
    try:
        return canonical_gpu(value)
    except KeyError as err:
        raise ValueError(err.args[0]) from None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --------------------------------------------------------------------------------------------- profile


class Slo(Strict):
    """The latency objective a replica must keep: both targets hold at `percentile`."""

    percentile: float = Field(default=95, gt=50, lt=100)
    ttft_seconds: float = Field(gt=0, description="time to first token")
    tpot_seconds: float = Field(gt=0, description="time per output token")


class GpuPerformance(Strict):
    """How one replica of the model performs on one GPU kind, at the SLO."""

    gpus_per_replica: int = Field(ge=1)
    concurrency_at_slo: int = Field(ge=1, description="requests a replica serves at once within the SLO")
    prefill_tokens_per_second: float = Field(gt=0)
    decode_tokens_per_second: float = Field(gt=0, description="output tokens/s of the replica at that load")
    label: Label
    source: str = Field(min_length=1)

    def work_seconds(self, input_tokens: float, output_tokens: float) -> float:
        """Replica-seconds one request needs (prefill plus its share of decode)."""
        return input_tokens / self.prefill_tokens_per_second + output_tokens / self.decode_tokens_per_second


class Profile(Strict):
    """A model, its SLO, and its throughput per GPU kind."""

    model: str = Field(min_length=1)
    description: str = ""
    as_of: str = ""
    slo: Slo
    reference_gpu: str = "H100"
    gpus: dict[str, GpuPerformance] = Field(min_length=1)

    @field_validator("reference_gpu")
    @classmethod
    def _reference(cls, value: str) -> str:
        return gpu_kind(value)

    @field_validator("gpus", mode="before")
    @classmethod
    def _kinds(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        out: dict[object, object] = {}
        for key, row in value.items():
            kind = gpu_kind(key) if isinstance(key, str) else key
            if kind in out:
                raise ValueError(f"GPU kind {kind!r} appears twice in gpus (names match case-insensitively)")
            out[kind] = row
        return out

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        unknown = sorted(set(self.gpus) - set(known_gpus()))
        if unknown:
            raise ValueError(f"unknown GPU kind(s) {unknown} in gpus; known: {known_gpus()}")
        if self.reference_gpu not in self.gpus:
            raise ValueError(f"reference_gpu {self.reference_gpu!r} has no row in gpus")
        for kind, row in self.gpus.items():
            tpot = row.concurrency_at_slo / row.decode_tokens_per_second
            if tpot > self.slo.tpot_seconds * (1 + 1e-9):
                raise ValueError(
                    f"gpus.{kind}: concurrency_at_slo / decode_tokens_per_second = {tpot * 1000:.1f} ms per "
                    f"output token exceeds the SLO tpot_seconds {self.slo.tpot_seconds * 1000:.1f} ms"
                )
        return self


# --------------------------------------------------------------------------------------------- catalog


class CatalogOption(Strict):
    """One way to buy capacity: a machine shape at a provider, region and tier, with its price and cap."""

    id: str = Field(min_length=1)
    provider: str = Field(min_length=1, description="aws, gcp, onprem, or a neocloud name")
    region: str = Field(min_length=1, description="cloud region, or on-prem location (ISO country code)")
    jurisdiction: str | None = None
    tier: TierKind = Field(strict=False)
    gpu: str
    gpus_per_node: int = Field(ge=1)
    price_per_node_hour: float = Field(ge=0)
    max_nodes: int = Field(ge=0)
    min_nodes: int = Field(default=0, ge=0)
    availability: float = Field(default=1.0, gt=0, le=1, description="spot: share of capacity counted on")
    price_source: str = ""

    @model_validator(mode="before")
    @classmethod
    def _spot_default(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("tier") == TierKind.SPOT.value and "availability" not in data:
            data = {**data, "availability": 0.9}
        return data

    @field_validator("gpu")
    @classmethod
    def _gpu(cls, value: str) -> str:
        return gpu_kind(value)

    @model_validator(mode="after")
    def _check(self) -> CatalogOption:
        actual = jurisdiction_of(self.provider, self.region)  # None: a location the table does not know
        if (
            actual is not None
            and self.jurisdiction in known_jurisdictions()
            and not get_jurisdiction(self.jurisdiction).allows(self.provider, self.region)
        ):
            raise ValueError(
                f"jurisdiction {self.jurisdiction!r} does not follow from {self.provider} {self.region} "
                f"(which is in {actual!r})"
            )
        if self.min_nodes > self.max_nodes:
            raise ValueError(f"min_nodes {self.min_nodes} is above max_nodes {self.max_nodes}")
        if self.tier != TierKind.SPOT and self.availability != 1.0:
            raise ValueError("availability applies to spot options only")
        return self

    @property
    def elastic(self) -> bool:
        return self.tier in ELASTIC_TIERS


class Catalog(Strict):
    options: list[CatalogOption] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Catalog:
        seen: set[str] = set()
        for opt in self.options:
            if opt.id in seen:
                raise ValueError(f"option id {opt.id!r} appears twice")
            seen.add(opt.id)
        return self


# --------------------------------------------------------------------------------------------- prices


class Assumption(Strict):
    value: float = Field(ge=0, lt=1)
    label: Label
    source: str = Field(min_length=1)


class PriceRow(Strict):
    """Node-hour prices of one machine type in one region (`*` = any region without its own row)."""

    provider: str
    instance_type: str
    region: str
    on_demand: float | None = Field(default=None, ge=0)
    spot: float | None = Field(default=None, ge=0)
    capacity_block: float | None = Field(default=None, ge=0)
    reserved: float | None = Field(default=None, ge=0)
    owned: float | None = Field(default=None, ge=0)
    label: Label
    source: str = Field(min_length=1)
    date: str = Field(min_length=1)


class PriceAssumptions(Strict):
    reserved_discount: Assumption


class PriceTable(Strict):
    """A dated table of reference prices; never live prices (the `notice` says so in every report)."""

    as_of: str
    currency: Literal["USD"] = "USD"
    notice: str
    assumptions: PriceAssumptions
    prices: list[PriceRow] = Field(min_length=1)

    def price(self, provider: str, instance_type: str, region: str, tier: TierKind) -> tuple[float, str]:
        """(USD per node-hour, where it came from) for a tier; KeyError when the table has no figure.

        A row for the exact region wins over the `*` fallback. Reserved is on-demand minus the assumed
        discount unless the row states a reserved price.
        """
        rows = [
            r
            for r in self.prices
            if r.provider == provider and r.instance_type in (instance_type, "*") and r.region in (region, "*")
        ]
        rows.sort(key=lambda r: (r.region == "*", r.instance_type == "*"))
        for row in rows:
            origin = f"{row.source} ({row.date}, {row.label}; region {row.region})"
            direct = getattr(row, tier.value)
            if direct is not None:
                return float(direct), origin
            if tier == TierKind.RESERVED and row.on_demand is not None:
                d = self.assumptions.reserved_discount
                return (
                    round(row.on_demand * (1 - d.value), 4),
                    f"on-demand {origin} minus {d.value:.0%} assumed reservation discount ({d.label})",
                )
        raise KeyError(f"no {tier.value} price for {provider} {instance_type} in {region}")

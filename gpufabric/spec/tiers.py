"""Capacity tiers, shaped by kind: each kind carries exactly the fields it needs.

Shared bases hold what every provider shares (name, kind, labels, committed `count`, elastic `min`/`max`);
provider fields live in mix-ins (`AwsTierFields`) so on-prem (`owned`) and GCP tiers can be built from the
same bases in their own site modules. A key that belongs to another tier kind gets a sentence saying whose
key it is, reported at that key.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from gpufabric.core.vocabulary import TierKind
from gpufabric.spec.base import Escape, FieldError, Name, Strict
from gpufabric.spec.bounds import CapacityBlockCount, DiskGib, Labels, NodeCount, NodeFloor

_NOT_FOR_COMMITTED = (
    "expected no '{key}' on a {kind} tier (it has a fixed 'count'; 'min'/'max' are for spot/on_demand), "
    "found {key}: {value}"
)
_NOT_FOR_ELASTIC = "expected 'min'/'max' on an elastic {kind} tier, found count: {value}"
_CAPACITY_BLOCK_ONLY = "expected no 'reservation_id' on a {kind} tier (capacity_block tiers only), found {value!r}"


class TierBase(Strict):
    """What every tier has. `foreign` names keys of other tier kinds and the sentence a user gets for them;
    `needed` names this kind's required keys and the sentence a user gets when one is missing."""

    name: Name
    kind: TierKind
    labels: Labels = Field(default_factory=dict)

    foreign: ClassVar[dict[str, str]] = {}
    needed: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _keys_fit_kind(cls, data: Any) -> Any:
        if isinstance(data, dict):
            kind = data.get("kind")
            for key, text in cls.foreign.items():
                if data.get(key) is not None:
                    raise FieldError(key, text.format(key=key, kind=kind, value=data[key]))
            for key, text in cls.needed.items():
                if data.get(key) is None:
                    raise FieldError(key, text.format(kind=kind))
        return data


class CommittedTier(TierBase):
    """A fixed node count bought ahead (reserved, capacity_block, owned)."""

    count: NodeCount = Field(description="the fixed node count")

    foreign: ClassVar[dict[str, str]] = {
        "min": _NOT_FOR_COMMITTED,
        "max": _NOT_FOR_COMMITTED,
        "reservation_id": _CAPACITY_BLOCK_ONLY,
    }
    needed: ClassVar[dict[str, str]] = {"count": "expected the fixed node count of a {kind} tier, found nothing"}


class ElasticTier(TierBase):
    """Capacity that scales between a floor and a ceiling (spot, on_demand)."""

    min: NodeFloor = Field(default=0, description="the floor (0: scale to zero)")
    max: NodeCount = Field(description="the ceiling")

    foreign: ClassVar[dict[str, str]] = {"count": _NOT_FOR_ELASTIC, "reservation_id": _CAPACITY_BLOCK_ONLY}
    needed: ClassVar[dict[str, str]] = {"max": "expected the most nodes a {kind} tier may burst to, found nothing"}

    @model_validator(mode="after")
    def _range(self) -> ElasticTier:
        if self.min > self.max:
            raise FieldError("min", f"expected at most 'max' ({self.max}), found {self.min}")
        return self


class AwsTierFields(Strict):
    """The EC2 side of an AWS tier: instance types, zones, disks and the node group/launch template hatches."""

    instance_types: list[str] = Field(min_length=1)
    availability_zones: list[str] | None = Field(default=None, min_length=1)
    disk_size_gib: DiskGib = 200
    node_group_args: Escape = Field(default_factory=dict)
    launch_template_args: Escape = Field(default_factory=dict)


class AwsCommittedTier(AwsTierFields, CommittedTier):
    @model_validator(mode="after")
    def _one_type(self) -> AwsCommittedTier:
        if len(self.instance_types) != 1:
            raise FieldError(
                "instance_types",
                f"expected exactly one instance type for a {self.kind.value} tier (it reserves one type), "
                f"found {len(self.instance_types)}: {', '.join(self.instance_types)}",
            )
        return self


class ReservedTier(AwsCommittedTier):
    """An On-Demand Capacity Reservation per zone: paid every hour, guaranteed."""

    kind: Literal[TierKind.RESERVED]


class CapacityBlockTier(AwsCommittedTier):
    """An EC2 Capacity Block: a prepaid window of capacity in one zone, bought outside the stack."""

    kind: Literal[TierKind.CAPACITY_BLOCK]
    reservation_id: str
    availability_zones: list[str] = Field(min_length=1)
    count: CapacityBlockCount = Field(description="the block's instance count")

    foreign: ClassVar[dict[str, str]] = {"min": _NOT_FOR_COMMITTED, "max": _NOT_FOR_COMMITTED}
    needed: ClassVar[dict[str, str]] = {
        **CommittedTier.needed,
        "reservation_id": "expected the capacity block's reservation id like cr-0123456789abcdef0, found nothing",
        "availability_zones": "expected the capacity block's one availability zone, found nothing",
    }

    @field_validator("reservation_id")
    @classmethod
    def _reservation(cls, v: str) -> str:
        if not re.fullmatch(r"cr-[0-9a-f]{8,17}", v):
            raise ValueError(f"expected the capacity block's reservation id like cr-0123456789abcdef0, found {v!r}")
        return v

    @field_validator("availability_zones")
    @classmethod
    def _one_zone(cls, v: list[str]) -> list[str]:
        if len(v) != 1:
            raise ValueError(f"expected the capacity block's one availability zone, found {', '.join(v)}")
        return v


class SpotTier(AwsTierFields, ElasticTier):
    """Spare EC2 capacity at a discount: interruptible, scales to zero."""

    kind: Literal[TierKind.SPOT]


class OnDemandTier(AwsTierFields, ElasticTier):
    """Pay per hour, no commitment: the last resort."""

    kind: Literal[TierKind.ON_DEMAND]


AwsTier = Annotated[ReservedTier | CapacityBlockTier | SpotTier | OnDemandTier, Field(discriminator="kind")]

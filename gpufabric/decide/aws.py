"""AWS-specific decisions: endpoint service names, AMI types, capacity types, node group scaling."""

from __future__ import annotations

from dataclasses import dataclass

from gpufabric.core.hardware import cpu_architecture
from gpufabric.core.jurisdictions import aws_endpoint_service_prefix
from gpufabric.core.vocabulary import TierKind
from gpufabric.decide.placement import TierPlacement

# What GPU nodes in a private subnet need to reach without internet: images (ECR + S3 layers), tokens
# (STS), node bootstrap (EC2, EKS, EKS auth), load balancers (ELB) and logs.
INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "sts", "ec2", "elasticloadbalancing", "logs", "eks", "eks-auth")
GATEWAY_ENDPOINTS = ("s3",)

CAPACITY_TYPE = {
    TierKind.RESERVED: "ON_DEMAND",  # ODCR instances are on-demand instances launched into the reservation
    TierKind.CAPACITY_BLOCK: "CAPACITY_BLOCK",
    TierKind.SPOT: "SPOT",
    TierKind.ON_DEMAND: "ON_DEMAND",
}


def endpoint_service_name(region: str, service: str) -> str:
    """The VPC endpoint service name AWS uses (what `ec2:DescribeVpcEndpointServices` answers)."""
    return f"{aws_endpoint_service_prefix(region)}.{region}.{service}"


def ami_type(instance_types: list[str]) -> str:
    """EKS-optimised AL2023 with the NVIDIA driver and container toolkit, for the types' architecture."""
    arches = {cpu_architecture(t) for t in instance_types}
    if len(arches) > 1:
        raise ValueError(f"instance types mix arm64 and x86_64: {', '.join(instance_types)}")
    return "AL2023_ARM_64_NVIDIA" if arches.pop() == "arm64" else "AL2023_x86_64_NVIDIA"


@dataclass(frozen=True)
class Scaling:
    min_size: int
    max_size: int
    desired_size: int


def node_group_scaling(kind: TierKind, *, count: int | None, min_nodes: int | None, max_nodes: int | None) -> Scaling:
    """Committed tiers hold exactly their count; elastic tiers start at their floor (0: scale to zero)."""
    if count is not None:
        return Scaling(count, count, count)
    floor = min_nodes or 0
    return Scaling(floor, max_nodes or 1, floor)


@dataclass(frozen=True)
class NodeGroupPlan:
    """One managed node group of a tier, and what capacity it launches into."""

    key: str  # the AZ for per-AZ groups, "all" for a group spanning the tier's AZs (names resources)
    zones: tuple[str, ...]
    count: int | None  # committed tiers: exactly this many nodes; elastic tiers: None (min/max from the spec)
    new_reservation: bool  # declare an On-Demand Capacity Reservation for this group (reserved tiers)
    reservation_id: str | None  # launch into this existing reservation (capacity blocks)
    market_type: str | None  # the launch template's instance market ("capacity-block"), if any


def node_group_plans(kind: TierKind, placement: TierPlacement, reservation_id: str | None) -> list[NodeGroupPlan]:
    """Reserved: a group per AZ, each sized to its own new reservation (an ODCR is per AZ). Capacity block:
    one group in the block's AZ targeting the block. Spot and on-demand: one group over all the tier's AZs."""
    if kind == TierKind.RESERVED:
        return [
            NodeGroupPlan(zone, (zone,), count, True, None, None) for zone, count in placement.per_zone_count.items()
        ]
    if kind == TierKind.CAPACITY_BLOCK:
        return [
            NodeGroupPlan(zone, (zone,), count, False, reservation_id, "capacity-block")
            for zone, count in placement.per_zone_count.items()
        ]
    return [NodeGroupPlan("all", placement.zones, None, False, None, None)]

"""An AWS site: a private VPC, an EKS cluster and its capacity tiers (the AWS-only limits live here)."""

from __future__ import annotations

import ipaddress
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from gpufabric.core.aws_baseline import EKS_CONTROL_PLANE_LOG_TYPES
from gpufabric.core.jurisdictions import Jurisdiction
from gpufabric.core.naming import role_name_of
from gpufabric.spec.base import Escape, FieldError, Name, Strict
from gpufabric.spec.bounds import (
    EksVersion,
    PrivateCidr,
    PublicAccessCidrs,
    RetentionDays,
    RoleArn,
    SubnetPrefix,
    SystemNodeCount,
    Tags,
)
from gpufabric.spec.tiers import AwsTier

EKS_LOG_TYPES = EKS_CONTROL_PLANE_LOG_TYPES  # one home: gpufabric.core.aws_baseline

# Who scales an AWS site's GPU tiers: EKS managed node groups alone (the default), Karpenter NodePools, or the
# Cluster Autoscaler with the priority expander over the managed node groups.
AwsAutoscaler = Literal["managed-node-groups", "karpenter", "cluster-autoscaler"]


class AwsNetworkSpec(Strict):
    """The site's private network. Private subnets only, unless egress through NAT is opted into."""

    cidr: PrivateCidr
    availability_zones: list[str] | None = Field(default=None, min_length=1)
    subnet_prefix: SubnetPrefix = Field(default=20, description="prefix length of each AZ's subnet")
    egress: Literal["none", "nat"] = "none"
    flow_logs_retention_days: RetentionDays = 365
    vpc_args: Escape = Field(default_factory=dict)

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, v: str) -> str:
        net = ipaddress.IPv4Network(v)
        if not 16 <= net.prefixlen <= 24:
            raise ValueError(f"expected a network between /16 and /24 (AWS VPC limits), found /{net.prefixlen}")
        return v

    @model_validator(mode="after")
    def _subnets_fit(self) -> AwsNetworkSpec:
        vpc = ipaddress.IPv4Network(self.cidr).prefixlen
        if self.subnet_prefix < vpc:
            raise FieldError(
                "subnet_prefix",
                f"expected a subnet prefix of /{vpc} or longer (a subnet cannot be larger than its VPC "
                f"{self.cidr}), found /{self.subnet_prefix}",
            )
        usable = 2 ** (self.subnet_prefix - vpc) - 1  # the last block is kept for public subnets
        zones = self.availability_zones or []
        needed = max((ord(z[-1]) - ord("a") + 1 for z in zones if "a" <= z[-1] <= "z"), default=1)
        if usable < needed:
            raise FieldError(
                "subnet_prefix",
                f"expected a subnet prefix of /{vpc + needed.bit_length()} or longer, so the VPC {self.cidr} holds "
                f"{needed} zone subnets (zone letters a-{chr(ord('a') + needed - 1)}) and the public block, "
                f"found /{self.subnet_prefix}, which leaves room for {usable}",
            )
        return self


class SystemNodesSpec(Strict):
    """Small untainted nodes for cluster services (CoreDNS, autoscaler, device plugin): GPU nodes repel them."""

    instance_types: list[str] = Field(default_factory=lambda: ["m7i.large", "m6i.large"], min_length=1)
    min: SystemNodeCount = 2
    max: SystemNodeCount = 4

    @model_validator(mode="after")
    def _range(self) -> SystemNodesSpec:
        if self.min > self.max:
            raise FieldError("min", f"expected at most 'max' ({self.max}), found {self.min}")
        return self


class AwsClusterSpec(Strict):
    """The site's EKS control plane. Private endpoint, encrypted secrets and logs on by default."""

    kubernetes_version: EksVersion = "1.33"
    endpoint_public_access: bool = Field(
        default=False, description="weakens security: reported by the security policy pack"
    )
    public_access_cidrs: PublicAccessCidrs = Field(default_factory=list)
    admin_role_arns: list[RoleArn] = Field(default_factory=list)
    log_types: list[Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]] = Field(
        default_factory=lambda: list(EKS_LOG_TYPES)
    )
    log_retention_days: RetentionDays = 365
    system_nodes: SystemNodesSpec = Field(default_factory=SystemNodesSpec)
    cluster_args: Escape = Field(default_factory=dict)
    autoscaler: AwsAutoscaler = Field(
        default="managed-node-groups",
        description="which engine scales the GPU tiers (gpufabric.decide.tier_policy compiles the tier order into it)",
    )

    @field_validator("admin_role_arns")
    @classmethod
    def _arns(cls, v: list[str]) -> list[str]:
        seen: dict[str, str] = {}
        for arn in v:
            name = role_name_of(arn)
            if name in seen:
                raise ValueError(
                    f"expected each admin role once (access entries are named by role path), found {arn!r} "
                    f"after {seen[name]!r}"
                )
            seen[name] = arn
        return v


ZoneList = tuple[tuple[str | int, ...], list[str]]


class AwsSiteSpec(Strict):
    """A site in an AWS region: a private VPC, an EKS cluster and its capacity tiers."""

    name: Name
    kind: Literal["aws"]
    region: str = Field(pattern=r"^[a-z]{2,4}(-[a-z]+)+-\d$")
    network: AwsNetworkSpec
    cluster: AwsClusterSpec = Field(default_factory=AwsClusterSpec)
    tiers: list[AwsTier] = Field(min_length=1)
    tags: Tags = Field(default_factory=dict)

    region_phrase: ClassVar[str] = "an AWS region"
    cidr_path: ClassVar[tuple[str, ...]] = ("network", "cidr")

    def allowed_regions(self, j: Jurisdiction) -> tuple[str, ...]:
        """The regions of this site's provider that jurisdiction `j` allows."""
        return tuple(sorted(j.aws_regions))

    def in_jurisdiction(self, j: Jurisdiction) -> bool:
        return j.allows_aws_region(self.region)

    def site_zones(self) -> list[str] | None:
        """The zones the site's network is pinned to (None: chosen from the offered ones)."""
        return self.network.availability_zones

    def zone_lists(self) -> list[ZoneList]:
        """Every zone list of the site with its key path below the site: the network's, then each tier's."""
        lists: list[ZoneList] = []
        if self.network.availability_zones:
            lists.append((("network", "availability_zones"), self.network.availability_zones))
        for k, tier in enumerate(self.tiers):
            if tier.availability_zones:
                lists.append((("tiers", k, "availability_zones"), tier.availability_zones))
        return lists

    def cidr(self) -> ipaddress.IPv4Network:
        """The site's address space (sites are joined over private links: these must not overlap)."""
        return ipaddress.IPv4Network(self.network.cidr)

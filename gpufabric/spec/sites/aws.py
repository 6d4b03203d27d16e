"""An AWS site: a private VPC, an EKS cluster and its capacity tiers (the AWS-only limits live here)."""

from __future__ import annotations

import ipaddress
import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from gpufabric.core.jurisdictions import Jurisdiction
from gpufabric.core.naming import role_name_of
from gpufabric.spec.base import Escape, FieldError, Name, Strict
from gpufabric.spec.tiers import AwsTier

EKS_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


class AwsNetworkSpec(Strict):
    """The site's private network. Private subnets only, unless egress through NAT is opted into."""

    cidr: str
    availability_zones: list[str] | None = Field(default=None, min_length=1)
    subnet_prefix: int = Field(default=20, ge=16, le=26, description="prefix length of each AZ's subnet")
    egress: Literal["none", "nat"] = "none"
    flow_logs_retention_days: int = Field(default=365, ge=1)
    vpc_args: Escape = Field(default_factory=dict)

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, v: str) -> str:
        try:
            net = ipaddress.IPv4Network(v, strict=True)
        except ValueError as e:
            raise ValueError(
                f"expected an IPv4 network in CIDR notation like 10.40.0.0/16, found {v!r} ({e})"
            ) from None
        if not net.is_private:
            raise ValueError(f"expected a private (RFC 1918) network, found {v!r}")
        if not 16 <= net.prefixlen <= 24:
            raise ValueError(f"expected a network between /16 and /24 (AWS VPC limits), found /{net.prefixlen}")
        return v


class SystemNodesSpec(Strict):
    """Small untainted nodes for cluster services (CoreDNS, autoscaler, device plugin): GPU nodes repel them."""

    instance_types: list[str] = Field(default_factory=lambda: ["m7i.large", "m6i.large"], min_length=1)
    min: int = Field(default=2, ge=1)
    max: int = Field(default=4, ge=1)

    @model_validator(mode="after")
    def _range(self) -> SystemNodesSpec:
        if self.min > self.max:
            raise FieldError("min", f"expected at most 'max' ({self.max}), found {self.min}")
        return self


class AwsClusterSpec(Strict):
    """The site's EKS control plane. Private endpoint, encrypted secrets and logs on by default."""

    kubernetes_version: str = Field(default="1.33", pattern=r"^1\.\d{2}$")
    endpoint_public_access: bool = Field(
        default=False, description="weakens security: reported by the security policy pack"
    )
    public_access_cidrs: list[str] = Field(default_factory=list)
    admin_role_arns: list[str] = Field(default_factory=list)
    log_types: list[Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]] = Field(
        default_factory=lambda: list(EKS_LOG_TYPES)
    )
    log_retention_days: int = Field(default=365, ge=1)
    system_nodes: SystemNodesSpec = Field(default_factory=SystemNodesSpec)
    cluster_args: Escape = Field(default_factory=dict)

    @field_validator("admin_role_arns")
    @classmethod
    def _arns(cls, v: list[str]) -> list[str]:
        for arn in v:
            if not re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+", arn):
                raise ValueError(f"expected IAM role ARNs like arn:aws:iam::123456789012:role/name, found {arn!r}")
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
    tags: dict[str, str] = Field(default_factory=dict)

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

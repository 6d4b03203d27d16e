"""The stack spec: typed, strict models of the `gpufabric:fabric` config object.

These models check shape (types, required keys, ranges, unknown keys). Rules that relate several parts of
the spec (a region inside the jurisdiction, overlapping CIDRs, duplicate names) live in `rules.py`, so each
rule can name the exact key path it is about. No Pulumi import here: the spec is plain data.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from gpufabric.core.jurisdictions import Jurisdiction, get_jurisdiction, known_jurisdictions
from gpufabric.core.naming import role_name_of
from gpufabric.core.vocabulary import COMMITTED_TIERS, ELASTIC_TIERS, TierKind
from gpufabric.spec.base import NAME_RULE, Escape, FieldError, Name, Strict
from gpufabric.spec.sites.gcp import GcpSiteSpec

__all__ = ["NAME_RULE", "Escape", "FieldError", "Name", "Strict"]  # re-exported while callers move to spec.base


class JurisdictionSpec(Strict):
    """A named jurisdiction from the built-in table, optionally narrowed or widened for this stack.

    A given list replaces the table's list for that provider. Widening (e.g. allowing London in `eu`) is
    explicit here and shows up in the plan, never silent.
    """

    name: str
    aws_regions: list[str] | None = None
    gcp_regions: list[str] | None = None
    onprem_countries: list[str] | None = None

    @field_validator("name")
    @classmethod
    def _known(cls, v: str) -> str:
        try:
            get_jurisdiction(v)
        except KeyError:
            known = ", ".join(known_jurisdictions())
            raise ValueError(f"expected a known jurisdiction ({known}), found {v!r}") from None
        return v

    def resolve(self) -> Jurisdiction:
        return get_jurisdiction(self.name).narrowed(
            aws_regions=self.aws_regions, gcp_regions=self.gcp_regions, onprem_countries=self.onprem_countries
        )

    def overrides(self) -> dict[str, list[str]]:
        """The lists this stack replaces in the built-in table (empty when it uses the table as is)."""
        given = {
            "aws_regions": self.aws_regions,
            "gcp_regions": self.gcp_regions,
            "onprem_countries": self.onprem_countries,
        }
        return {k: sorted(v) for k, v in given.items() if v is not None}


class TierSpec(Strict):
    """One capacity tier of a site: how its GPUs are bought and how many."""

    name: Name
    kind: TierKind
    instance_types: list[str] = Field(min_length=1)
    count: int | None = Field(default=None, ge=1, description="committed tiers: the fixed node count")
    min: int | None = Field(default=None, ge=0, description="elastic tiers: the floor (default 0)")
    max: int | None = Field(default=None, ge=1, description="elastic tiers: the ceiling")
    availability_zones: list[str] | None = Field(default=None, min_length=1)
    reservation_id: str | None = Field(default=None, description="capacity_block: the block's reservation id")
    disk_size_gib: int = Field(default=200, ge=20, le=16384)
    labels: dict[str, str] = Field(default_factory=dict)
    node_group_args: Escape = Field(default_factory=dict)
    launch_template_args: Escape = Field(default_factory=dict)

    @model_validator(mode="after")
    def _counts_fit_kind(self) -> TierSpec:
        kind = self.kind.value
        if self.kind in COMMITTED_TIERS:
            if self.count is None:
                raise FieldError("count", f"expected the fixed node count of a {kind} tier, found nothing")
            for key in ("min", "max"):
                if getattr(self, key) is not None:
                    raise FieldError(
                        key,
                        f"expected no '{key}' on a {kind} tier (it has a fixed 'count'; 'min'/'max' are for "
                        f"spot/on_demand), found {key}: {getattr(self, key)}",
                    )
            if len(self.instance_types) != 1:
                raise FieldError(
                    "instance_types",
                    f"expected exactly one instance type for a {kind} tier (it reserves one type), "
                    f"found {len(self.instance_types)}: {', '.join(self.instance_types)}",
                )
        if self.kind in ELASTIC_TIERS:
            if self.max is None:
                raise FieldError("max", f"expected the most nodes a {kind} tier may burst to, found nothing")
            if self.count is not None:
                raise FieldError("count", f"expected 'min'/'max' on an elastic {kind} tier, found count: {self.count}")
            if (self.min or 0) > self.max:
                raise FieldError("min", f"expected at most 'max' ({self.max}), found {self.min}")
        if self.kind == TierKind.CAPACITY_BLOCK:
            if not self.reservation_id or not re.fullmatch(r"cr-[0-9a-f]{8,17}", self.reservation_id):
                raise FieldError(
                    "reservation_id",
                    "expected the capacity block's reservation id like cr-0123456789abcdef0, found "
                    + (repr(self.reservation_id) if self.reservation_id else "nothing"),
                )
            if not self.availability_zones or len(self.availability_zones) != 1:
                raise FieldError(
                    "availability_zones",
                    "expected the capacity block's one availability zone, found "
                    + (", ".join(self.availability_zones) if self.availability_zones else "nothing"),
                )
        elif self.reservation_id is not None:
            raise FieldError(
                "reservation_id",
                f"expected no 'reservation_id' on a {kind} tier (capacity_block tiers only), "
                f"found {self.reservation_id!r}",
            )
        return self

    @property
    def floor(self) -> int:
        """Nodes that always run: the count of a committed tier, the min of an elastic one."""
        return self.count if self.count is not None else (self.min or 0)

    @property
    def ceiling(self) -> int:
        return self.count if self.count is not None else (self.max or 0)


class NetworkSpec(Strict):
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


EKS_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


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


class ClusterSpec(Strict):
    """The site's Kubernetes control plane. Private endpoint, encrypted secrets and logs on by default."""

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


class AwsSiteSpec(Strict):
    """A site in an AWS region: a private VPC, an EKS cluster and its capacity tiers."""

    name: Name
    kind: Literal["aws"]
    region: str = Field(pattern=r"^[a-z]{2,4}(-[a-z]+)+-\d$")
    network: NetworkSpec
    cluster: ClusterSpec = Field(default_factory=ClusterSpec)
    tiers: list[TierSpec] = Field(min_length=1)
    tags: dict[str, str] = Field(default_factory=dict)


# The site kinds that exist today, told apart by `kind` (on-prem arrives as a new member of this union).
SiteSpec = Annotated[AwsSiteSpec | GcpSiteSpec, Field(discriminator="kind")]


class AwsScpSpec(Strict):
    """An AWS Organizations service control policy that denies actions outside the allowed regions."""

    target_ids: list[str] = Field(min_length=1, description="root (r-...), OU (ou-...) or account ids")
    exempt_role_arns: list[str] = Field(default_factory=list)

    @field_validator("target_ids")
    @classmethod
    def _targets(cls, v: list[str]) -> list[str]:
        for t in v:
            if not re.fullmatch(r"r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|\d{12}", t):
                raise ValueError(f"expected an organization root, OU or account id, found {t!r}")
        return v


class GcpOrgPolicySpec(Strict):
    """A GCP organization policy on gcp.resourceLocations for an organization, folder or project."""

    parent: str = Field(pattern=r"^(organizations/\d+|folders/\d+|projects/[a-z][a-z0-9-]{4,28}[a-z0-9])$")


class GuardrailsSpec(Strict):
    """Opt-in API-level residency guardrails (in addition to the plan-time policy packs)."""

    aws_scp: AwsScpSpec | None = None
    gcp_org_policy: GcpOrgPolicySpec | None = None


class FabricSpec(Strict):
    """The whole fabric of one stack: its jurisdiction, its sites and the overflow order between their tiers."""

    jurisdiction: JurisdictionSpec
    sites: list[SiteSpec] = Field(min_length=1)
    overflow: list[str] | None = Field(
        default=None, description="explicit overflow order as 'site/tier' references; default by tier kind"
    )
    tags: dict[str, str] = Field(default_factory=dict)
    guardrails: GuardrailsSpec | None = None

    @field_validator("jurisdiction", mode="before")
    @classmethod
    def _jurisdiction_by_name(cls, v: Any) -> Any:
        return {"name": v} if isinstance(v, str) else v

    def resolved_jurisdiction(self) -> Jurisdiction:
        return self.jurisdiction.resolve()

    def site(self, name: str) -> SiteSpec:
        return next(s for s in self.sites if s.name == name)

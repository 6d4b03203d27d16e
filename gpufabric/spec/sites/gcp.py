"""The spec of a GCP site: a project and region, its private network, a GKE Standard cluster and GPU tiers.

Shape only (pydantic). Rules that relate parts of one GCP site (machine type against GPU kind, zones that
offer the accelerator, the GKE version a reservation-backed ComputeClass needs) live in `gcp_rules.py`, so
each can name its exact key path. No Pulumi import here.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from gpufabric.core.jurisdictions import Jurisdiction
from gpufabric.core.vocabulary import TierKind
from gpufabric.spec.base import Escape, FieldError, Name, Strict
from gpufabric.spec.bounds import Tags
from gpufabric.spec.tiers import CommittedTier, ElasticTier

GCP_REGION_PATTERN = r"^[a-z]+-[a-z]+\d+$"
GCP_ZONE_PATTERN = r"^[a-z]+-[a-z]+\d+-[a-z]$"
GCP_PROJECT_PATTERN = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
# Reservations as ComputeClass priorities need this GKE version or later (GKE release notes, ComputeClass).
MIN_GKE_FOR_RESERVATION_PRIORITIES = "1.31.1-gke.2105000"
# The default minor of each GKE release channel, as an approximation dated with the machine table
# (https://cloud.google.com/kubernetes-engine/docs/release-notes); used only to pick the schema that rendered
# Kubernetes objects are validated against when no version is pinned.
CHANNEL_MINOR = {"RAPID": "1.34", "REGULAR": "1.33", "STABLE": "1.32"}


def gke_version_key(version: str) -> tuple[int, ...]:
    """`1.31.1-gke.2105000` -> (1, 31, 1, 2105000); `1.33` -> (1, 33, 0, 0) (a minor pins its first patch)."""
    nums = [int(n) for n in re.findall(r"\d+", version)]
    return tuple((nums + [0, 0, 0, 0])[:4])


class SecondaryRange(Strict):
    """A named secondary range of the site's subnet (pods, services, ...): only its size is chosen here."""

    name: Name
    prefix: int = Field(ge=8, le=29, description="prefix length; the address is planned (decide/gcp.py)")


def _default_ranges() -> list[SecondaryRange]:
    return [SecondaryRange(name="pods", prefix=17), SecondaryRange(name="services", prefix=22)]


class GcpNetworkSpec(Strict):
    """The site's custom-mode VPC: one subnet in the site's region, its nodes, pods and services inside `cidr`."""

    cidr: str = Field(description="the site's whole private address block: nodes, pods, services, control plane")
    node_prefix: int = Field(default=20, ge=16, le=28, description="prefix length of the nodes' primary range")
    secondary_ranges: list[SecondaryRange] = Field(default_factory=_default_ranges, min_length=2)
    egress: Literal["none", "nat"] = "none"
    flow_logs_sampling: float = Field(default=0.5, gt=0, le=1)
    network_args: Escape = Field(default_factory=dict)
    subnet_args: Escape = Field(default_factory=dict)

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, v: str) -> str:
        try:
            net = ipaddress.IPv4Network(v, strict=True)
        except ValueError as e:
            raise ValueError(
                f"expected an IPv4 network in CIDR notation like 10.50.0.0/16, found {v!r} ({e})"
            ) from None
        if not net.is_private:
            raise ValueError(f"expected a private (RFC 1918) network, found {v!r}")
        if not 8 <= net.prefixlen <= 20:
            raise ValueError(
                f"expected a network between /8 and /20 (it holds nodes, pods and services), found /{net.prefixlen}"
            )
        return v

    @model_validator(mode="after")
    def _ranges(self) -> GcpNetworkSpec:
        names = [r.name for r in self.secondary_ranges]
        for needed in ("pods", "services"):
            if needed not in names:
                raise FieldError(
                    "secondary_ranges",
                    f"expected a secondary range named {needed!r} (GKE's pods and services), found {', '.join(names)}",
                )
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise FieldError("secondary_ranges", f"expected each range name once, found {', '.join(dupes)} again")
        return self


class GcpSystemNodesSpec(Strict):
    """A small untainted pool for cluster services (DNS, autoscaler, device plugin), per zone."""

    machine_type: str = "e2-standard-4"
    min: int = Field(default=1, ge=1)
    max: int = Field(default=2, ge=1)

    @model_validator(mode="after")
    def _range(self) -> GcpSystemNodesSpec:
        if self.min > self.max:
            raise FieldError("min", f"expected at most 'max' ({self.max}), found {self.min}")
        return self


class GcpClusterSpec(Strict):
    """A private GKE Standard cluster: release channel (and optionally a pinned minimum version), admins."""

    release_channel: Literal["RAPID", "REGULAR", "STABLE"] = "REGULAR"
    min_master_version: str | None = Field(default=None, pattern=r"^1\.\d{2}(\.\d+-gke\.\d+)?$")
    admin_members: list[str] = Field(default_factory=list)
    system_nodes: GcpSystemNodesSpec = Field(default_factory=GcpSystemNodesSpec)
    cluster_args: Escape = Field(default_factory=dict)

    @property
    def kubernetes_version(self) -> str:
        """The Kubernetes minor the cluster's objects are validated against: the pinned minimum, else the
        minor a release channel served when the machine table was dated (channels move on; pin to be exact)."""
        if self.min_master_version:
            return ".".join(self.min_master_version.split("-")[0].split(".")[:2])
        return CHANNEL_MINOR[self.release_channel]

    @field_validator("admin_members")
    @classmethod
    def _members(cls, v: list[str]) -> list[str]:
        for m in v:
            if not re.fullmatch(r"(user|group|serviceAccount):[^@\s]+@[^@\s]+\.[a-z]+", m):
                raise ValueError(
                    f"expected IAM members like group:platform@example.com or user:ana@example.com, found {m!r}"
                )
        return v


class GcpTierFields(Strict):
    """What every GCP tier adds to the shared tier bases: a GPU machine type (its accelerator from the shipped
    table), its zones, disks and the node pool escape hatch."""

    machine_type: str
    gpu: str | None = Field(default=None, description="the GPU kind (checked against the machine type)")
    gpus_per_node: int | None = Field(default=None, ge=1, description="checked against the machine type")
    zones: list[Annotated[str, Field(pattern=GCP_ZONE_PATTERN)]] | None = Field(default=None, min_length=1)
    disk_size_gib: int = Field(default=200, ge=20, le=65536)
    gpu_driver_version: Literal["DEFAULT", "LATEST"] = "LATEST"
    node_pool_args: Escape = Field(default_factory=dict)

    @property
    def instance_types(self) -> list[str]:
        """The one machine type, in the spelling the other site kinds and sizing share."""
        return [self.machine_type]


class GcpReservedTier(GcpTierFields, CommittedTier):
    """A specific Compute Engine reservation per zone and a node pool consuming it by name."""

    kind: Literal[TierKind.RESERVED]
    reservation_args: Escape = Field(default_factory=dict)


class GcpSpotTier(GcpTierFields, ElasticTier):
    """Spot VMs: interruptible, scaled from `min` (default 0) to `max`, in whichever zone has capacity."""

    kind: Literal[TierKind.SPOT]


class GcpOnDemandTier(GcpTierFields, ElasticTier):
    """On-demand VMs: the last resort, scaled from `min` (default 0) to `max`."""

    kind: Literal[TierKind.ON_DEMAND]


GcpTierSpec = Annotated[GcpReservedTier | GcpSpotTier | GcpOnDemandTier, Field(discriminator="kind")]


class GcpSiteSpec(Strict):
    """A site in a GCP region: a custom-mode VPC, a private GKE Standard cluster and its GPU tiers."""

    name: Name
    kind: Literal["gcp"]
    project: str = Field(pattern=GCP_PROJECT_PATTERN)
    region: str = Field(pattern=GCP_REGION_PATTERN)
    network: GcpNetworkSpec
    cluster: GcpClusterSpec = Field(default_factory=GcpClusterSpec)
    tiers: list[GcpTierSpec] = Field(min_length=1)
    tags: Tags = Field(default_factory=dict, description="applied as GCP labels (keys made label-safe)")

    region_phrase: ClassVar[str] = "a GCP region"
    cidr_path: ClassVar[tuple[str, ...]] = ("network", "cidr")

    def allowed_regions(self, j: Jurisdiction) -> tuple[str, ...]:
        """The GCP regions jurisdiction `j` allows."""
        return tuple(sorted(j.gcp_regions))

    def in_jurisdiction(self, j: Jurisdiction) -> bool:
        return j.allows_gcp_location(self.region)

    def site_zones(self) -> list[str] | None:
        """GCP sites pin zones per tier only; which zones offer an accelerator is checked in gcp_rules.py."""
        return None

    def zone_lists(self) -> list[tuple[tuple[str | int, ...], list[str]]]:
        """None for the AWS-style zone rule: a GCP tier's zones are checked against its region and the machine
        table (which zones offer its accelerator) in gcp_rules.py, with the table's date in the message."""
        return []

    def cidr(self) -> ipaddress.IPv4Network:
        """The site's whole address block (nodes, pods, services): sites joined over private links must not
        overlap."""
        return ipaddress.IPv4Network(self.network.cidr)

"""The fabric-wide spec: the jurisdiction, the guardrails and `FabricSpec` (sites live in `spec/sites/`).

These models check shape (types, required keys, ranges, unknown keys). Rules that relate several parts of
the spec (a region inside the jurisdiction, overlapping CIDRs, duplicate names) live in `rules.py`, so each
rule can name the exact key path it is about. No Pulumi import here: the spec is plain data.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from gpufabric.core.jurisdictions import Jurisdiction, get_jurisdiction, known_jurisdictions
from gpufabric.spec.base import Strict
from gpufabric.spec.bounds import ExemptRoleArn, Tags
from gpufabric.spec.links import LinkSpec
from gpufabric.spec.serving import ServingSpec
from gpufabric.spec.sites import SiteSpec


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


class AwsScpSpec(Strict):
    """An AWS Organizations service control policy that denies actions outside the allowed regions."""

    target_ids: list[str] = Field(min_length=1, description="root (r-...), OU (ou-...) or account ids")
    exempt_role_arns: list[ExemptRoleArn] = Field(default_factory=list)

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
    tags: Tags = Field(default_factory=dict)
    guardrails: GuardrailsSpec | None = None
    serving: ServingSpec | None = Field(default=None, description="the model served on every site and its gateway")
    links: list[LinkSpec] = Field(default_factory=list, description="private links, on-prem site <-> cloud site")

    @field_validator("jurisdiction", mode="before")
    @classmethod
    def _jurisdiction_by_name(cls, v: Any) -> Any:
        return {"name": v} if isinstance(v, str) else v

    def resolved_jurisdiction(self) -> Jurisdiction:
        return self.jurisdiction.resolve()

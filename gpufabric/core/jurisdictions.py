"""The jurisdiction table: the one place that says which regions and locations belong to which jurisdiction.

Everything that asks "is this inside the jurisdiction?" (the spec validator, the policy packs, the sizing
catalog filter, the guardrails) reads this table, so the answer is the same at every stage. A stack may
narrow or widen an entry (see `gpufabric.spec`), but never silently: European-but-not-EU regions (London,
Zurich) are their own jurisdictions (`uk`, `ch`), not part of `eu`.

On-prem locations are ISO 3166-1 alpha-2 country codes, optionally with a subdivision (`DE`, `DE-HE`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Jurisdiction:
    """Where data may live: allowed AWS regions, GCP regions and on-prem countries."""

    name: str
    description: str
    aws_regions: frozenset[str]
    gcp_regions: frozenset[str]
    onprem_countries: frozenset[str]

    def narrowed(
        self,
        *,
        aws_regions: list[str] | None = None,
        gcp_regions: list[str] | None = None,
        onprem_countries: list[str] | None = None,
    ) -> Jurisdiction:
        """This entry with the given lists replacing its own (a stack's or a policy config's override).

        The one home of override semantics: GCP regions are lower-cased, countries upper-cased, and a list
        that is None keeps the table's.
        """
        return Jurisdiction(
            name=self.name,
            description=self.description,
            aws_regions=frozenset(aws_regions) if aws_regions is not None else self.aws_regions,
            gcp_regions=frozenset(r.lower() for r in gcp_regions) if gcp_regions is not None else self.gcp_regions,
            onprem_countries=(
                frozenset(c.upper() for c in onprem_countries)
                if onprem_countries is not None
                else self.onprem_countries
            ),
        )

    def allows_aws_region(self, region: str) -> bool:
        return region in self.aws_regions

    def allows_gcp_location(self, location: str) -> bool:
        """A GCP region (`europe-west4`), zone (`europe-west4-a`) or multi-region is allowed."""
        return gcp_region_of(location) in self.gcp_regions

    def allows_onprem_location(self, location: str) -> bool:
        return location.split("-", 1)[0].upper() in self.onprem_countries

    def allows(self, provider: str, location: str) -> bool:
        """One entry point for every provider kind (aws, gcp, onprem)."""
        if provider == "aws":
            return self.allows_aws_region(location)
        if provider == "gcp":
            return self.allows_gcp_location(location)
        if provider == "onprem":
            return self.allows_onprem_location(location)
        return False


def gcp_region_of(location: str) -> str:
    """`europe-west4-a` -> `europe-west4`; regions and multi-regions are returned unchanged."""
    parts = location.split("-")
    if len(parts) == 3 and len(parts[2]) == 1 and parts[2].isalpha():
        return "-".join(parts[:2])
    return location


EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)

_TABLE: dict[str, Jurisdiction] = {
    j.name: j
    for j in (
        Jurisdiction(
            name="eu",
            description="European Union member states (GDPR territory)",
            aws_regions=frozenset(
                {
                    "eu-central-1",  # Frankfurt
                    "eu-west-1",  # Ireland
                    "eu-west-3",  # Paris
                    "eu-north-1",  # Stockholm
                    "eu-south-1",  # Milan
                    "eu-south-2",  # Spain
                    "eusc-de-east-1",  # AWS European Sovereign Cloud (aws-eusc partition), Brandenburg
                }
            ),
            gcp_regions=frozenset(
                {
                    "europe-west1",  # Belgium
                    "europe-west3",  # Frankfurt
                    "europe-west4",  # Netherlands
                    "europe-west8",  # Milan
                    "europe-west9",  # Paris
                    "europe-west10",  # Berlin
                    "europe-west12",  # Turin
                    "europe-north1",  # Finland
                    "europe-north2",  # Stockholm
                    "europe-central2",  # Warsaw
                    "europe-southwest1",  # Madrid
                    "eu",  # multi-region (EU member states)
                }
            ),
            onprem_countries=EU_COUNTRIES,
        ),
        Jurisdiction(
            name="uk",
            description="United Kingdom",
            aws_regions=frozenset({"eu-west-2"}),
            gcp_regions=frozenset({"europe-west2"}),
            onprem_countries=frozenset({"GB"}),
        ),
        Jurisdiction(
            name="ch",
            description="Switzerland",
            aws_regions=frozenset({"eu-central-2"}),
            gcp_regions=frozenset({"europe-west6"}),
            onprem_countries=frozenset({"CH"}),
        ),
        Jurisdiction(
            name="us",
            description="United States",
            aws_regions=frozenset(
                {"us-east-1", "us-east-2", "us-west-1", "us-west-2", "us-gov-east-1", "us-gov-west-1"}
            ),
            gcp_regions=frozenset(
                {
                    "us-central1",
                    "us-east1",
                    "us-east4",
                    "us-east5",
                    "us-south1",
                    "us-west1",
                    "us-west2",
                    "us-west3",
                    "us-west4",
                    "us",  # multi-region
                }
            ),
            onprem_countries=frozenset({"US"}),
        ),
        Jurisdiction(
            name="ca",
            description="Canada",
            aws_regions=frozenset({"ca-central-1", "ca-west-1"}),
            gcp_regions=frozenset({"northamerica-northeast1", "northamerica-northeast2"}),
            onprem_countries=frozenset({"CA"}),
        ),
        Jurisdiction(
            name="jp",
            description="Japan",
            aws_regions=frozenset({"ap-northeast-1", "ap-northeast-3"}),
            gcp_regions=frozenset({"asia-northeast1", "asia-northeast2"}),
            onprem_countries=frozenset({"JP"}),
        ),
    )
}


def known_jurisdictions() -> list[str]:
    return sorted(_TABLE)


def get_jurisdiction(name: str) -> Jurisdiction:
    """Look a jurisdiction up by name; KeyError names the known ones."""
    try:
        return _TABLE[name]
    except KeyError:
        raise KeyError(f"unknown jurisdiction {name!r}; known: {', '.join(known_jurisdictions())}") from None


def jurisdiction_of(provider: str, location: str) -> str | None:
    """The built-in jurisdiction a provider location belongs to, or None when the table does not know it."""
    for j in _TABLE.values():
        if j.allows(provider, location):
            return j.name
    return None


def aws_partition_of(region: str) -> str:
    """The AWS partition a region lives in; ARNs are built from this, never from a hard-coded `aws`."""
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("eusc-"):
        return "aws-eusc"
    return "aws"


# Per partition: the DNS suffix of service endpoints and the prefix of VPC endpoint service names.
_PARTITION_DNS = {
    "aws": "amazonaws.com",
    "aws-cn": "amazonaws.com.cn",
    "aws-us-gov": "amazonaws.com",
    "aws-eusc": "amazonaws.eu",
}
_ENDPOINT_SERVICE_PREFIX = {"aws-cn": "cn.com.amazonaws"}


def aws_dns_suffix(region: str) -> str:
    """The DNS suffix of a region's service endpoints (`amazonaws.com`, `.com.cn` in China, `.eu` in the EUSC)."""
    return _PARTITION_DNS[aws_partition_of(region)]


def aws_endpoint_service_prefix(region: str) -> str:
    """The prefix of a region's VPC endpoint service names (`com.amazonaws`, `cn.com.amazonaws` in China)."""
    return _ENDPOINT_SERVICE_PREFIX.get(aws_partition_of(region), "com.amazonaws")


def ecr_registry_pattern(region: str) -> str:
    """The in-region ECR registry hosts of a region, as a shell pattern (`*.dkr.ecr.<region>.<suffix>`)."""
    return f"*.dkr.ecr.{region}.{aws_dns_suffix(region)}"

"""The platform file (`platform.yaml`): what the platform team allows self-service stacks to use.

Application teams answer a template's questions; every answer is checked against these tables (and the
house tables they narrow: jurisdictions, hardware) before a stack is rendered. Edited by the platform team
only, validated here, read by `gpufabric new` (see docs/platform.md).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from gpufabric.core.hardware import known_gpus
from gpufabric.core.jurisdictions import known_jurisdictions
from gpufabric.sizing.loaders import load_model
from gpufabric.spec.base import Name, Strict

PLATFORM_FILE = "platform.yaml"


class TeamQuota(Strict):
    """What one team's stack may hold at most: nodes (counts plus burst maxima) and the GPUs on them."""

    max_nodes: int = Field(ge=0)
    max_gpus: int = Field(ge=0)


class RegistryMirror(Strict):
    """An in-house image registry and chart repository (air-gapped sites pull everything from here)."""

    registry: str = Field(min_length=1, pattern=r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?$")
    charts: str = Field(min_length=1, pattern=r"^oci://[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?$")


class CidrPool(Strict):
    """A private range new stacks' networks are carved from, first fit, never overlapping an existing stack."""

    range: str

    @field_validator("range")
    @classmethod
    def _private(cls, v: str) -> str:
        net = ipaddress.ip_network(v, strict=True)
        if not net.is_private or net.version != 4:
            raise ValueError("a private IPv4 range (RFC 1918)")
        return v

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.range)


class Platform(Strict):
    """The platform team's quotas and defaults, keyed by name."""

    jurisdictions: list[str] = Field(min_length=1)
    teams: dict[Name, TeamQuota] = Field(min_length=1)
    cost_centres: list[Name] = Field(min_length=1)
    cidr_pools: list[CidrPool] = Field(min_length=1)
    admin_roles: dict[str, list[str]] = Field(default_factory=dict)  # provider -> principals given cluster admin
    registry_mirrors: dict[Name, RegistryMirror] = Field(default_factory=dict)
    gpus: list[str] | None = None  # GPU kinds teams may ask for (default: every kind of the hardware table)
    # Per jurisdiction: the stack secrets provider from that jurisdiction's state bootstrap (docs/state.md),
    # written into every new stack so its secrets are encrypted by a key inside the jurisdiction.
    secrets_providers: dict[str, str] = Field(default_factory=dict)

    @field_validator("jurisdictions")
    @classmethod
    def _known_jurisdictions(cls, v: list[str]) -> list[str]:
        unknown = [j for j in v if j not in known_jurisdictions()]
        if unknown:
            raise ValueError(f"known jurisdictions ({', '.join(known_jurisdictions())}), not {unknown}")
        return v

    @model_validator(mode="after")
    def _providers_for_allowed_jurisdictions(self) -> Platform:
        stray = sorted(set(self.secrets_providers) - set(self.jurisdictions))
        if stray:
            raise ValueError(f"secrets_providers only for allowed jurisdictions {self.jurisdictions}, not {stray}")
        return self

    @field_validator("gpus")
    @classmethod
    def _known_gpus(cls, v: list[str] | None) -> list[str] | None:
        unknown = [g for g in v or [] if g not in known_gpus()]
        if unknown:
            raise ValueError(f"GPU kinds of the hardware table ({', '.join(known_gpus())}), not {unknown}")
        return v

    @field_validator("admin_roles")
    @classmethod
    def _providers(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(v) - {"aws", "gcp"})
        if unknown:
            raise ValueError(f"admin roles per provider (aws, gcp), not {unknown}")
        return v

    def allowed_gpus(self) -> list[str]:
        return sorted(self.gpus) if self.gpus is not None else known_gpus()


def load_platform(path: Path) -> Platform:
    """Read and validate the platform file; InputError (exit 2) naming the key path otherwise."""
    return load_model(path, Platform)

"""What the fabric serves and how traffic enters it: the model, its sizing profile, the gateway.

One home for the serving contract that three parts read: the inference service deployed on every site, the
ordered-spill gateway in front of them, and the rules. Capacity per site is not stated here: it follows from the
sites' committed tiers and the profile's `gpus_per_replica` and `concurrency_at_slo` (decided in `decide/`).
"""

from __future__ import annotations

from pydantic import Field

from gpufabric.spec.base import Name, Strict


class GatewaySpec(Strict):
    """The HAProxy gateway at the jurisdiction's entry point (the first site in the overflow order by default)."""

    site: Name | None = Field(default=None, description="site that runs the gateway; default the first in order")
    replicas: int = Field(default=2, ge=2, le=20, description="at least two, spread apart, behind a PDB")
    queue_timeout_seconds: float = Field(
        default=5, gt=0, le=300, description="how long a request waits for a free slot before a fast 503"
    )


class ServingSpec(Strict):
    """The model the fabric serves, the sizing profile that says how much one replica carries, the gateway."""

    model: str = Field(min_length=1, max_length=128, description="must match the profile's `model`")
    profile: str | None = Field(
        default=None, description="sizing profile YAML, relative to the project root; default the built-in one"
    )
    port: int = Field(default=8000, ge=1024, le=65535, description="the OpenAI-compatible server's port")
    gateway: GatewaySpec = Field(default_factory=GatewaySpec)

"""What the fabric serves and how traffic enters it: the model, its sizing profile, the gateway.

One home for the serving contract that three parts read: the inference service deployed on every site, the
ordered-spill gateway in front of them, and the rules. Capacity per site is not stated here: it follows from the
sites' committed tiers and the profile's `gpus_per_replica` and `concurrency_at_slo` (decided in `decide/`).
"""

from __future__ import annotations

import re
from ipaddress import IPv4Address
from typing import Any

from pydantic import Field, field_validator, model_validator

from gpufabric.core.images import VLLM
from gpufabric.spec.base import FieldError, Name, Strict


class GatewaySpec(Strict):
    """The HAProxy gateway at the jurisdiction's entry point (the first site in the overflow order by default)."""

    site: Name | None = Field(default=None, description="site that runs the gateway; default the first in order")
    replicas: int = Field(default=2, ge=2, le=20, description="at least two, spread apart, behind a PDB")
    queue_timeout_seconds: float = Field(
        default=5, gt=0, le=300, description="how long a request waits for a free slot before a fast 503"
    )


# --------------------------------------------------------------------------------- the model server (h-infer)

_WEIGHTS_TEXT = (
    "expected s3://bucket/prefix (an AWS site), gs://bucket/prefix (a GCP site) or pvc://claim/path (an on-prem "
    "site's store): weights come from the site's own store, never a public hub"
)
_WEIGHTS_URI = r"^(s3|gs)://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9._/-]*)?$|^pvc://[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(/[A-Za-z0-9._/-]*)?$"
WEIGHTS_SCHEMES = {"aws": "s3", "gcp": "gs", "onprem": "pvc"}  # the one store each site kind reads weights from


class ServerImageSpec(Strict):
    """The model server's image as a path below the site's registry (each site pulls from its own allowed
    registry, so no host here), pinned by tag or digest; default the vLLM release in `core/images.py`."""

    repository: str = Field(
        default=VLLM.repository, pattern=r"^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$"
    )
    tag: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
    digest: str | None = Field(default=None, pattern=r"^sha256:[0-9a-f]{64}$")

    @field_validator("repository")
    @classmethod
    def _no_host(cls, v: str) -> str:
        first = v.split("/", 1)[0]
        if "." in first or first == "localhost":
            raise ValueError(
                f"expected a path below the site's own registry like {VLLM.repository!r} (each site pulls from "
                f"its registry mirror, ECR or Artifact Registry), found the host {first!r} in {v!r}"
            )
        return v

    @model_validator(mode="after")
    def _one_pin(self) -> ServerImageSpec:
        if self.tag is not None and self.digest is not None:
            raise FieldError("digest", f"expected a tag or a digest, not both, found tag {self.tag!r} and a digest")
        return self

    def pin(self) -> str:
        """`:tag` or `@sha256:...` (the default tag when neither is given)."""
        if self.digest is not None:
            return f"@{self.digest}"
        return f":{self.tag or VLLM.tag}"


class WeightsSpec(Strict):
    """Where one site's server reads the model weights: a bucket of the site's cloud in a declared location
    (default the site's region) or a PVC of the on-prem store. A bare string is the `uri`."""

    uri: str = Field(description="s3://bucket/prefix, gs://bucket/prefix or pvc://claim/path")
    location: str | None = Field(
        default=None, description="the bucket's region (AWS) or location (GCP); default the site's region"
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        return {"uri": v} if isinstance(v, str) else v

    @field_validator("uri")
    @classmethod
    def _uri(cls, v: str) -> str:
        if not re.fullmatch(_WEIGHTS_URI, v):
            raise ValueError(f"{_WEIGHTS_TEXT}, found {v!r}")
        return v

    @property
    def scheme(self) -> str:
        return self.uri.split("://", 1)[0]

    @property
    def bucket(self) -> str:
        """The bucket (or claim) name."""
        return self.uri.split("://", 1)[1].split("/", 1)[0]

    @property
    def prefix(self) -> str:
        """The key prefix (or path in the claim), without slashes at either end ('' for the whole bucket)."""
        rest = self.uri.split("://", 1)[1]
        return rest.split("/", 1)[1].strip("/") if "/" in rest else ""


class SiteServingSpec(Strict):
    """What one site's model server needs that only the stack can say: where its weights are and, on-prem,
    the address of its internal load balancer (MetalLB or the like)."""

    weights: WeightsSpec
    internal_address: IPv4Address | None = Field(
        default=None,
        description="on-prem only: the `vllm-internal` LoadBalancer's address, inside the site's nodes network",
    )


class ServingSpec(Strict):
    """The model the fabric serves, the sizing profile that says how much one replica carries, the gateway."""

    model: str = Field(min_length=1, max_length=128, description="must match the profile's `model`")
    profile: str | None = Field(
        default=None,
        description="sizing profile YAML, relative to the project root; default the built-in one",
    )
    port: int = Field(default=8000, ge=1024, le=65535, description="the OpenAI-compatible server's port")
    gateway: GatewaySpec = Field(default_factory=GatewaySpec)

    @field_validator("profile")
    @classmethod
    def _inside_the_project(cls, v: str | None) -> str | None:
        """A relative path to a .yaml/.yml file that cannot leave the project (no `..`, no absolute path)."""
        if v is None:
            return v
        parts = v.split("/")
        if (
            not re.fullmatch(r"[A-Za-z0-9_./-]{1,200}", v)
            or v.startswith("/")
            or ".." in parts
            or not v.endswith((".yaml", ".yml"))
        ):
            raise ValueError(
                f"expected a relative path to a .yaml/.yml file inside the project (no '..', not absolute), found {v!r}"
            )
        return v

    image: ServerImageSpec = Field(default_factory=lambda: ServerImageSpec())
    sites: dict[Name, SiteServingSpec] = Field(
        default_factory=dict, description="per site, by name: where its weights are (every site needs an entry)"
    )

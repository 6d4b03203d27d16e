"""An on-prem site: an existing Kubernetes cluster the fabric reaches through a secret kubeconfig.

The fabric creates no machines here: its `owned` tier describes GPU nodes that already exist (found by a
node selector), and the fabric labels nothing it does not own, unless the site declares `node_labels`.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Field, field_validator, model_validator

from gpufabric.core.hardware import GPU_MEMORY_GIB
from gpufabric.core.jurisdictions import Jurisdiction
from gpufabric.core.vocabulary import POLICY_ONPREM_COUNTRY_ALLOWED, TierKind
from gpufabric.spec.base import FieldError, Name, Strict
from gpufabric.spec.links import OnpremVpnSpec
from gpufabric.spec.tiers import CommittedTier

CONFIG_KEY_PATTERN = r"^[a-z][a-z0-9-]*:[A-Za-z][A-Za-z0-9_-]*$"
_KUBECONFIG_TEXT = (
    "expected a reference to a secret config value like {{secret: 'gpufabric:fraKubeconfig'}} "
    "(set with `pulumi config set --secret`), found {found}"
)
_REGISTRY_PATTERN = r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(/[a-z0-9._/-]+)?$"


def _private_network(v: str) -> str:
    try:
        net = ipaddress.IPv4Network(v, strict=True)
    except ValueError as e:
        raise ValueError(f"expected an IPv4 network in CIDR notation like 10.60.0.0/16, found {v!r} ({e})") from None
    if not net.is_private:
        raise ValueError(f"expected a private (RFC 1918) network, found {v!r}")
    return v


class KubeconfigRef(Strict):
    """Where the cluster's kubeconfig is: a Pulumi config key set as a secret (never the kubeconfig itself)."""

    secret: str = Field(pattern=CONFIG_KEY_PATTERN)


class OnpremNetworkSpec(Strict):
    """The cluster's private address spaces: joined to the other sites over private links, so none may
    overlap another site's."""

    pods: str
    services: str
    nodes: str

    @field_validator("pods", "services", "nodes")
    @classmethod
    def _private(cls, v: str) -> str:
        return _private_network(v)

    @model_validator(mode="after")
    def _disjoint(self) -> OnpremNetworkSpec:
        seen: list[tuple[str, ipaddress.IPv4Network]] = []
        for key in ("pods", "services", "nodes"):
            net = ipaddress.IPv4Network(getattr(self, key))
            for other, other_net in seen:
                if net.overlaps(other_net):
                    raise FieldError(
                        key, f"expected a network that does not overlap '{other}' ({other_net}), found {net}"
                    )
            seen.append((key, net))
        return self


class OwnedTier(CommittedTier):
    """GPU nodes the site owns and already runs: found by `node_selector`, `count` of them."""

    kind: Literal[TierKind.OWNED]
    node_selector: dict[str, str] = Field(min_length=1, description="labels the operators put on these nodes")
    gpu: str
    gpus_per_node: int = Field(ge=1, le=16)
    node_labels: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="escape hatch: node name -> labels the fabric applies itself (explicit, reported in the plan)",
    )

    needed: ClassVar[dict[str, str]] = {
        **CommittedTier.needed,
        "node_selector": "expected the labels that select this owned tier's existing nodes "
        "(e.g. {{gpufabric.io/tier: h100-owned}}), found nothing",
        "gpu": "expected the GPU kind of the owned nodes, found nothing",
        "gpus_per_node": "expected the number of GPUs in each owned node, found nothing",
    }

    @field_validator("gpu")
    @classmethod
    def _gpu(cls, v: str) -> str:
        if v not in GPU_MEMORY_GIB:
            raise ValueError(f"expected a GPU kind from the hardware table ({', '.join(GPU_MEMORY_GIB)}), found {v!r}")
        return v


# A union of one member today, so a wrong `kind` is worded like any other tier kind error.
OnpremTier = Annotated[Union[OwnedTier], Field(discriminator="kind")]  # noqa: UP007


class OnpremSiteSpec(Strict):
    """A site in the operator's own data centre: an existing cluster, its country and its owned GPU nodes."""

    name: Name
    kind: Literal["onprem"]
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code of the data centre")
    kubeconfig: KubeconfigRef
    network: OnpremNetworkSpec
    kubernetes_version: str = Field(default="1.33", pattern=r"^1\.\d{2}$")
    registry_mirror: str | None = Field(default=None, pattern=_REGISTRY_PATTERN)
    chart_mirror: str | None = Field(default=None, pattern=r"^(https|oci)://[^\s]+$")
    nodes_have_driver: bool = Field(
        default=False, description="the nodes already run the NVIDIA driver and container toolkit"
    )
    tiers: list[OnpremTier] = Field(min_length=1)
    tags: dict[str, str] = Field(default_factory=dict)
    vpn: OnpremVpnSpec | None = Field(default=None, description="the site's end of its private links")

    region_phrase: ClassVar[str] = "a country of the jurisdiction's on-prem countries"
    region_key: ClassVar[str] = "country"
    region_policy: ClassVar[str] = POLICY_ONPREM_COUNTRY_ALLOWED
    cidr_path: ClassVar[tuple[str, ...]] = ("network", "nodes")

    @field_validator("kubeconfig", mode="before")
    @classmethod
    def _kubeconfig_is_a_reference(cls, v: Any) -> Any:
        if isinstance(v, str):
            raise ValueError(
                _KUBECONFIG_TEXT.format(found="a string (an inline kubeconfig would be stored in plain text)")
            )
        if not isinstance(v, dict):
            raise ValueError(_KUBECONFIG_TEXT.format(found=type(v).__name__))
        return v

    @property
    def region(self) -> str:
        """The site's location as rules phrase it (an on-prem site's is its country)."""
        return self.country

    def allowed_regions(self, j: Jurisdiction) -> tuple[str, ...]:
        return tuple(sorted(j.onprem_countries))

    def in_jurisdiction(self, j: Jurisdiction) -> bool:
        return j.allows_onprem_location(self.country)

    def site_zones(self) -> list[str] | None:
        return None  # no zones: the data centre is one place

    def zone_lists(self) -> list[tuple[tuple[str | int, ...], list[str]]]:
        return []

    def cidr(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.network.nodes)

    def cidrs(self) -> list[tuple[tuple[str, ...], ipaddress.IPv4Network]]:
        """Every address space of the site with its key path below the site (pods, services, nodes)."""
        return [
            (("network", k), ipaddress.IPv4Network(getattr(self.network, k))) for k in ("pods", "services", "nodes")
        ]

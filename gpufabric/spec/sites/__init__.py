"""Site specs by kind: `SiteSpec` is a union discriminated by `kind`.

Adding a site kind is its module here plus one member in `SiteSpec`; kinds in `core.vocabulary.SiteKind`
that have no member yet are reported as "not yet supported" by the loader.
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from gpufabric.spec.sites.aws import AwsClusterSpec, AwsNetworkSpec, AwsSiteSpec, SystemNodesSpec
from gpufabric.spec.sites.onprem import OnpremSiteSpec, OwnedTier

SiteSpec = Annotated[Union[AwsSiteSpec, OnpremSiteSpec], Field(discriminator="kind")]  # noqa: UP007

__all__ = [
    "AwsClusterSpec",
    "AwsNetworkSpec",
    "AwsSiteSpec",
    "OnpremSiteSpec",
    "OwnedTier",
    "SiteSpec",
    "SystemNodesSpec",
]

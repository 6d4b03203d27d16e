"""Site specs by kind: `SiteSpec` is a union discriminated by `kind`.

Adding a site kind is its module here plus one member in `SiteSpec`; kinds in `core.vocabulary.SiteKind`
that have no member yet are reported as "not yet supported" by the loader.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from gpufabric.spec.sites.aws import AwsClusterSpec, AwsNetworkSpec, AwsSiteSpec, SystemNodesSpec
from gpufabric.spec.sites.gcp import GcpSiteSpec
from gpufabric.spec.sites.onprem import OnpremSiteSpec, OwnedTier

SiteSpec = Annotated[AwsSiteSpec | GcpSiteSpec | OnpremSiteSpec, Field(discriminator="kind")]

__all__ = [
    "AwsClusterSpec",
    "AwsNetworkSpec",
    "AwsSiteSpec",
    "GcpSiteSpec",
    "OnpremSiteSpec",
    "OwnedTier",
    "SiteSpec",
    "SystemNodesSpec",
]

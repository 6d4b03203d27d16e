"""The stack spec: pydantic models of the `gpufabric:fabric` config object, the rules between its parts,
and the loader that turns a Pulumi stack file into a validated `FabricSpec` (no Pulumi import)."""

from gpufabric.spec.load import (
    CONFIG_KEY,
    LoadedStack,
    load_stack_file,
    parse_fabric,
    project_root,
    stack_file,
)
from gpufabric.spec.models import FabricSpec, GuardrailsSpec, JurisdictionSpec
from gpufabric.spec.sites import AwsClusterSpec, AwsNetworkSpec, AwsSiteSpec, SiteSpec, SystemNodesSpec
from gpufabric.spec.tiers import (
    AwsTier,
    CapacityBlockTier,
    CommittedTier,
    ElasticTier,
    OnDemandTier,
    ReservedTier,
    SpotTier,
    TierBase,
)

__all__ = [
    "CONFIG_KEY",
    "AwsClusterSpec",
    "AwsNetworkSpec",
    "AwsSiteSpec",
    "AwsTier",
    "CapacityBlockTier",
    "CommittedTier",
    "ElasticTier",
    "FabricSpec",
    "GuardrailsSpec",
    "JurisdictionSpec",
    "LoadedStack",
    "OnDemandTier",
    "ReservedTier",
    "SiteSpec",
    "SpotTier",
    "SystemNodesSpec",
    "TierBase",
    "load_stack_file",
    "parse_fabric",
    "project_root",
    "stack_file",
]

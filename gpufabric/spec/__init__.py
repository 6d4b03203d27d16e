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
from gpufabric.spec.models import (
    AwsSiteSpec,
    ClusterSpec,
    FabricSpec,
    GuardrailsSpec,
    JurisdictionSpec,
    NetworkSpec,
    SiteSpec,
    TierSpec,
)

__all__ = [
    "CONFIG_KEY",
    "AwsSiteSpec",
    "ClusterSpec",
    "FabricSpec",
    "GuardrailsSpec",
    "JurisdictionSpec",
    "LoadedStack",
    "NetworkSpec",
    "SiteSpec",
    "TierSpec",
    "load_stack_file",
    "parse_fabric",
    "project_root",
    "stack_file",
]

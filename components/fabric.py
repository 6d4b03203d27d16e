"""Fabric: the whole stack's GPU fabric, one site component per site of the spec, plus guardrails.

Site kinds map to their component classes here, once; adding GCP or on-prem sites adds an entry.

Sites are built in two steps when their component follows `DeclaresLater`: every site first asks its
cloud (synchronous data sources) and decides, then every site declares its resources. A synchronous
data source waits on Pulumi's event loop, which also works through every registration already queued,
so asking after earlier sites had declared theirs made planning quadratic in sites.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pulumi

from components.aws import AwsSite, SiteContext
from components.gcp import GcpSite
from components.links import LINK_COMPONENTS
from components.onprem import OnpremSite
from gpufabric.core.naming import FABRIC_WIDE, resource_tags
from gpufabric.decide.links import plan_links
from gpufabric.decide.overflow import overflow_order
from gpufabric.spec import FabricSpec

SITE_COMPONENTS = {"aws": AwsSite, "gcp": GcpSite, "onprem": OnpremSite}


@runtime_checkable
class DeclaresLater(Protocol):
    """A site component whose constructor only asks and decides (data sources, placement, no resources
    but its provider) and whose `declare()` then declares its resources. Bad input raises in the
    constructor, before any site has declared anything."""

    def declare(self) -> None: ...


class Fabric(pulumi.ComponentResource):
    def __init__(self, name: str, spec: FabricSpec, *, stack: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("gpufabric:index:Fabric", name, None, opts)
        jurisdiction = spec.resolved_jurisdiction()
        order = overflow_order(spec)
        self.sites = {
            site.name: SITE_COMPONENTS[site.kind](
                site.name,
                site=site,
                ctx=SiteContext(
                    stack=stack,
                    jurisdiction=jurisdiction.name,
                    fabric_tags=spec.tags,
                    ranks={r.tier: r.rank for r in order if r.site == site.name},
                    where=f"gpufabric:fabric.sites[{site.name}]",
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for site in spec.sites
        }
        for component in self.sites.values():
            if isinstance(component, DeclaresLater):
                component.declare()
        self.links = {
            plan.name: LINK_COMPONENTS[plan.cloud_kind](
                plan.name, plan=plan, site=self.sites[plan.cloud_site], opts=pulumi.ResourceOptions(parent=self)
            )
            for plan in plan_links(spec)
        }
        if spec.guardrails is not None:
            from components.guardrails import Guardrails

            self.guardrails = Guardrails(
                f"{name}-guardrails",
                spec.guardrails,
                jurisdiction,
                opts=pulumi.ResourceOptions(parent=self),
                tags=resource_tags(
                    stack=stack, jurisdiction=jurisdiction.name, site=FABRIC_WIDE, fabric_tags=spec.tags, site_tags={}
                ),
            )
        self.overflow = [r.ref for r in order]
        self.register_outputs({"overflow": self.overflow, "jurisdiction": jurisdiction.name})

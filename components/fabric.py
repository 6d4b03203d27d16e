"""Fabric: the whole stack's GPU fabric, one site component per site of the spec, plus guardrails.

Site kinds map to their component classes here, once; adding GCP or on-prem sites adds an entry.
"""

from __future__ import annotations

import pulumi

from components.aws import AwsSite, SiteContext
from components.onprem import OnpremSite
from gpufabric.core.naming import FABRIC_WIDE, resource_tags
from gpufabric.decide.overflow import overflow_order
from gpufabric.spec import FabricSpec

SITE_COMPONENTS = {"aws": AwsSite, "onprem": OnpremSite}


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

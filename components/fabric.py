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
from gpufabric.decide.tier_policy import tier_policy
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
        policies = tier_policy(spec)
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
                    policy=policies[site.name],
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for site in spec.sites
        }
        for component in self.sites.values():
            if isinstance(component, DeclaresLater):
                component.declare()
        if spec.serving is not None:
            from components.inference.wiring import declare_inference

            self.inference = declare_inference(spec, self.sites, order, self)
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
        if spec.serving is not None:
            self.gateway = _gateway(name, spec, stack, self.sites, pulumi.ResourceOptions(parent=self))
        self.overflow = [r.ref for r in order]
        self.register_outputs({"overflow": self.overflow, "jurisdiction": jurisdiction.name})


def _gateway(name: str, spec: FabricSpec, stack: str, sites: dict, opts: pulumi.ResourceOptions) -> object:
    """The ordered-spill gateway on its site (spec.serving set): backends in overflow order with their caps.

    Sites are dialled by the address convention of `gpufabric.decide.gateway.site_addresses` (cluster DNS on
    the gateway's own site, `vllm-internal.<site>.internal` elsewhere) until the inference service hands over
    its internal load balancer's address."""
    from components.gateway import Gateway
    from gpufabric.decide.gateway import backends, facts_of, gateway_site, site_addresses
    from gpufabric.decide.gateway_objects import GatewaySite
    from gpufabric.decide.haproxy import gateway_config
    from gpufabric.sizing.serving import serving_profile

    serving = spec.serving
    assert serving is not None
    profile, source = serving_profile(serving)
    facts = facts_of(profile, str(source))
    where = f"stack {stack}"
    found = backends(spec, facts, site_addresses(spec), where)
    here = gateway_site(spec)
    site = GatewaySite(
        name=here,
        kind=sites[here].baseline.site.kind,
        region=next(s.region for s in spec.sites if s.name == here),
        registry=sites[here].baseline.site.registry,
        replicas=serving.gateway.replicas,
        port=serving.port,
    )
    return Gateway(
        f"{name}-gateway",
        site=site,
        config=gateway_config(spec, facts, where, stack=stack),
        backends=found,
        provider=sites[here].k8s_provider,
        opts=opts,
    )

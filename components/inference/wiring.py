"""Declare the model server on every site of a fabric that serves: the per-site facts (registry, chart
mirror, identity, capacity) gathered from the site components, then one `InferenceService` each."""

from __future__ import annotations

from typing import Any

import pulumi

from components.inference.service import InferenceService, WeightsAccess
from gpufabric.decide.baseline import aws_baseline, gcp_baseline
from gpufabric.decide.overflow import TierRef
from gpufabric.decide.serving import (
    ReplicaShape,
    gcp_service_account_email,
    server_site,
    site_capacity,
    site_registry,
)
from gpufabric.sizing.loaders import load_profile
from gpufabric.sizing.serving import serving_profile
from gpufabric.spec import FabricSpec
from gpufabric.spec.serving import ServingSpec
from gpufabric.spec.sites import AwsSiteSpec, GcpSiteSpec


def replica_shapes(serving: ServingSpec | None = None) -> dict[str, ReplicaShape]:
    """The sizing profile's rows as the decisions read them (GPU kind -> GPUs per replica, concurrency): the
    stack's profile (the same file the gateway reads), else the built-in one."""
    profile = serving_profile(serving)[0] if serving is not None else load_profile()
    return {gpu: ReplicaShape(row.gpus_per_replica, row.concurrency_at_slo) for gpu, row in profile.gpus.items()}


def declare_inference(
    spec: FabricSpec, components: dict[str, Any], order: list[TierRef], parent: pulumi.Resource
) -> dict[str, InferenceService]:
    """One InferenceService per site, through the site's `k8s_provider`, after the site's baseline."""
    assert spec.serving is not None
    shapes = replica_shapes(spec.serving)
    services = {}
    for site in spec.sites:
        component = components[site.name]
        ranks = {r.tier: r.rank for r in order if r.site == site.name}
        if isinstance(site, AwsSiteSpec):
            account = component.account
            registry = site_registry(site, account.account_id)
            chart_repository: str | None = aws_baseline(site, account.account_id).chart_repository
            access = WeightsAccess(component.aws_provider, account, cluster_name=component.cluster_name)
            identity = None
        elif isinstance(site, GcpSiteSpec):
            registry = site_registry(site)
            chart_repository = gcp_baseline(site).chart_repository
            access = WeightsAccess(component.gcp_provider, project=site.project)
            identity = gcp_service_account_email(site.name, site.project)
        else:
            registry = site_registry(site)
            chart_repository = site.chart_mirror
            access = WeightsAccess()
            identity = None
        services[site.name] = InferenceService(
            site.name,  # objects are named <site>-<namespace>-<name>, like the baseline's
            site=server_site(spec, site, ranks, registry, identity),
            serving=spec.serving,
            capacity=site_capacity(site, shapes),
            provider=component.k8s_provider,
            chart_repository=chart_repository,
            access=access,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[component.baseline]),
        )
    return services

"""GcpSite: one sovereign GPU site in a GCP region, from network to GPU tiers and the ComputeClass.

Bill of materials: a provider pinned to the site's project and region, with the residency tags as default
labels; the site's KMS keys; a GcpPrivateNetwork; a GkeCluster with its system pool; one GcpCapacityTier per
tier; a ComputeClass ordering the tiers as the fabric's overflow does. What to place where was decided by
`gpufabric.decide.gcp`; this class only declares it.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.aws.site import SiteContext
from components.gcp.capacity import GcpCapacityTier, GcpSystemNodes
from components.gcp.cluster import GkeCluster
from components.gcp.keys import GcpSiteKeys
from components.gcp.network import GcpPrivateNetwork
from components.kube.baseline import ClusterBaseline
from components.kube.compute_class import ComputeClass
from gpufabric.core import naming
from gpufabric.decide import gcp as decide
from gpufabric.decide.baseline import gcp_baseline
from gpufabric.spec.sites.gcp import GcpSiteSpec
from gpufabric.spec.tiers import CommittedTier


class GcpSite(pulumi.ComponentResource):
    def __init__(self, name: str, *, site: GcpSiteSpec, ctx: SiteContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("gpufabric:gcp:Site", name, None, opts)
        tags = naming.resource_tags(
            stack=ctx.stack,
            jurisdiction=ctx.jurisdiction,
            site=site.name,
            fabric_tags=ctx.fabric_tags,
            site_tags=site.tags,
        )
        labels = naming.gcp_labels(tags)
        provider = gcp.Provider(
            name,
            project=site.project,
            region=site.region,
            default_labels=labels,
            opts=pulumi.ResourceOptions(parent=self),
        )
        inside = pulumi.ResourceOptions(parent=self, provider=provider)
        self.gcp_provider = provider  # read by the inference service and the private links
        invoke = pulumi.InvokeOptions(provider=provider)
        project = gcp.organizations.get_project(project_id=site.project, opts=invoke)
        available = gcp.compute.get_zones(project=site.project, region=site.region, status="UP", opts=invoke).names

        placements = {
            tier.name: decide.place_gcp_tier(
                region=site.region,
                tier=tier.name,
                kind=tier.kind,
                machine_type=tier.machine_type,
                count=tier.count if isinstance(tier, CommittedTier) else None,
                zones=tier.zones,
                available=list(available),
                where=f"{ctx.where}.tiers[{tier.name}]",
            )
            for tier in site.tiers
        }
        zones = sorted({z for p in placements.values() for z in p.zones})
        plan = decide.plan_addresses(
            site.network.cidr,
            site.network.node_prefix,
            [(r.name, r.prefix) for r in site.network.secondary_ranges],
        )
        cluster_name = naming.cluster_name(ctx.stack, site.name)[:40]

        self.keys = GcpSiteKeys(
            name, region=site.region, project=site.project, project_number=str(project.number), opts=inside
        )
        self.network = GcpPrivateNetwork(
            name, spec=site.network, region=site.region, plan=plan, where=f"{ctx.where}.network", opts=inside
        )
        self.cluster = GkeCluster(
            name,
            spec=site.cluster,
            cluster_name=cluster_name,
            project=site.project,
            region=site.region,
            zones=zones,
            network=self.network.network.id,
            subnet=self.network.subnet.id,
            plan=plan,
            secrets_key=self.keys.secrets.id,
            disks_key=self.keys.disks.id,
            labels=labels,
            depends_on=self.keys.grants,
            where=f"{ctx.where}.cluster",
            opts=inside,
        )
        GcpSystemNodes(
            f"{name}-system",
            spec=site.cluster.system_nodes,
            cluster=self.cluster.cluster,
            region=site.region,
            disks_key=self.keys.disks.id,
            service_account=self.cluster.node_account.email,
            labels={naming.v.LABEL_SITE: site.name},
            opts=inside,
        )
        reservation_names = {
            tier.name: {
                z: decide.reservation_name(ctx.stack, site.name, tier.name, z)
                for z in placements[tier.name].per_zone_count
            }
            for tier in site.tiers
        }
        self.tiers = {
            tier.name: GcpCapacityTier(
                naming.tier_resource_name(site.name, tier.name),
                tier=tier,
                placement=placements[tier.name],
                reservation_names=reservation_names[tier.name],
                cluster=self.cluster.cluster,
                region=site.region,
                disks_key=self.keys.disks.id,
                service_account=self.cluster.node_account.email,
                labels=ctx.tier_labels(site.name, site.region, tier),
                compute_class=decide.compute_class_name(site.name),
                where=f"{ctx.where}.tiers[{tier.name}]",
                opts=inside,
            )
            for tier in site.tiers
        }
        by_name = {tier.name: tier for tier in site.tiers}
        body = decide.compute_class(  # priorities in the order the tier policy compiled
            decide.compute_class_name(site.name),
            [
                decide.ClassTier(
                    kind=rule.kind,
                    machine_type=by_name[rule.tier].machine_type,
                    accelerator=placements[rule.tier].accelerator,
                    gpus=placements[rule.tier].gpus_per_node,
                    reservations=tuple(reservation_names[rule.tier].values()),
                )
                for rule in ctx.policy.tiers
            ],
        )
        self.k8s_provider = self.cluster.k8s_provider
        self.cluster_name = self.cluster.cluster.name
        self.compute_class = ComputeClass(
            f"{name}-compute-class",
            body=body,
            provider=self.k8s_provider,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[t.node_pool for t in self.tiers.values()]),
        )
        self.baseline = ClusterBaseline(
            name,
            site=gcp_baseline(site),
            provider=self.k8s_provider,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.cluster]),
        )
        self.register_outputs(
            {
                "region": site.region,
                "zones": zones,
                "cluster_name": self.cluster_name,
                "network": self.network.network.id,
            }
        )

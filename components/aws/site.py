"""AwsSite: one sovereign GPU site in an AWS region, from network to GPU tiers.

Bill of materials: a provider pinned to the site's region with the residency tags as default tags; the
site's KMS keys; a PrivateNetwork; a GpuCluster with system nodes; one CapacityTier per tier of the spec.
What to place where was decided by `gpufabric.decide`; this class only declares it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws import facts
from components.aws.autoscaling import ClusterAutoscaler, Karpenter
from components.aws.capacity import CapacityTier, SystemNodes
from components.aws.cluster import GpuCluster
from components.aws.keys import SiteKeys
from components.aws.network import PrivateNetwork
from components.kube import ClusterBaseline, eks_provider
from gpufabric.core import naming
from gpufabric.decide import cluster_autoscaler, karpenter
from gpufabric.decide.baseline import aws_baseline, ecr_mirror
from gpufabric.decide.network import plan_subnets
from gpufabric.decide.placement import place_tier, site_zones
from gpufabric.decide.tier_policy import Engine, SiteTierPolicy
from gpufabric.spec import AwsSiteSpec, CommittedTier
from gpufabric.spec.tiers import TierBase


@dataclass(frozen=True)
class SiteContext:
    """What a site needs to know about the fabric around it."""

    stack: str
    jurisdiction: str
    fabric_tags: dict[str, str]
    ranks: dict[str, int]  # tier name -> overflow rank across the whole fabric
    where: str  # the site's key path in the stack file, for errors
    policy: SiteTierPolicy  # the site's engine and tiers in overflow order (gpufabric.decide.tier_policy)

    def tier_labels(self, site_name: str, region: str, tier: TierBase) -> dict[str, str]:
        """The node labels every site kind puts on a tier's nodes (one derivation for AWS and GCP)."""
        return naming.node_labels(
            jurisdiction=self.jurisdiction,
            site=site_name,
            region=region,
            tier=tier.name,
            kind=tier.kind,
            rank=self.ranks[tier.name],
            extra=tier.labels,
        )


class AwsSite(pulumi.ComponentResource):
    """Two steps (see components/fabric.py, `DeclaresLater`): the constructor asks AWS and decides; `declare()`
    declares the resources."""

    def __init__(self, name: str, *, site: AwsSiteSpec, ctx: SiteContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("gpufabric:aws:Site", name, None, opts)
        self._name, self._site, self._ctx = name, site, ctx
        tags = naming.resource_tags(
            stack=ctx.stack,
            jurisdiction=ctx.jurisdiction,
            site=site.name,
            fabric_tags=ctx.fabric_tags,
            site_tags=site.tags,
        )
        provider = aws.Provider(
            name, region=site.region, default_tags={"tags": tags}, opts=pulumi.ResourceOptions(parent=self)
        )
        inside = pulumi.ResourceOptions(parent=self, provider=provider)

        account = facts.account(provider, site.region)
        offered = facts.offered_zones(provider, site.region, [t for tier in site.tiers for t in tier.instance_types])
        pinned = [zone for tier in site.tiers for zone in tier.availability_zones or []]
        zones = site_zones(site.network.availability_zones, offered, pinned=pinned)
        placements = {
            tier.name: place_tier(
                site=site.name,
                region=site.region,
                tier=tier.name,
                kind=tier.kind,
                instance_types=tier.instance_types,
                count=tier.count if isinstance(tier, CommittedTier) else None,
                tier_zones=tier.availability_zones,
                site_zone_list=zones,
                where=f"{ctx.where}.tiers[{tier.name}].instance_types",
                offered=offered,
            )
            for tier in site.tiers
        }

        self._provider, self._inside, self._account, self._tags = provider, inside, account, tags
        self.aws_provider, self.account = provider, account  # read by the inference service and the private links
        self._provider, self._inside, self._account = provider, inside, account
        self._zones, self._placements = zones, placements

    def declare(self) -> None:
        """Declare the site's resources from the facts and decisions of the constructor."""
        name, site, ctx, inside, account = self._name, self._site, self._ctx, self._inside, self._account
        zones, placements = self._zones, self._placements
        self.keys = SiteKeys(name, account=account, opts=inside)
        self.network = PrivateNetwork(
            name,
            spec=site.network,
            region=site.region,
            plan=plan_subnets(site.network.cidr, zones, site.network.subnet_prefix, site.network.egress == "nat"),
            account=account,
            data_key_arn=self.keys.data.arn,
            where=f"{ctx.where}.network",
            opts=inside,
        )
        self.cluster = GpuCluster(
            name,
            spec=site.cluster,
            cluster_name=naming.cluster_name(ctx.stack, site.name),
            account=account,
            subnet_ids=list(self.network.subnet_ids.values()),
            secrets_key_arn=self.keys.secrets.arn,
            data_key_arn=self.keys.data.arn,
            where=f"{ctx.where}.cluster",
            opts=inside,
        )
        ready = [self.cluster.cluster, *self.cluster.node_policies]
        engine = ctx.policy.engine
        physical_cluster_name = naming.cluster_name(ctx.stack, site.name)
        system = SystemNodes(
            f"{name}-system",
            spec=site.cluster.system_nodes,
            cluster_name=self.cluster.cluster.name,
            node_role_arn=self.cluster.node_role.arn,
            subnet_ids=list(self.network.subnet_ids.values()),
            data_key_arn=self.keys.data.arn,
            labels={naming.v.LABEL_SITE: site.name, naming.v.LABEL_REGION: site.region},
            depends_on=ready,
            opts=inside,
        )
        self.tiers = {
            tier.name: CapacityTier(
                naming.tier_resource_name(site.name, tier.name),
                tier=tier,
                placement=placements[tier.name],
                cluster_name=self.cluster.cluster.name,
                node_role_arn=self.cluster.node_role.arn,
                subnet_ids=self.network.subnet_ids,
                data_key_arn=self.keys.data.arn,
                labels=ctx.tier_labels(site.name, site.region, tier),
                taints=naming.gpu_taints(),
                depends_on=ready,
                where=f"{ctx.where}.tiers[{tier.name}]",
                opts=inside,
                node_groups=engine != Engine.KARPENTER,  # no two engines manage the same nodes
                discovery_tags=(
                    cluster_autoscaler.discovery_tags(physical_cluster_name)
                    if engine == Engine.CLUSTER_AUTOSCALER
                    else None
                ),
            )
            for tier in site.tiers
        }
        self.cluster_name = self.cluster.cluster.name
        self.k8s_provider = eks_provider(
            f"{name}-eks", self.cluster.cluster, site.region, pulumi.ResourceOptions(parent=self, depends_on=ready)
        )
        registry = ecr_mirror(account.account_id, site.region)
        engine_opts = inside  # AWS resources through the site provider; Kubernetes ones through k8s_provider
        if engine == Engine.KARPENTER:
            self.autoscaler: pulumi.ComponentResource | None = Karpenter(
                name,
                policy=ctx.policy,
                account=account,
                stack=ctx.stack,
                cluster=self.cluster.cluster,
                cluster_name=physical_cluster_name,
                zones={t: karpenter.pool_zones(p) for t, p in placements.items()},
                reservation_ids={t: c.reservation_ids for t, c in self.tiers.items()},
                data_key_arn=self.keys.data.arn,
                disk_size_gib=max(t.disk_size_gib for t in site.tiers),
                tags=self._tags,
                registry=registry,
                isolated=site.network.egress == "none",
                provider=self.k8s_provider,
                depends_on=[system, *ready],
                opts=engine_opts,
            )
        elif engine == Engine.CLUSTER_AUTOSCALER:
            self.autoscaler = ClusterAutoscaler(
                name,
                policy=ctx.policy,
                account=account,
                cluster=self.cluster.cluster,
                cluster_name=physical_cluster_name,
                kubernetes_version=site.cluster.kubernetes_version,
                node_groups={t: c.node_group_names for t, c in self.tiers.items()},
                registry=registry,
                provider=self.k8s_provider,
                depends_on=[system, *self.tiers.values()],
                opts=engine_opts,
            )
        else:
            self.autoscaler = None
        self.baseline = ClusterBaseline(
            name,
            site=aws_baseline(site, account.account_id),
            provider=self.k8s_provider,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.tiers.values())),
        )
        self.register_outputs(
            {
                "region": site.region,
                "zones": zones,
                "cluster_name": self.cluster.cluster.name,
                "vpc_id": self.network.vpc.id,
            }
        )

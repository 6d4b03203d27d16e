"""GPU node pools of a GCP site: one GcpCapacityTier per tier, and the small untainted system pool.

A reserved tier declares one specific reservation per zone (protected) and a node pool that consumes them
by name, sized to them; spot and on-demand tiers autoscale from their floor. Arguments are decided in
`gpufabric.decide.gcp`; this module only declares them.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from gpufabric.core.vocabulary import TierKind
from gpufabric.decide import gcp as decide
from gpufabric.decide.passthrough import merge
from gpufabric.spec.sites.gcp import GcpOnDemandTier, GcpReservedTier, GcpSpotTier, GcpSystemNodesSpec


class GcpCapacityTier(pulumi.ComponentResource):
    node_pool: gcp.container.NodePool
    reservations: dict[str, gcp.compute.Reservation]

    def __init__(
        self,
        name: str,
        *,
        tier: GcpReservedTier | GcpSpotTier | GcpOnDemandTier,
        placement: decide.GcpTierPlacement,
        reservation_names: dict[str, str],
        cluster: gcp.container.Cluster,
        region: str,
        disks_key: pulumi.Input[str],
        service_account: pulumi.Input[str],
        labels: dict[str, str],
        compute_class: str,
        where: str,
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__("gpufabric:gcp:CapacityTier", name, None, opts)
        kind = TierKind(tier.kind)
        self.reservations = {}
        if isinstance(tier, GcpReservedTier):
            for zone, count in placement.per_zone_count.items():
                self.reservations[zone] = gcp.compute.Reservation(
                    f"{name}-{zone.rsplit('-', 1)[-1]}",
                    **merge(
                        decide.reservation_args(
                            name=reservation_names[zone],
                            zone=zone,
                            machine_type=tier.machine_type,
                            accelerator=placement.accelerator,
                            gpus=placement.gpus_per_node,
                            count=count,
                        ),
                        decide.check_escape(tier.reservation_args, f"{where}.reservation_args"),
                        args_class=gcp.compute.ReservationArgs,
                        where=f"{where}.reservation_args",
                    ),
                    opts=pulumi.ResourceOptions(parent=self, protect=True),
                )
        reserved = kind == TierKind.RESERVED
        defaults = {
            "cluster": cluster.id,
            "location": region,
            "node_locations": list(placement.zones),
            "node_config": decide.node_config(
                machine_type=tier.machine_type,
                accelerator=placement.accelerator,
                gpus=placement.gpus_per_node,
                driver=tier.gpu_driver_version,
                disk_gib=tier.disk_size_gib,
                disk_key=disks_key,
                labels=labels,
                service_account=service_account,
                spot=kind == TierKind.SPOT,
                reservations=[reservation_names[z] for z in placement.per_zone_count] if reserved else None,
                compute_class=compute_class,
            ),
            "network_config": {"enable_private_nodes": True},
            "management": {"auto_repair": True, "auto_upgrade": True},
        }
        if reserved:
            # a regional pool's node_count is per zone: the reservation is split evenly (decide.place_gcp_tier)
            defaults["node_count"] = next(iter(placement.per_zone_count.values()))
        else:
            defaults["autoscaling"] = decide.autoscaling(kind, tier.min, tier.max)
            defaults["initial_node_count"] = 0
        self.node_pool = gcp.container.NodePool(
            name,
            **merge(
                defaults,
                decide.check_escape(tier.node_pool_args, f"{where}.node_pool_args"),
                args_class=gcp.container.NodePoolArgs,
                where=f"{where}.node_pool_args",
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.reservations.values())),
        )
        self.register_outputs({"node_pool": self.node_pool.name, "zones": list(placement.zones)})


class GcpSystemNodes(pulumi.ComponentResource):
    """Untainted CPU nodes for cluster services, in every zone of the cluster."""

    def __init__(
        self,
        name: str,
        *,
        spec: GcpSystemNodesSpec,
        cluster: gcp.container.Cluster,
        region: str,
        disks_key: pulumi.Input[str],
        service_account: pulumi.Input[str],
        labels: dict[str, str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__("gpufabric:gcp:SystemNodes", name, None, opts)
        self.node_pool = gcp.container.NodePool(
            name,
            cluster=cluster.id,
            location=region,
            autoscaling={"min_node_count": spec.min, "max_node_count": spec.max},
            node_config={
                "machine_type": spec.machine_type,
                "boot_disk_kms_key": disks_key,
                "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
                "workload_metadata_config": {"mode": "GKE_METADATA"},
                "service_account": service_account,
                "oauth_scopes": ["https://www.googleapis.com/auth/cloud-platform"],
                "labels": labels,
            },
            network_config={"enable_private_nodes": True},
            management={"auto_repair": True, "auto_upgrade": True},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"node_pool": self.node_pool.name})

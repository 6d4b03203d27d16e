"""Capacity on an EKS cluster: the GPU tiers (reserved, capacity_block, spot, on_demand) and system nodes.

Every GPU node group: the EKS AL2023 NVIDIA AMI, a launch template with IMDSv2 required (hop limit 1),
root volumes encrypted with the site's data key, no public IPs, the GPU taint, and labels naming
jurisdiction, site, tier and overflow rank. Per tier kind:
- reserved: an On-Demand Capacity Reservation per AZ (targeted, protected) and a node group per AZ whose
  launch template targets it, sized exactly to it;
- capacity_block: a node group (capacity type CAPACITY_BLOCK) targeting the given block;
- spot: capacity type SPOT over several instance types, from 0 (scale to zero) to max;
- on_demand: from 0 to max, the last resort.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from gpufabric.core.naming import Taint, eks_taint_effect
from gpufabric.decide.aws import CAPACITY_TYPE, ami_type, node_group_plans, node_group_scaling
from gpufabric.decide.passthrough import merge
from gpufabric.decide.placement import TierPlacement
from gpufabric.spec import AwsTier, CapacityBlockTier, ElasticTier, SystemNodesSpec

ROOT_DEVICE = "/dev/xvda"


def launch_template_defaults(disk_size_gib: int, data_key_arn: pulumi.Input[str], name: str) -> dict[str, Any]:
    """Secure launch-template settings shared by every node group."""
    return {
        "metadata_options": {
            "http_endpoint": "enabled",
            "http_tokens": "required",
            "http_put_response_hop_limit": 1,
            "instance_metadata_tags": "disabled",
        },
        "block_device_mappings": [
            {
                "device_name": ROOT_DEVICE,
                "ebs": {
                    "volume_size": disk_size_gib,
                    "volume_type": "gp3",
                    "encrypted": "true",
                    "kms_key_id": data_key_arn,
                    "delete_on_termination": "true",
                },
            }
        ],
        "network_interfaces": [{"associate_public_ip_address": "false", "delete_on_termination": "true"}],
        "update_default_version": True,
        "tag_specifications": [
            {"resource_type": "instance", "tags": {"Name": name}},
            {"resource_type": "volume", "tags": {"Name": name}},
        ],
    }


class CapacityTier(pulumi.ComponentResource):
    """One tier's node groups (one per AZ for reserved capacity, else one spanning the tier's AZs)."""

    node_groups: dict[str, aws.eks.NodeGroup]  # keyed by AZ, or by "all" for a multi-AZ group

    def __init__(
        self,
        name: str,
        *,
        tier: AwsTier,
        placement: TierPlacement,
        cluster_name: pulumi.Input[str],
        node_role_arn: pulumi.Input[str],
        subnet_ids: dict[str, pulumi.Input[str]],
        data_key_arn: pulumi.Input[str],
        labels: dict[str, str],
        taints: list[Taint],
        depends_on: list[pulumi.Resource],
        where: str,
        opts: pulumi.ResourceOptions,
        node_groups: bool = True,
        discovery_tags: dict[str, str] | None = None,
    ) -> None:
        """`node_groups=False`: only the tier's reservations (Karpenter launches its nodes). `discovery_tags`:
        the Cluster Autoscaler's auto-discovery tags, and physical node group names its priority expander's
        patterns can name."""
        super().__init__("gpufabric:aws:CapacityTier", name, None, opts)
        self._tier, self._where = tier, where
        self._common = {
            "cluster_name": cluster_name,
            "node_role_arn": node_role_arn,
            "ami_type": ami_type(tier.instance_types),
            "instance_types": tier.instance_types,
            "capacity_type": CAPACITY_TYPE[tier.kind],
            "labels": labels,
            "taints": [{"key": t.key, "value": t.value, "effect": eks_taint_effect(t.effect)} for t in taints],
            "update_config": {"max_unavailable": 1},
        }
        self._lt_defaults = launch_template_defaults(tier.disk_size_gib, data_key_arn, name)
        self._depends_on = depends_on
        self._discovery_tags = discovery_tags
        self.node_groups = {}
        self.reservation_ids: list[pulumi.Input[str]] = []  # what this tier's nodes launch into
        self.node_group_names: list[str] = []  # physical names, when given (the Cluster Autoscaler's case)

        reservation_id = tier.reservation_id if isinstance(tier, CapacityBlockTier) else None
        for group in node_group_plans(tier.kind, placement, reservation_id):
            group_name = name if group.key == "all" else f"{name}-{group.key}"
            target: pulumi.Input[str] | None = group.reservation_id
            if group.new_reservation:
                target = aws.ec2.CapacityReservation(
                    group_name,
                    instance_type=tier.instance_types[0],
                    instance_platform="Linux/UNIX",
                    availability_zone=group.zones[0],
                    instance_count=group.count,
                    instance_match_criteria="targeted",
                    end_date_type="unlimited",
                    ebs_optimized=True,
                    tags={"Name": group_name},
                    opts=pulumi.ResourceOptions(parent=self, protect=True),
                ).id
            if target:
                self.reservation_ids.append(target)
            if not node_groups:
                continue
            if discovery_tags:
                self.node_group_names.append(group_name)
            self.node_groups[group.key] = self._node_group(
                group_name,
                [subnet_ids[z] for z in group.zones],
                count=group.count,
                reservation={"capacity_reservation_target": {"capacity_reservation_id": target}} if target else None,
                market={"market_type": group.market_type} if group.market_type else None,
            )
        self.register_outputs({"node_groups": {k: g.node_group_name for k, g in self.node_groups.items()}})

    def _node_group(
        self,
        name: str,
        subnets: list[pulumi.Input[str]],
        *,
        count: int | None,
        reservation: dict[str, Any] | None = None,
        market: dict[str, Any] | None = None,
    ) -> aws.eks.NodeGroup:
        tier = self._tier
        child = pulumi.ResourceOptions(parent=self)
        lt_args = dict(self._lt_defaults)
        if reservation:
            lt_args["capacity_reservation_specification"] = reservation
        if market:
            lt_args["instance_market_options"] = market
        template = aws.ec2.LaunchTemplate(
            name,
            **merge(
                lt_args,
                tier.launch_template_args,
                args_class=aws.ec2.LaunchTemplateArgs,
                where=f"{self._where}.launch_template_args",
            ),
            opts=child,
        )
        elastic_tier = tier if isinstance(tier, ElasticTier) else None
        scaling = node_group_scaling(
            tier.kind,
            count=count,
            min_nodes=elastic_tier.min if elastic_tier else None,
            max_nodes=elastic_tier.max if elastic_tier else None,
        )
        elastic = count is None
        named = {"node_group_name": name, "tags": self._discovery_tags} if self._discovery_tags else {}
        return aws.eks.NodeGroup(
            name,
            **merge(
                {
                    **self._common,
                    **named,
                    "subnet_ids": subnets,
                    "scaling_config": {
                        "min_size": scaling.min_size,
                        "max_size": scaling.max_size,
                        "desired_size": scaling.desired_size,
                    },
                    "launch_template": {"id": template.id, "version": template.latest_version.apply(str)},
                },
                tier.node_group_args,
                args_class=aws.eks.NodeGroupArgs,
                where=f"{self._where}.node_group_args",
            ),
            # The cluster autoscaler owns the desired size of elastic tiers once they exist.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=self._depends_on,
                ignore_changes=["scalingConfig.desiredSize"] if elastic else None,
            ),
        )


class SystemNodes(pulumi.ComponentResource):
    """Untainted on-demand nodes for cluster services; same hardening as the GPU nodes."""

    def __init__(
        self,
        name: str,
        *,
        spec: SystemNodesSpec,
        cluster_name: pulumi.Input[str],
        node_role_arn: pulumi.Input[str],
        subnet_ids: list[pulumi.Input[str]],
        data_key_arn: pulumi.Input[str],
        labels: dict[str, str],
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__("gpufabric:aws:SystemNodes", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        template = aws.ec2.LaunchTemplate(name, **launch_template_defaults(50, data_key_arn, name), opts=child)
        self.node_group = aws.eks.NodeGroup(
            name,
            cluster_name=cluster_name,
            node_role_arn=node_role_arn,
            ami_type="AL2023_x86_64_STANDARD",
            instance_types=spec.instance_types,
            capacity_type="ON_DEMAND",
            labels=labels,
            subnet_ids=subnet_ids,
            scaling_config={"min_size": spec.min, "max_size": spec.max, "desired_size": spec.min},
            update_config={"max_unavailable": 1},
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=depends_on, ignore_changes=["scalingConfig.desiredSize"]
            ),
        )
        self.register_outputs({"node_group": self.node_group.node_group_name})

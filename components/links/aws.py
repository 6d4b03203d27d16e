"""AwsLink: the AWS end of a private link, as `gpufabric.decide.links` planned it.

Bill of materials: a customer gateway (the on-prem gateway's public IP and ASN), a virtual private gateway
on the site's VPC with route propagation into its private route tables (or, when asked, a transit gateway
attached to the VPC with routes for the on-prem CIDRs only), and one VPN connection with both tunnels
(IKEv2, one strong suite, BGP, pre-shared keys from RandomPassword, secrets).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from gpufabric.decide.links import OUTSIDE_IP, PRESHARED_KEY, PSK_PREFIX, PSK_RANDOM_LENGTH, LinkPlan
from gpufabric.decide.passthrough import merge


class AwsLink(pulumi.ComponentResource):
    def __init__(self, name: str, *, plan: LinkPlan, site: Any, opts: pulumi.ResourceOptions | None = None):
        super().__init__("gpufabric:links:AwsLink", name, None, opts)
        inside = pulumi.ResourceOptions(parent=self, provider=site.aws_provider)
        network = site.network
        self.customer_gateway = aws.ec2.CustomerGateway(
            name, **plan.aws_customer_gateway_args(), tags={"Name": f"{name}-{plan.onprem_site}"}, opts=inside
        )
        if plan.aws_gateway == "transit_gateway":
            gateway = aws.ec2transitgateway.TransitGateway(
                name,
                amazon_side_asn=plan.cloud_asn,
                vpn_ecmp_support="enable",
                auto_accept_shared_attachments="disable",
                opts=inside,
            )
            aws.ec2transitgateway.VpcAttachment(
                name,
                transit_gateway_id=gateway.id,
                vpc_id=network.vpc.id,
                subnet_ids=list(network.subnet_ids.values()),
                opts=inside,
            )
            for zone, table in network.private_route_tables.items():
                for key, cidr in plan.onprem_routes().items():
                    aws.ec2.Route(
                        f"{name}-{zone}-{key}",
                        route_table_id=table.id,
                        destination_cidr_block=cidr,
                        transit_gateway_id=gateway.id,
                        opts=inside,
                    )
            target = {"transit_gateway_id": gateway.id}
        else:
            gateway = aws.ec2.VpnGateway(name, vpc_id=network.vpc.id, amazon_side_asn=str(plan.cloud_asn), opts=inside)
            for zone, table in network.private_route_tables.items():
                aws.ec2.VpnGatewayRoutePropagation(
                    f"{name}-{zone}", vpn_gateway_id=gateway.id, route_table_id=table.id, opts=inside
                )
            target = {"vpn_gateway_id": gateway.id}
        self.gateway = gateway
        keys = {
            t.key: random.RandomPassword(
                f"{name}-{t.key}", length=PSK_RANDOM_LENGTH, special=False, opts=pulumi.ResourceOptions(parent=self)
            )
            for t in plan.tunnels
        }
        keys_args = {
            f"tunnel{n}_preshared_key": pulumi.Output.secret(pulumi.Output.concat(PSK_PREFIX, keys[t.key].result))
            for n, t in enumerate(plan.tunnels, start=1)
        }
        self.connection = aws.ec2.VpnConnection(
            name,
            customer_gateway_id=self.customer_gateway.id,
            **target,
            **merge(
                {**plan.aws_tunnel_args(), **keys_args},
                plan.vpn_args,
                args_class=aws.ec2.VpnConnectionArgs,
                where=f"gpufabric:fabric.links[{plan.name}].vpn_args",
            ),
            opts=inside,
        )
        # What the on-prem operators read (gpufabric vpn writes placeholders naming these fields).
        self.tunnel_outputs = {
            t.key: {
                OUTSIDE_IP: getattr(self.connection, f"tunnel{n}_address"),
                PRESHARED_KEY: getattr(self.connection, f"tunnel{n}_preshared_key"),
            }
            for n, t in enumerate(plan.tunnels, start=1)
        }
        self.register_outputs({"connection_id": self.connection.id})

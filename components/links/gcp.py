"""GcpLink: the GCP end of a private link, as `gpufabric.decide.links` planned it.

Bill of materials: an HA VPN gateway on the site's network, an external VPN gateway describing the on-prem
gateways, a Cloud Router (the link's ASN, custom advertisements of the site's ranges only) and, per tunnel,
a VPN tunnel (IKEv2, one strong suite, a RandomPassword shared secret), a router interface and a BGP peer.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

from gpufabric.decide.links import OUTSIDE_IP, PRESHARED_KEY, PSK_PREFIX, PSK_RANDOM_LENGTH, LinkPlan
from gpufabric.decide.passthrough import merge


class GcpLink(pulumi.ComponentResource):
    def __init__(self, name: str, *, plan: LinkPlan, site: Any, opts: pulumi.ResourceOptions | None = None):
        super().__init__("gpufabric:links:GcpLink", name, None, opts)
        inside = pulumi.ResourceOptions(parent=self, provider=site.gcp_provider)
        network = site.network.network
        advertised = [{"range": cidr} for cidr in plan.cloud_cidrs]
        self.gateway = gcp.compute.HaVpnGateway(name, network=network.id, stack_type="IPV4_ONLY", opts=inside)
        self.peer_gateway = gcp.compute.ExternalVpnGateway(
            name,
            redundancy_type=plan.gcp_redundancy(),
            interfaces=[{"id": i, "ip_address": ip} for i, ip in enumerate(plan.onprem_public_ips)],
            opts=inside,
        )
        self.router = gcp.compute.Router(
            name,
            network=network.id,
            bgp={"asn": plan.cloud_asn, "advertise_mode": "CUSTOM", "advertised_ip_ranges": advertised},
            opts=inside,
        )
        self.tunnel_outputs: dict[str, dict[str, pulumi.Output]] = {}
        for t in plan.tunnels:
            secret = random.RandomPassword(
                f"{name}-{t.key}", length=PSK_RANDOM_LENGTH, special=False, opts=pulumi.ResourceOptions(parent=self)
            )
            tunnel = gcp.compute.VPNTunnel(
                f"{name}-{t.key}",
                vpn_gateway=self.gateway.id,
                vpn_gateway_interface=t.interface,
                peer_external_gateway=self.peer_gateway.id,
                peer_external_gateway_interface=t.onprem_interface,
                router=self.router.id,
                shared_secret=pulumi.Output.secret(pulumi.Output.concat(PSK_PREFIX, secret.result)),
                **merge(
                    {"ike_version": 2, "cipher_suite": plan.gcp_cipher_suite()},
                    plan.vpn_args,
                    args_class=gcp.compute.VPNTunnelArgs,
                    where=f"gpufabric:fabric.links[{plan.name}].vpn_args",
                ),
                opts=inside,
            )
            self.tunnel_outputs[t.key] = {
                OUTSIDE_IP: self.gateway.vpn_interfaces.apply(
                    lambda ifs, i=t.interface: ifs[i].ip_address if ifs else None
                ),
                PRESHARED_KEY: tunnel.shared_secret,
            }
            interface = gcp.compute.RouterInterface(
                f"{name}-{t.key}",
                router=self.router.name,
                ip_range=t.cloud_interface_range,
                vpn_tunnel=tunnel.name,
                opts=inside,
            )
            gcp.compute.RouterPeer(
                f"{name}-{t.key}",
                router=self.router.name,
                interface=interface.name,
                peer_ip_address=t.onprem_inside_ip,
                peer_asn=plan.onprem_asn,
                advertise_mode="CUSTOM",
                advertised_ip_ranges=advertised,
                opts=inside,
            )
        self.register_outputs({"gateway_id": self.gateway.id})

"""GcpPrivateNetwork: a custom-mode VPC with one private subnet in the site's region.

Named secondary ranges (pods, services) as planned by `decide.gcp.plan_addresses`; Private Google Access;
flow logs on; a firewall that denies all ingress by default and allows only intra-VPC traffic and the GKE
control plane; Cloud Router + NAT only when the site opted into `egress: nat`. Nothing gets an external IP.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from gpufabric.decide.gcp import AddressPlan, check_escape
from gpufabric.decide.passthrough import merge
from gpufabric.spec.sites.gcp import GcpNetworkSpec

KUBELET_AND_WEBHOOKS = ["443", "8443", "10250"]


class GcpPrivateNetwork(pulumi.ComponentResource):
    network: gcp.compute.Network
    subnet: gcp.compute.Subnetwork

    def __init__(
        self,
        name: str,
        *,
        spec: GcpNetworkSpec,
        region: str,
        plan: AddressPlan,
        where: str,
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__("gpufabric:gcp:PrivateNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.network = gcp.compute.Network(
            name,
            **merge(
                {"name": name, "auto_create_subnetworks": False, "routing_mode": "REGIONAL"},
                check_escape(spec.network_args, f"{where}.network_args"),
                args_class=gcp.compute.NetworkArgs,
                where=f"{where}.network_args",
            ),
            opts=child,
        )
        self.subnet = gcp.compute.Subnetwork(
            name,
            **merge(
                {
                    "name": name,
                    "network": self.network.id,
                    "region": region,
                    "ip_cidr_range": plan.nodes,
                    "secondary_ip_ranges": [{"range_name": n, "ip_cidr_range": c} for n, c in plan.secondary.items()],
                    "private_ip_google_access": True,
                    "log_config": {
                        "aggregation_interval": "INTERVAL_5_SEC",
                        "flow_sampling": spec.flow_logs_sampling,
                        "metadata": "INCLUDE_ALL_METADATA",
                    },
                },
                check_escape(spec.subnet_args, f"{where}.subnet_args"),
                args_class=gcp.compute.SubnetworkArgs,
                where=f"{where}.subnet_args",
            ),
            opts=child,
        )
        inside = [plan.nodes, *plan.secondary.values()]
        gcp.compute.Firewall(
            f"{name}-deny-ingress",
            network=self.network.id,
            direction="INGRESS",
            priority=65534,
            denies=[{"protocol": "all"}],
            source_ranges=["0.0.0.0/0"],
            log_config={"metadata": "INCLUDE_ALL_METADATA"},
            description="default: deny all ingress",
            opts=child,
        )
        gcp.compute.Firewall(
            f"{name}-allow-internal",
            network=self.network.id,
            direction="INGRESS",
            priority=1000,
            allows=[{"protocol": "all"}],
            source_ranges=inside,
            log_config={"metadata": "INCLUDE_ALL_METADATA"},
            description="nodes, pods and services talk to each other",
            opts=child,
        )
        gcp.compute.Firewall(
            f"{name}-allow-control-plane",
            network=self.network.id,
            direction="INGRESS",
            priority=1000,
            allows=[{"protocol": "tcp", "ports": KUBELET_AND_WEBHOOKS}],
            source_ranges=[plan.control_plane],
            log_config={"metadata": "INCLUDE_ALL_METADATA"},
            description="the GKE control plane reaches kubelets and webhooks",
            opts=child,
        )
        if spec.egress == "nat":
            router = gcp.compute.Router(f"{name}-router", network=self.network.id, region=region, opts=child)
            gcp.compute.RouterNat(
                f"{name}-nat",
                router=router.name,
                region=region,
                nat_ip_allocate_option="AUTO_ONLY",
                source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
                log_config={"enable": True, "filter": "ALL"},
                opts=child,
            )
        self.register_outputs({"network": self.network.id, "subnet": self.subnet.id})

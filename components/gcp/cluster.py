"""GkeCluster: a private GKE Standard cluster, its node service account and its small system pool.

Private nodes and a private endpoint (no authorized network open to the internet); Workload Identity
(`<project>.svc.id.goog`); Kubernetes secrets encrypted with the site's key; Shielded Nodes; a release
channel; the default pool removed in favour of a small untainted system pool; deletion protection; logging
and monitoring on. A Kubernetes provider built from the cluster's endpoint lets the site (and later the
fabric's ClusterBaseline) deploy into it.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from gpufabric.decide.gcp import AddressPlan, check_escape
from gpufabric.decide.passthrough import merge
from gpufabric.spec.sites.gcp import GcpClusterSpec

NODE_ROLES = ("roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/artifactregistry.reader")


def kubeconfig(name: str, endpoint: pulumi.Input[str], ca: pulumi.Input[str]) -> pulumi.Output[str]:
    """A kubeconfig that authenticates with gke-gcloud-auth-plugin (no static credentials)."""
    return pulumi.Output.format(
        """apiVersion: v1
kind: Config
clusters:
- name: {0}
  cluster:
    server: https://{1}
    certificate-authority-data: {2}
contexts:
- name: {0}
  context: {{cluster: {0}, user: {0}}}
current-context: {0}
users:
- name: {0}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      provideClusterInfo: true
""",
        name,
        endpoint,
        ca,
    )


class GkeCluster(pulumi.ComponentResource):
    cluster: gcp.container.Cluster
    node_account: gcp.serviceaccount.Account
    k8s_provider: k8s.Provider

    def __init__(
        self,
        name: str,
        *,
        spec: GcpClusterSpec,
        cluster_name: str,
        project: str,
        region: str,
        zones: list[str],
        network: pulumi.Input[str],
        subnet: pulumi.Input[str],
        plan: AddressPlan,
        secrets_key: pulumi.Input[str],
        disks_key: pulumi.Input[str],
        labels: dict[str, str],
        depends_on: list[pulumi.Resource],
        where: str,
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__("gpufabric:gcp:GkeCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.node_account = gcp.serviceaccount.Account(
            f"{name}-nodes", account_id=f"{name}-nodes"[:30], display_name=f"{name} GKE nodes", opts=child
        )
        for role in NODE_ROLES:
            gcp.projects.IAMMember(
                f"{name}-nodes-{role.split('/')[-1]}",
                project=project,
                role=role,
                member=self.node_account.email.apply(lambda e: f"serviceAccount:{e}"),
                opts=child,
            )
        defaults = {
            "name": cluster_name,
            "location": region,
            "node_locations": zones,
            "network": network,
            "subnetwork": subnet,
            "networking_mode": "VPC_NATIVE",
            "ip_allocation_policy": {
                "cluster_secondary_range_name": "pods",
                "services_secondary_range_name": "services",
            },
            "private_cluster_config": {
                "enable_private_nodes": True,
                "enable_private_endpoint": True,
                "master_ipv4_cidr_block": plan.control_plane,
                "master_global_access_config": {"enabled": False},
            },
            "master_authorized_networks_config": {
                "cidr_blocks": [{"cidr_block": plan.nodes, "display_name": "site nodes"}],
                "gcp_public_cidrs_access_enabled": False,
            },
            "workload_identity_config": {"workload_pool": f"{project}.svc.id.goog"},
            "database_encryption": {"state": "ENCRYPTED", "key_name": secrets_key},
            "enable_shielded_nodes": True,
            "release_channel": {"channel": spec.release_channel},
            "remove_default_node_pool": True,
            "initial_node_count": 1,
            "node_config": {
                "boot_disk_kms_key": disks_key,
                "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
                "service_account": self.node_account.email,
                "workload_metadata_config": {"mode": "GKE_METADATA"},
            },
            "deletion_protection": True,
            "logging_config": {"enable_components": ["SYSTEM_COMPONENTS", "APISERVER", "WORKLOADS"]},
            "monitoring_config": {"enable_components": ["SYSTEM_COMPONENTS", "APISERVER"]},
            "resource_labels": labels,
            **({"min_master_version": spec.min_master_version} if spec.min_master_version else {}),
        }
        self.cluster = gcp.container.Cluster(
            name,
            **merge(
                defaults,
                check_escape(spec.cluster_args, f"{where}.cluster_args"),
                args_class=gcp.container.ClusterArgs,
                where=f"{where}.cluster_args",
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=True, depends_on=depends_on),
        )
        for member in spec.admin_members:
            gcp.projects.IAMMember(
                f"{name}-admin-{member.split(':', 1)[1].replace('@', '-at-')}",
                project=project,
                role="roles/container.admin",
                member=member,
                opts=child,
            )
        self.k8s_provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=kubeconfig(cluster_name, self.cluster.endpoint, self.cluster.master_auth.cluster_ca_certificate),
            enable_server_side_apply=True,
            opts=child,
        )
        self.register_outputs({"cluster_name": self.cluster.name, "endpoint": self.cluster.endpoint})

"""Kubernetes providers for the clusters the fabric reaches: an EKS cluster's, from its endpoint and CA."""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s


def eks_kubeconfig(cluster_name: str, endpoint: str, ca_data: str, region: str) -> str:
    """A kubeconfig that authenticates with `aws eks get-token` (no static credentials in state)."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}
            ],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "current-context": cluster_name,
            "users": [
                {
                    "name": cluster_name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region],
                        }
                    },
                }
            ],
        },
        sort_keys=True,
    )


def eks_provider(name: str, cluster, region: str, opts: pulumi.ResourceOptions) -> k8s.Provider:  # noqa: ANN001
    """A Kubernetes provider for an `aws.eks.Cluster` (server-side apply; nothing read during a preview)."""
    kubeconfig = pulumi.Output.all(cluster.name, cluster.endpoint, cluster.certificate_authority.data).apply(
        lambda a: eks_kubeconfig(a[0], a[1], a[2], region)
    )
    return k8s.Provider(name, kubeconfig=kubeconfig, enable_server_side_apply=True, opts=opts)

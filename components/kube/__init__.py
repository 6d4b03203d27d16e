"""Kubernetes-side components every site shares: the cluster baseline and the providers that reach clusters."""

from components.kube.baseline import ClusterBaseline
from components.kube.providers import eks_provider

__all__ = ["ClusterBaseline", "eks_provider"]

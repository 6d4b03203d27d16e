"""On-prem site components: an existing Kubernetes cluster the fabric reaches through a secret kubeconfig."""

from components.onprem.site import OnpremSite

__all__ = ["OnpremSite"]

"""Kubernetes objects a site deploys into its own cluster, through the site's Kubernetes provider."""

"""Pinned CRD schemas (JSON Schema) for the custom resources the fabric renders; read by policies.kube."""

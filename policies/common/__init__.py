"""Shared machinery of the policy packs: the rule model, resource helpers, the policy config, the offline
runner and the adapter to the Pulumi Policy SDK."""

"""Self-service stack templates: the platform file (quotas, pools, mirrors), the template catalog, answers
checked against the platform's tables, CIDR allocation, sandboxed rendering and the checked write
(`gpufabric templates`, `gpufabric new`; docs/platform.md)."""

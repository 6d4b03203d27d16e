"""StateStore: the state bootstrap of one jurisdiction, on AWS, GCP or both, from a `StateSpec`."""

from __future__ import annotations

import pulumi

from components.state.aws import AwsStateStore
from components.state.gcp import GcpStateStore
from gpufabric.core import naming
from gpufabric.decide import state as decide
from gpufabric.spec.state import StateSpec

SITE = "state"  # the site tag of the bootstrap's resources: they belong to no one site


class StateStore(pulumi.ComponentResource):
    aws: AwsStateStore | None
    gcp: GcpStateStore | None

    def __init__(self, name: str, spec: StateSpec, *, stack: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("gpufabric:state:StateStore", name, None, opts)
        tags = naming.resource_tags(
            stack=stack, jurisdiction=spec.jurisdiction.name, site=SITE, fabric_tags=dict(spec.tags), site_tags={}
        )
        inside = pulumi.ResourceOptions(parent=self)
        self.aws = (
            AwsStateStore(f"{name}-aws", spec=spec.aws, stack=stack, tags=tags, opts=inside) if spec.aws else None
        )
        self.gcp = (
            GcpStateStore(f"{name}-gcp", spec=spec.gcp, stack=stack, labels=naming.gcp_labels(tags), opts=inside)
            if spec.gcp
            else None
        )
        self.backend_url = decide.backend_url(spec)
        self.secrets_provider = decide.secrets_provider(spec, stack)
        self.register_outputs({"backend_url": self.backend_url, "secrets_provider": self.secrets_provider})

"""`Guardrails`: the opt-in API-level residency guardrails of a stack, as a thin ComponentResource.

It declares what `gpufabric.decide.guardrails` decided: an SCP (SERVICE_CONTROL_POLICY) attached to each target (root,
OU or account), and a GCP organization policy on `gcp.resourceLocations`. Attachments are keyed by target
id, so adding a target never replaces an existing attachment.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp

from gpufabric.core.jurisdictions import Jurisdiction
from gpufabric.decide.guardrails import (
    gcp_allowed_locations,
    gcp_policy_name,
    region_deny_scp,
    scp_json,
)
from gpufabric.spec import GuardrailsSpec


class Guardrails(pulumi.ComponentResource):
    """Region-deny SCP and GCP resource-locations policy for one jurisdiction."""

    def __init__(
        self,
        name: str,
        spec: GuardrailsSpec,
        jurisdiction: Jurisdiction,
        opts: pulumi.ResourceOptions | None = None,
        tags: dict[str, str] | None = None,
    ) -> None:
        super().__init__("gpufabric:guardrails:Guardrails", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.scp: aws.organizations.Policy | None = None
        self.attachments: dict[str, aws.organizations.PolicyAttachment] = {}
        self.gcp_policy: gcp.orgpolicy.Policy | None = None

        if spec.aws_scp is not None:
            document = region_deny_scp(jurisdiction.aws_regions, spec.aws_scp.exempt_role_arns)
            self.scp = aws.organizations.Policy(
                f"{name}-region-deny",
                name=f"{name}-region-deny-{jurisdiction.name}",
                description=f"gpufabric: deny requests outside the {jurisdiction.name} AWS regions",
                type="SERVICE_CONTROL_POLICY",
                content=scp_json(document),
                tags=tags,
                opts=child,
            )
            for target in spec.aws_scp.target_ids:
                self.attachments[target] = aws.organizations.PolicyAttachment(
                    f"{name}-region-deny-{target}",
                    policy_id=self.scp.id,
                    target_id=target,
                    opts=child,
                )

        if spec.gcp_org_policy is not None:
            parent = spec.gcp_org_policy.parent
            self.gcp_policy = gcp.orgpolicy.Policy(
                f"{name}-resource-locations",
                name=gcp_policy_name(parent),
                parent=parent,
                spec=gcp.orgpolicy.PolicySpecArgs(
                    rules=[
                        gcp.orgpolicy.PolicySpecRuleArgs(
                            values=gcp.orgpolicy.PolicySpecRuleValuesArgs(
                                allowed_values=gcp_allowed_locations(jurisdiction.gcp_regions)
                            )
                        )
                    ]
                ),
                opts=child,
            )

        self.register_outputs(
            {
                "scp_id": self.scp.id if self.scp else None,
                "gcp_policy": self.gcp_policy.name if self.gcp_policy else None,
            }
        )

"""CrossGuard entry point of the security pack. It only builds the PolicyPack: `PolicyPack(...)` starts the
analyzer's gRPC server and never returns, so nothing else may construct it (tests use the rules directly)."""

from pulumi_policy import EnforcementLevel, PolicyPack

from policies.adapter import to_policies
from policies.security.rules import PACK_DEF

PolicyPack(
    name=PACK_DEF.name,
    policies=to_policies(PACK_DEF),
    enforcement_level=EnforcementLevel.MANDATORY,
    description=PACK_DEF.description,
)

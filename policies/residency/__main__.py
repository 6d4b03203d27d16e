"""CrossGuard entry point of the residency pack (`pulumi preview --policy-pack policies/residency`)."""

from policies.adapter import serve
from policies.residency.rules import PACK_DEF

serve(PACK_DEF)

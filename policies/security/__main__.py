"""CrossGuard entry point of the security pack (`pulumi preview --policy-pack policies/security`)."""

from policies.adapter import serve
from policies.security.rules import PACK_DEF

serve(PACK_DEF)

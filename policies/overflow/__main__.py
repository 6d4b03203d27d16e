"""CrossGuard entry point of the overflow pack (`pulumi preview --policy-pack policies/overflow`)."""

from policies.adapter import serve
from policies.overflow.rules import PACK_DEF

serve(PACK_DEF)

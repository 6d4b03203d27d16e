"""The overflow order, as the decisions know it: its one home is `gpufabric.spec.overflow` (the policy packs
read it too, and policies may import spec but not decide); re-exported here for the decisions and components."""

from gpufabric.spec.overflow import TierRef, default_overflow_order, overflow_order

__all__ = ["TierRef", "default_overflow_order", "overflow_order"]

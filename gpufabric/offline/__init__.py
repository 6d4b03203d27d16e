"""The offline plan engine: the real program under Pulumi's mocks, recorded as a resource graph."""

from gpufabric.offline.engine import effective_region, plan_stack
from gpufabric.offline.plan import Plan

__all__ = ["Plan", "effective_region", "plan_stack"]

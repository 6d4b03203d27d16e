"""Policy results for people (rich table) and for CI (JSON, SARIF 2.1.0, JUnit XML)."""

from policies.model import STACK_TYPE, RuleInfo, Violation, has_blocking

__all__ = ["STACK_TYPE", "RuleInfo", "Violation", "has_blocking"]

"""The plan: the resource graph a stack would create, as plain data with stable keys."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gpufabric.spec import FabricSpec
from gpufabric.spec.state import StateSpec


@dataclass
class Plan:
    stack: str
    stack_file: str
    jurisdiction: str
    spec: FabricSpec | StateSpec  # a fabric stack's spec, or a state bootstrap's
    config: dict[str, Any]  # the stack's config as the program saw it (secrets replaced by placeholders)
    # sorted by URN; keys: urn id type name parent provider region inputs outputs (computed, not echoed) protect custom
    resources: list[dict[str, Any]]
    outputs: dict[str, Any] = field(default_factory=dict)
    violations: list[dict[str, Any]] = field(default_factory=list)

    def by_type(self, type_: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == type_]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "jurisdiction": self.jurisdiction,
            "jurisdiction_overrides": self.spec.jurisdiction.overrides(),
            "resources": self.resources,
            "violations": self.violations,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

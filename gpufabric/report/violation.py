"""The violation model: what a check reports, in the same shape for JSON, SARIF, JUnit and tables.

`Violation` is the stable JSON object (`policy, pack, enforcement, severity, urn, type, message`) that
`gpufabric check --format json` prints and `gpufabric plan` puts in its `violations` list. `RuleInfo` is the
metadata of a rule that was evaluated (passing or not), which SARIF and JUnit need to describe rules.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

STACK_TYPE = "pulumi:pulumi:Stack"


class Violation(BaseModel):
    """One problem on one resource (or on the stack, with `type` pulumi:pulumi:Stack)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    policy: str
    pack: str
    enforcement: str
    severity: str
    urn: str
    type: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return self.model_dump()

    @property
    def blocking(self) -> bool:
        """Only mandatory violations fail a check (advisories print but pass)."""
        return self.enforcement == "mandatory"


class RuleInfo(BaseModel):
    """A rule as evaluated: its id, pack, issue rule number, texts and effective enforcement level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    pack: str
    number: int
    description: str
    remediation: str
    severity: str
    enforcement: str


def has_blocking(violations: Iterable[Violation]) -> bool:
    return any(v.blocking for v in violations)


def sort_key(v: Violation) -> tuple[str, str, str, str]:
    return (v.pack, v.policy, v.urn, v.message)

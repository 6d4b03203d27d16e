"""SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps): one run, one rule per policy.

Results point at the stack file (the artifact a person edits to fix them) and name the resource as a
logical location (its URN). Mandatory violations are `error`, advisories `warning`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from policies.model import RuleInfo, Violation

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_URI = "https://github.com/gpufabric/gpufabric"

# GitHub code scanning ranks results by this property (0.1-10).
SECURITY_SEVERITY = {"low": "3.0", "medium": "5.5", "high": "8.0", "critical": "9.5"}


def _level(enforcement: str) -> str:
    return {"mandatory": "error", "advisory": "warning", "remediate": "error"}.get(enforcement, "none")


def _rule(info: RuleInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "name": "".join(part.capitalize() for part in info.id.split("-")),
        "shortDescription": {"text": info.description},
        "fullDescription": {"text": f"{info.description} (issue rule {info.number}, pack {info.pack})"},
        "help": {"text": info.remediation},
        "defaultConfiguration": {"level": _level(info.enforcement)},
        "properties": {
            "tags": [info.pack, "security", "residency" if "residency" in info.pack else "infrastructure"],
            "security-severity": SECURITY_SEVERITY.get(info.severity, "5.0"),
            "severity": info.severity,
            "enforcement": info.enforcement,
        },
    }


def to_sarif(
    violations: Sequence[Violation], rules: Sequence[RuleInfo], artifact_uri: str, version: str = "0.1.0"
) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict. `artifact_uri` is the stack file, relative to the repo root."""
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for v in violations:
        fingerprint = hashlib.sha256(f"{v.policy}|{v.urn}|{v.message}".encode()).hexdigest()[:32]
        result: dict[str, Any] = {
            "ruleId": v.policy,
            "level": _level(v.enforcement),
            "message": {"text": f"{v.message} [{v.type} {v.urn.rsplit('::', 1)[-1] or 'stack'}]"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri},
                        "region": {"startLine": 1},
                    },
                    "logicalLocations": [
                        {
                            "name": v.urn.rsplit("::", 1)[-1] or "stack",
                            "fullyQualifiedName": v.urn,
                            "kind": "resource",
                        }
                    ],
                }
            ],
            "partialFingerprints": {"gpufabricViolation/v1": fingerprint},
            "properties": {
                "pack": v.pack,
                "severity": v.severity,
                "enforcement": v.enforcement,
                "type": v.type,
            },
        }
        if v.policy in index:
            result["ruleIndex"] = index[v.policy]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gpufabric",
                        "version": version,
                        "informationUri": TOOL_URI,
                        "rules": [_rule(r) for r in rules],
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def sarif_text(violations: Sequence[Violation], rules: Sequence[RuleInfo], artifact_uri: str) -> str:
    return json.dumps(to_sarif(violations, rules, artifact_uri), indent=2) + "\n"

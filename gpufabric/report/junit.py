"""JUnit XML for CI test tabs: one test suite per pack, one test case per rule.

A rule with mandatory violations is a failed test case listing every violation; a passing rule is a
passing test case (so the report doubles as evidence of what was checked); a disabled rule is skipped.
Advisories do not fail anything: they are listed in the suite's system-out. Built with xml.etree, so all
escaping is the library's. The shape follows the Apache Ant JUnit schema (tests/policies/schemas/JUnit.xsd).
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

from policies.model import RuleInfo, Violation


def _line(v: Violation) -> str:
    return f"[{v.enforcement}/{v.severity}] {v.type} {v.urn}: {v.message}"


def to_junit(
    violations: Sequence[Violation], rules: Sequence[RuleInfo], stack: str, elapsed_s: float = 0.0
) -> ET.Element:
    timestamp = datetime.now(UTC).replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S")
    hostname = socket.gethostname() or "localhost"
    root = ET.Element("testsuites")
    packs = list(dict.fromkeys(r.pack for r in rules))
    for suite_id, pack in enumerate(packs):
        pack_rules = [r for r in rules if r.pack == pack]
        pack_violations = [v for v in violations if v.pack == pack]
        failing = {v.policy for v in pack_violations if v.blocking} & {r.id for r in pack_rules}
        suite = ET.SubElement(
            root,
            "testsuite",
            {
                "package": "gpufabric.policies",
                "id": str(suite_id),
                "name": f"{pack}.{stack}",
                "timestamp": timestamp,
                "hostname": hostname,
                "tests": str(len(pack_rules)),
                "failures": str(len(failing)),
                "errors": "0",
                "skipped": str(sum(r.enforcement == "disabled" for r in pack_rules)),
                "time": f"{elapsed_s:.3f}",
            },
        )
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", {"name": "stack", "value": stack})
        for rule in pack_rules:
            case = ET.SubElement(suite, "testcase", {"name": rule.id, "classname": f"{pack}.{stack}", "time": "0"})
            if rule.enforcement == "disabled":
                ET.SubElement(case, "skipped")
            elif rule.id in failing:
                mine = [v for v in pack_violations if v.policy == rule.id and v.blocking]
                failure = ET.SubElement(
                    case,
                    "failure",
                    {
                        "message": f"{len(mine)} mandatory violation(s): {rule.description}",
                        "type": rule.severity,
                    },
                )
                failure.text = "\n".join(_line(v) for v in mine) + f"\nRemediation: {rule.remediation}\n"
        advisories = [v for v in pack_violations if not v.blocking]
        out = ET.SubElement(suite, "system-out")
        out.text = "\n".join(_line(v) for v in advisories) + ("\n" if advisories else "")
        ET.SubElement(suite, "system-err").text = ""
    return root


def junit_text(violations: Sequence[Violation], rules: Sequence[RuleInfo], stack: str, elapsed_s: float = 0.0) -> str:
    root = to_junit(violations, rules, stack, elapsed_s)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"

"""The EKS Kubernetes versions gpufabric knows, with their dates: one dated table, refreshed by hand.

Source: the Amazon EKS Kubernetes release calendar
(https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html, as mirrored on
https://endoflife.date/amazon-eks), read 2026-02. EKS gives each minor version 14 months of standard and
12 more of extended support. A version is listed while its extended support has not ended on
`TABLE_DATE`; 1.29 (ended 2026-03-23), 1.30 (2026-07-23) and 1.31 (2026-11-26) have left the table.
A version newer than the table is refused too: the program has not been checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# The day the table was pruned by its end-of-extended-support dates. The calendar itself was read 2026-02:
# a version released since then (e.g. 1.36) is not in the table until someone adds it with its dates.
TABLE_DATE = date(2026, 11, 29)


@dataclass(frozen=True)
class EksVersion:
    version: str
    released: date
    end_of_standard_support: date
    end_of_extended_support: date


EKS_VERSIONS: dict[str, EksVersion] = {
    v.version: v
    for v in (
        EksVersion("1.32", date(2025, 1, 23), date(2026, 3, 23), date(2027, 3, 23)),
        EksVersion("1.33", date(2025, 5, 29), date(2026, 7, 29), date(2027, 7, 29)),
        EksVersion("1.34", date(2025, 10, 2), date(2026, 12, 2), date(2027, 12, 2)),
        EksVersion("1.35", date(2026, 1, 27), date(2027, 3, 27), date(2028, 3, 27)),
    )
}


def supported_eks_versions() -> list[str]:
    """The versions a stack may ask for, oldest first."""
    return sorted(EKS_VERSIONS, key=lambda s: tuple(int(p) for p in s.split(".")))

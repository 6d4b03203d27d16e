"""The overflow proofs (issue 11): static checks, before anything is deployed, that the configuration each
autoscaler receives cannot fall into the known traps where fallback silently does not happen or comes late.

The checks live by engine in `karpenter.py`, `expander.py` and `nodes.py`; this module is the pack. Every
rule is a stack check (it compares objects with each other and with the fabric's overflow order) and names
the object and the tier by name.
"""

from __future__ import annotations

from gpufabric.core.autoscaling import (
    POLICY_COMPUTE_CLASS_ORDER,
    POLICY_GPU_TAINTS_TOLERATED,
    POLICY_KARPENTER_LIMITS,
    POLICY_KARPENTER_WEIGHTS,
    POLICY_PRIORITY_EXPANDER_COVERAGE,
    POLICY_PRIORITY_EXPANDER_FORMAT,
    POLICY_RESERVATION_SELECTED,
    POLICY_SINGLE_AUTOSCALER,
)
from policies.model import Pack, Rule, Severity
from policies.overflow import expander, karpenter, nodes

PACK = "gpufabric-overflow"
ISSUE = 11

RULES: tuple[Rule, ...] = (
    Rule(
        id=POLICY_KARPENTER_WEIGHTS,
        number=ISSUE,
        pack=PACK,
        description="Per site, Karpenter NodePool weights strictly decrease in the fabric's overflow order.",
        severity=Severity.HIGH,
        remediation="Drop `weight` overrides from the tier's escape hatch; the compiler gives each tier's pool a "
        "weight from its overflow rank.",
        check_stack=karpenter.check_weights,
    ),
    Rule(
        id=POLICY_KARPENTER_LIMITS,
        number=ISSUE,
        pack=PACK,
        description="Every NodePool but its site's last tier caps nvidia.com/gpu, so that it fills up and spills.",
        severity=Severity.HIGH,
        remediation="Keep `limits: {nvidia.com/gpu: ...}` on every tier that must spill (the compiler sets it from "
        "the tier's size); only the site's last tier may be uncapped.",
        check_stack=karpenter.check_limits,
    ),
    Rule(
        id=POLICY_RESERVATION_SELECTED,
        number=ISSUE,
        pack=PACK,
        description="A reserved tier's NodePool launches only reserved capacity and selects exactly its tier's "
        "reservations, whose instance types and zones its requirements admit.",
        severity=Severity.HIGH,
        remediation="Let the compiler name the tier's reservations by id in the EC2NodeClass's "
        "capacityReservationSelectorTerms; do not widen capacity types or requirements by hand.",
        check_stack=karpenter.check_reservations,
    ),
    Rule(
        id=POLICY_PRIORITY_EXPANDER_FORMAT,
        number=ISSUE,
        pack=PACK,
        description="The priority-expander ConfigMap uses key `priorities`, integer keys and anchored (^...$), "
        "valid regexes: anything else the Cluster Autoscaler ignores or misreads.",
        severity=Severity.HIGH,
        remediation="Write `priorities:` with unquoted integer keys and patterns like ^eks-<site>-<tier>-.*$.",
        check_stack=expander.check_format,
    ),
    Rule(
        id=POLICY_PRIORITY_EXPANDER_COVERAGE,
        number=ISSUE,
        pack=PACK,
        description="Every GPU node group of the site matches exactly one priority, and priorities strictly "
        "decrease in the fabric's overflow order.",
        severity=Severity.HIGH,
        remediation="Give each tier one pattern over its node-group names at a priority from its overflow rank; "
        "no catch-all (.*) next to tier patterns.",
        check_stack=expander.check_coverage,
    ),
    Rule(
        id=POLICY_COMPUTE_CLASS_ORDER,
        number=ISSUE,
        pack=PACK,
        description="A GKE ComputeClass lists its priorities in the fabric's overflow order, each one a node pool "
        "of the class.",
        severity=Severity.HIGH,
        remediation="Let the compiler order the ComputeClass priorities (reservation, spot, on-demand by rank).",
        check_stack=nodes.check_compute_class,
    ),
    Rule(
        id=POLICY_GPU_TAINTS_TOLERATED,
        number=ISSUE,
        pack=PACK,
        description="Every GPU pool's taints are tolerated by the fabric's inference toleration "
        "(nvidia.com/gpu, Exists).",
        severity=Severity.HIGH,
        remediation="Remove the extra taint from the tier's escape hatch, or taint with key nvidia.com/gpu.",
        check_stack=nodes.check_taints,
    ),
    Rule(
        id=POLICY_SINGLE_AUTOSCALER,
        number=ISSUE,
        pack=PACK,
        description="No two engines manage the same nodes: a tier is a managed node group or a Karpenter "
        "NodePool, never both.",
        severity=Severity.HIGH,
        remediation="Choose one `autoscaler` for the site; remove hand-made node groups of Karpenter's tiers.",
        check_stack=nodes.check_single_engine,
    ),
)

PACK_DEF = Pack(
    name=PACK,
    description="GPU fabric overflow proofs: Karpenter, the Cluster Autoscaler and GKE ComputeClass follow the "
    "fabric's tier order.",
    rules=RULES,
)

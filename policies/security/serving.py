"""Security rule of the inference namespace: no workload there runs as root or can gain privileges (the
namespace enforces Pod Security `restricted`; this says so before anything exists). Pure functions."""

from __future__ import annotations

from collections.abc import Iterator

from gpufabric.core.vocabulary import INFERENCE_NAMESPACE
from policies.config import ResolvedConfig
from policies.model import Res, Rule, Severity, StackContext
from policies.resources import as_mapping, containers, pod_spec

SERVING_NON_ROOT_RULE = "k8s-inference-non-root"


def check_inference_non_root(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Every container in the inference namespace: non-root (runAsNonRoot, no user 0), no privilege
    escalation, not privileged."""
    spec = pod_spec(res)
    if spec is None or as_mapping(res.props.get("metadata")).get("namespace") != INFERENCE_NAMESPACE:
        return
    pod = as_mapping(spec.get("securityContext"))
    for c in containers(spec):
        sc = as_mapping(c.get("securityContext"))
        name = c.get("name", "?")
        non_root = sc.get("runAsNonRoot", pod.get("runAsNonRoot"))
        user = sc.get("runAsUser", pod.get("runAsUser"))
        if non_root is not True:
            yield f"container {name!r} does not set runAsNonRoot: true (it may run as root)"
        if user is not None and int(user) == 0:
            yield f"container {name!r} runs as user 0 (root)"
        if sc.get("allowPrivilegeEscalation") is not False:
            yield f"container {name!r} does not set allowPrivilegeEscalation: false"
        if sc.get("privileged") is True:
            yield f"container {name!r} is privileged"


def serving_security_rules(pack: str) -> tuple[Rule, ...]:
    return (
        Rule(
            id=SERVING_NON_ROOT_RULE,
            number=13,
            pack=pack,
            description="Workloads in the inference namespace never run as root, privileged or able to escalate.",
            severity=Severity.HIGH,
            remediation="Set runAsNonRoot: true and a non-zero runAsUser, allowPrivilegeEscalation: false, "
            "drop ALL capabilities (the rendered vLLM Deployment does).",
            check=check_inference_non_root,
        ),
    )

"""The Kubernetes rules of issue 10 on hand-built resources, offline and through the Policy SDK."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policies.config import resolve
from policies.engine import all_packs
from policies.model import Res, StackContext
from tests.policies.harness import make, sdk_validate, stack

RULES = {r.id: r for p in all_packs() for r in p.rules}
RELEASE = "kubernetes:helm.sh/v3:Release"
ECR = "123456789012.dkr.ecr.eu-north-1.amazonaws.com"
MIRROR = "registry.fra.claims.internal"
ONPREM_STACK = {
    "gpufabric:fabric": json.dumps(
        {
            "jurisdiction": "eu",
            "sites": [
                {
                    "name": "fra-onprem",
                    "kind": "onprem",
                    "country": "DE",
                    "kubeconfig": {"secret": "gpufabric:fraKubeconfig"},
                    "network": {"pods": "10.60.0.0/16", "services": "10.61.0.0/20", "nodes": "10.62.0.0/22"},
                    "registry_mirror": MIRROR,
                    "tiers": [
                        {
                            "name": "h100-owned",
                            "kind": "owned",
                            "node_selector": {"a": "b"},
                            "gpu": "H100",
                            "gpus_per_node": 8,
                            "count": 2,
                        }
                    ],
                }
            ],
        }
    )
}


def release(values: dict[str, Any], chart: str = f"oci://{ECR}/charts/gpu-operator", ns: str = "gpu-operator") -> dict:
    return {"chart": chart, "version": "v25.3.4", "namespace": ns, "values": values}


def pod(namespace: str, privileged: bool) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "namespace": namespace},
        "spec": {"containers": [{"name": "c", "image": f"{ECR}/x:1", "securityContext": {"privileged": privileged}}]},
    }


def service(kind: str, annotations: dict[str, str] | None = None, external: list[str] | None = None) -> dict:
    spec: dict[str, Any] = {"type": kind, "ports": [{"port": 80}]}
    if external:
        spec["externalIPs"] = external
    return {"metadata": {"name": "s", "namespace": "inference", "annotations": annotations or {}}, "spec": spec}


def quota(hard_key: str = "hard") -> dict[str, Any]:
    return {"metadata": {"name": "q", "namespace": "inference"}, "spec": {hard_key: {"requests.nvidia.com/gpu": "8"}}}


NS = "kubernetes:core/v1:Namespace"
# (id, rule, type, good props, bad props, words in the bad message, stack config)
CASES = [
    ("helm-image-public", "k8s-image-registry-allowed", RELEASE,
     release({"dcgmExporter": {"repository": f"{ECR}/nvidia/k8s", "image": "dcgm-exporter"}}),
     release({"dcgmExporter": {"repository": "nvcr.io/nvidia/k8s", "image": "dcgm-exporter"}}),
     "values.dcgmExporter.repository pulls 'nvcr.io/nvidia/k8s/dcgm-exporter' from nvcr.io", None),
    ("helm-chart-public", "k8s-image-registry-allowed", RELEASE,
     release({}),
     {**release({}, chart="gpu-operator"), "repositoryOpts": {"repo": "https://helm.ngc.nvidia.com/nvidia"}},
     "chart comes from 'https://helm.ngc.nvidia.com/nvidia'", None),
    ("helm-image-onprem-mirror", "k8s-image-registry-allowed", RELEASE,
     release({"nfd": {"image": {"repository": f"{MIRROR}/nfd/node-feature-discovery"}}}, chart=f"oci://{MIRROR}/c/g"),
     release({"nfd": {"image": {"repository": "registry.k8s.io/nfd/node-feature-discovery"}}}, chart=f"oci://{MIRROR}/c/g"),
     "from registry.k8s.io", ONPREM_STACK),
    ("privileged-pod-outside-operator", "k8s-no-privileged-outside-operator", "kubernetes:core/v1:Pod",
     pod("gpu-operator", True), pod("inference", True), "container 'c' in namespace 'inference' is privileged", None),
    ("privileged-release-values", "k8s-no-privileged-outside-operator", RELEASE,
     release({"securityContext": {"privileged": True}}),
     release({"securityContext": {"privileged": True}}, ns="inference"),
     "sets values.securityContext.privileged: true", None),
    ("privileged-namespace", "k8s-no-privileged-outside-operator", NS,
     {"metadata": {"name": "gpu-operator", "labels": {"pod-security.kubernetes.io/enforce": "privileged"}}},
     {"metadata": {"name": "inference", "labels": {"pod-security.kubernetes.io/enforce": "privileged"}}},
     "namespace 'inference' enforces Pod Security 'privileged'", None),
    ("nodeport", "k8s-no-public-service", "kubernetes:core/v1:Service",
     service("ClusterIP"), service("NodePort"), "NodePort", None),
    ("public-lb", "k8s-no-public-service", "kubernetes:core/v1:Service",
     service("LoadBalancer", {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}),
     service("LoadBalancer"), "LoadBalancer without an internal-scheme annotation", None),
    ("lb-address-private-or-public", "k8s-no-public-service", "kubernetes:core/v1:Service",
     {**service("LoadBalancer"), "spec": {"type": "LoadBalancer", "loadBalancerIP": "10.62.3.240"}},
     {**service("LoadBalancer"), "spec": {"type": "LoadBalancer", "loadBalancerIP": "8.8.4.4"}},
     "LoadBalancer without an internal-scheme annotation", None),
    ("public-external-ip", "k8s-no-public-service", "kubernetes:core/v1:Service",
     service("ClusterIP", external=["10.62.0.10"]), service("ClusterIP", external=["8.8.8.8"]),
     "public external IP 8.8.8.8", None),
    ("schema", "k8s-schema-valid", "kubernetes:core/v1:ResourceQuota",
     quota(), quota("hardd"), "ResourceQuota 'q' does not meet the Kubernetes 1.33 schema at spec", None),
]  # fmt: skip


def pure(rule_id: str, res: Res, ctx: StackContext) -> list[str]:
    rule = RULES[rule_id]
    assert rule.check is not None
    return list(rule.check(res, resolve({}, ctx, rule.config_keys), ctx))


@pytest.mark.parametrize(
    ("rule_id", "type_", "good", "bad", "words", "config"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
def test_good_passes_and_bad_is_reported(rule_id, type_, good, bad, words, config) -> None:
    assert pure(rule_id, make(type_, good), stack(config)) == []
    assert sdk_validate(rule_id, make(type_, good), stack_config=config) == []
    messages = pure(rule_id, make(type_, bad), stack(config))
    assert any(words in m for m in messages), messages
    assert sdk_validate(rule_id, make(type_, bad), stack_config=config) == messages


def test_onprem_country_rule_follows_the_policy_config() -> None:
    rule = RULES["onprem-country-allowed"]
    ctx = stack(ONPREM_STACK)
    assert rule.check_stack is not None
    assert list(rule.check_stack([], resolve({}, ctx, rule.config_keys), ctx)) == []
    narrowed = resolve({"allowedOnpremLocations": ["FR"]}, ctx, rule.config_keys)
    ((message, _),) = list(rule.check_stack([], narrowed, ctx))
    assert "'fra-onprem' is in DE" in message

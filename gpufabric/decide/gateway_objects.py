"""The gateway's Kubernetes objects on its site, as plain manifests (camelCase dicts) the component declares.

Namespace `inference-gateway` (Pod Security `restricted`), the rendered haproxy.cfg in a ConfigMap, a
Deployment of at least two replicas spread over nodes (required) and zones (preferred) whose pod template
carries the config's hash (a changed config rolls the pods), a PodDisruptionBudget (minAvailable 1), an
internal-only Service and NetworkPolicies: clients from private addresses on the serving port, the monitoring
namespace on the stats port, egress only to DNS and to the model servers' port on private addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gpufabric.core.vocabulary import LABEL_REGION, LABEL_SITE, SiteKind
from gpufabric.decide.baseline import (
    GATEWAY_NAMESPACE,
    INFERENCE_NAMESPACE,
    MANAGED_BY,
    MONITORING_NAMESPACE,
    SERVING_PRIORITY,
)
from gpufabric.decide.haproxy import config_hash

NAME = "gateway"
CONFIG_FILE = "haproxy.cfg"  # the ConfigMap key; the residency rule reads the servers from it
CONFIG_DIR = "/usr/local/etc/haproxy"  # where the official image reads haproxy.cfg
STATS_PORT = 8404
CONFIG_HASH_ANNOTATION = "gpufabric.io/config-hash"
# HAProxy's official image, LTS branch 2.6 (the branch Debian 12 ships, which the tests run). The patch
# release is pinned here, not verified offline against the registry: check `docker manifest inspect` before
# an upgrade. A site's registry mirror serves the same path below its own host.
HAPROXY_REGISTRY = "docker.io"
HAPROXY_PATH = "library/haproxy"
HAPROXY_TAG = "2.6.22-alpine"
HAPROXY_UID = 99  # the image's `haproxy` user
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")  # RFC 1918: clients and remote sites
# An internal-only load balancer per site kind; on-prem the Service stays ClusterIP (reached through the
# site's own ingress or a private LoadBalancer its operators add).
INTERNAL_LB_ANNOTATIONS: dict[str, dict[str, str]] = {
    SiteKind.AWS: {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    },
    SiteKind.GCP: {"networking.gke.io/load-balancer-type": "Internal"},
}
_PSA = "pod-security.kubernetes.io"
_DNS = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}


@dataclass(frozen=True)
class GatewaySite:
    """What the gateway's objects need to know about the site that runs them."""

    name: str
    kind: SiteKind
    region: str  # the site's region (on-prem: its country, which its nodes carry as the region label)
    registry: str | None  # the site's image mirror; None: the upstream registry
    replicas: int
    port: int  # the serving port: the gateway listens on it, the model servers answer on it


def image(site: GatewaySite) -> str:
    return f"{site.registry or HAPROXY_REGISTRY}/{HAPROXY_PATH}:{HAPROXY_TAG}"


def _meta(name: str, site: GatewaySite, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": GATEWAY_NAMESPACE, "labels": {**MANAGED_BY, LABEL_SITE: site.name}, **extra}


def _policy(name: str, site: GatewaySite, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": _meta(name, site),
            "spec": {"podSelector": {}, **spec}}  # fmt: skip


def _from_namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _private() -> list[dict[str, Any]]:
    return [{"ipBlock": {"cidr": c}} for c in PRIVATE_RANGES]


def _deployment(site: GatewaySite, config: str) -> dict[str, Any]:
    selector = {"app.kubernetes.io/name": NAME}
    spread = [
        {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": when, "labelSelector": {"matchLabels": selector}}
        for key, when in (
            ("kubernetes.io/hostname", "DoNotSchedule"),
            ("topology.kubernetes.io/zone", "ScheduleAnyway"),
        )
    ]
    container = {
        "name": "haproxy",
        "image": image(site),
        "args": ["-f", f"{CONFIG_DIR}/{CONFIG_FILE}"],
        "ports": [{"name": "http", "containerPort": site.port}, {"name": "stats", "containerPort": STATS_PORT}],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "stats"}, "periodSeconds": 5},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "stats"}, "periodSeconds": 10},
        "resources": {"requests": {"cpu": "500m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(NAME, site),
        "spec": {
            "replicas": site.replicas,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {
                    "labels": {**selector, **MANAGED_BY, LABEL_SITE: site.name},
                    "annotations": {CONFIG_HASH_ANNOTATION: config_hash(config)},
                },
                "spec": {
                    "priorityClassName": SERVING_PRIORITY,
                    "nodeSelector": {LABEL_REGION: site.region},
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": HAPROXY_UID,
                        "runAsGroup": HAPROXY_UID,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "topologySpreadConstraints": spread,
                    "containers": [container],
                    "volumes": [{"name": "config", "configMap": {"name": NAME}}],
                },
            },
        },
    }


def gateway_objects(site: GatewaySite, config: str) -> list[dict[str, Any]]:
    """Every object of the gateway on its site, namespace first."""
    selector = {"app.kubernetes.io/name": NAME}
    annotations = INTERNAL_LB_ANNOTATIONS.get(site.kind)
    service_spec: dict[str, Any] = {
        "type": "LoadBalancer" if annotations else "ClusterIP",
        "selector": selector,
        "ports": [{"name": "http", "port": site.port, "targetPort": "http"}],
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": GATEWAY_NAMESPACE,
                "labels": {
                    **MANAGED_BY,
                    LABEL_SITE: site.name,
                    **{f"{_PSA}/{m}": "restricted" for m in ("enforce", "audit", "warn")},
                },
            },
        },  # fmt: skip
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(NAME, site), "data": {CONFIG_FILE: config}},
        _deployment(site, config),
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": _meta(NAME, site),
            "spec": {"minAvailable": 1, "selector": {"matchLabels": selector}},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(NAME, site, **({"annotations": annotations} if annotations else {})),
            "spec": service_spec,
        },
        _policy("default-deny", site, {"policyTypes": ["Ingress", "Egress"]}),
        _policy(
            "allow-clients",
            site,
            {"policyTypes": ["Ingress"], "ingress": [{"from": _private(), "ports": [{"port": site.port}]}]},
        ),
        _policy(
            "allow-metrics",
            site,
            {
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [_from_namespace(MONITORING_NAMESPACE)], "ports": [{"port": STATS_PORT}]}],
            },
        ),  # fmt: skip
        _policy(
            "allow-egress",
            site,
            {
                "policyTypes": ["Egress"],
                "egress": [
                    {"to": [_DNS], "ports": [{"protocol": p, "port": 53} for p in ("UDP", "TCP")]},
                    {"to": [_from_namespace(INFERENCE_NAMESPACE), *_private()], "ports": [{"port": site.port}]},
                ],
            },
        ),
    ]

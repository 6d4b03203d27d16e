"""The rendered objects of every site's model server: golden files per example stack and site, each
built-in object valid against its Kubernetes version's schema (strict), the Services internal only."""

from __future__ import annotations

import pytest

from components.inference.wiring import replica_shapes
from gpufabric.core.vocabulary import SiteKind
from gpufabric.decide.overflow import overflow_order
from gpufabric.decide.serving import (
    gcp_service_account_email,
    keda_chart,
    keda_values,
    server_objects,
    server_site,
    site_capacity,
    site_registry,
)
from gpufabric.spec.load import parse_fabric
from policies.kube import schema_errors
from tests.goldens import assert_golden

ACCOUNT = "123456789012"
SHAPES = replica_shapes()  # the shipped profile
STACKS = ["eu-sovereign", "us-cloud", "onprem-only"]


def _rendered(example_fabric, stack):
    spec = parse_fabric(example_fabric(stack))
    order = overflow_order(spec)
    out = {}
    for site in spec.sites:
        ranks = {r.tier: r.rank for r in order if r.site == site.name}
        identity = gcp_service_account_email(site.name, site.project) if site.kind == SiteKind.GCP else None
        registry = site_registry(site, ACCOUNT)
        ss = server_site(spec, site, ranks, registry, identity)
        out[site.name] = (site, server_objects(ss, spec.serving, site_capacity(site, SHAPES)), registry)
    return out


CASES = [(stack, site) for stack, sites in [
    ("eu-sovereign", ["fra-onprem", "aws-stockholm", "gcp-eemshaven"]),
    ("us-cloud", ["aws-virginia", "gcp-iowa"]),
    ("onprem-only", ["fra-onprem"]),
] for site in sites]  # fmt: skip


@pytest.mark.golden
@pytest.mark.parametrize(("stack", "site"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_inference_objects_match_their_golden(example_fabric, stack, site) -> None:
    _, objects, registry = _rendered(example_fabric, stack)[site]
    assert_golden(f"inference/{stack}/{site}.json", {"objects": objects, "keda_values": keda_values(registry)})


@pytest.mark.parametrize(("stack", "site"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_every_builtin_object_meets_the_kubernetes_schema(example_fabric, stack, site) -> None:
    spec_site, objects, _ = _rendered(example_fabric, stack)[site]
    version = getattr(getattr(spec_site, "cluster", None), "kubernetes_version", None) or spec_site.kubernetes_version
    builtin = [o for o in objects if o["apiVersion"] != "keda.sh/v1alpha1"]
    assert {o["kind"] for o in builtin} >= {"Deployment", "Service", "PodDisruptionBudget", "ServiceAccount"}
    for o in builtin:
        assert schema_errors(o, version) == (), (o["kind"], o["metadata"]["name"])


def test_a_broken_object_is_caught_by_the_schema(example_fabric) -> None:
    """The schema check above can fail: an unknown field in the pod spec is an error."""
    _, objects, _ = _rendered(example_fabric, "eu-sovereign")["aws-stockholm"]
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["gpuCount"] = 1
    assert schema_errors(deployment, "1.33")


@pytest.mark.parametrize(
    ("mirror", "chart", "repository"),
    [
        ("oci://registry.fra.claims.internal/charts", "oci://registry.fra.claims.internal/charts/keda", None),
        (None, "keda", "https://kedacore.github.io/charts"),
    ],
)
def test_keda_comes_from_the_site_chart_mirror(mirror, chart, repository) -> None:
    ref = keda_chart(mirror)
    assert (ref.chart, ref.repository, ref.version) == (chart, repository, "2.17.2")

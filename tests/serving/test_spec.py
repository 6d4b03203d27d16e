"""The serving block's model-server fields: the image as a path below each site's registry, the weights of
every site in its own store inside the jurisdiction, the on-prem internal address. Errors name the site."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gpufabric.core.errors import InputError
from gpufabric.spec.load import parse_fabric

S = "gpufabric:fabric.serving"
ONPREM = {
    "name": "fra-onprem",
    "kind": "onprem",
    "country": "DE",
    "kubeconfig": {"secret": "gpufabric:fraKubeconfig"},
    "registry_mirror": "registry.fra.internal",
    "network": {"pods": "10.60.0.0/16", "services": "10.61.0.0/20", "nodes": "10.62.0.0/22"},
    "tiers": [
        {
            "name": "h100-owned",
            "kind": "owned",
            "node_selector": {"t": "h"},
            "gpu": "H100",
            "gpus_per_node": 8,
            "count": 2,
        }
    ],
}
GCP = {
    "name": "gcp-eemshaven",
    "kind": "gcp",
    "project": "claims-assistant-eu",
    "region": "europe-west4",
    "network": {"cidr": "10.50.0.0/16"},
    "tiers": [{"name": "l4-spot", "kind": "spot", "machine_type": "g2-standard-8", "max": 2}],
}
GOOD_SITES = {
    "aws-stockholm": {"weights": "s3://eu-weights/llama"},
    "fra-onprem": {"weights": "pvc://model-weights/llama", "internal_address": "10.62.3.240"},
    "gcp-eemshaven": {"weights": {"uri": "gs://eu-weights-nl/llama", "location": "europe-west4"}},
}


def fabric(base: dict[str, Any], **serving: Any) -> dict[str, Any]:
    base["sites"] += [dict(ONPREM), dict(GCP)]
    base["serving"] = {"model": "Llama-3.1-8B", "sites": {k: dict(v) for k, v in GOOD_SITES.items()}, **serving}
    return base


def _weights(site: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["serving"]["sites"][site].update(weights=value)


def _drop(site: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["serving"]["sites"].pop(site)


# (id, change, key path, fragments of the message)
CASES = [
    ("weights-public-hub", _weights("aws-stockholm", "hf://meta-llama/Llama-3.1-8B"),
     f"{S}.sites.aws-stockholm.weights.uri", ["never a public hub", "hf://meta-llama"]),
    ("weights-https-url", _weights("aws-stockholm", "https://huggingface.co/meta-llama/Llama-3.1-8B"),
     f"{S}.sites.aws-stockholm.weights.uri", ["s3://bucket/prefix", "huggingface.co"]),
    ("weights-missing-for-a-site", _drop("gcp-eemshaven"),
     f"{S}.sites.gcp-eemshaven.weights", ["where site 'gcp-eemshaven' reads the model weights (gs://", "nothing"]),
    ("weights-wrong-store-for-kind", _weights("aws-stockholm", "gs://eu-weights/llama"),
     f"{S}.sites.aws-stockholm.weights.uri", ["a s3:// location", "'gs://eu-weights/llama'"]),
    ("weights-onprem-from-bucket", _weights("fra-onprem", "s3://eu-weights/llama"),
     f"{S}.sites.fra-onprem.weights.uri", ["a pvc:// location"]),
    ("weights-bucket-outside-jurisdiction", _weights("gcp-eemshaven", {"uri": "gs://wts/l", "location": "us-central1"}),
     f"{S}.sites.gcp-eemshaven.weights.location", ["inside jurisdiction 'eu'", "'us-central1'"]),
    ("weights-s3-other-region", _weights("aws-stockholm", {"uri": "s3://wts/l", "location": "eu-central-1"}),
     f"{S}.sites.aws-stockholm.weights.location", ["the site's region 'eu-north-1'", "'eu-central-1'"]),
    ("weights-s3-outside-jurisdiction", _weights("aws-stockholm", {"uri": "s3://wts/l", "location": "us-east-1"}),
     f"{S}.sites.aws-stockholm.weights.location", ["inside jurisdiction 'eu'", "'us-east-1'"]),
    ("weights-pvc-with-location", _weights("fra-onprem", {"uri": "pvc://wts/l", "location": "DE"}),
     f"{S}.sites.fra-onprem.weights.location", ["no location"]),
    ("unknown-site", lambda d: d["serving"]["sites"].update({"aws-paris": {"weights": "s3://wts/l"}}),
     f"{S}.sites.aws-paris", ["the name of a site of this stack", "aws-stockholm"]),
    ("onprem-address-missing", lambda d: d["serving"]["sites"]["fra-onprem"].pop("internal_address"),
     f"{S}.sites.fra-onprem.internal_address", ["inside the nodes network 10.62.0.0/22", "nothing"]),
    ("onprem-address-outside-nodes", lambda d: d["serving"]["sites"]["fra-onprem"].update(internal_address="10.9.0.1"),
     f"{S}.sites.fra-onprem.internal_address", ["inside the nodes network 10.62.0.0/22", "10.9.0.1"]),
    ("cloud-address-given", lambda d: d["serving"]["sites"]["aws-stockholm"].update(internal_address="10.40.0.9"),
     f"{S}.sites.aws-stockholm.internal_address", ["no address", "10.40.0.9"]),
    ("image-with-public-host", lambda d: d["serving"].update(image={"repository": "docker.io/vllm/vllm-openai"}),
     f"{S}.image.repository", ["a path below the site's own registry", "'docker.io'"]),
    ("image-with-mirror-host", lambda d: d["serving"].update(image={"repository": "registry.fra.internal/vllm"}),
     f"{S}.image.repository", ["a path below the site's own registry"]),
    ("onprem-without-mirror", lambda d: d["sites"][1].pop("registry_mirror"),
     f"{S}.sites.fra-onprem.weights", ["to declare `registry_mirror` first", "never a public one"]),
    ("image-tag-and-digest", lambda d: d["serving"].update(image={"tag": "v1", "digest": "sha256:" + "a" * 64}),
     f"{S}.image.digest", ["a tag or a digest, not both"]),
]  # fmt: skip


@pytest.mark.parametrize(("change", "where", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_serving_errors_name_the_site(base_fabric, change, where, fragments) -> None:
    raw = fabric(base_fabric())
    change(raw)
    with pytest.raises(InputError) as e:
        parse_fabric(raw, "stack.yaml")
    errors = getattr(e.value, "errors", [e.value])
    hits = [err.message for err in errors if f"stack.yaml: {where}" in err.message]
    assert hits, e.value.message
    for fragment in fragments:
        assert fragment in hits[0], hits[0]


def test_a_good_serving_block_parses_with_the_pinned_image(base_fabric) -> None:
    spec = parse_fabric(fabric(base_fabric()))
    assert spec.serving is not None
    assert spec.serving.image.repository == "vllm/vllm-openai"
    assert spec.serving.image.pin() == ":v0.11.0"
    w = spec.serving.sites["gcp-eemshaven"].weights
    assert (w.scheme, w.bucket, w.prefix, w.location) == ("gs", "eu-weights-nl", "llama", "europe-west4")


@pytest.mark.parametrize("stack", ["eu-sovereign", "us-cloud", "onprem-only"])
def test_example_stacks_declare_weights_for_every_site(example_fabric, stack) -> None:
    spec = parse_fabric(example_fabric(stack))
    assert spec.serving is not None
    assert sorted(spec.serving.sites) == sorted(s.name for s in spec.sites)

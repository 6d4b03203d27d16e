"""Residency rules of the model server (`gpufabric/decide/serving.py` renders it): its image comes from its
own site's registry, and its weights from the location the stack declares for that site, inside the
jurisdiction, never from a public hub. Pure functions over `Res` (no Pulumi import)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fnmatch import fnmatch
from typing import Any

from gpufabric.core.charts import registry_host
from gpufabric.core.jurisdictions import ecr_registry_pattern
from gpufabric.core.vocabulary import (
    INFERENCE_NAMESPACE,
    LABEL_SITE,
    MODEL_SERVER,
    POLICY_WEIGHTS_IN_JURISDICTION,
)
from policies.config import ResolvedConfig
from policies.model import Res, Rule, Severity, StackContext
from policies.resources import as_list, as_mapping, containers, image_registry, pod_spec

SERVING_IMAGE_RULE = "serving-image-site-registry"


def server_of(res: Res, stack: StackContext) -> tuple[Any, list[Mapping[str, Any]]] | None:
    """(the stack's site, the containers) of a model-server workload, else None."""
    spec = pod_spec(res)
    meta = as_mapping(res.props.get("metadata"))
    labels = as_mapping(meta.get("labels"))
    if spec is None or meta.get("namespace") != INFERENCE_NAMESPACE:
        return None
    if labels.get("app.kubernetes.io/name") != MODEL_SERVER or stack.fabric is None:
        return None
    site = next((s for s in stack.fabric.sites if s.name == labels.get(LABEL_SITE)), None)
    return (site, list(containers(spec))) if site is not None else None


def site_registry_text(site: Any) -> str:
    """The registry a site's images must come from, as a pattern (`*` for the account)."""
    if site.kind == "aws":
        return ecr_registry_pattern(site.region)
    if site.kind == "gcp":
        return f"{site.region}-docker.pkg.dev/{site.project}/*"
    return f"{site.registry_mirror}/*" if site.registry_mirror else "(no registry_mirror declared)"


def _from_site_registry(site: Any, image: str) -> bool:
    if site.kind == "aws":
        return fnmatch(image_registry(image), ecr_registry_pattern(site.region))
    if site.kind == "gcp":
        return image.startswith(f"{site.region}-docker.pkg.dev/{site.project}/")
    mirror = site.registry_mirror
    return bool(mirror) and image_registry(image) == registry_host(mirror) and image.startswith(f"{mirror}/")


def check_serving_image(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """The server's images come from its own site's registry (not another site's, not a public one)."""
    found = server_of(res, stack)
    if found is None:
        return
    site, cs = found
    for c in cs:
        image = c.get("image")
        if isinstance(image, str) and not _from_site_registry(site, image):
            yield (
                f"container {c.get('name', '?')!r} of site {site.name!r} pulls {image!r}, not from the site's own "
                f"registry ({site_registry_text(site)})"
            )


def _model_argument(c: Mapping[str, Any]) -> str | None:
    args = [a for a in as_list(c.get("args")) if isinstance(a, str)]
    if "--model" in args and args.index("--model") + 1 < len(args):
        return args[args.index("--model") + 1]
    return next((a for a in args if not a.startswith("-")), None)


def check_serving_weights(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """The server never reaches a public hub (HF_HUB_OFFLINE=1) and loads the weights the stack declares for
    its site, from a location inside the jurisdiction (a bucket of the site's cloud, or its mounted store)."""
    found = server_of(res, stack)
    if found is None:
        return
    site, cs = found
    serving = stack.fabric.serving if stack.fabric is not None else None
    declared = serving.sites.get(site.name) if serving is not None else None
    for c in cs:
        env = {e.get("name"): e.get("value") for e in as_list(c.get("env")) if isinstance(e, Mapping)}
        name = c.get("name", "?")
        if env.get("HF_HUB_OFFLINE") != "1":
            yield f"container {name!r} of site {site.name!r} may download from a public hub (HF_HUB_OFFLINE is not '1')"
        model = _model_argument(c)
        if model is None:
            continue
        if model.startswith("/"):
            continue  # a mounted path: the site's own store
        if declared is None or model.rstrip("/") != declared.weights.uri.rstrip("/"):
            want = declared.weights.uri if declared is not None else "none declared"
            yield (
                f"container {name!r} of site {site.name!r} loads {model!r}, not the weights the stack declares ({want})"
            )
            continue
        location = declared.weights.location or site.region
        allowed = cfg.allows_aws(location) if site.kind == "aws" else cfg.allows_gcp(location)
        if cfg.jurisdiction is not None and not allowed:
            yield (
                f"site {site.name!r} loads weights from {model!r} in {location}, outside jurisdiction "
                f"{cfg.jurisdiction!r}"
            )


def serving_rules(pack: str, config_keys: tuple[str, ...]) -> tuple[Rule, ...]:
    return (
        Rule(
            id=SERVING_IMAGE_RULE,
            number=12,
            pack=pack,
            description="The model server pulls its image from its own site's registry (mirror, in-region ECR "
            "or Artifact Registry).",
            severity=Severity.HIGH,
            remediation="Mirror the server image into the site's registry; the spec names only its path "
            "(serving.image.repository).",
            check=check_serving_image,
            config_keys=config_keys,
        ),
        Rule(
            id=POLICY_WEIGHTS_IN_JURISDICTION,
            number=13,
            pack=pack,
            description="The model server loads the weights its site declares, from inside the jurisdiction, "
            "never from a public hub.",
            severity=Severity.CRITICAL,
            remediation="Declare serving.sites.<site>.weights as a bucket of the site's cloud in an allowed "
            "location (or a PVC on-prem) and keep HF_HUB_OFFLINE=1.",
            check=check_serving_weights,
            config_keys=config_keys,
        ),
    )

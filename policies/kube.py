"""What the Kubernetes rules read from a resource: Helm release images and charts, rendered manifests,
the registries a stack declares as its own, and schema validation with `kubernetes-validate`.

Pure functions over `Res` (no Pulumi import), so the rules run offline, in CrossGuard and in the servicer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from gpufabric.core.charts import PUBLIC_REGISTRIES, registry_host
from gpufabric.core.files import read_json
from gpufabric.core.vocabulary import LABEL_SITE
from policies.model import Res, StackContext
from policies.resources import as_mapping, plain

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
DEFAULT_KUBERNETES_VERSION = "1.33"
# Types the engine declares but that are not objects with an OpenAPI schema of their own.
_NOT_MANIFESTS = ("kubernetes:helm.sh/", "kubernetes:yaml/", "kubernetes:kustomize/")


def is_helm_release(res: Res) -> bool:
    return res.type == HELM_RELEASE


def helm_images(values: Any, path: str = "values") -> Iterator[tuple[str, str]]:
    """(key path, image reference) for every image a chart's values name: `repository` (+ `image`) pairs
    and `image` strings with a registry, at any depth."""
    if isinstance(values, Mapping):
        repo = values.get("repository")
        if isinstance(repo, str):
            image = values.get("image")
            yield f"{path}.repository", f"{repo}/{image}" if isinstance(image, str) else repo
        image = values.get("image")
        if isinstance(image, str) and "/" in image and not isinstance(repo, str):
            yield f"{path}.image", image
        for key, value in values.items():
            yield from helm_images(value, f"{path}.{key}")
    elif isinstance(values, list):
        for n, value in enumerate(values):
            yield from helm_images(value, f"{path}[{n}]")


def helm_chart_sources(res: Res) -> list[str]:
    """Where a release's chart comes from: an oci:// chart reference, and/or its repository URL."""
    sources = []
    chart = res.props.get("chart")
    if isinstance(chart, str) and "://" in chart:
        sources.append(chart)
    repo = as_mapping(res.props.get("repositoryOpts")).get("repo")
    if isinstance(repo, str) and repo:
        sources.append(repo)
    return sources


def declared_mirrors(stack: StackContext) -> frozenset[str]:
    """Registry hosts the stack's sites declare as their own mirrors (never a public registry: the spec
    rejects those), in sites whose location the spec already checked."""
    if stack.fabric is None:
        return frozenset()
    hosts = {
        registry_host(ref)
        for site in stack.fabric.sites
        for ref in (getattr(site, "registry_mirror", None), getattr(site, "chart_mirror", None))
        if ref
    }
    return frozenset(hosts - PUBLIC_REGISTRIES)


def namespace_of(res: Res) -> str | None:
    """A namespaced object's namespace (a Helm release's target namespace); None when not given."""
    holder = res.props if is_helm_release(res) else as_mapping(res.props.get("metadata"))
    ns = holder.get("namespace")
    return ns if isinstance(ns, str) else None


def manifest_of(res: Res) -> dict[str, Any] | None:
    """The Kubernetes object a typed `kubernetes:` resource declares, as the API server would get it."""
    if not res.type.startswith("kubernetes:") or res.type.startswith(_NOT_MANIFESTS) or res.is_provider:
        return None
    if res.type.endswith("Patch"):
        return None  # a patch is a partial object: it has no full schema to meet
    group_version, kind = res.type.split(":", 1)[1].rsplit(":", 1)
    group, _, version = group_version.partition("/")
    api_version = version if group == "core" else f"{group}/{version}"
    body = {k: _integral(v) for k, v in res.props.items() if k not in ("apiVersion", "kind")}
    return {"apiVersion": api_version, "kind": kind, **body}


def _integral(value: Any) -> Any:
    """Numbers cross the engine as floats (53.0): give integral ones back as ints, as the API reads them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def kubernetes_version_of(res: Res, stack: StackContext) -> str:
    """The Kubernetes version of the site an object belongs to (its site label), else the default."""
    site_name = as_mapping(as_mapping(res.props.get("metadata")).get("labels")).get(LABEL_SITE)
    for site in stack.fabric.sites if stack.fabric is not None else []:
        if site.name == site_name:
            cluster = getattr(site, "cluster", None)
            return getattr(cluster, "kubernetes_version", None) or site.kubernetes_version
    return DEFAULT_KUBERNETES_VERSION


@lru_cache(maxsize=1)
def _kubernetes_validate() -> Any:
    """kubernetes-validate, with its schema files read once per process.

    Why: `kubernetes_validate.validate` re-reads and re-parses the version's multi-megabyte
    `_definitions.json` for every object (about 10 ms each; 150 objects in a 12-site plan). The files are
    read-only package data, so memoising `schema_contents` (a pure function of the file name) changes no
    result; jsonschema never mutates a schema.
    """
    import kubernetes_validate
    import kubernetes_validate.utils as utils

    if not hasattr(utils.schema_contents, "cache_info"):
        utils.schema_contents = lru_cache(maxsize=64)(utils.schema_contents)
    return kubernetes_validate


@lru_cache(maxsize=512)
def _validate(text: str, version: str) -> tuple[str, ...]:
    import json

    kubernetes_validate = _kubernetes_validate()
    try:
        kubernetes_validate.validate(json.loads(text), f"{version}.0", strict=True)
    except kubernetes_validate.ValidationError as e:
        where = ".".join(str(p) for p in e.path) or "(object)"
        return (f"{where}: {e.message}",)
    except kubernetes_validate.SchemaNotFoundError:
        if _custom_resource(json.loads(text)):
            return ()  # a custom resource (e.g. GKE's ComputeClass): its CRD's schema, not Kubernetes', applies
        return (f"(object): no Kubernetes {version} schema for this kind",)
    return ()


def _custom_resource(manifest: Mapping[str, Any]) -> bool:
    """An object of an API group Kubernetes itself does not serve (built-in groups are unqualified or end in
    `.k8s.io`): kubernetes-validate bundles only the built-in schemas."""
    api_version = str(manifest.get("apiVersion", ""))
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    return "." in group and not group.endswith(".k8s.io")


def schema_errors(manifest: Mapping[str, Any], version: str) -> tuple[str, ...]:
    """Problems of one object against the OpenAPI schema of Kubernetes `version` (strict: no unknown keys)."""
    import json

    return _validate(json.dumps(plain(manifest), sort_keys=True), version)  # plain: the SDK's proxies


def public_ip(address: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        return False


# -------------------------------------------------------------------------------- custom resources

# The pinned CRD schemas the fabric ships (policies/schemas/, each with its source, version and date),
# keyed by (apiVersion, kind): kubernetes-validate bundles only Kubernetes' own kinds.
CRD_SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
CRD_SCHEMA_FILES: dict[tuple[str, str], str] = {
    ("karpenter.sh/v1", "NodePool"): "karpenter.sh_v1_NodePool.json",
    ("karpenter.k8s.aws/v1", "EC2NodeClass"): "karpenter.k8s.aws_v1_EC2NodeClass.json",
    ("cloud.google.com/v1", "ComputeClass"): "cloud.google.com_v1_ComputeClass.json",
}


def has_crd_schema(manifest: Mapping[str, Any]) -> bool:
    return (str(manifest.get("apiVersion")), str(manifest.get("kind"))) in CRD_SCHEMA_FILES


@lru_cache(maxsize=8)
def _crd_validator(file_name: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(read_json(CRD_SCHEMA_DIR / file_name, what="CRD schema"))


def crd_schema_errors(manifest: Mapping[str, Any]) -> tuple[str, ...]:
    """Problems of a custom resource against its pinned CRD schema (unknown fields included), each as
    `<path>: <message>`; empty when it conforms or when no schema is shipped for its kind."""
    file_name = CRD_SCHEMA_FILES.get((str(manifest.get("apiVersion")), str(manifest.get("kind"))))
    if file_name is None:
        return ()
    manifest = _integral(plain(manifest))  # the Policy SDK hands out read-only proxies, not lists and dicts
    errors = sorted(_crd_validator(file_name).iter_errors(manifest), key=lambda e: list(map(str, e.absolute_path)))
    return tuple(f"{'.'.join(map(str, e.absolute_path)) or '(object)'}: {e.message}" for e in errors)

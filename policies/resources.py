"""Reading facts out of resource inputs: where a resource lives, what it is tagged, what it points at.

Rules ask these helpers instead of reading inputs themselves, so that "where is this?" has one answer in
every rule: for AWS the resource's own `region` input, else its provider's region, else the stack's
`aws:region`; for GCP every location-like input (`location`, `region`, `zone`, `nodeLocations`, ...),
else its provider's region/zone, else `gcp:region`/`gcp:zone`.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib import import_module
from inspect import signature
from typing import Any

from gpufabric.core.jurisdictions import gcp_region_of
from gpufabric.core.naming import gcp_label_key  # noqa: F401 (re-exported: one home in core.naming)
from policies.model import Res, StackContext

# Predefined GCS dual-regions and the regions they span (a dual-region is as resident as its worst half).
GCS_DUAL_REGIONS: dict[str, tuple[str, ...]] = {
    "eur4": ("europe-north1", "europe-west4"),
    "eur5": ("europe-west1", "europe-west2"),
    "eur7": ("europe-west3", "europe-west10"),
    "eur8": ("europe-west3", "europe-west6"),
    "nam4": ("us-central1", "us-east1"),
    "asia1": ("asia-northeast1", "asia-northeast2"),
}

_AWS_REGION_RE = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d$")
_AWS_AZ_RE = re.compile(r"^([a-z]{2,4}(?:-[a-z]+)+-\d)[a-z]$")
_GLOBAL = {"global", ""}


def as_mapping(value: Any) -> Mapping[str, Any]:
    """Provider inputs carry objects as JSON text (pulumi-aws serialises provider config); accept both."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str) and value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, Mapping) else {}
    return {}


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)  # lists, and the Policy SDK's list proxies
    if isinstance(value, str) and value.startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        return parsed if isinstance(parsed, list) else [value]
    return [value]


def plain(value: Any) -> Any:
    """A deep copy as plain dicts and lists (the Policy SDK hands out read-only proxies)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [plain(v) for v in value]
    return value


def truthy(value: Any) -> bool:
    """Inputs say true as `True` or as the string "true" (launch templates use strings)."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def dig(props: Mapping[str, Any], *path: str | int) -> Any:
    """`dig(p, "vpcConfig", "endpointPublicAccess")`, None when any step is missing."""
    node: Any = props
    for step in path:
        if isinstance(step, int):
            items = as_list(node)
            if not 0 <= step < len(items):
                return None
            node = items[step]
        else:
            node = as_mapping(node).get(step)
        if node is None:
            return None
    return node


def stack_value(stack: StackContext, key: str) -> Any:
    value = stack.config.get(key)
    if isinstance(value, Mapping) and set(value) == {"secure"}:
        return None
    return value


# ----------------------------------------------------------------------------------------------- AWS


def is_aws(res: Res) -> bool:
    return res.package == "aws" or res.type == "pulumi:providers:aws"


def aws_region(res: Res, stack: StackContext) -> str | None:
    """The effective region: own `region` input, else the provider's, else the stack's `aws:region`."""
    own = res.props.get("region")
    if isinstance(own, str) and own:
        return own
    if res.provider is not None and not res.is_provider:
        prov = res.provider.props.get("region")
        if isinstance(prov, str) and prov:
            return prov
    configured = stack_value(stack, "aws:region")
    return configured if isinstance(configured, str) and configured else None


def aws_locations(res: Res, stack: StackContext) -> list[tuple[str, str]]:
    """(where-it-came-from, region) pairs: the effective region and the region of any AZ input."""
    out: list[tuple[str, str]] = []
    region = aws_region(res, stack)
    if region:
        out.append(("region", region))
    for key, az in (
        ("availabilityZone", res.props.get("availabilityZone")),
        ("placement.availabilityZone", dig(res.props, "placement", "availabilityZone")),
    ):
        m = _AWS_AZ_RE.match(az) if isinstance(az, str) else None
        if m and m.group(1) != region:
            out.append((key, m.group(1)))
    for az in as_list(res.props.get("availabilityZones")):
        m = _AWS_AZ_RE.match(az) if isinstance(az, str) else None
        if m and m.group(1) != region:
            out.append(("availabilityZones", m.group(1)))
    return out


def arn_region(arn: Any) -> str | None:
    """`arn:aws:kms:eu-north-1:123:key/x` -> `eu-north-1`; None for region-less or non-ARN values."""
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return None
    parts = arn.split(":", 5)
    if len(parts) < 6 or not _AWS_REGION_RE.match(parts[3]):
        return None
    return parts[3]


def aws_tags(res: Res) -> dict[str, str]:
    """Tags the resource ends up with: its provider's default tags overlaid with its own `tags`."""
    tags: dict[str, str] = {}
    if res.provider is not None:
        default = as_mapping(res.provider.props.get("defaultTags")).get("tags")
        tags.update({str(k): str(v) for k, v in as_mapping(default).items()})
    tags.update({str(k): str(v) for k, v in as_mapping(res.props.get("tags")).items()})
    return tags


# ----------------------------------------------------------------------------------------------- GCP


def is_gcp(res: Res) -> bool:
    return res.package == "gcp" or res.type == "pulumi:providers:gcp"


def normalise_gcp_location(location: str) -> list[str]:
    """Lower-case, and expand a predefined dual-region (`EUR4`) into its regions."""
    loc = location.strip().lower()
    return list(GCS_DUAL_REGIONS.get(loc, (loc,)))


def gcp_locations(res: Res, stack: StackContext) -> list[tuple[str, str]]:
    """(input name, region) for every location the resource names; falls back to provider and stack."""
    out: list[tuple[str, str]] = []
    for key in ("location", "region", "zone"):
        value = res.props.get(key)
        if isinstance(value, str) and value.lower() not in _GLOBAL:
            out += [(key, gcp_region_of(v)) for v in normalise_gcp_location(value)]
    for key in ("nodeLocations", "locations"):
        for value in as_list(res.props.get(key)):
            if isinstance(value, str) and value.lower() not in _GLOBAL:
                out += [(key, gcp_region_of(v)) for v in normalise_gcp_location(value)]
    for value in as_list(dig(res.props, "customPlacementConfig", "dataLocations")):
        if isinstance(value, str):
            out += [("customPlacementConfig.dataLocations", gcp_region_of(v)) for v in normalise_gcp_location(value)]
    if out or res.props.get("location") == "global":
        return out
    for source, props in (("provider", res.provider.props if res.provider and not res.is_provider else {}),):
        for key in ("region", "zone"):
            value = props.get(key)
            if isinstance(value, str) and value:
                return [(f"{source} {key}", gcp_region_of(value))]
    for key in ("gcp:region", "gcp:zone"):
        value = stack_value(stack, key)
        if isinstance(value, str) and value:
            return [(key, gcp_region_of(value))]
    return out


def gcp_key_location(key_name: Any) -> str | None:
    """`projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k` -> `europe-west4`."""
    if not isinstance(key_name, str):
        return None
    m = re.search(r"/locations/([a-z0-9-]+)/", key_name)
    return m.group(1) if m else None


def gcp_labels(res: Res) -> dict[str, str]:
    labels: dict[str, str] = {}
    if res.provider is not None:
        labels.update({str(k): str(v) for k, v in as_mapping(res.provider.props.get("defaultLabels")).items()})
    labels.update({str(k): str(v) for k, v in as_mapping(res.props.get("labels")).items()})
    return labels


# ------------------------------------------------------------------------------------------ tagging


@cache
def taggable(type_token: str) -> bool:
    """Whether a resource type takes `tags` (AWS) or `labels` (GCP), read from the provider SDK's own
    signature so the answer follows the SDK version instead of a list we maintain."""
    pkg, _, rest = type_token.partition(":")
    if pkg not in {"aws", "gcp"} or ":" not in rest:
        return False
    module_path, _, class_name = rest.partition(":")
    module = module_path.split("/", 1)[0]
    sdk = {"aws": "pulumi_aws", "gcp": "pulumi_gcp"}[pkg]
    try:
        with warnings.catch_warnings():  # importing an SDK module announces its deprecated resources
            warnings.simplefilter("ignore", DeprecationWarning)
            cls = getattr(import_module(f"{sdk}.{module}" if module != "index" else sdk), class_name)
        params = signature(cls._internal_init).parameters
    except (ImportError, AttributeError, ValueError, TypeError):
        return False
    return ("tags" if pkg == "aws" else "labels") in params


def pod_spec(res: Res) -> Mapping[str, Any] | None:
    """The pod spec of a Kubernetes workload (Pod, Deployment, StatefulSet, ..., CronJob), else None."""
    if not res.type.startswith("kubernetes:"):
        return None
    kind = res.type.rsplit(":", 1)[-1]
    if kind == "Pod":
        spec = res.props.get("spec")
    elif kind == "CronJob":
        spec = dig(res.props, "spec", "jobTemplate", "spec", "template", "spec")
    elif kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"}:
        spec = dig(res.props, "spec", "template", "spec")
    else:
        return None
    return as_mapping(spec) if spec is not None else {}


def containers(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in as_list(spec.get(key)):
            if isinstance(c, Mapping):
                yield c


def image_registry(image: str) -> str:
    """The registry host of an image reference, as Docker resolves it (`nginx` -> `docker.io`)."""
    first, sep, _ = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first.lower()
    return "docker.io"

"""Where a stack's Pulumi state and secrets key would live, read from the project's own files.

Pulumi keeps every resource's inputs and outputs (kubeconfigs, VPN keys) in its backend, encrypted by the
stack's secrets provider: both are data of the jurisdiction too. This module reads, without any network,
the backend URL (`PULUMI_BACKEND_URL`, which wins, else `backend.url` in Pulumi.yaml, else the hosted
service) and the stack file's `secretsprovider`, and tells from each URL where it points (`locate`). Bucket
regions a URL does not carry are taken from the project's state bootstraps (bootstrap/Pulumi.*.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from gpufabric.core.errors import InputError
from gpufabric.core.files import read_yaml
from gpufabric.core.jurisdictions import gcp_region_of
from gpufabric.spec.state import STATE_CONFIG_KEY, parse_state

PROJECT_FILE = "Pulumi.yaml"
BACKEND_ENV = "PULUMI_BACKEND_URL"
HOSTED = "https://api.pulumi.com"
PASSPHRASE_OPT_IN = "gpufabric:passphraseSecrets"  # stack config: `true` accepts the passphrase provider
_KEY_ARN = re.compile(r"^arn:[a-z-]+:kms:([a-z0-9-]+):\d{12}:(key|alias)/")
_GCPKMS = re.compile(r"^projects/[^/]+/locations/([^/]+)/keyRings/[^/]+/cryptoKeys/[^/]+$")

Cloud = Literal["aws", "gcp"]


@dataclass(frozen=True)
class Setting:
    """One configured value and where it was found: a file and key, or an environment variable."""

    source: str  # "Pulumi.yaml: backend.url", "stacks/Pulumi.x.yaml: secretsprovider", "PULUMI_BACKEND_URL"
    value: str


@dataclass(frozen=True)
class Location:
    """Where a URL points: a cloud region, or why that cannot be said (hosted, passphrase, unknown)."""

    cloud: Cloud | None = None
    region: str | None = None
    problem: str = ""  # set when the URL does not name a checkable place
    passphrase: bool = False


@dataclass(frozen=True)
class StateSettings:
    """The state location of one stack: its backend, its secrets provider and the buckets bootstraps know."""

    project_file: Path
    stack_file: Path
    backend: Setting | None  # None: nothing configured, `pulumi login` defaults to the hosted service
    secrets: Setting | None  # None: no `secretsprovider` in the stack file
    passphrase_salt: bool  # the stack file has `encryptionsalt`: the passphrase provider is in use
    passphrase_opt_in: bool
    buckets: Mapping[str, tuple[Cloud, str]] = field(default_factory=dict)  # "s3://b" / "gs://b" -> region


def project_file_of(stack_path: Path) -> Path | None:
    """The Pulumi.yaml governing a stack file: the nearest one from its folder upward, or None."""
    here = stack_path.resolve().parent
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder / PROJECT_FILE
    return None


def read_state_settings(
    stack_path: Path, env: Mapping[str, str], *, governed_as: Path | None = None
) -> StateSettings | None:
    """The state settings of a stack file; None when no Pulumi project surrounds it. InputError on a
    Pulumi.yaml or stack file that does not parse. `governed_as`: where a draft (e.g. `gpufabric new`'s,
    checked before it is written) will live, so the project around that place governs it."""
    project = project_file_of(governed_as or stack_path)
    if project is None:
        return None
    doc = read_yaml(project)
    backend_url = _mapping(doc, str(project)).get("backend")
    url = backend_url.get("url") if isinstance(backend_url, dict) else None
    if url is not None and not isinstance(url, str):
        raise InputError(str(project), "backend.url", "a backend URL (s3://..., gs://...)", repr(url))
    backend = Setting(f"{project}: backend.url", url) if url else None
    if env.get(BACKEND_ENV):
        backend = Setting(BACKEND_ENV, env[BACKEND_ENV])  # the environment wins over the project file
    stack = _mapping(read_yaml(stack_path), str(stack_path))
    provider = stack.get("secretsprovider")
    config = stack.get("config") if isinstance(stack.get("config"), dict) else {}
    return StateSettings(
        project_file=project,
        stack_file=stack_path,
        backend=backend,
        secrets=Setting(f"{stack_path}: secretsprovider", str(provider)) if provider is not None else None,
        passphrase_salt="encryptionsalt" in stack,
        passphrase_opt_in=config.get(PASSPHRASE_OPT_IN) in (True, "true"),
        buckets=bootstrap_buckets(project.parent),
    )


def bootstrap_buckets(root: Path) -> dict[str, tuple[Cloud, str]]:
    """State buckets the project's bootstraps declare, by URL prefix; a bootstrap that does not parse is
    skipped here (checking it names its problems)."""
    folders = {root / "bootstrap", root} if (root / "bootstrap").is_dir() else {root}
    out: dict[str, tuple[Cloud, str]] = {}
    for path in sorted(p for f in folders for p in f.glob("Pulumi.*.yaml")):
        try:
            config = _mapping(read_yaml(path), str(path)).get("config") or {}
            if STATE_CONFIG_KEY not in config:
                continue
            spec = parse_state(config[STATE_CONFIG_KEY], str(path))
        except InputError:
            continue
        if spec.aws is not None:
            out[f"s3://{spec.aws.bucket}"] = ("aws", spec.aws.region)
        if spec.gcp is not None:
            out[f"gs://{spec.gcp.bucket}"] = ("gcp", spec.gcp.region)
    return out


def locate_backend(url: str, buckets: Mapping[str, tuple[Cloud, str]]) -> Location:
    """Where a `pulumi login` URL keeps state."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        host = parts.hostname or ""
        if host in ("api.pulumi.com", "app.pulumi.com"):
            return Location(problem=f"the hosted Pulumi Cloud ({url}) keeps state outside the jurisdiction")
        return Location(problem=f"a self-hosted Pulumi Cloud ({host or url}): its location cannot be known offline")
    if scheme == "file":
        return Location(problem=f"local state ({url}) lives on whichever machine runs pulumi")
    if scheme not in ("s3", "gs") or not parts.netloc:
        return Location(
            problem=f"malformed or unsupported backend URL {url!r}; expected s3://BUCKET?region=R or gs://BUCKET"
        )
    query = parse_qs(parts.query)
    if scheme == "s3" and query.get("endpoint"):
        return Location(
            problem=f"an S3-compatible endpoint ({query['endpoint'][0]}): its location cannot be known offline"
        )
    if scheme == "s3" and query.get("region"):
        return Location("aws", query["region"][0])
    known = buckets.get(f"{scheme}://{parts.netloc}")
    if known is not None:
        return Location(known[0], known[1])
    hint = "add ?region=R to the URL or declare" if scheme == "s3" else "declare"
    return Location(
        problem=f"the region of bucket {scheme}://{parts.netloc} cannot be known offline ({hint} the bucket in a "
        "state bootstrap, bootstrap/Pulumi.<stack>.yaml)"
    )


def locate_secrets(value: str) -> Location:
    """Where a `secretsprovider` keeps the key that decrypts a stack's secrets."""
    if value == "default":
        return Location(problem="the hosted Pulumi Cloud's own key (`default`) lives outside the jurisdiction")
    if value == "passphrase":
        return Location(passphrase=True)
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    query = parse_qs(parts.query)
    if scheme == "awskms":
        key = (parts.netloc + parts.path).strip("/")
        if query.get("region"):
            return Location("aws", query["region"][0])
        arn = _KEY_ARN.match(key)
        if arn:
            return Location("aws", arn.group(1))
        if not key:
            return Location(problem=f"malformed secrets provider {value!r}; expected awskms://KEY?region=R")
        return Location(problem=f"the region of key {value!r} cannot be known offline (add ?region=R)")
    if scheme == "gcpkms":
        match = _GCPKMS.match((parts.netloc + parts.path).strip("/"))
        if match is None:
            return Location(
                problem=f"malformed secrets provider {value!r}; expected "
                "gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K"
            )
        return Location("gcp", gcp_region_of(match.group(1)))
    if scheme in ("azurekeyvault", "hashivault"):
        return Location(problem=f"{scheme} key {value!r}: its location cannot be known offline")
    return Location(problem=f"malformed or unsupported secrets provider {value!r}")


def _mapping(doc: Any, where: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise InputError(where, "", "a YAML mapping", type(doc).__name__)
    return doc

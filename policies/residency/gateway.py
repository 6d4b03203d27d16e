"""The gateway never routes outside the jurisdiction: every server of a rendered haproxy.cfg is a declared
site whose location is allowed, dialled at a private address.

The rule reads the artefact the gateway runs (the ConfigMap's `haproxy.cfg`), not the decisions that made
it, so a hand-edited or escaped configuration is checked the same way. A private address is an RFC 1918 /
loopback / link-local IP, a cluster DNS name (`.svc.cluster.local`) or a name under `.internal` (reserved for
private use, never publicly resolvable).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence

from policies.config import ResolvedConfig
from policies.model import Res, StackContext
from policies.resources import as_mapping

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
CONFIG_FILE = "haproxy.cfg"
PRIVATE_SUFFIXES = (".svc.cluster.local", ".internal")
_SERVER = re.compile(r"^\s*server\s+(\S+)\s+(\S+)([^#\n]*)", re.MULTILINE)
_MAXCONN = re.compile(r"\bmaxconn\s+(\d+)")


def server_lines(text: str) -> list[tuple[str, str, int | None]]:
    """(name, address, maxconn or None) of every `server` line of an HAProxy configuration, in order."""
    out = []
    for name, address, rest in _SERVER.findall(text):
        cap = _MAXCONN.search(rest)
        out.append((name, address, int(cap.group(1)) if cap else None))
    return out


def gateway_servers(res: Res) -> list[tuple[str, str]]:
    """(server name, host) of every `server` line of a ConfigMap holding a haproxy.cfg; [] otherwise."""
    if res.type != CONFIG_MAP:
        return []
    text = as_mapping(res.props.get("data")).get(CONFIG_FILE)
    if not isinstance(text, str):
        return []
    return [(name, address.rsplit(":", 1)[0].strip("[]")) for name, address, _ in server_lines(text)]


def is_private(host: str) -> bool:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host.lower().rstrip(".").endswith(PRIVATE_SUFFIXES)
    return not ip.is_global and not ip.is_multicast and not ip.is_unspecified


def _site_allowed(kind: str, location: str, cfg: ResolvedConfig) -> bool:
    if kind == "aws":
        return cfg.allows_aws(location)
    if kind == "gcp":
        return cfg.allows_gcp(location)
    return location.upper() in cfg.onprem_locations


def check_gateway_backends(
    resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext
) -> Iterator[tuple[str, str]]:
    sites = {s.name: s for s in stack.fabric.sites} if stack.fabric is not None else None
    for res in resources:
        for name, host in gateway_servers(res):
            if not is_private(host):
                allowed = ", *".join(PRIVATE_SUFFIXES)
                yield (
                    f"gateway server {name!r} dials {host!r}, a public address (allowed: private IPs, *{allowed})",
                    res.urn,
                )
            if sites is None:
                continue
            site = sites.get(name)
            if site is None:
                yield f"gateway server {name!r} is not a site of this stack ({', '.join(sorted(sites))})", res.urn
            elif cfg.jurisdiction is not None and not _site_allowed(site.kind, site.region, cfg):
                yield (
                    f"gateway server {name!r} routes to site {name!r} in {site.region}, outside jurisdiction "
                    f"{cfg.jurisdiction!r} ({cfg.describe_allowed(site.kind)})",
                    res.urn,
                )

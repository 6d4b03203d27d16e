"""The gateway's haproxy.cfg, rendered from data: backends in spill order and the parameters below.

A sandboxed jinja2 environment with StrictUndefined: a name the template reads and the data lacks is an
error, never an empty string in a proxy configuration. Site names and addresses are checked before they
reach the file (they become HAProxy tokens).

Health checks (`option httpchk GET /health`, expect 200: vLLM answers 200 once the model is loaded) every
2 s, 1 s while a state change is pending; a server is down after 3 failed checks (~6 s) and back after 2
good ones (~2 s after recovery), so one slow check does not flap a site. Tests shorten them through
`HaproxyParams`, not by editing the text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from jinja2 import PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from gpufabric.decide.gateway import Backend, ServingFacts, backends, site_addresses
from gpufabric.spec import FabricSpec

BACKEND_NAME = "spill"  # the runtime API names servers `spill/<site>`
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class HaproxyParams:
    """Everything in the file besides the backends. Defaults are the deployed gateway's."""

    bind: str = ":8000"
    stats_bind: str = ":8404"
    # Loopback TCP inside the pod: reachable with `kubectl port-forward`, by nothing else (no Service port).
    runtime_socket: str = "ipv4@127.0.0.1:9999"
    queue_timeout_ms: int = 5000
    connect_timeout_ms: int = 3000
    client_timeout_ms: int = 600_000  # long generations stream for minutes
    server_timeout_ms: int = 600_000
    check_inter_ms: int = 2000
    check_fastinter_ms: int = 1000
    check_fall: int = 3
    check_rise: int = 2
    retries: int = 2
    global_maxconn: int = 20_000
    health_path: str = "/health"


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=PackageLoader("gpufabric.decide", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


_ENV = _environment()


def _check(backends: Sequence[Backend]) -> None:
    if not backends:
        raise ValueError("the gateway needs at least one backend")
    for b in backends:
        for value in (b.site, b.address):
            if not _TOKEN.match(value):
                raise ValueError(f"not a valid HAProxy server name or address token: {value!r}")
        if b.maxconn is not None and b.maxconn < 1:
            raise ValueError(f"maxconn of {b.site} must be at least 1, got {b.maxconn}")
    if len({b.site for b in backends}) != len(backends):
        raise ValueError("backend sites must be distinct")


def render(backends: Sequence[Backend], params: HaproxyParams, *, stack: str) -> str:
    """haproxy.cfg for these backends (in spill order) and parameters."""
    _check(backends)
    return _ENV.get_template("haproxy.cfg.j2").render(backends=list(backends), p=params, stack=stack)


def gateway_config(
    spec: FabricSpec, facts: ServingFacts, file: str, *, stack: str, addresses: dict[str, str] | None = None
) -> str:
    """The deployed gateway's haproxy.cfg for a stack: its backends (by the site address convention unless
    `addresses` are given) and the stack's queue timeout and port."""
    found = backends(spec, facts, addresses or site_addresses(spec), file)
    serving = spec.serving
    assert serving is not None  # backends() raised otherwise
    params = HaproxyParams(
        bind=f":{serving.port}", queue_timeout_ms=round(serving.gateway.queue_timeout_seconds * 1000)
    )
    return render(found, params, stack=stack)


def config_hash(text: str) -> str:
    """Short content hash: a pod annotation, so a changed configuration rolls the gateway's pods."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def maxconn_commands(backends: Sequence[Backend]) -> list[str]:
    """Runtime-API commands that set each capped server's maxconn on a running gateway (uncapped: 0 = none)."""
    return [f"set maxconn server {BACKEND_NAME}/{b.site} {b.maxconn if b.maxconn is not None else 0}" for b in backends]

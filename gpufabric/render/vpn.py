"""The on-prem end of a site's private links as files for its operators: strongSwan's swanctl.conf (route-based
tunnels on XFRM interfaces) and FRR's BGP configuration, from the same `LinkPlan`s the cloud components declare.

Nothing secret is written: pre-shared keys and the clouds' tunnel addresses exist only once the clouds have
made them, so the files carry placeholders `${links.<link>.<tunnel>.<field>}` that name the stack output to read.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from gpufabric.core import ipsec
from gpufabric.decide.links import OUTSIDE_IP, PRESHARED_KEY, STACK_OUTPUT, LinkPlan, TunnelPlan

FILES = ("swanctl.conf", "frr.conf")

_ENV = SandboxedEnvironment(
    loader=PackageLoader("gpufabric.render", "templates"),
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class OnpremTunnel:
    """One tunnel as the on-prem files name it."""

    name: str  # <link>-<tunnel>, the swanctl connection and child name
    if_id: int  # the XFRM interface id (1, 2, ... in link and tunnel order)
    link: LinkPlan
    tunnel: TunnelPlan
    outside_ip: str  # a placeholder naming the stack output
    preshared_key: str  # a placeholder naming the stack output


def placeholder(link: str, tunnel: str, field: str) -> str:
    """`${links.fra-stockholm.t1.preshared_key}`: the stack output field an operator puts here."""
    return "${" + f"{STACK_OUTPUT}.{link}.{tunnel}.{field}" + "}"


def onprem_tunnels(plans: list[LinkPlan]) -> list[OnpremTunnel]:
    tunnels = []
    for plan in sorted(plans, key=lambda p: p.name):
        for t in plan.tunnels:
            tunnels.append(
                OnpremTunnel(
                    name=f"{plan.name}-{t.key}",
                    if_id=len(tunnels) + 1,
                    link=plan,
                    tunnel=t,
                    outside_ip=placeholder(plan.name, t.key, OUTSIDE_IP),
                    preshared_key=placeholder(plan.name, t.key, PRESHARED_KEY),
                )
            )
    return tunnels


def render_onprem(site: str, stack: str, plans: list[LinkPlan]) -> dict[str, str]:
    """The files for on-prem site `site`: file name -> text (empty when the site has no links)."""
    mine = [p for p in plans if p.onprem_site == site]
    if not mine:
        return {}
    context = {
        "site": site,
        "stack": stack,
        "output": STACK_OUTPUT,
        "asn": mine[0].onprem_asn,
        "announce": mine[0].onprem_cidrs,
        "tunnels": onprem_tunnels(mine),
        "ike_proposal": ipsec.STRONGSWAN_IKE_PROPOSAL,
        "esp_proposal": ipsec.STRONGSWAN_ESP_PROPOSAL,
    }
    return {name: _ENV.get_template(f"{name}.j2").render(context) for name in FILES}

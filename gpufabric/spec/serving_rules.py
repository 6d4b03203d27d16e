"""Rules of the serving block against the sites: every site's weights in its own store inside the
jurisdiction, an internal address for each on-prem server, no entry for a site that does not exist.

Each problem is an `Issue` at a key path naming the site by name (`serving.sites.<site>.weights`), so a stack
file is fixed in one round. No Pulumi import: plain data.
"""

from __future__ import annotations

from ipaddress import IPv4Network

from gpufabric.core.vocabulary import POLICY_IMAGE_REGISTRY_ALLOWED, POLICY_WEIGHTS_IN_JURISDICTION
from gpufabric.spec.models import FabricSpec
from gpufabric.spec.serving import WEIGHTS_SCHEMES, SiteServingSpec
from gpufabric.spec.sites import OnpremSiteSpec, SiteSpec

Problem = tuple[tuple[str | int, ...], str, str, str]  # (path below serving.sites.<site>, expected, found, policy)


def serving_problems(spec: FabricSpec) -> list[Problem]:
    """(key path, expected, found, policy) of every serving problem; rules.py turns them into Issues."""
    if spec.serving is None:
        return []
    names = [s.name for s in spec.sites]
    out: list[Problem] = []
    for name in spec.serving.sites:
        if name not in names:
            out.append(
                (("serving", "sites", name), f"the name of a site of this stack, one of {', '.join(names)}", "", "")
            )
    for site in spec.sites:
        entry = spec.serving.sites.get(site.name)
        if entry is None:
            scheme = WEIGHTS_SCHEMES[site.kind]
            out.append(
                (
                    ("serving", "sites", site.name, "weights"),
                    f"where site {site.name!r} reads the model weights ({scheme}://...): the server never "
                    "downloads from a public hub",
                    "nothing",
                    POLICY_WEIGHTS_IN_JURISDICTION,
                )
            )
            continue
        out += [(("serving", "sites", site.name, *p), e, f, pol) for p, e, f, pol in _site_problems(spec, site, entry)]
    return out


def _site_problems(spec: FabricSpec, site: SiteSpec, entry: SiteServingSpec) -> list[Problem]:
    out: list[Problem] = []
    weights = entry.weights
    want = WEIGHTS_SCHEMES[site.kind]
    if weights.scheme != want:
        out.append(
            (
                ("weights", "uri"),
                f"a {want}:// location (site {site.name!r} reads weights from its own {site.kind} store)",
                repr(weights.uri),
                POLICY_WEIGHTS_IN_JURISDICTION,
            )
        )
    j = spec.resolved_jurisdiction()
    if isinstance(site, OnpremSiteSpec) and site.registry_mirror is None:
        out.append(
            (
                ("weights",),
                f"site {site.name!r} to declare `registry_mirror` first: its server image comes from the site's "
                "own registry, never a public one",
                "no registry_mirror on the site",
                POLICY_IMAGE_REGISTRY_ALLOWED,
            )
        )
    if isinstance(site, OnpremSiteSpec):
        if weights.location is not None:
            out.append((("weights", "location"), "no location (a PVC is in the site's own store)", "", ""))
    elif site.in_jurisdiction(j):  # else the site's region is already reported; its bucket would only repeat it
        location = weights.location or site.region
        if not j.allows(site.kind, location):
            allowed = ", ".join(site.allowed_regions(j))
            out.append(
                (
                    ("weights", "location"),
                    f"a location inside jurisdiction {j.name!r} ({allowed})",
                    repr(location),
                    POLICY_WEIGHTS_IN_JURISDICTION,
                )
            )
        elif site.kind == "aws" and location != site.region:
            out.append(
                (
                    ("weights", "location"),
                    f"the site's region {site.region!r} (pods reach S3 through the site's in-region endpoint)",
                    repr(location),
                    "",
                )
            )
    out += _address_problems(site, entry)
    return out


def _address_problems(site: SiteSpec, entry: SiteServingSpec) -> list[Problem]:
    if not isinstance(site, OnpremSiteSpec):
        if entry.internal_address is not None:
            return [
                (
                    ("internal_address",),
                    "no address (a cloud site's internal load balancer gets its address from the cloud)",
                    str(entry.internal_address),
                    "",
                )
            ]
        return []
    nodes = IPv4Network(site.network.nodes)
    if entry.internal_address is None:
        return [
            (
                ("internal_address",),
                f"the address of the on-prem server's internal load balancer, inside the nodes network {nodes}",
                "nothing",
                "",
            )
        ]
    if entry.internal_address not in nodes:
        return [
            (("internal_address",), f"an address inside the nodes network {nodes}", str(entry.internal_address), "")
        ]
    return []

"""Rules within one GCP site, checked against the shipped machine table (`gpufabric.core.gcp_machines`).

Each problem is (key path below the site, expected, found); `gpufabric.spec.rules` places it under the
site's path, so messages name the site and tier by name. Errors from the table name its date: a zone that
is missing may simply be newer than the table.
"""

from __future__ import annotations

from gpufabric.core import gcp_machines as table
from gpufabric.core.vocabulary import TierKind
from gpufabric.spec.sites.gcp import MIN_GKE_FOR_RESERVATION_PRIORITIES, GcpSiteSpec, gke_version_key

Problem = tuple[tuple[str | int, ...], str, str]


def gcp_site_problems(site: GcpSiteSpec) -> list[Problem]:
    """Every machine/accelerator/zone/version problem of a well-shaped GCP site."""
    out: list[Problem] = []
    for k, tier in enumerate(site.tiers):
        at = ("tiers", k)
        try:
            acc = table.accelerator_for(tier.machine_type)
        except KeyError as e:
            out.append(((*at, "machine_type"), str(e.args[0]), ""))
            continue
        per_node = table.gpus_per_node(tier.machine_type)
        if tier.gpu is not None and tier.gpu != acc.gpu:
            families = sorted({a.family for a in table.ACCELERATORS.values() if a.gpu == tier.gpu})
            out.append(
                (
                    (*at, "gpu"),
                    f"the GPU of {tier.machine_type} ({acc.gpu}, accelerator {acc.name}; table dated "
                    f"{table.TABLE_DATE}); {tier.gpu} comes with the {', '.join(families) or 'no'} families",
                    repr(tier.gpu),
                )
            )
        if tier.gpus_per_node is not None and tier.gpus_per_node != per_node:
            out.append(
                ((*at, "gpus_per_node"), f"{per_node}, the GPUs of one {tier.machine_type}", str(tier.gpus_per_node))
            )
        offered = table.zones_offering(acc.name, site.region)
        if not offered:
            out.append(
                (
                    (*at, "machine_type"),
                    f"a machine type whose accelerator is offered in {site.region}; {acc.name} ({tier.machine_type}) "
                    f"is offered in {', '.join(table.regions_offering(acc.name))} (table dated {table.TABLE_DATE})",
                    repr(tier.machine_type),
                )
            )
            continue
        for z, zone in enumerate(tier.zones or []):
            if zone not in offered:
                out.append(
                    (
                        (*at, "zones", z),
                        f"a zone of {site.region} offering {acc.name} ({', '.join(offered)}; table dated "
                        f"{table.TABLE_DATE})",
                        repr(zone),
                    )
                )
        if tier.zones and len(set(tier.zones)) != len(tier.zones):
            out.append(((*at, "zones"), "each zone once", ", ".join(tier.zones)))
    pinned = site.cluster.min_master_version
    has_reservation = any(t.kind == TierKind.RESERVED for t in site.tiers)
    if has_reservation and pinned and gke_version_key(pinned) < gke_version_key(MIN_GKE_FOR_RESERVATION_PRIORITIES):
        out.append(
            (
                ("cluster", "min_master_version"),
                f"GKE {MIN_GKE_FOR_RESERVATION_PRIORITIES} or later (reservations as ComputeClass priorities need "
                "it), or no pinned version",
                repr(pinned),
            )
        )
    return out

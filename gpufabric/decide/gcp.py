"""Pure decisions for a GCP site: address plan, zones, node pool and reservation arguments, ComputeClass body.

Everything here is plain data from the spec and the shipped machine table, so it is tested without Pulumi
and the components only declare what is decided here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from gpufabric.core import gcp_machines as table
from gpufabric.core.errors import DecisionError, InputError
from gpufabric.core.vocabulary import GPU_TAINT_KEY, TierKind

CONTROL_PLANE_PREFIX = 28  # GKE's private control plane needs a /28
RESERVATION_KEY = "compute.googleapis.com/reservation-name"
COMPUTE_CLASS_KEY = "cloud.google.com/compute-class"
# Never passed through an escape hatch: where a resource lives is the residency boundary.
LOCATION_ARGS = frozenset({"location", "region", "zone", "node_locations", "project"})


class AddressPlanError(DecisionError):
    """The site's block cannot hold the ranges asked for; the message says which and what would fit."""


@dataclass(frozen=True)
class AddressPlan:
    nodes: str
    control_plane: str
    secondary: dict[str, str]  # range name -> CIDR


def plan_addresses(cidr: str, node_prefix: int, ranges: list[tuple[str, int]]) -> AddressPlan:
    """Nodes take the block's first slot; then the control plane's /28 and each secondary range, in the
    order given, take the lowest aligned free block. A range depends only on the ranges before it, so
    appending a range never renumbers (never replaces) an existing one."""
    block = ipaddress.IPv4Network(cidr)
    if node_prefix < block.prefixlen:
        raise AddressPlanError(f"the nodes' /{node_prefix} does not fit the site's network {block}")
    nodes = ipaddress.IPv4Network((int(block.network_address), node_prefix))
    taken = [nodes]
    secondary: dict[str, str] = {}
    for name, prefix in [("control plane", CONTROL_PLANE_PREFIX), *ranges]:
        if prefix < block.prefixlen:
            raise AddressPlanError(f"secondary range {name!r} (/{prefix}) is larger than the site's network {block}")
        found = next(
            (c for c in block.subnets(new_prefix=prefix) if not any(c.overlaps(t) for t in taken)),
            None,
        )
        if found is None:
            raise AddressPlanError(
                f"no free /{prefix} left in {block} for secondary range {name!r} after "
                f"{', '.join(str(t) for t in taken)}; use a larger network.cidr or a longer prefix"
            )
        taken.append(found)
        secondary[name] = str(found)
    control = secondary.pop("control plane")
    return AddressPlan(nodes=str(nodes), control_plane=control, secondary=secondary)


@dataclass(frozen=True)
class GcpTierPlacement:
    tier: str
    accelerator: str
    gpus_per_node: int
    zones: tuple[str, ...]
    per_zone_count: dict[str, int]  # reserved tiers: nodes reserved per zone; elastic: empty


def place_gcp_tier(
    *,
    region: str,
    tier: str,
    kind: TierKind,
    machine_type: str,
    count: int | None,
    zones: list[str] | None,
    available: list[str],
    where: str = "",
) -> GcpTierPlacement:
    """A tier's zones: those it pins, else every available zone of the region that offers its accelerator."""
    acc = table.accelerator_for(machine_type)
    offered = [z for z in table.zones_offering(acc.name, region) if z in set(available)]
    chosen = sorted(zones) if zones else offered
    if not chosen or any(z not in offered for z in chosen):
        raise InputError(
            "",
            f"{where}.zones" if zones else f"{where}.machine_type",
            f"zones of {region} that offer {acc.name} and are up ({', '.join(offered) or 'none'}; "
            f"table dated {table.TABLE_DATE})",
            ", ".join(chosen) or "none",
        )
    per_zone: dict[str, int] = {}
    if kind == TierKind.RESERVED and count:
        chosen = even_zones(count, chosen)
        per_zone = {z: count // len(chosen) for z in chosen}
    return GcpTierPlacement(tier, acc.name, table.gpus_per_node(machine_type), tuple(chosen), per_zone)


def even_zones(count: int, zones: list[str]) -> list[str]:
    """The first (by name) n zones, n the most zones that split `count` evenly: a regional node pool's
    `node_count` is per zone, so each zone's reservation must hold the same number of nodes."""
    ordered = sorted(zones)
    n = max(k for k in range(1, len(ordered) + 1) if count % k == 0)
    return ordered[:n]


def compute_class_name(site: str) -> str:
    """The site's ComputeClass (GPU workloads select it with nodeSelector cloud.google.com/compute-class)."""
    return f"{site}-gpu"


def reservation_name(stack: str, site: str, tier: str, zone: str) -> str:
    """The reservation's physical name (the node pool and the ComputeClass consume it by this name)."""
    return f"{stack}-{site}-{tier}-{zone.rsplit('-', 1)[-1]}"[:63]


def reservation_args(*, name: str, zone: str, machine_type: str, accelerator: str, gpus: int, count: int) -> dict:
    """A specific reservation: only VMs that name it consume it, so the capacity stays for its node pool."""
    return {
        "name": name,
        "zone": zone,
        "specific_reservation_required": True,
        "specific_reservation": {
            "count": count,
            "instance_properties": {
                "machine_type": machine_type,
                "guest_accelerators": [{"accelerator_type": accelerator, "accelerator_count": gpus}],
            },
        },
    }


def node_config(
    *,
    machine_type: str,
    accelerator: str,
    gpus: int,
    driver: str,
    disk_gib: int,
    disk_key: Any,
    labels: dict[str, str],
    service_account: Any,
    spot: bool,
    reservations: list[str] | None,
    compute_class: str,
) -> dict[str, Any]:
    """A GPU node: GKE-installed driver, Shielded VM, CMEK boot disk, metadata server for Workload Identity.

    GKE taints GPU nodes `nvidia.com/gpu=present:NoSchedule` itself; inference workloads tolerate the key
    `nvidia.com/gpu` with operator Exists on every site kind."""
    config: dict[str, Any] = {
        "machine_type": machine_type,
        "guest_accelerators": [
            {"type": accelerator, "count": gpus, "gpu_driver_installation_config": {"gpu_driver_version": driver}}
        ],
        "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
        "boot_disk_kms_key": disk_key,
        "disk_size_gb": disk_gib,
        "disk_type": "pd-balanced",
        "workload_metadata_config": {"mode": "GKE_METADATA"},
        "service_account": service_account,
        "oauth_scopes": ["https://www.googleapis.com/auth/cloud-platform"],
        "labels": {**labels, COMPUTE_CLASS_KEY: compute_class},
        # GKE scales a manually created pool for a ComputeClass only when it carries the class's label and taint
        "taints": [{"key": COMPUTE_CLASS_KEY, "value": compute_class, "effect": "NO_SCHEDULE"}],
        "metadata": {"disable-legacy-endpoints": "true"},
    }
    if spot:
        config["spot"] = True
    if reservations:
        config["reservation_affinity"] = {
            "consume_reservation_type": "SPECIFIC_RESERVATION",
            "key": RESERVATION_KEY,
            "values": reservations,
        }
    return config


def autoscaling(kind: TierKind, floor: int, ceiling: int) -> dict[str, Any]:
    """Elastic tiers scale on total nodes; spot goes wherever capacity is (ANY), on-demand stays BALANCED."""
    return {
        "total_min_node_count": floor,
        "total_max_node_count": ceiling,
        "location_policy": "ANY" if kind == TierKind.SPOT else "BALANCED",
    }


def check_escape(escape: dict[str, Any], where: str) -> dict[str, Any]:
    """An escape hatch never moves a resource: no location, region, zone, node locations or project."""
    for key in sorted(escape):
        if key in LOCATION_ARGS:
            raise InputError(
                "",
                f"{where}.{key}",
                f"no {key!r} here (every resource of a GCP site lives in the site's project and region)",
                f"{key} {escape[key]!r}",
            )
    return escape


@dataclass(frozen=True)
class ClassTier:
    """One tier as the ComputeClass sees it, in overflow order."""

    kind: TierKind
    machine_type: str
    accelerator: str
    gpus: int
    reservations: tuple[str, ...] = ()


def compute_class(name: str, tiers: list[ClassTier]) -> dict[str, Any]:
    """The ComputeClass body: priorities in overflow order (reservation, spot, on-demand), moving work back to
    preferred capacity when it frees up, and never creating nodes outside the listed priorities."""
    priorities: list[dict[str, Any]] = []
    for t in tiers:
        rule: dict[str, Any] = {
            "machineType": t.machine_type,
            "gpu": {"type": t.accelerator, "count": t.gpus},
        }
        if t.kind == TierKind.RESERVED:
            rule["reservations"] = {
                "affinity": "Specific",
                "specific": [{"name": r} for r in t.reservations],
            }
        else:
            rule["spot"] = t.kind == TierKind.SPOT
        priorities.append(rule)
    return {
        "apiVersion": "cloud.google.com/v1",
        "kind": "ComputeClass",
        "metadata": {"name": name},
        "spec": {
            "priorities": priorities,
            "activeMigration": {"optimizeRulePriority": True},
            "whenUnsatisfiable": "DoNotScaleUp",
            "nodePoolAutoCreation": {"enabled": False},
        },
    }


GPU_TOLERATION = {"key": GPU_TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"}

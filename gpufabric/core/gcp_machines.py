"""The shipped table of GCP GPU machine families, their accelerators and the zones that offer them.

There is no moto for GCP, so these facts are shipped, dated data: placement, spec validation, sizing and the
offline engine read them here, and every error that comes from them names `TABLE_DATE`.

Source: Google Cloud documentation "GPU regions and zones availability"
(https://cloud.google.com/compute/docs/gpus/gpu-regions-zones) and "GPU machine types"
(https://cloud.google.com/compute/docs/gpus), as read on the date below; restricted to the GPU kinds of the
shared hardware table (`gpufabric.core.hardware`), which stays the one home of GPUs per machine type.
Zones change: refresh the table (and the date) rather than patching single rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from gpufabric.core import hardware

TABLE_DATE = "2026-06-01"
TABLE_SOURCE = "https://cloud.google.com/compute/docs/gpus/gpu-regions-zones"


@dataclass(frozen=True)
class Accelerator:
    """One GCP accelerator: its API name (`nvidia-l4`), the canonical GPU kind, the machine family carrying it."""

    name: str
    gpu: str
    family: str  # machine type prefix, e.g. `g2` or `a3-highgpu`
    zones: tuple[str, ...]  # every zone (all regions) that offers it


def _zones(**by_region: str) -> tuple[str, ...]:
    """`_zones(europe_west4="abc")` -> ('europe-west4-a', 'europe-west4-b', 'europe-west4-c')."""
    return tuple(sorted(f"{r.replace('_', '-')}-{letter}" for r, letters in by_region.items() for letter in letters))


ACCELERATORS: dict[str, Accelerator] = {
    a.name: a
    for a in (
        Accelerator(
            "nvidia-l4",
            "L4",
            "g2",
            _zones(
                europe_west1="bc",
                europe_west2="ab",
                europe_west3="ab",
                europe_west4="abc",
                europe_west6="bc",
                us_central1="abc",
                us_east1="bcd",
                us_east4="ac",
                us_west1="abc",
                us_west4="ac",
                asia_northeast1="ac",
                northamerica_northeast2="ab",
            ),
        ),
        Accelerator(
            "nvidia-h100-80gb",
            "H100",
            "a3-highgpu",
            _zones(
                europe_west1="bc", europe_west4="bc", us_central1="abc", us_east4="abc", us_east5="a", us_west1="ab"
            ),
        ),
        Accelerator(
            "nvidia-h100-mega-80gb",
            "H100",
            "a3-megagpu",
            _zones(europe_west1="b", europe_west4="b", us_central1="abc", us_east4="ab", us_east5="a"),
        ),
        Accelerator(
            "nvidia-h200-141gb",
            "H200",
            "a3-ultragpu",
            _zones(europe_west1="b", us_central1="b", us_east4="b", us_east5="a"),
        ),
        Accelerator(
            "nvidia-a100-80gb",
            "A100-80GB",
            "a2-ultragpu",
            _zones(europe_west4="a", us_central1="ac", us_east4="c", us_east5="b"),
        ),
        Accelerator(
            "nvidia-tesla-a100",
            "A100-40GB",
            "a2-highgpu",
            _zones(europe_west4="ab", us_central1="abcf", us_east1="b", us_west1="b", asia_northeast1="ac"),
        ),
    )
}

# a2-megagpu-16g carries the same A100 40 GB accelerator as a2-highgpu.
FAMILY_ALIASES: dict[str, str] = {"a2-megagpu": "a2-highgpu"}


def family_of(machine_type: str) -> str:
    """`g2-standard-8` -> `g2`, `a3-highgpu-8g` -> `a3-highgpu` (the part before the shape)."""
    parts = machine_type.split("-")
    family = parts[0] if parts[0] == "g2" else "-".join(parts[:2])
    return FAMILY_ALIASES.get(family, family)


def accelerator_for(machine_type: str) -> Accelerator:
    """The accelerator a GPU machine type carries; KeyError naming the known types and the table's date."""
    family = family_of(machine_type)
    try:
        hardware.lookup(machine_type, "gcp")
        return next(a for a in ACCELERATORS.values() if a.family == family)
    except (KeyError, StopIteration):
        known = ", ".join(hardware.known_machine_types("gcp"))
        raise KeyError(
            f"a GCP GPU machine type of the table dated {TABLE_DATE} ({known}), found {machine_type!r}"
        ) from None


def gpus_per_node(machine_type: str) -> int:
    """GPUs a machine type carries (from the shared hardware table)."""
    return hardware.lookup(machine_type, "gcp").gpus_per_node


def zones_offering(accelerator: str, region: str) -> list[str]:
    """The zones of `region` that offer `accelerator`, sorted (empty when none does)."""
    return sorted(z for z in ACCELERATORS[accelerator].zones if z.rsplit("-", 1)[0] == region)


def regions_offering(accelerator: str) -> list[str]:
    """Every region with at least one zone offering `accelerator`."""
    return sorted({z.rsplit("-", 1)[0] for z in ACCELERATORS[accelerator].zones})


def region_zones(region: str) -> list[str]:
    """The zones of a region that the table knows (the offline engine's answer to getZones)."""
    known = {z for a in ACCELERATORS.values() for z in a.zones if z.rsplit("-", 1)[0] == region}
    return sorted(known) or [f"{region}-{letter}" for letter in "abc"]

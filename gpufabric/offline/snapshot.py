"""The AZ / instance-type offerings snapshot the offline engine answers data sources from.

Asking moto at plan time costs about a second per region (it builds a whole mock EC2 backend), which
dominated plan start-up. `aws_offerings.json` holds the same answers, derived from moto's recorded AWS
data once: per region, its AZ names and, for each set of AZs, the instance types offered in exactly those.
Regenerate with `make snapshot` (after upgrading moto); tests check it still matches moto.
"""

from __future__ import annotations

import datetime
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from gpufabric.core.files import read_json

SNAPSHOT = Path(__file__).resolve().parent / "aws_offerings.json"

Offerings = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]  # (AZ names, sorted (instance type, AZ) pairs)


def from_moto(region: str) -> Offerings:
    """(AZ names, (instance type, AZ) offerings) of a region, asked of moto's mock EC2 (slow: ~1 s)."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "offline")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "offline")
    import boto3
    from moto import mock_aws

    with mock_aws():
        ec2 = boto3.client("ec2", region_name=region)
        zones = tuple(sorted(z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]))
        offerings: list[tuple[str, str]] = []
        paginator = ec2.get_paginator("describe_instance_type_offerings")
        for page in paginator.paginate(LocationType="availability-zone"):
            offerings += [(o["InstanceType"], o["Location"]) for o in page["InstanceTypeOfferings"]]
    return zones, tuple(sorted(offerings))


def moto_regions() -> list[str]:
    """The regions moto has recorded AZ offerings for."""
    import moto

    folder = Path(moto.__file__).parent / "ec2" / "resources" / "instance_type_offerings" / "availability-zone"
    return sorted(p.name.split(".")[0] for p in folder.glob("*.json*"))


def encode(zones: tuple[str, ...], offerings: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """One region, compactly: instance types grouped by the exact set of AZs that offer them."""
    by_type: dict[str, list[str]] = {}
    for itype, zone in offerings:
        by_type.setdefault(itype, []).append(zone)
    groups: dict[str, list[str]] = {}
    for itype, where in by_type.items():
        groups.setdefault(" ".join(sorted(where)), []).append(itype)
    return {"zones": list(zones), "offered_in": {k: sorted(v) for k, v in sorted(groups.items())}}


def decode(region: dict[str, Any]) -> Offerings:
    pairs = [(t, z) for key, types in region["offered_in"].items() for t in types for z in key.split()]
    return tuple(region["zones"]), tuple(sorted(pairs))


@lru_cache(maxsize=1)
def _snapshot() -> dict[str, Any]:
    return read_json(SNAPSHOT, what="AWS offerings snapshot")["regions"]


def snapshot_regions() -> list[str]:
    """The regions the snapshot answers for (no moto round trip): what `gpufabric new` offers."""
    return sorted(_snapshot())


@lru_cache(maxsize=64)
def region_offerings(region: str) -> Offerings:
    """A region's offerings from the snapshot; a region it lacks is asked of moto (once per process)."""
    data = _snapshot().get(region)
    return decode(data) if data is not None else from_moto(region)


def build() -> dict[str, Any]:
    """The whole snapshot, from moto: every region it has recorded offerings for."""
    import moto

    return {
        "source": f"moto {moto.__version__}: describe_availability_zones, describe_instance_type_offerings",
        "generated": datetime.date.today().isoformat(),
        "regions": {region: encode(*from_moto(region)) for region in moto_regions()},
    }


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(build(), indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}")

"""A small GCP-only fabric (the Eemshaven site of the running example) that GCP tests copy and change."""

from __future__ import annotations

import copy
from typing import Any

SITE = "gpufabric:fabric.sites[gcp-eemshaven]"

_FABRIC: dict[str, Any] = {
    "jurisdiction": "eu",
    "sites": [
        {
            "name": "gcp-eemshaven",
            "kind": "gcp",
            "project": "claims-assistant-eu",
            "region": "europe-west4",
            "network": {"cidr": "10.50.0.0/16"},
            "tiers": [
                {"name": "l4-reserved", "kind": "reserved", "machine_type": "g2-standard-8", "gpu": "L4", "count": 2},
                {"name": "l4-spot", "kind": "spot", "machine_type": "g2-standard-8", "max": 8},
                {"name": "l4-on-demand", "kind": "on_demand", "machine_type": "g2-standard-8", "max": 2},
            ],
        }
    ],
}


def gcp_fabric() -> dict[str, Any]:
    return copy.deepcopy(_FABRIC)


def gcp_site(fabric: dict[str, Any]) -> dict[str, Any]:
    return fabric["sites"][0]

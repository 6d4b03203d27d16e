"""Answers to data-source calls (invokes) during an offline plan.

Availability zones and instance-type offerings come from moto's recorded AWS data (a dated snapshot,
`snapshot.py`), so an offline plan places GPU types in the AZs that really offer them. Identity and
partition are fixed test values. GCP zones come from the shipped machine table (`core/gcp_machines.py`);
the project number is a fixed test value. A call nobody answers is an error naming its token: an offline
plan never makes up data silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gpufabric.core.gcp_machines import region_zones
from gpufabric.core.jurisdictions import aws_partition_of
from gpufabric.decide.aws import endpoint_service_name
from gpufabric.offline.snapshot import region_offerings

OFFLINE_ACCOUNT_ID = "123456789012"
_DNS_SUFFIX = {
    "aws": "amazonaws.com",
    "aws-cn": "amazonaws.com.cn",
    "aws-us-gov": "amazonaws.com",
    "aws-eusc": "amazonaws.eu",
}


class UnansweredCall(Exception):
    """A data source the offline engine has no answer for."""

    def __init__(self, token: str) -> None:
        super().__init__(
            f"the offline plan has no answer for data source {token!r}; "
            "add it to gpufabric/offline/datasources.py or avoid it in offline runs"
        )
        self.token = token


def availability_zones(region: str, args: dict[str, Any]) -> dict[str, Any]:
    zones, _ = region_offerings(region)
    return {
        "id": region,
        "names": list(zones),
        "zoneIds": [f"{region}-az{i + 1}" for i in range(len(zones))],
        "groupNames": [region] * len(zones),
        "state": args.get("state", "available"),
    }


def instance_type_offerings(region: str, args: dict[str, Any]) -> dict[str, Any]:
    _, offerings = region_offerings(region)
    wanted: set[str] | None = None
    for f in args.get("filters") or []:
        if f.get("name") == "instance-type":
            wanted = set(f.get("values") or [])
    rows = [(t, z) for t, z in offerings if wanted is None or t in wanted]
    return {
        "id": region,
        "instanceTypes": [t for t, _ in rows],
        "locations": [z for _, z in rows],
        "locationTypes": ["availability-zone"] * len(rows),
    }


def caller_identity(region: str, args: dict[str, Any]) -> dict[str, Any]:
    partition = aws_partition_of(region)
    return {
        "id": OFFLINE_ACCOUNT_ID,
        "accountId": OFFLINE_ACCOUNT_ID,
        "arn": f"arn:{partition}:iam::{OFFLINE_ACCOUNT_ID}:user/gpufabric-offline",
        "userId": "AIDAOFFLINEPLAN",
    }


def partition(region: str, args: dict[str, Any]) -> dict[str, Any]:
    name = aws_partition_of(region)
    return {
        "id": name,
        "partition": name,
        "dnsSuffix": _DNS_SUFFIX[name],
        "reverseDnsPrefix": "com.amazonaws",
    }


def region_info(region: str, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": region,
        "name": region,
        "region": region,
        "endpoint": f"ec2.{region}.amazonaws.com",
        "description": region,
    }


def vpc_endpoint_service(region: str, args: dict[str, Any]) -> dict[str, Any]:
    name = endpoint_service_name(region, args["service"])
    return {
        "id": name,
        "serviceName": name,
        "serviceType": args.get("serviceType", "Interface"),
        "service": args["service"],
        "availabilityZones": list(region_offerings(region)[0]),
        "privateDnsName": f"{args['service']}.{region}.amazonaws.com",
    }


OFFLINE_GCP_PROJECT_NUMBER = "100000000001"


def gcp_project(region: str, args: dict[str, Any]) -> dict[str, Any]:
    """A fixed project number (it names the service agents that get key grants); the id is the one asked for."""
    project = args.get("projectId") or args.get("project_id") or "offline-project"
    return {"id": f"projects/{project}", "projectId": project, "number": OFFLINE_GCP_PROJECT_NUMBER, "name": project}


def gcp_zones(region: str, args: dict[str, Any]) -> dict[str, Any]:
    """The zones the shipped machine table knows for the region (gpufabric.core.gcp_machines), all UP."""
    return {"id": region, "region": region, "names": region_zones(region), "status": args.get("status") or "UP"}


ANSWERS: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": availability_zones,
    "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": instance_type_offerings,
    "aws:index/getCallerIdentity:getCallerIdentity": caller_identity,
    "aws:index/getPartition:getPartition": partition,
    "aws:index/getRegion:getRegion": region_info,
    "aws:ec2/getVpcEndpointService:getVpcEndpointService": vpc_endpoint_service,
    "gcp:organizations/getProject:getProject": gcp_project,
    "gcp:compute/getZones:getZones": gcp_zones,
}


def answer(token: str, region: str, args: dict[str, Any]) -> dict[str, Any]:
    try:
        fn = ANSWERS[token]
    except KeyError:
        raise UnansweredCall(token) from None
    return fn(region, args)

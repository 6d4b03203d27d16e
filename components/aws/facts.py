"""What a site asks AWS before deciding anything: its account, partition and which AZs offer which types.

These are data sources (invokes). Under `pulumi up` AWS answers; under the offline engine moto's recorded
AWS data does. The answers are plain data handed to the pure decisions.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from gpufabric.decide.iam import Account


def account(provider: aws.Provider, region: str) -> Account:
    opts = pulumi.InvokeOptions(provider=provider)
    identity = aws.get_caller_identity(opts=opts)
    partition = aws.get_partition(opts=opts)
    return Account(
        partition=partition.partition,
        dns_suffix=partition.dns_suffix,
        account_id=identity.account_id,
        region=region,
    )


def offered_zones(provider: aws.Provider, region: str, instance_types: list[str]) -> dict[str, set[str]]:
    """Instance type -> the AZs of the region that offer it (missing types map to an empty set)."""
    result = aws.ec2.get_instance_type_offerings(
        region=region,
        location_type="availability-zone",
        filters=[{"name": "instance-type", "values": sorted(set(instance_types))}],
        opts=pulumi.InvokeOptions(provider=provider),
    )
    offered: dict[str, set[str]] = {t: set() for t in instance_types}
    for itype, zone in zip(result.instance_types, result.locations, strict=True):
        offered.setdefault(itype, set()).add(zone)
    return offered


def endpoint_service(provider: aws.Provider, service: str, service_type: str) -> pulumi.Output[str]:
    """The endpoint service name as the partition spells it (asked, not assumed).

    An output invoke: nothing waits on it synchronously, which keeps large offline plans linear.
    """
    return aws.ec2.get_vpc_endpoint_service_output(
        service=service, service_type=service_type, opts=pulumi.InvokeOutputOptions(provider=provider)
    ).service_name

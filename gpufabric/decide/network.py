"""The subnet plan: which CIDR each availability zone's subnets get, decided by the AZ's name.

A subnet's CIDR depends only on its AZ letter (a -> block 0, b -> block 1, ...), never on how many AZs
there are or in which order they are listed, so adding or removing an AZ never renumbers (and so never
replaces) an existing subnet. Public subnets, when a site opts into NAT egress, are carved from the VPC's
last block, again by AZ letter.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from gpufabric.core.errors import DecisionError

PUBLIC_SUBNET_EXTRA_BITS = 4  # public subnets only hold NAT gateways: 1/16th of a private subnet each
SMALLEST_AWS_SUBNET = 28  # AWS subnets are /16 to /28


@dataclass(frozen=True)
class SubnetPlan:
    private: dict[str, str]  # AZ name -> CIDR
    public: dict[str, str]  # AZ name -> CIDR (empty unless NAT egress)


class SubnetPlanError(DecisionError):
    """The VPC is too small for the AZs asked for; the message says what would fit."""


def az_index(az: str) -> int:
    """`eu-north-1c` -> 2. Standard AZ names end in one letter; that letter is the subnet's slot."""
    letter = az[-1]
    if not ("a" <= letter <= "z"):
        raise SubnetPlanError(f"availability zone {az!r} does not end in a zone letter")
    return ord(letter) - ord("a")


def plan_subnets(vpc_cidr: str, azs: list[str], prefix: int, public: bool = False) -> SubnetPlan:
    """Private (and optionally public) subnet CIDRs per AZ, stable under adding and removing AZs."""
    vpc = ipaddress.IPv4Network(vpc_cidr)
    if prefix < vpc.prefixlen:
        raise SubnetPlanError(f"subnet prefix /{prefix} is larger than the VPC {vpc}")
    blocks = 2 ** (prefix - vpc.prefixlen)
    usable = blocks - 1  # the last block is kept for public subnets (even when unused, so opting in later fits)
    private: dict[str, str] = {}
    public_cidrs: dict[str, str] = {}
    for az in sorted(azs):
        i = az_index(az)
        if i >= usable:
            raise SubnetPlanError(
                f"VPC {vpc} holds {usable} /{prefix} subnets (zone letters a-{chr(ord('a') + usable - 1)}), "
                f"but zone {az!r} needs slot {i + 1}; use a larger network.cidr or a longer network.subnet_prefix"
            )
        private[az] = str(_nth_subnet(vpc, prefix, i))
        if public:
            public_prefix = prefix + PUBLIC_SUBNET_EXTRA_BITS
            if public_prefix > SMALLEST_AWS_SUBNET:
                raise SubnetPlanError(
                    f"NAT egress needs public /{public_prefix} subnets, smaller than AWS allows "
                    f"(/{SMALLEST_AWS_SUBNET}); use a network.subnet_prefix of {SMALLEST_AWS_SUBNET - 4} or less"
                )
            if i >= 2**PUBLIC_SUBNET_EXTRA_BITS:
                raise SubnetPlanError(
                    f"NAT egress holds public subnets for zone letters a-p only, but zone {az!r} needs slot {i + 1}"
                )
            last = _nth_subnet(vpc, prefix, blocks - 1)
            public_cidrs[az] = str(_nth_subnet(last, public_prefix, i))
    return SubnetPlan(private=private, public=public_cidrs)


def _nth_subnet(net: ipaddress.IPv4Network, prefix: int, n: int) -> ipaddress.IPv4Network:
    size = 2 ** (32 - prefix)
    return ipaddress.IPv4Network((int(net.network_address) + n * size, prefix))

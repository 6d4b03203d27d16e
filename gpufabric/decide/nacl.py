"""The default network ACL of a site's VPC, decided: declared explicitly so that drift shows in a plan.

Why these rules: network ACLs are stateless, so every reply needs an inbound rule of its own. Security
groups (stateful) and the absence of an internet route are what keep the nodes private; the ACL adds
one thing on top, cheaply and without breaking replies: from outside the VPC, only TCP/UDP replies to
ephemeral ports get in (replies from the S3 gateway endpoint's public addresses, and from the internet
for sites that opted into NAT egress). Unsolicited traffic to service ports from outside the VPC is
dropped at the subnet edge even if a security group is later opened by mistake. Inside the VPC
everything passes (nodes, control-plane ENIs and interface endpoints talk to each other).

Ephemeral range 1024-65535: what AWS documents for NAT gateways and the Linux kernels of EKS nodes
(https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html#nacl-ephemeral-ports).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ANYWHERE = "0.0.0.0/0"
EPHEMERAL = (1024, 65535)
PROTOCOL_NUMBERS = {"all": "-1", "tcp": "6", "udp": "17"}


@dataclass(frozen=True)
class AclRule:
    rule_no: int
    protocol: str  # "all", "tcp" or "udp"
    cidr: str
    from_port: int = 0
    to_port: int = 0

    def args(self) -> dict[str, Any]:
        """The rule as pulumi-aws's DefaultNetworkAcl ingress/egress argument (snake_case)."""
        return {
            "rule_no": self.rule_no,
            "action": "allow",
            "protocol": PROTOCOL_NUMBERS[self.protocol],
            "cidr_block": self.cidr,
            "from_port": self.from_port,
            "to_port": self.to_port,
        }


def ingress(vpc_cidr: str) -> list[AclRule]:
    """Everything from inside the VPC; from outside, only replies to ephemeral ports."""
    return [
        AclRule(100, "all", vpc_cidr),
        AclRule(200, "tcp", ANYWHERE, *EPHEMERAL),
        AclRule(210, "udp", ANYWHERE, *EPHEMERAL),
    ]


def egress() -> list[AclRule]:
    """Outbound is decided by routes (no internet route unless NAT egress) and security groups."""
    return [AclRule(100, "all", ANYWHERE)]

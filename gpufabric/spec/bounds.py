"""Sane bounds: what the spec refuses because the cloud (or common sense) would refuse it.

One home for every bound, as Annotated types a site kind adopts by changing an annotation (`count: NodeCount`,
`cidr: PrivateCidr`, `tags: Tags`, `labels: Labels`). Each refusal is a sentence "expected ..., found ..."
that the loader reports at the key path. README "Sane bounds" lists every bound here and why.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from gpufabric.core.aws_baseline import PRIVATE_VPC_RANGES
from gpufabric.core.eks_versions import supported_eks_versions
from gpufabric.core.naming import FABRIC_TAGS_PER_RESOURCE, is_reserved_label, is_reserved_tag

# Counts. A tier of 100,000 nodes is far above any single cluster's scale (upstream Kubernetes is tested to
# 5,000 nodes); the fabric bound keeps sizing and planning finite.
MAX_TIER_NODES = 100_000
MAX_FABRIC_NODES = 1_000_000
MAX_SYSTEM_NODES = 450  # the largest max size of one EKS managed node group
MAX_CAPACITY_BLOCK_INSTANCES = 64  # EC2 Capacity Blocks for ML sell 1-64 instances
MIN_DISK_GIB, MAX_DISK_GIB = 20, 16_384  # an EKS node's root volume: at least the AMI, at most 16 TiB (gp3)

# CloudWatch Logs accepts only these retention periods (days); VPC flow logs and EKS control-plane logs use them.
RETENTION_DAYS: tuple[int, ...] = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192)
RETENTION_DAYS += (2557, 2922, 3288, 3653)

# AWS accepts these ranges for a VPC (RFC 1918 and the shared address space of RFC 6598).
PRIVATE_RANGES = PRIVATE_VPC_RANGES  # one home: gpufabric.core.aws_baseline (the rule private-vpc-cidr reads it too)
MAX_PUBLIC_ACCESS_CIDRS = 40  # EKS: at most 40 CIDR blocks may reach a public cluster endpoint

MAX_TAGS_PER_RESOURCE = 50  # AWS: at most 50 tags on one resource
MAX_USER_TAGS = MAX_TAGS_PER_RESOURCE - FABRIC_TAGS_PER_RESOURCE
AWS_PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-eusc")


def _whole(v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"expected {what} as a whole number (an integer), found {v!r}")
    return v


def bounded(lo: int, hi: int, what: str, why: str) -> Any:
    """A strict integer within [lo, hi]: YAML `true` and `2.5` are not counts."""

    def check(v: Any) -> int:
        n = _whole(v, what)
        if not lo <= n <= hi:
            raise ValueError(f"expected {what} from {lo} to {hi:,} ({why}), found {n:,}")
        return n

    return Annotated[int, BeforeValidator(check)]


NodeCount = bounded(1, MAX_TIER_NODES, "a node count", "gpufabric's per-tier bound")
NodeFloor = bounded(0, MAX_TIER_NODES, "a node floor", "gpufabric's per-tier bound")
SystemNodeCount = bounded(1, MAX_SYSTEM_NODES, "a system node count", "the EKS managed node group limit")
CapacityBlockCount = bounded(
    1, MAX_CAPACITY_BLOCK_INSTANCES, "a capacity block size", "EC2 Capacity Blocks sell 1-64 instances"
)
DiskGib = bounded(MIN_DISK_GIB, MAX_DISK_GIB, "a disk size in GiB", "an EBS root volume")
SubnetPrefix = bounded(16, 26, "a subnet prefix length", "AWS subnets are /16-/28; /26 leaves room for NAT /28s")


def _retention(v: Any) -> int:
    n = _whole(v, "a retention in days")
    if n not in RETENTION_DAYS:
        allowed = ", ".join(map(str, RETENTION_DAYS))
        raise ValueError(f"expected a retention CloudWatch Logs accepts ({allowed}), found {n}")
    return n


RetentionDays = Annotated[int, BeforeValidator(_retention)]


def _network(v: Any, example: str) -> ipaddress.IPv4Network:
    if not isinstance(v, str):
        raise ValueError(f"expected an IPv4 network in CIDR notation like {example}, found {v!r}")
    try:
        return ipaddress.IPv4Network(v, strict=True)
    except ValueError as e:
        raise ValueError(f"expected an IPv4 network in CIDR notation like {example}, found {v!r} ({e})") from None


def _address_class(net: ipaddress.IPv4Network) -> str:
    """Why a network is not one AWS takes for a VPC, in words."""
    for test, name in (
        (lambda n: n.network_address.packed[0] == 0, "the 'this network' range 0.0.0.0/8"),
        (lambda n: n.is_loopback, "loopback (127.0.0.0/8)"),
        (lambda n: n.is_link_local, "link-local (169.254.0.0/16)"),
        (lambda n: n.is_multicast, "multicast (224.0.0.0/4)"),
        (lambda n: n.is_reserved, "reserved (240.0.0.0/4)"),
    ):
        if test(net):
            return name
    return "not a private range"


def _private_cidr(v: Any) -> str:
    net = _network(v, "10.40.0.0/16")
    if not any(net.subnet_of(r) for r in PRIVATE_RANGES):
        ranges = ", ".join(map(str, PRIVATE_RANGES))
        raise ValueError(f"expected a private network inside {ranges}, found {v!r}: {_address_class(net)}")
    return v


PrivateCidr = Annotated[str, BeforeValidator(_private_cidr)]


def _public_access_cidrs(v: Any) -> list[str]:
    if not isinstance(v, list):
        return v  # the list type reports it
    if len(v) > MAX_PUBLIC_ACCESS_CIDRS:
        raise ValueError(f"expected at most {MAX_PUBLIC_ACCESS_CIDRS} CIDR blocks (EKS limit), found {len(v)}")
    for c in v:
        _network(c, "203.0.113.0/24")
    return v


PublicAccessCidrs = Annotated[list[str], BeforeValidator(_public_access_cidrs)]


def _eks_version(v: Any) -> str:
    known = supported_eks_versions()
    if v not in known:
        raise ValueError(f"expected an EKS version gpufabric knows ({', '.join(known)}), found {v!r}")
    return v


EksVersion = Annotated[str, BeforeValidator(_eks_version)]

_TAG_TEXT = re.compile(r"^[\w .:/=+\-@]*$", re.UNICODE)


def _tags(v: Any) -> dict[str, str]:
    if not isinstance(v, dict):
        return v  # the dict type reports it
    for key, value in v.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or not _TAG_TEXT.match(key):
            raise ValueError(f"expected tag keys of 1-128 letters, digits, spaces and _.:/=+-@, found {key!r}")
        if key.lower().startswith("aws:"):
            raise ValueError(f"expected no tag key with the prefix 'aws:' (reserved by AWS), found {key!r}")
        if is_reserved_tag(key):
            raise ValueError(f"expected no tag key with the prefix 'gpufabric:' (set by the fabric), found {key!r}")
        if not isinstance(value, str) or len(value) > 256 or not _TAG_TEXT.match(value):
            raise ValueError(
                f"expected tag values of at most 256 letters, digits, spaces and _.:/=+-@, found {key}: {value!r}"
            )
    if len(v) > MAX_USER_TAGS:
        raise ValueError(
            f"expected at most {MAX_USER_TAGS} tags (AWS allows {MAX_TAGS_PER_RESOURCE} per resource and the fabric "
            f"adds {FABRIC_TAGS_PER_RESOURCE}), found {len(v)}"
        )
    return v


Tags = Annotated[dict[str, str], BeforeValidator(_tags)]

_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_DNS_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_LABEL_KEY = re.compile(rf"^(({_DNS_SUBDOMAIN})/)?{_LABEL_NAME}$")
_LABEL_VALUE = re.compile(rf"^({_LABEL_NAME})?$")


def _labels(v: Any) -> dict[str, str]:
    if not isinstance(v, dict):
        return v
    for key, value in v.items():
        prefix = key.split("/", 1)[0] if isinstance(key, str) and "/" in key else ""
        if not isinstance(key, str) or not _LABEL_KEY.match(key) or len(prefix) > 253:
            raise ValueError(
                "expected Kubernetes label keys like example.com/team (an optional DNS prefix and '/', then 1-63 "
                f"letters, digits, '-', '_', '.'), found {key!r}"
            )
        if is_reserved_label(key):
            raise ValueError(
                f"expected no label key reserved by the fabric (topology.kubernetes.io/region, gpufabric.io/*), "
                f"found {key!r}"
            )
        if not isinstance(value, str) or not _LABEL_VALUE.match(value):
            raise ValueError(
                f"expected Kubernetes label values of at most 63 letters, digits, '-', '_', '.', found {key}: {value!r}"
            )
    return v


Labels = Annotated[dict[str, str], BeforeValidator(_labels)]

_ROLE_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov|aws-eusc):iam::\d{12}:role/[\w+=,.@/-]+$")


def _role_arn(v: Any) -> str:
    if isinstance(v, str) and "*" in v:
        raise ValueError(f"expected one IAM role ARN, not a wildcard (it would exempt every principal), found {v!r}")
    if not isinstance(v, str) or not _ROLE_ARN.match(v):
        raise ValueError(
            f"expected IAM role ARNs like arn:aws:iam::123456789012:role/name (partition one of "
            f"{', '.join(AWS_PARTITIONS)}), found {v!r}"
        )
    return v


RoleArn = Annotated[str, BeforeValidator(_role_arn)]

# An exemption from the region-deny SCP may be written with wildcards; it passes the shape check so that the
# cross-cutting rules can refuse it as what it is, a neutered guardrail (policy guardrails-intact), by name.
_EXEMPT_ARN = re.compile(r"^\*$|^arn:[\w*-]+:iam::[\d*]{1,12}:role/[\w+=,.@/*-]+$")


def _exempt_role_arn(v: Any) -> str:
    if isinstance(v, str) and "*" in v and _EXEMPT_ARN.match(v):
        return v
    return _role_arn(v)


ExemptRoleArn = Annotated[str, BeforeValidator(_exempt_role_arn)]


def is_wildcard_arn(arn: str) -> bool:
    return "*" in arn


def partition_of_arn(arn: str) -> str:
    """`arn:aws-eusc:iam::...` -> `aws-eusc`."""
    return arn.split(":", 2)[1]

"""What the overflow proofs read from a plan: the fabric's overflow order, and each autoscaler object with
the site and tier it serves.

The order comes from the spec (`gpufabric.spec.overflow`, its one home); an object says which tier it serves
through the fabric's labels (`gpufabric.io/site`, `gpufabric.io/tier`). Without a spec (a bare CrossGuard
run), the objects' own `gpufabric.io/overflow-rank` annotations or labels stand in for the order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gpufabric.core.autoscaling import CAPACITY_RESERVATION_TYPES, EKS_NODE_GROUP_TYPE, GKE_NODE_POOL_TYPE
from gpufabric.core.vocabulary import LABEL_OVERFLOW_RANK, LABEL_SITE, LABEL_TIER, LABEL_TIER_KIND, TAG_SITE, TAG_TIER
from gpufabric.spec.overflow import overflow_order
from policies.model import Res, StackContext
from policies.resources import as_list, as_mapping, aws_tags, dig


@dataclass(frozen=True)
class Order:
    """The fabric's overflow order: rank and kind of each (site, tier), and each site's tiers in order."""

    ranks: Mapping[tuple[str, str], int]
    kinds: Mapping[tuple[str, str], str]

    def rank(self, site: str, tier: str) -> int | None:
        return self.ranks.get((site, tier))

    def site_tiers(self, site: str) -> list[str]:
        """The site's tiers, first used first."""
        return [t for (s, t), _ in sorted(self.ranks.items(), key=lambda kv: kv[1]) if s == site]

    def last_tier(self, site: str) -> str | None:
        tiers = self.site_tiers(site)
        return tiers[-1] if tiers else None


def fabric_order(stack: StackContext, objects: Iterable[Res] = ()) -> Order:
    """The spec's order; without a spec, the ranks the objects carry (annotation or label)."""
    if stack.fabric is not None:
        refs = overflow_order(stack.fabric)
        return Order({(r.site, r.tier): r.rank for r in refs}, {(r.site, r.tier): str(r.kind) for r in refs})
    ranks: dict[tuple[str, str], int] = {}
    kinds: dict[tuple[str, str], str] = {}
    for res in objects:
        site, tier = site_tier(res)
        rank = carried_rank(res)
        if site and tier and rank is not None:
            ranks[(site, tier)] = rank
            kind = object_labels(res).get(LABEL_TIER_KIND)
            if kind:
                kinds[(site, tier)] = kind
    return Order(ranks, kinds)


def metadata(res: Res) -> Mapping[str, Any]:
    return as_mapping(res.props.get("metadata"))


def object_name(res: Res) -> str:
    """A Kubernetes object's name (metadata.name), an AWS/GCP resource's physical name, else its Pulumi name."""
    for value in (metadata(res).get("name"), res.props.get("nodeGroupName"), res.props.get("name")):
        if isinstance(value, str) and value:
            return value
    return res.name


def object_labels(res: Res) -> dict[str, str]:
    """The fabric labels an object carries: Kubernetes metadata labels, EKS / GKE node labels, AWS tags."""
    if res.type == EKS_NODE_GROUP_TYPE:
        raw = res.props.get("labels")
    elif res.type == GKE_NODE_POOL_TYPE:
        raw = dig(res.props, "nodeConfig", "labels")
    elif res.type.startswith("aws:"):
        tags = aws_tags(res)
        return {LABEL_SITE: tags.get(TAG_SITE, ""), LABEL_TIER: tags.get(TAG_TIER, "")}
    else:
        raw = metadata(res).get("labels")
    return {str(k): str(v) for k, v in as_mapping(raw).items()}


def site_tier(res: Res) -> tuple[str, str]:
    labels = object_labels(res)
    return labels.get(LABEL_SITE, ""), labels.get(LABEL_TIER, "")


def carried_rank(res: Res) -> int | None:
    """The rank an object says it has (annotation, else label); None when absent or not an integer."""
    for source in (as_mapping(metadata(res).get("annotations")), object_labels(res)):
        value = source.get(LABEL_OVERFLOW_RANK)
        if value is not None:
            try:
                return int(str(value))
            except ValueError:
                return None
    return None


def of_type(resources: Sequence[Res], *types: str) -> list[Res]:
    return [r for r in resources if r.type in types]


def resource_id(res: Res) -> str:
    """A resource's physical id: the plan's, else an `id` output (stack policies see outputs), else the last
    segment of its ARN (`.../cr-0123` for a capacity reservation)."""
    if res.id:
        return res.id
    own = res.props.get("id")
    if isinstance(own, str) and own:
        return own
    arn = res.props.get("arn")
    return arn.rsplit("/", 1)[-1] if isinstance(arn, str) and "/" in arn else ""


@dataclass(frozen=True)
class Reservation:
    res: Res
    id: str
    site: str
    tier: str

    @property
    def name(self) -> str:
        return object_name(self.res)


def reservations(resources: Sequence[Res], stack: StackContext) -> list[Reservation]:
    """The plan's AWS capacity reservations with the tier that owns each: by the fabric's tags, else by the
    tier component that declares it (`<site>-<tier>`, the CapacityTier's name), else by the `<site>-<tier>-`
    prefix of its own name (CrossGuard hands stack policies no parent)."""
    owners: dict[str, tuple[str, str]] = {}
    if stack.fabric is not None:
        owners = {f"{s.name}-{t.name}": (s.name, t.name) for s in stack.fabric.sites for t in s.tiers}
    out = []
    for res in of_type(resources, *CAPACITY_RESERVATION_TYPES):
        site, tier = site_tier(res)
        if not (site and tier):
            site, tier = owners.get(res.parent.rsplit("::", 1)[-1], ("", ""))
        if not (site and tier):
            prefixes = sorted((p for p in owners if res.name.startswith(f"{p}-") or res.name == p), key=len)
            site, tier = owners[prefixes[-1]] if prefixes else ("", "")
        out.append(Reservation(res, resource_id(res), site, tier))
    return out


def requirements(pool: Res) -> list[Mapping[str, Any]]:
    """A NodePool's scheduling requirements (spec.template.spec.requirements)."""
    reqs = dig(pool.props, "spec", "template", "spec", "requirements")
    return [r for r in as_list(reqs) if isinstance(r, Mapping)]


def requirement_allows(reqs: Sequence[Mapping[str, Any]], key: str, value: str) -> bool:
    """Whether every requirement on `key` admits `value` (Kubernetes node-selector semantics; Gt/Lt are not
    used on the keys the proofs read, and count as admitting)."""
    for req in reqs:
        if req.get("key") != key:
            continue
        op, values = req.get("operator"), [str(v) for v in as_list(req.get("values"))]
        if (op == "In" and value not in values) or (op == "NotIn" and value in values) or op == "DoesNotExist":
            return False
    return True


def requirement_values(reqs: Sequence[Mapping[str, Any]], key: str) -> set[str] | None:
    """The values an `In` requirement on `key` allows (intersected), None when nothing restricts them."""
    allowed: set[str] | None = None
    for req in reqs:
        if req.get("key") == key and req.get("operator") == "In":
            values = {str(v) for v in as_list(req.get("values"))}
            allowed = values if allowed is None else allowed & values
    return allowed


def where(site: str, tier: str, order: Order) -> str:
    """`site aws-stockholm, tier h100-reserved (rank 2)` for messages."""
    rank = order.rank(site, tier)
    return f"site {site or '?'}, tier {tier or '?'}" + (f" (overflow rank {rank})" if rank is not None else "")

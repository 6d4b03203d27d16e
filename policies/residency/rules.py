"""Residency rules: where every resource, object, workload and image lives, as pure functions.

Rule numbers follow issue 3. Each check yields one message per problem, phrased as what was found against
what is allowed, so a reader of a CI log can act without opening this file.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gpufabric.core.aws_baseline import GLOBAL_SERVICE_ACTIONS, SCP_PRINCIPAL_KEY, SCP_REGION_KEY
from gpufabric.core.charts import registry_host
from gpufabric.core.jurisdictions import jurisdiction_of
from gpufabric.core.vocabulary import (
    LABEL_REGION,
    POLICY_IMAGE_REGISTRY_ALLOWED,
    POLICY_ONPREM_COUNTRY_ALLOWED,
    TAG_JURISDICTION,
)
from policies.config import ResolvedConfig
from policies.kube import declared_mirrors, helm_chart_sources, helm_images, is_helm_release
from policies.model import Enforcement, Pack, Res, Rule, Severity, StackContext
from policies.residency.gateway import check_gateway_backends
from policies.residency.serving import serving_rules
from policies.residency.state import rules as state_rules
from policies.resources import (
    as_list,
    as_mapping,
    aws_locations,
    aws_region,
    aws_tags,
    containers,
    dig,
    gcp_label_key,
    gcp_labels,
    gcp_locations,
    image_registry,
    is_aws,
    is_gcp,
    pod_spec,
    taggable,
)

PACK = "gpufabric-residency"
LOCATION_KEYS = ("jurisdiction", "allowedAwsRegions", "allowedGcpRegions", "allowedOnpremLocations")

NO_JURISDICTION = (
    "no jurisdiction to check against: set `jurisdiction` in the policy config or in the stack's gpufabric:fabric spec"
)


def locations(res: Res, stack: StackContext) -> list[tuple[str, str, str]]:
    """(provider kind, input it came from, region) for every place this resource says it lives."""
    if is_aws(res):
        return [("aws", src, region) for src, region in aws_locations(res, stack)]
    if is_gcp(res):
        return [("gcp", src, region) for src, region in gcp_locations(res, stack)]
    return []


def _allowed(cfg: ResolvedConfig, provider: str, region: str) -> bool:
    return cfg.allows_aws(region) if provider == "aws" else cfg.allows_gcp(region)


# ------------------------------------------------------------------------------------------- rule 1


def check_region_allowed(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 1: every AWS resource's effective region and every GCP location is allowed."""
    seen: set[tuple[str, str]] = set()
    for provider, source, region in locations(res, stack):
        if (provider, region) in seen:
            continue
        seen.add((provider, region))
        if cfg.jurisdiction is None:
            yield NO_JURISDICTION
            return
        if not _allowed(cfg, provider, region):
            yield (
                f"{provider.upper()} {source} {region!r} is outside jurisdiction {cfg.jurisdiction!r} "
                f"(allowed {provider.upper()} regions: {cfg.describe_allowed(provider)})"
            )


# ------------------------------------------------------------------------------------------- rule 2


def _jurisdiction_of(cfg: ResolvedConfig, provider: str, region: str) -> str:
    """A region the policy config explicitly allows counts as the configured jurisdiction; otherwise the
    built-in table says which one it is in."""
    if cfg.jurisdiction and _allowed(cfg, provider, region):
        return cfg.jurisdiction
    return jurisdiction_of(provider, region) or f"unknown ({provider} {region})"


def check_single_jurisdiction(
    resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext
) -> Iterator[tuple[str, str]]:
    """Rule 2: the stack as a whole spans exactly one jurisdiction, and its jurisdiction tags agree."""
    if cfg.jurisdiction is None:
        yield NO_JURISDICTION, ""
        return
    spans: Counter[str] = Counter()
    for res in resources:
        for j in {_jurisdiction_of(cfg, p, r) for p, _, r in locations(res, stack)}:
            spans[j] += 1
    foreign = {j: n for j, n in spans.items() if j != cfg.jurisdiction}
    if foreign:
        listing = ", ".join(f"{j} ({n} resources)" for j, n in sorted(spans.items()))
        yield f"the stack spans {len(spans)} jurisdictions, expected only {cfg.jurisdiction!r}: {listing}", ""
    for res in resources:
        if not is_aws(res) or res.is_provider:
            continue
        tagged = aws_tags(res).get(TAG_JURISDICTION)
        if tagged is not None and tagged != cfg.jurisdiction:
            yield (
                f"tag {TAG_JURISDICTION}={tagged!r} disagrees with the stack's jurisdiction {cfg.jurisdiction!r}",
                res.urn,
            )


# ------------------------------------------------------------------------------------------- rule 6

S3_BUCKET_TYPES = {"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"}
S3_REPLICATION_TYPES = {"aws:s3/bucketReplicationConfig:BucketReplicationConfig"}
STORAGE_TYPES = S3_BUCKET_TYPES | {"gcp:storage/bucket:Bucket"}


def _bucket_names(res: Res) -> set[str]:
    return {n for n in (res.props.get("bucket"), res.name) if isinstance(n, str) and n}


def _destination_names(res: Res) -> Iterator[str]:
    """Destination bucket names of a replication config (separate resource or inline on a bucket)."""
    if res.type in S3_REPLICATION_TYPES:
        rules = as_list(res.props.get("rules"))
        dests = [dig(r, "destination", "bucket") for r in rules]
    else:
        rules = as_list(dig(res.props, "replicationConfiguration", "rules"))
        dests = [dig(r, "destination", "bucket") for r in rules]
        dests += [d.get("bucket") for r in rules for d in as_list(as_mapping(r).get("destinations"))]
    for arn in dests:
        if isinstance(arn, str) and arn:
            yield arn.rsplit(":", 1)[-1].split("/", 1)[0]


def check_storage(resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext) -> Iterator[tuple[str, str]]:
    """Rule 6: buckets for models and artifacts stay in-jurisdiction and replicate only to buckets that do.

    S3 ARNs carry no region, so a replication destination is resolved against the buckets of this stack;
    a destination the stack does not declare cannot be proven resident and is reported."""
    if cfg.jurisdiction is None:
        yield NO_JURISDICTION, ""
        return
    buckets = [r for r in resources if r.type in STORAGE_TYPES]
    by_name = {n: b for b in buckets for n in _bucket_names(b)}
    for bucket in buckets:
        for provider, source, region in locations(bucket, stack):
            if not _allowed(cfg, provider, region):
                yield (
                    f"bucket {bucket.name!r} stores data in {region!r} ({source}), outside jurisdiction "
                    f"{cfg.jurisdiction!r}",
                    bucket.urn,
                )
    for res in resources:
        if res.type not in S3_REPLICATION_TYPES and res.type not in S3_BUCKET_TYPES:
            continue
        for dest in _destination_names(res):
            target = by_name.get(dest)
            if target is None:
                yield (
                    f"replicates to bucket {dest!r}, which this stack does not declare: its region cannot be "
                    "proven inside the jurisdiction",
                    res.urn,
                )
                continue
            region = aws_region(target, stack)
            if region is not None and not cfg.allows_aws(region):
                yield (
                    f"replicates to bucket {dest!r} in {region!r}, outside jurisdiction {cfg.jurisdiction!r}",
                    res.urn,
                )


# ------------------------------------------------------------------------------------------- rule 7

NODE_POOL_LABELS: Mapping[str, tuple[str, ...]] = {
    "aws:eks/nodeGroup:NodeGroup": ("labels",),
    "gcp:container/nodePool:NodePool": ("nodeConfig", "labels"),
}


def _region_pins(spec: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """(pinned?, pinned values) from nodeSelector and required node affinity (terms are ORed, so every
    term must pin for the workload to be pinned)."""
    values: list[str] = []
    selector = as_mapping(spec.get("nodeSelector")).get(LABEL_REGION)
    if isinstance(selector, str):
        return True, [selector]
    terms = as_list(
        dig(
            spec,
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        )
    )
    if not terms:
        return False, []
    for term in terms:
        exprs = [
            e
            for e in as_list(as_mapping(term).get("matchExpressions"))
            if as_mapping(e).get("key") == LABEL_REGION and as_mapping(e).get("operator") == "In"
        ]
        if not exprs:
            return False, values
        values += [v for e in exprs for v in as_list(e.get("values")) if isinstance(v, str)]
    return True, values


def check_k8s_region(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 7a: workloads pin topology.kubernetes.io/region to allowed regions; node pools that set the
    label set it to an allowed region that is also their own.

    DaemonSets run on every node of their cluster by design, so they need no pin of their own (their
    residency is their nodes'); a pin they do carry must still be allowed."""
    if res.type in NODE_POOL_LABELS:
        value = as_mapping(dig(res.props, *NODE_POOL_LABELS[res.type])).get(LABEL_REGION)
        if isinstance(value, str):
            if cfg.jurisdiction is None:
                yield NO_JURISDICTION
            elif not cfg.allows_region_label(value):
                yield f"node pool labels {LABEL_REGION}={value!r}, outside jurisdiction {cfg.jurisdiction!r}"
            own = {r for _, _, r in locations(res, stack)}
            if own and value not in own:
                yield f"node pool labels {LABEL_REGION}={value!r} but runs in {', '.join(sorted(own))}"
        return
    spec = pod_spec(res)
    if spec is None:
        return
    pinned, values = _region_pins(spec)
    if not pinned:
        if not res.type.endswith(":DaemonSet"):
            yield f"does not pin {LABEL_REGION} (nodeSelector or required node affinity) to an allowed region"
        return
    if cfg.jurisdiction is None:
        yield NO_JURISDICTION
        return
    bad = sorted({v for v in values if not cfg.allows_region_label(v)})
    if bad:
        yield f"pins {LABEL_REGION} to {', '.join(bad)}, outside jurisdiction {cfg.jurisdiction!r}"


def _registry_allowed(host: str, cfg: ResolvedConfig, stack: StackContext) -> bool:
    return cfg.allows_registry(host) or host in declared_mirrors(stack)


def _allowed_text(cfg: ResolvedConfig, stack: StackContext) -> str:
    return ", ".join([*cfg.registries, *sorted(declared_mirrors(stack))]) or "none"


def check_k8s_images(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 7b: every container image, and every Helm chart and image in its values, comes from an allowed
    (in-jurisdiction) registry: the defaults, `allowedRegistries`, or a mirror the stack's sites declare."""
    if is_helm_release(res):
        for source in helm_chart_sources(res):
            host = registry_host(source)
            if not _registry_allowed(host, cfg, stack):
                yield f"chart comes from {source!r} ({host}), not an allowed registry ({_allowed_text(cfg, stack)})"
        for where, image in helm_images(res.props.get("values")):
            host = image_registry(image)
            if not _registry_allowed(host, cfg, stack):
                yield f"{where} pulls {image!r} from {host}, not an allowed registry ({_allowed_text(cfg, stack)})"
        return
    spec = pod_spec(res)
    if spec is None:
        return
    for c in containers(spec):
        image = c.get("image")
        if not isinstance(image, str):
            continue
        host = image_registry(image)
        if not _registry_allowed(host, cfg, stack):
            allowed = _allowed_text(cfg, stack)
            yield f"container {c.get('name', '?')!r} pulls {image!r} from {host}, not an allowed registry ({allowed})"


def check_onprem_country(
    resources: Sequence[Res], cfg: ResolvedConfig, stack: StackContext
) -> Iterator[tuple[str, str]]:
    """Rule 1b: every on-prem site's data centre is in a country of the jurisdiction."""
    if stack.fabric is None:
        return
    if cfg.jurisdiction is None:
        yield NO_JURISDICTION, ""
        return
    for site in stack.fabric.sites:
        country = getattr(site, "country", None)
        if country is not None and country.upper() not in cfg.onprem_locations:
            allowed = ", ".join(sorted(cfg.onprem_locations)) or "none"
            yield (
                f"on-prem site {site.name!r} is in {country}, outside jurisdiction {cfg.jurisdiction!r} ({allowed})",
                "",
            )


# ------------------------------------------------------------------------------------------- rule 9


def _missing_tags(res: Res, cfg: ResolvedConfig) -> tuple[str, list[str]]:
    """(tags or labels, missing names) for a taggable AWS or GCP resource; ("", []) otherwise."""
    if res.is_provider or not taggable(res.type):
        return "", []
    if is_aws(res):
        have = aws_tags(res)
        return "tags", [t for t in cfg.required_tags if not have.get(t)]
    if is_gcp(res):
        have = gcp_labels(res)
        return "labels", [gcp_label_key(t) for t in cfg.required_tags if not have.get(gcp_label_key(t))]
    return "", []


def check_tags(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 9: residency and cost attribution tags (AWS) / labels (GCP) on every taggable resource."""
    kind, missing = _missing_tags(res, cfg)
    if missing:
        yield f"missing {kind} {', '.join(missing)} (own {kind} or the provider's default {kind})"


def fix_tags(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Mapping[str, Any] | None:
    """Remediation for rule 9: add the missing tags whose value the config knows (`tagValues`; the
    jurisdiction tag always)."""
    kind, missing = _missing_tags(res, cfg)
    values = {gcp_label_key(k) if kind == "labels" else k: v for k, v in cfg.tag_values.items()}
    add = {m: values[m] for m in missing if m in values}
    if not add:
        return None
    props = dict(res.props)
    props[kind] = {**as_mapping(props.get(kind)), **add}
    return props


# ------------------------------------------------------------------------------------------- rule 10

SCP_TYPE = "aws:organizations/policy:Policy"
GCP_ORG_POLICY_TYPE = "gcp:orgpolicy/policy:Policy"
# An exemption names one role: `arn:<partition>:iam::<account or *>:role/<path/name>`, no wildcard in the name.
_EXEMPT_ROLE_RE = re.compile(r"^arn:[a-z-]+:iam::(\d{12}|\*):role/[^*?]+$")


def _scp_statements(content: Any) -> list[Mapping[str, Any]] | None:
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return None
    return [as_mapping(s) for s in as_list(as_mapping(content).get("Statement"))]


def _region_deny_problems(st: Mapping[str, Any], cfg: ResolvedConfig) -> Iterator[str]:
    """What makes one region-deny statement weaker than the one gpufabric decides."""
    sid = st.get("Sid") or "region deny"
    if st.get("Effect") != "Deny":
        yield f"statement {sid!r} has Effect {st.get('Effect')!r}, expected 'Deny'"
    if as_list(st.get("Resource")) != ["*"]:
        yield f"statement {sid!r} covers only resources {as_list(st.get('Resource'))}, expected '*'"
    if st.get("Action") is not None:
        yield f"statement {sid!r} denies only the listed Action, expected NotAction of the global services"
    extra = sorted({str(a) for a in as_list(st.get("NotAction"))} - set(GLOBAL_SERVICE_ACTIONS))
    if extra:
        yield f"statement {sid!r} exempts regional actions {', '.join(extra)} (NotAction beyond the global services)"
    condition = as_mapping(st.get("Condition"))
    regions = [str(r) for r in as_list(as_mapping(condition.get("StringNotEquals")).get(SCP_REGION_KEY))]
    if not regions:
        yield f"statement {sid!r} does not deny by StringNotEquals {SCP_REGION_KEY}"
    outside = sorted(r for r in regions if not cfg.allows_aws(r))
    if outside:
        yield f"statement {sid!r} allows regions outside jurisdiction {cfg.jurisdiction!r}: {', '.join(outside)}"
    for operator, keys in condition.items():
        for key, values in as_mapping(keys).items():
            if key == SCP_REGION_KEY:
                continue
            if key != SCP_PRINCIPAL_KEY or operator not in {"ArnNotLike", "ArnNotEquals"}:
                yield f"statement {sid!r} adds condition {operator} {key}, which can exempt anyone"
                continue
            broad = [str(v) for v in as_list(values) if not _EXEMPT_ROLE_RE.match(str(v))]
            if broad:
                yield f"statement {sid!r} exempts principals {', '.join(broad)}: the SCP no longer binds them all"


def check_guardrails(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Rule 10: a region-deny SCP (one that conditions on aws:RequestedRegion) stays intact: a Deny on every
    resource and every non-global action, for the jurisdiction's regions only, exempting only named roles;
    a GCP resource-locations policy does not allow everything."""
    if res.type == SCP_TYPE and res.props.get("type", "SERVICE_CONTROL_POLICY") == "SERVICE_CONTROL_POLICY":
        content = res.props.get("content")
        statements = _scp_statements(content)
        if statements is None:
            yield "SCP content is not a JSON policy document"
            return
        if SCP_REGION_KEY not in json.dumps(content if not isinstance(content, str) else json.loads(content)):
            return  # not a region guardrail
        if cfg.jurisdiction is None:
            yield NO_JURISDICTION
            return
        for st in statements:
            if SCP_REGION_KEY in json.dumps(st):
                yield from _region_deny_problems(st, cfg)
    elif res.type == GCP_ORG_POLICY_TYPE and str(res.props.get("name", "")).endswith("gcp.resourceLocations"):
        for i, rule in enumerate(as_list(dig(res.props, "spec", "rules"))):
            rule = as_mapping(rule)
            if str(rule.get("allowAll", "")).upper() == "TRUE" or rule.get("allowAll") is True:
                yield f"spec.rules[{i}].allowAll lets resources be created in any location"
            if str(rule.get("enforce", "")).upper() == "FALSE" or rule.get("enforce") is False:
                yield f"spec.rules[{i}].enforce is false"


RULES: tuple[Rule, ...] = (
    Rule(
        id="region-allowed",
        number=1,
        pack=PACK,
        description="Every AWS resource's effective region and every GCP location is in the jurisdiction.",
        severity=Severity.CRITICAL,
        remediation="Move the site to a region of the jurisdiction (sites[].region), or, if the region is "
        "legally inside it, add it to allowedAwsRegions / allowedGcpRegions in the policy config.",
        check=check_region_allowed,
        config_keys=LOCATION_KEYS,
    ),
    Rule(
        id=POLICY_ONPREM_COUNTRY_ALLOWED,
        number=1,
        pack=PACK,
        description="Every on-prem site's data centre is in a country of the jurisdiction.",
        severity=Severity.CRITICAL,
        remediation="Move the site to a data centre in the jurisdiction (sites[].country), or, if the country "
        "is legally inside it, add it to allowedOnpremLocations in the policy config.",
        check_stack=check_onprem_country,
        config_keys=LOCATION_KEYS,
    ),
    Rule(
        id="single-jurisdiction",
        number=2,
        pack=PACK,
        description="The whole stack stays in one jurisdiction, and its jurisdiction tags say so.",
        severity=Severity.CRITICAL,
        remediation="Split sites of different jurisdictions into separate stacks; fix any "
        f"{TAG_JURISDICTION} tag that names another jurisdiction.",
        check_stack=check_single_jurisdiction,
        config_keys=LOCATION_KEYS,
    ),
    Rule(
        id="storage-in-jurisdiction",
        number=6,
        pack=PACK,
        description="Object storage for models and artifacts stays in the jurisdiction and replicates only "
        "to buckets that do.",
        severity=Severity.CRITICAL,
        remediation="Create buckets in the site's region; point replication only at buckets declared in this "
        "stack in an allowed region (or use an in-jurisdiction GCS multi-/dual-region such as EU or EUR4).",
        check_stack=check_storage,
        config_keys=LOCATION_KEYS,
    ),
    Rule(
        id="k8s-region-pinned",
        number=7,
        pack=PACK,
        description=f"Kubernetes workloads and node pools pin {LABEL_REGION} to allowed regions.",
        severity=Severity.HIGH,
        remediation=f"Add nodeSelector {{{LABEL_REGION}: <site region>}} (or a required node affinity "
        "with operator In) to the pod template; label node pools only with their own region.",
        check=check_k8s_region,
        config_keys=LOCATION_KEYS,
    ),
    Rule(
        id=POLICY_IMAGE_REGISTRY_ALLOWED,
        number=7,
        pack=PACK,
        description="Kubernetes workloads and Helm releases pull charts and images only from allowed, "
        "in-jurisdiction registries (a site's own mirror included).",
        severity=Severity.HIGH,
        remediation="Mirror the image into the site's in-region registry (ECR / Artifact Registry / the "
        "on-prem mirror) and reference it there, or add the registry to allowedRegistries.",
        check=check_k8s_images,
        config_keys=(*LOCATION_KEYS, "allowedRegistries"),
    ),
    Rule(
        id="residency-tags",
        number=9,
        pack=PACK,
        description="Every taggable resource carries the residency and cost tags (AWS) or labels (GCP).",
        severity=Severity.LOW,
        enforcement=Enforcement.ADVISORY,
        remediation="Add the tags to the stack's `tags` (they reach every resource through the provider's "
        "default tags), or run the pack with enforcementLevel `remediate` and `tagValues` set.",
        check=check_tags,
        fix=fix_tags,
        config_keys=("jurisdiction", "requiredTags", "tagValues"),
    ),
    Rule(
        id="guardrails-intact",
        number=10,
        pack=PACK,
        description="The region-deny SCP (and GCP resource-locations policy) is not neutered: it denies every "
        "non-global action outside the jurisdiction's regions and exempts only named roles.",
        severity=Severity.CRITICAL,
        remediation="List only specific break-glass role ARNs in guardrails.aws_scp.exempt_role_arns (no `*`); "
        "do not edit the SCP document.",
        check=check_guardrails,
        config_keys=LOCATION_KEYS,
    ),
    Rule(
        id="gateway-backends-in-jurisdiction",
        number=11,
        pack=PACK,
        description="The inference gateway routes only to declared sites inside the jurisdiction, at private "
        "addresses.",
        severity=Severity.CRITICAL,
        remediation="Route only to the stack's own sites (serving, sites[]) in allowed regions, through their "
        "internal endpoints (cluster DNS, *.internal names over the private link, private IPs).",
        check_stack=check_gateway_backends,
        config_keys=LOCATION_KEYS,
    ),
)

RULES += serving_rules(PACK, LOCATION_KEYS)  # the model server's rules live in their own module

PACK_DEF = Pack(
    name=PACK,
    description="Data residency: resources, storage, workloads and images stay inside one jurisdiction.",
    rules=(*RULES, *state_rules(PACK)),
)

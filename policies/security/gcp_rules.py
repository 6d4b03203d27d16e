"""GCP security rules the shared rules (rules.py) do not cover: private node pools and control-plane access,
Cloud KMS key rotation, and Cloud NAT in a site that did not opt into internet egress.

Pure functions over the planned resources, like every rule; registered in the security pack (rules.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from gpufabric.core.naming import gcp_label_key
from gpufabric.core.vocabulary import TAG_SITE
from policies.config import ResolvedConfig, egress_sites
from policies.model import Enforcement, Res, Rule, Severity, StackContext
from policies.resources import as_list, as_mapping, dig, gcp_labels, truthy

ANYWHERE = {"0.0.0.0/0", "::/0"}


def check_gke_private_access(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Node pools keep private nodes; the control plane admits no internet range and no Google public IPs."""
    if res.type == "gcp:container/nodePool:NodePool":
        private = dig(res.props, "networkConfig", "enablePrivateNodes")
        if private is not None and not truthy(private):
            yield "node pool turns private nodes off (networkConfig.enablePrivateNodes false): its nodes get public IPs"
    elif res.type == "gcp:container/cluster:Cluster":
        man = as_mapping(res.props.get("masterAuthorizedNetworksConfig"))
        opened = [as_mapping(b).get("cidrBlock") for b in as_list(man.get("cidrBlocks"))]
        opened = [c for c in opened if c in ANYWHERE]
        if opened:
            yield f"master authorized networks admit {', '.join(opened)}"
        if truthy(man.get("gcpPublicCidrsAccessEnabled")):
            yield "master authorized networks admit Google Cloud public IPs (gcpPublicCidrsAccessEnabled)"


def check_gcp_key_rotation(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Cloud KMS keys rotate (rotationPeriod set)."""
    if res.type == "gcp:kms/cryptoKey:CryptoKey" and not res.props.get("rotationPeriod"):
        yield "key rotation is off (no rotationPeriod)"


def _nat_site(res: Res) -> tuple[bool, str | None]:
    if res.type != "gcp:compute/routerNat:RouterNat":
        return False, None
    return True, gcp_labels(res).get(gcp_label_key(TAG_SITE))


def check_gcp_nat_not_opted_in(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Cloud NAT only in a site that opted into `egress: nat`."""
    nat, site = _nat_site(res)
    if nat and (site is None or site not in egress_sites(stack)):
        who = f"site {site!r}" if site else "a resource without a site label"
        yield f"Cloud NAT in {who}, which did not opt into `egress: nat`"


def check_gcp_nat_opted_in(res: Res, cfg: ResolvedConfig, stack: StackContext) -> Iterator[str]:
    """Advisory: a site opted into Cloud NAT; reported so the weakening stays visible."""
    nat, site = _nat_site(res)
    if nat and site is not None and site in egress_sites(stack):
        yield f"site {site!r} opted into internet egress (RouterNat); data can leave through it"


def gcp_rules(pack: str) -> tuple[Rule, ...]:
    return (
        Rule(
            id="gke-private-access",
            number=3,
            pack=pack,
            description="GKE node pools keep private nodes; no authorized network open to the internet.",
            severity=Severity.CRITICAL,
            remediation="Drop network_config/master_authorized_networks_config from node_pool_args and cluster_args.",
            check=check_gke_private_access,
        ),
        Rule(
            id="gcp-key-rotation",
            number=5,
            pack=pack,
            description="Cloud KMS keys rotate.",
            severity=Severity.HIGH,
            remediation="Set rotationPeriod on the key (the site's keys rotate every 90 days).",
            check=check_gcp_key_rotation,
        ),
        Rule(
            id="gcp-no-internet-egress",
            number=4,
            pack=pack,
            description="No Cloud NAT unless the GCP site opted into egress.",
            severity=Severity.HIGH,
            remediation="Remove the NAT; Private Google Access reaches Google APIs. If the site needs internet "
            "egress, say so with `network: {egress: nat}`.",
            check=check_gcp_nat_not_opted_in,
        ),
        Rule(
            id="gcp-internet-egress-opted-in",
            number=4,
            pack=pack,
            description="A GCP site opted into internet egress: reported so that the weakening stays visible.",
            severity=Severity.MEDIUM,
            enforcement=Enforcement.ADVISORY,
            remediation="Prefer `egress: none` with Private Google Access and an in-region Artifact Registry.",
            check=check_gcp_nat_opted_in,
        ),
    )

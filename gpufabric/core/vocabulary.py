"""The shared vocabulary: tier kinds, site kinds, and the Kubernetes label and taint names.

One home for every word that more than one module (spec, decisions, components, policies, sizing) must agree
on. Import from here; never spell a label or a tier kind as a literal elsewhere.
"""

from __future__ import annotations

from enum import StrEnum

# The one Pulumi config key holding a stack's fabric spec (stack files, the engine, the packs, sizing).
CONFIG_KEY = "gpufabric:fabric"


class TierKind(StrEnum):
    """How a capacity tier is bought. The declaration order is the default overflow order."""

    OWNED = "owned"  # hardware you own (on-prem): always on, already paid
    RESERVED = "reserved"  # committed capacity (AWS ODCR, GCP reservation): paid every hour, guaranteed
    CAPACITY_BLOCK = "capacity_block"  # a fixed, prepaid window of guaranteed capacity (EC2 Capacity Blocks)
    SPOT = "spot"  # spare capacity at a discount, interruptible, scales to zero
    ON_DEMAND = "on_demand"  # pay per hour, no commitment, the last resort


class SiteKind(StrEnum):
    AWS = "aws"
    GCP = "gcp"
    ONPREM = "onprem"


DEFAULT_TIER_ORDER: tuple[TierKind, ...] = tuple(TierKind)

# Tiers whose node count is fixed by a commitment; the others are elastic (min/max).
COMMITTED_TIERS: frozenset[TierKind] = frozenset({TierKind.OWNED, TierKind.RESERVED, TierKind.CAPACITY_BLOCK})
ELASTIC_TIERS: frozenset[TierKind] = frozenset({TierKind.SPOT, TierKind.ON_DEMAND})

LABEL_PREFIX = "gpufabric.io"
LABEL_SITE = f"{LABEL_PREFIX}/site"
LABEL_TIER = f"{LABEL_PREFIX}/tier"
LABEL_TIER_KIND = f"{LABEL_PREFIX}/tier-kind"
LABEL_OVERFLOW_RANK = f"{LABEL_PREFIX}/overflow-rank"
LABEL_JURISDICTION = f"{LABEL_PREFIX}/jurisdiction"
LABEL_REGION = "topology.kubernetes.io/region"

GPU_TAINT_KEY = "nvidia.com/gpu"
GPU_TAINT_VALUE = "true"
GPU_TAINT_EFFECT = "NoSchedule"

# Cloud resource tags (AWS tags / GCP labels) that carry residency and cost attribution.
TAG_JURISDICTION = "gpufabric:jurisdiction"
TAG_SITE = "gpufabric:site"
TAG_STACK = "gpufabric:stack"
TAG_TIER = "gpufabric:tier"
TAG_COST_CENTER = "cost-center"

# Policy ids that spec validation shares with the policy packs: a stack file that breaks one of these is
# reported by `gpufabric check` as that policy's violation, not only as bad input.
POLICY_REGION_ALLOWED = "region-allowed"
POLICY_GUARDRAILS_INTACT = "guardrails-intact"
POLICY_ONPREM_COUNTRY_ALLOWED = "onprem-country-allowed"
POLICY_IMAGE_REGISTRY_ALLOWED = "k8s-image-registry-allowed"
POLICY_WEIGHTS_IN_JURISDICTION = "serving-weights-in-jurisdiction"

# The namespace of the model servers (Pod Security `restricted`) and the name of their workload and Services.
INFERENCE_NAMESPACE = "inference"
MODEL_SERVER = "vllm"

# The one namespace where privileged pods may run: the NVIDIA GPU Operator installs drivers and toolkits.
OPERATOR_NAMESPACE = "gpu-operator"

# The config key holding a state bootstrap stack's spec (bootstrap/Pulumi.<stack>.yaml).
STATE_CONFIG_KEY = "gpufabric:state"
# The residency rule over where Pulumi keeps a stack's state and the key that decrypts its secrets.
POLICY_STATE_LOCATION = "state-location"

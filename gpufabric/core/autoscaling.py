"""The words the autoscaler objects and the overflow proofs share: resource type tokens, well-known label
keys of Karpenter, the Cluster Autoscaler's priority-expander ConfigMap, GKE's ComputeClass, the overflow
policy ids and the fabric's inference toleration.

One home: the compiler's renderers (components) and the proofs (policies/overflow) import these, so a
renamed key cannot make the proofs look at something the renderers no longer write.
"""

from __future__ import annotations

from gpufabric.core.vocabulary import GPU_TAINT_KEY

# Resource type tokens, as the engine (and the plan) names them.
NODEPOOL_TYPE = "kubernetes:karpenter.sh/v1:NodePool"
EC2_NODECLASS_TYPE = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
COMPUTE_CLASS_TYPE = "kubernetes:cloud.google.com/v1:ComputeClass"
CONFIG_MAP_TYPE = "kubernetes:core/v1:ConfigMap"
EKS_NODE_GROUP_TYPE = "aws:eks/nodeGroup:NodeGroup"
ASG_TYPE = "aws:autoscaling/group:Group"
GKE_NODE_POOL_TYPE = "gcp:container/nodePool:NodePool"
CAPACITY_RESERVATION_TYPES = (
    "aws:ec2/capacityReservation:CapacityReservation",
    "aws:ec2/capacityBlockReservation:CapacityBlockReservation",
)

# Karpenter (v1) well-known requirement keys.
KARPENTER_CAPACITY_TYPE = "karpenter.sh/capacity-type"
KARPENTER_RESERVATION_ID = "karpenter.k8s.aws/capacity-reservation-id"
KARPENTER_INSTANCE_FAMILY = "karpenter.k8s.aws/instance-family"
INSTANCE_TYPE_KEY = "node.kubernetes.io/instance-type"
ZONE_KEY = "topology.kubernetes.io/zone"
GPU_RESOURCE = GPU_TAINT_KEY  # the extended resource a NodePool limit caps: `nvidia.com/gpu`

# The Cluster Autoscaler's priority expander reads this ConfigMap, this key, integer keys (higher wins).
PRIORITY_EXPANDER_CONFIG_MAP = "cluster-autoscaler-priority-expander"
PRIORITY_EXPANDER_NAMESPACE = "kube-system"
PRIORITY_EXPANDER_KEY = "priorities"

# GKE: the node label (and taint) that ties a node pool to its ComputeClass; GKE adds the matching toleration
# to every pod that selects the class, so that taint is the class's own, not one inference must tolerate.
COMPUTE_CLASS_KEY = "cloud.google.com/compute-class"

# The toleration every inference workload of the fabric carries, on every site kind: it covers the fabric's
# own GPU taint (`nvidia.com/gpu=true:NoSchedule`) and GKE's (`nvidia.com/gpu=present:NoSchedule`).
INFERENCE_TOLERATION: dict[str, str] = {"key": GPU_TAINT_KEY, "operator": "Exists"}

# The overflow proofs' policy ids (policies/overflow), named here so the compiler's errors can name them too.
POLICY_KARPENTER_WEIGHTS = "overflow-karpenter-weights"
POLICY_KARPENTER_LIMITS = "overflow-karpenter-gpu-limits"
POLICY_RESERVATION_SELECTED = "overflow-reservation-selected"
POLICY_PRIORITY_EXPANDER_FORMAT = "overflow-priority-expander-format"
POLICY_PRIORITY_EXPANDER_COVERAGE = "overflow-priority-expander-coverage"
POLICY_COMPUTE_CLASS_ORDER = "overflow-compute-class-order"
POLICY_GPU_TAINTS_TOLERATED = "overflow-gpu-taints-tolerated"
POLICY_SINGLE_AUTOSCALER = "overflow-single-autoscaler"
POLICY_CRD_SCHEMA_VALID = "crd-schema-valid"

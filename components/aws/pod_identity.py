"""A Kubernetes service account's AWS identity through EKS Pod Identity: one role the `pods.eks` service may
assume, its inline policy, and the association to the service account. One shape for every controller and
workload that calls AWS (Karpenter, the Cluster Autoscaler, the model server's weights reader)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from gpufabric.decide import iam


@dataclass(frozen=True)
class PodIdentity:
    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    association: aws.eks.PodIdentityAssociation


def pod_identity(
    name: str,
    *,
    account: iam.Account,
    cluster_name: pulumi.Input[str],
    namespace: str,
    service_account: str,
    policy: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> PodIdentity:
    """The role, its policy and the association, all named `name` (logical names stay stable)."""
    role = aws.iam.Role(name, assume_role_policy=iam.assume_role_policy(account, "pods.eks"), opts=opts)
    role_policy = aws.iam.RolePolicy(name, role=role.name, policy=policy, opts=opts)
    association = aws.eks.PodIdentityAssociation(
        name,
        cluster_name=cluster_name,
        namespace=namespace,
        service_account=service_account,
        role_arn=role.arn,
        opts=opts,
    )
    return PodIdentity(role, role_policy, association)

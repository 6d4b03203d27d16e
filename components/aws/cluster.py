"""GpuCluster: an EKS control plane reachable only from inside the VPC.

Bill of materials: cluster IAM role (AWS-managed cluster policy only); control-plane log group encrypted
with the site's data key; the cluster (private endpoint, secrets encrypted with the site's secrets key, all
control-plane logs, access entries with authentication mode API, no implicit creator admin); the node IAM
role shared by the GPU node groups (no CNI permissions); a role for the VPC CNI's `aws-node` service
account, given through EKS Pod Identity; admin access entries; the core add-ons.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from gpufabric.core.aws_baseline import CNI_POLICY, CNI_SERVICE_ACCOUNT
from gpufabric.core.naming import role_name_of
from gpufabric.decide import iam
from gpufabric.decide.passthrough import merge
from gpufabric.spec import AwsClusterSpec

ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"
POD_IDENTITY_AGENT = "eks-pod-identity-agent"
ADDONS = ("vpc-cni", "kube-proxy", "coredns")  # after the Pod Identity agent


class GpuCluster(pulumi.ComponentResource):
    cluster: aws.eks.Cluster
    node_role: aws.iam.Role

    def __init__(
        self,
        name: str,
        *,
        spec: AwsClusterSpec,
        cluster_name: str,
        account: iam.Account,
        subnet_ids: list[pulumi.Input[str]],
        secrets_key_arn: pulumi.Input[str],
        data_key_arn: pulumi.Input[str],
        where: str,
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__("gpufabric:aws:GpuCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        cluster_role = aws.iam.Role(
            f"{name}-cluster", assume_role_policy=iam.assume_role_policy(account, "eks"), opts=child
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-cluster-{policy}",
                role=cluster_role.name,
                policy_arn=account.managed_policy(policy),
                opts=child,
            )
            for policy in iam.CLUSTER_POLICIES
        ]
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane",
            name=f"/aws/eks/{cluster_name}/cluster",
            kms_key_id=data_key_arn,
            retention_in_days=spec.log_retention_days,
            opts=child,
        )
        self.cluster = aws.eks.Cluster(
            name,
            **merge(
                {
                    "name": cluster_name,
                    "version": spec.kubernetes_version,
                    "role_arn": cluster_role.arn,
                    "vpc_config": {
                        "subnet_ids": subnet_ids,
                        "endpoint_private_access": True,
                        "endpoint_public_access": spec.endpoint_public_access,
                        **({"public_access_cidrs": spec.public_access_cidrs} if spec.public_access_cidrs else {}),
                    },
                    "encryption_config": {"provider": {"key_arn": secrets_key_arn}, "resources": ["secrets"]},
                    "enabled_cluster_log_types": list(spec.log_types),
                    "access_config": {
                        "authentication_mode": "API",
                        "bootstrap_cluster_creator_admin_permissions": False,
                    },
                    "bootstrap_self_managed_addons": False,
                },
                spec.cluster_args,
                args_class=aws.eks.ClusterArgs,
                where=f"{where}.cluster_args",
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=True, depends_on=[log_group, *attachments]),
        )

        self.node_role = aws.iam.Role(
            f"{name}-nodes", assume_role_policy=iam.assume_role_policy(account, "ec2"), opts=child
        )
        self.node_policies = [
            aws.iam.RolePolicyAttachment(
                f"{name}-nodes-{policy}",
                role=self.node_role.name,
                policy_arn=account.managed_policy(policy),
                opts=child,
            )
            for policy in iam.NODE_POLICIES
        ]

        # The VPC CNI's EC2 permissions go to its `aws-node` service account only, through EKS Pod Identity.
        cni_role = aws.iam.Role(
            f"{name}-vpc-cni", assume_role_policy=iam.assume_role_policy(account, "pods.eks"), opts=child
        )
        self.node_policies.append(  # nodes only become Ready once the CNI has its permissions
            aws.iam.RolePolicyAttachment(
                f"{name}-vpc-cni-{CNI_POLICY}",
                role=cni_role.name,
                policy_arn=account.managed_policy(CNI_POLICY),
                opts=child,
            )
        )

        for arn in spec.admin_role_arns:
            entry = aws.eks.AccessEntry(
                f"{name}-admin-{role_name_of(arn)}",
                cluster_name=self.cluster.name,
                principal_arn=arn,
                type="STANDARD",
                opts=child,
            )
            aws.eks.AccessPolicyAssociation(
                f"{name}-admin-{role_name_of(arn)}",
                cluster_name=self.cluster.name,
                principal_arn=entry.principal_arn,
                policy_arn=f"arn:{account.partition}:eks::aws:cluster-access-policy/{ADMIN_POLICY}",
                access_scope={"type": "cluster"},
                opts=child,
            )
        agent = aws.eks.Addon(
            f"{name}-{POD_IDENTITY_AGENT}", cluster_name=self.cluster.name, addon_name=POD_IDENTITY_AGENT, opts=child
        )
        for addon in ADDONS:
            pod_identity = (
                {"pod_identity_associations": [{"role_arn": cni_role.arn, "service_account": CNI_SERVICE_ACCOUNT}]}
                if addon == "vpc-cni"
                else {}
            )
            aws.eks.Addon(
                f"{name}-{addon}",
                cluster_name=self.cluster.name,
                addon_name=addon,
                **pod_identity,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[agent]),
            )

        self.register_outputs(
            {
                "cluster_name": self.cluster.name,
                "endpoint": self.cluster.endpoint,
                "node_role_arn": self.node_role.arn,
            }
        )

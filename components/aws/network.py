"""PrivateNetwork: a VPC where GPU nodes reach AWS services privately and nothing reaches them publicly.

Bill of materials: VPC; one private subnet and route table per AZ (CIDRs planned by AZ name); interface
endpoints for ECR, STS, EC2, ELB, CloudWatch Logs, EKS and EKS auth, and an S3 gateway endpoint; VPC flow
logs to a log group encrypted with the site's key; the default security group closed; the default network
ACL declared (gpufabric.decide.nacl); every endpoint with a least-privilege policy (gpufabric.decide.iam).
Only with `egress: nat`: an internet gateway, a public subnet and a NAT gateway per AZ.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws import facts
from gpufabric.core.aws_baseline import aws_owned_node_buckets
from gpufabric.decide import iam, nacl
from gpufabric.decide.aws import GATEWAY_ENDPOINTS, INTERFACE_ENDPOINTS
from gpufabric.decide.network import SubnetPlan
from gpufabric.decide.passthrough import merge
from gpufabric.spec import AwsNetworkSpec


class PrivateNetwork(pulumi.ComponentResource):
    vpc: aws.ec2.Vpc
    subnet_ids: dict[str, pulumi.Output[str]]  # AZ name -> private subnet id

    def __init__(
        self,
        name: str,
        *,
        spec: AwsNetworkSpec,
        region: str,
        plan: SubnetPlan,
        account: iam.Account,
        data_key_arn: pulumi.Input[str],
        where: str,
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__("gpufabric:aws:PrivateNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        provider = opts.provider

        self.vpc = aws.ec2.Vpc(
            name,
            **merge(
                {
                    "cidr_block": spec.cidr,
                    "enable_dns_hostnames": True,
                    "enable_dns_support": True,
                    "tags": {"Name": name},
                },
                spec.vpc_args,
                args_class=aws.ec2.VpcArgs,
                where=f"{where}.vpc_args",
            ),
            opts=child,
        )
        aws.ec2.DefaultSecurityGroup(f"{name}-default-closed", vpc_id=self.vpc.id, ingress=[], egress=[], opts=child)
        # Every subnet uses the default network ACL; declaring it makes its rules ours, so drift shows in a plan.
        aws.ec2.DefaultNetworkAcl(
            f"{name}-default-acl",
            default_network_acl_id=self.vpc.default_network_acl_id,
            ingress=[rule.args() for rule in nacl.ingress(spec.cidr)],
            egress=[rule.args() for rule in nacl.egress()],
            opts=child,
        )

        self.subnet_ids = {}
        route_tables: dict[str, aws.ec2.RouteTable] = {}
        for zone, cidr in plan.private.items():
            subnet = aws.ec2.Subnet(
                f"{name}-private-{zone}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-private-{zone}", "kubernetes.io/role/internal-elb": "1"},
                opts=child,
            )
            table = aws.ec2.RouteTable(f"{name}-private-{zone}", vpc_id=self.vpc.id, opts=child)
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{zone}", subnet_id=subnet.id, route_table_id=table.id, opts=child
            )
            self.subnet_ids[zone] = subnet.id
            route_tables[zone] = table
        self.private_route_tables = route_tables  # private links propagate or route on-prem CIDRs here

        endpoint_sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            vpc_id=self.vpc.id,
            description="HTTPS from inside the VPC to AWS service endpoints",
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": [spec.cidr],
                    "description": "HTTPS from the VPC",
                }
            ],
            egress=[
                {
                    "protocol": "-1",
                    "from_port": 0,
                    "to_port": 0,
                    "cidr_blocks": [spec.cidr],
                    "description": "replies inside the VPC",
                }
            ],
            opts=child,
        )
        for service in INTERFACE_ENDPOINTS:
            aws.ec2.VpcEndpoint(
                f"{name}-{service}",
                vpc_id=self.vpc.id,
                service_name=facts.endpoint_service(provider, service, "Interface"),
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=list(self.subnet_ids.values()),
                security_group_ids=[endpoint_sg.id],
                policy=iam.interface_endpoint_policy(account, service),
                opts=child,
            )
        for service in GATEWAY_ENDPOINTS:
            aws.ec2.VpcEndpoint(
                f"{name}-{service}",
                vpc_id=self.vpc.id,
                service_name=facts.endpoint_service(provider, service, "Gateway"),
                vpc_endpoint_type="Gateway",
                route_table_ids=[t.id for t in route_tables.values()],
                policy=iam.s3_gateway_endpoint_policy(account, aws_owned_node_buckets(region)),
                opts=child,
            )

        flow_log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            kms_key_id=data_key_arn,
            retention_in_days=spec.flow_logs_retention_days,
            opts=child,
        )
        flow_role = aws.iam.Role(
            f"{name}-flow-logs",
            assume_role_policy=iam.assume_role_policy(account, "vpc-flow-logs"),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=flow_role.id,
            policy=flow_log_group.arn.apply(iam.flow_logs_policy),
            opts=child,
        )
        aws.ec2.FlowLog(
            name,
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=flow_log_group.arn,
            iam_role_arn=flow_role.arn,
            opts=child,
        )

        if plan.public:
            self._nat_egress(name, plan, route_tables, child)

        self.register_outputs({"vpc_id": self.vpc.id, "subnet_ids": self.subnet_ids})

    def _nat_egress(
        self,
        name: str,
        plan: SubnetPlan,
        route_tables: dict[str, aws.ec2.RouteTable],
        child: pulumi.ResourceOptions,
    ) -> None:
        """Opt-in egress (`egress: nat`): reported by the security pack as advisory."""
        igw = aws.ec2.InternetGateway(name, vpc_id=self.vpc.id, opts=child)
        public_table = aws.ec2.RouteTable(f"{name}-public", vpc_id=self.vpc.id, opts=child)
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_table.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=child,
        )
        for zone, cidr in plan.public.items():
            public = aws.ec2.Subnet(
                f"{name}-public-{zone}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-public-{zone}"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{zone}", subnet_id=public.id, route_table_id=public_table.id, opts=child
            )
            eip = aws.ec2.Eip(f"{name}-nat-{zone}", domain="vpc", opts=child)
            nat = aws.ec2.NatGateway(f"{name}-{zone}", allocation_id=eip.id, subnet_id=public.id, opts=child)
            aws.ec2.Route(
                f"{name}-private-{zone}-default",
                route_table_id=route_tables[zone].id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat.id,
                opts=child,
            )

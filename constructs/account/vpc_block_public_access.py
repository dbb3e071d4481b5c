"""VPC Block Public Access exclusions of one account and region: the VPCs and subnets the EC2 declarative policy
(`organization_policies.ec2.vpc_block_public_access`) leaves open. The policy blocks internet gateway traffic for the
whole account; an exclusion is made in the account itself
(https://docs.aws.amazon.com/vpc/latest/userguide/security-vpc-bpa.html), so each one sits in that account's
baseline stack of that region, its logical ID made from the VPC or subnet ID."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2

from constructs import Construct
from constructs.shared.logical_ids import logical_name


class VpcBlockPublicAccessExclusions(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, exclusions: tuple[tuple[str, str], ...]) -> None:
        """`exclusions`: (VPC or subnet ID, mode), as the baseline profile holds them."""
        super().__init__(scope, construct_id)
        self.exclusions: dict[str, ec2.CfnVPCBlockPublicAccessExclusion] = {}
        for resource_id, mode in exclusions:
            is_vpc = resource_id.startswith("vpc-")
            resource = ec2.CfnVPCBlockPublicAccessExclusion(
                self,
                logical_name(f"bpa-exclusion-{resource_id}"),
                internet_gateway_exclusion_mode=mode,
                vpc_id=resource_id if is_vpc else None,
                subnet_id=None if is_vpc else resource_id,
            )
            self.exclusions[resource_id] = resource

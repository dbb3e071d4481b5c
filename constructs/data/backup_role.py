"""The role AWS Backup assumes to back up and restore resources (home-region stack only; IAM is global)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from config.naming import Organization
from config.policies.statements import service_trust
from constructs import Construct

# AWS-managed service policies for AWS Backup; AWS keeps them current as services gain backup support.
MANAGED_POLICIES = (
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
)


class BackupServiceRole(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, org: Organization) -> None:
        super().__init__(scope, construct_id)
        policy_arns = [org.aws_managed_policy_arn(name) for name in MANAGED_POLICIES]
        self.role = iam.CfnRole(
            self,
            "Role",
            role_name=org.backup_role,
            description="AWS Backup creates and restores recovery points of tagged resources with this role "
            "(baseline backup plans in every region of this account)",
            assume_role_policy_document=service_trust("backup.amazonaws.com"),
            managed_policy_arns=policy_arns,
        )
        cdk.Validations.of(self.role).acknowledge(
            *(
                cdk.Acknowledgment(
                    id=f"AwsSolutions-IAM4[Policy::{arn}]",
                    reason="AWS Backup documents these service policies for its service role; AWS updates them as "
                    "services gain backup support, which a hand-written copy would miss.",
                )
                # Written out, not read from MANAGED_POLICIES: another managed policy is a new cdk-nag finding.
                for arn in (
                    org.aws_managed_policy_arn("service-role/AWSBackupServiceRolePolicyForBackup"),
                    org.aws_managed_policy_arn("service-role/AWSBackupServiceRolePolicyForRestores"),
                )
            )
        )

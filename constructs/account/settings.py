"""Account settings that CloudFormation has no resource type for, turned on by a custom resource
(constructs/handlers/account_settings/index.py): S3 Block Public Access for the account (home region) and EBS
encryption by default (every baseline region). The service control policy `protect-account-settings` stops
everyone else from turning them off; its exemption names this function's role.

No CloudFormation type exists for either (cfn-lint's provider schemas of 2026-10-20 have none in any region of
either partition; aws-cloudformation/cloudformation-coverage-roadmap issues #168 and #158 are open). The custom
resources point straight at our function, as the Session Manager ones do (decision 0006).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from config.naming import Organization
from config.policies.statements import allow, document
from constructs import Construct
from constructs.security.config_recorder import config_service_linked_role_arn
from constructs.shared.handler_function import (
    add_handler_function,
    add_handler_role,
    own_log_streams,
    own_log_streams_acknowledged,
    write_own_logs,
)


def handler_log_group(org: Organization) -> str:
    return f"/aws/lambda/{org.account_settings_handler}"


class AccountSettingsRole(Construct):
    """Execution role of the account-settings function in every region of the account (home region only).

    Its name is `<prefix>-baseline-account-settings`, so the SCP protect-baseline keeps everyone but the deployment
    role from changing it. Its permissions: read and turn on the two settings, and write its own logs. The S3
    account-level and EBS default-encryption actions have no resource type, hence `*`; EBS is limited to the
    account's baseline regions.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        account_id: str,
        regions: list[str],
        config_service_linked_role: bool = False,
    ) -> None:
        """`config_service_linked_role`: it may also create AWS Config's service-linked role (and read it)."""
        super().__init__(scope, construct_id)
        p = org.partition
        self.role = add_handler_role(
            self,
            name=org.account_settings_handler,
            description="org-baseline: turns on S3 Block Public Access for the account and EBS encryption by default",
        )
        log_streams = own_log_streams(p, account_id, sorted(regions), handler_log_group(org))
        # Creating a service-linked role needs iam:CreateServiceLinkedRole for the service's role:
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html#service-linked-role-permissions
        config_role = (
            [
                allow(
                    sid="CreateConfigServiceLinkedRole",
                    action="iam:CreateServiceLinkedRole",
                    resource=config_service_linked_role_arn(p, account_id),
                    condition={"StringEquals": {"iam:AWSServiceName": "config.amazonaws.com"}},
                ),
                allow(
                    sid="ReadConfigServiceLinkedRole",
                    action="iam:GetRole",
                    resource=config_service_linked_role_arn(p, account_id),
                ),
            ]
            if config_service_linked_role
            else []
        )
        self.policy = iam.CfnManagedPolicy(
            self,
            "Policy",
            description="Account settings handler: its own logs, S3 Block Public Access, EBS encryption by default",
            roles=[self.role.ref],
            policy_document=document(
                write_own_logs(log_streams),
                allow(
                    sid="TurnOnS3AccountPublicAccessBlock",
                    action=["s3:GetAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock"],
                    resource="*",
                ),
                allow(
                    sid="TurnOnEbsEncryptionByDefault",
                    action=["ec2:GetEbsEncryptionByDefault", "ec2:EnableEbsEncryptionByDefault"],
                    resource="*",
                    condition={"StringEquals": {"aws:RequestedRegion": sorted(regions)}},
                ),
                *config_role,
            ),
        )
        cdk.Validations.of(self.policy).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="s3:Get/PutAccountPublicAccessBlock and ec2:Get/EnableEbsEncryptionByDefault act on account "
                "settings and have no resource type (Service Authorization Reference); EBS is limited to the "
                "baseline regions by aws:RequestedRegion.",
            ),
            *own_log_streams_acknowledged(p, account_id, regions, handler_log_group(org)),
        )


class AccountSettings(Construct):
    """The function of this region, its log group, and the settings it turns on: EBS encryption by default here,
    and (`account_wide`, the home region) S3 Block Public Access for the account."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        account_id: str,
        key: kms.IKey,
        retention_days: int,
        account_wide: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        p = org.partition
        self.log_group, self.function = add_handler_function(
            self,
            name=org.account_settings_handler,
            description="org-baseline account settings: S3 Block Public Access, EBS encryption by default",
            handler_dir="account_settings",
            role_arn=f"arn:{p}:iam::{account_id}:role/{org.account_settings_handler}",
            log_group_name=handler_log_group(org),
            log_group_id="AccountSettingsLogGroup",
            key=key,
            retention_days=retention_days,
            apis="S3 Control and EC2 APIs",
        )

        self.ebs_encryption = cdk.CustomResource(
            self,
            "EbsEncryptionByDefault",
            service_token=self.function.attr_arn,
            resource_type="Custom::EbsEncryptionByDefault",
        )
        self.public_access_block: cdk.CustomResource | None = None
        if account_wide:
            self.public_access_block = cdk.CustomResource(
                self,
                "AccountPublicAccessBlock",
                service_token=self.function.attr_arn,
                resource_type="Custom::AccountPublicAccessBlock",
                properties={"AccountId": account_id},
            )

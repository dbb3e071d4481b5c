"""Account settings that CloudFormation has no resource type for, turned on by a custom resource
(constructs/handlers/account_settings/index.py): S3 Block Public Access for the account (home region) and EBS
encryption by default (every baseline region). The service control policy `protect-account-settings` stops
everyone else from turning them off; its exemption names this function's role.

No CloudFormation type exists for either (cfn-lint's provider schemas of 2026-10-20 have none in any region of
either partition; aws-cloudformation/cloudformation-coverage-roadmap issues #168 and #158 are open). The custom
resources point straight at our function, as the Session Manager ones do (decision 0006).
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from config.naming import Organization
from config.policies.statements import allow, document, service_trust
from constructs import Construct
from constructs.sessions.handler import OLDER_RUNTIME, RUNTIME
from constructs.shared.checkov import skip_checkov
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.retention import STATEFUL

HANDLER_CODE = Path(__file__).resolve().parents[1] / "handlers" / "account_settings"


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
        self, scope: Construct, construct_id: str, *, org: Organization, account_id: str, regions: list[str]
    ) -> None:
        super().__init__(scope, construct_id)
        p = org.partition
        self.role = iam.CfnRole(
            self,
            "Role",
            role_name=org.account_settings_handler,
            description="org-baseline: turns on S3 Block Public Access for the account and EBS encryption by default",
            max_session_duration=3600,
            assume_role_policy_document=service_trust("lambda.amazonaws.com"),
        )
        log_streams = [f"arn:{p}:logs:{r}:{account_id}:log-group:{handler_log_group(org)}:*" for r in sorted(regions)]
        self.policy = iam.CfnManagedPolicy(
            self,
            "Policy",
            description="Account settings handler: its own logs, S3 Block Public Access, EBS encryption by default",
            roles=[self.role.ref],
            policy_document=document(
                allow(sid="WriteOwnLogs", action=["logs:CreateLogStream", "logs:PutLogEvents"], resource=log_streams),
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
            ),
        )
        cdk.Validations.of(self.policy).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="s3:Get/PutAccountPublicAccessBlock and ec2:Get/EnableEbsEncryptionByDefault act on account "
                "settings and have no resource type (Service Authorization Reference); EBS is limited to the "
                "baseline regions by aws:RequestedRegion.",
            ),
            *(
                cdk.Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::{streams}]",
                    reason="Lambda names its log streams at run time; the wildcard covers only the streams of the "
                    "function's own log group.",
                )
                for streams in log_streams
            ),
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
        self.log_group = logs.CfnLogGroup(
            self,
            "LogGroup",
            log_group_name=handler_log_group(org),
            retention_in_days=retention_days,
            kms_key_id=key.key_arn,
        )
        self.log_group.apply_removal_policy(STATEFUL)
        pin_logical_id(self.log_group, "AccountSettingsLogGroup")

        code = lambda_.Code.from_asset(str(HANDLER_CODE)).bind(self)
        assert code.s3_location is not None
        self.function = lambda_.CfnFunction(
            self,
            "Function",
            function_name=org.account_settings_handler,
            description="org-baseline account settings: S3 Block Public Access, EBS encryption by default",
            runtime=RUNTIME.name,
            handler="index.handler",
            role=f"arn:{p}:iam::{account_id}:role/{org.account_settings_handler}",
            code=lambda_.CfnFunction.CodeProperty(
                s3_bucket=code.s3_location.bucket_name, s3_key=code.s3_location.object_key
            ),
            timeout=120,
            memory_size=128,
            logging_config=lambda_.CfnFunction.LoggingConfigProperty(log_group=handler_log_group(org)),
        )
        self.function.add_resource_dependency(self.log_group)
        outside_vpc = (
            "The function only calls the S3 Control and EC2 APIs during deployments; the baseline creates no VPC, "
            "and placing it in a workload VPC would couple the baseline to that network."
        )
        no_dlq = (
            "Only CloudFormation invokes it, and every failure is reported back to the stack event log with "
            "its reason; a dead-letter queue would hold nothing actionable."
        )
        no_reserved = (
            "Invoked a few times per deployment; reserving concurrency fails in new accounts whose "
            "concurrency quota is 10, the minimum unreserved pool."
        )
        cdk.Validations.of(self.function).acknowledge(
            cdk.Acknowledgment(id="NIST.800.53.R5-LambdaInsideVPC", reason=outside_vpc),
            cdk.Acknowledgment(id="NIST.800.53.R5-LambdaDLQ", reason=no_dlq),
            cdk.Acknowledgment(id="NIST.800.53.R5-LambdaConcurrency", reason=no_reserved),
            OLDER_RUNTIME,
        )
        skip_checkov(self.function, ("CKV_AWS_117", outside_vpc), ("CKV_AWS_116", no_dlq), ("CKV_AWS_115", no_reserved))

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

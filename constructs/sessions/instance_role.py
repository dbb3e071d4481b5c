"""The EC2 instance role and instance profile for Session Manager, in every account (home-region stack)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from config.naming import Organization
from config.policies.statements import Statement, document, service_trust
from constructs import Construct
from constructs.sessions.preferences import log_group_arn
from constructs.shared.own_account import nag_form


def instance_policy_statements(org: Organization, account_id: str, regions: list[str]) -> list[Statement]:
    """What the SSM agent needs for Session Manager with encrypted S3 and CloudWatch logging; nothing more.

    A customer-managed policy instead of AmazonSSMManagedInstanceCore: that one also grants Run Command,
    State Manager, inventory, patching and every SSM parameter in the account, which sessions do not need.
    """
    p, home, log_archive = org.partition, org.home_region, org.log_archive_account_id
    session_key_condition = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": org.session_key_alias}}
    return [
        {
            "Sid": "RegisterWithSystemsManager",
            "Effect": "Allow",
            "Action": "ssm:UpdateInstanceInformation",
            "Resource": [f"arn:{p}:ec2:{r}:{account_id}:instance/*" for r in regions],
        },
        {
            # Session Manager's message channels have no resource-level permissions.
            "Sid": "OpenSessionChannels",
            "Effect": "Allow",
            "Action": [
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ],
            "Resource": "*",
        },
        {
            "Sid": "DecryptSessionData",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": [f"arn:{p}:kms:{r}:{account_id}:key/*" for r in regions],
            "Condition": session_key_condition,
        },
        {
            "Sid": "WriteSessionLogsToS3",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": [
                f"{org.session_log_bucket_arn}/{account_id}/*",
                f"{org.session_log_bucket_arn}/{org.approved_documents_log_prefix}/*",
            ],
        },
        {
            "Sid": "CheckSessionLogBucketEncryption",
            "Effect": "Allow",
            "Action": "s3:GetEncryptionConfiguration",
            "Resource": org.session_log_bucket_arn,
        },
        {
            # The bucket's key is in the log-archive account; its ID is not known here, its use is bound to S3.
            "Sid": "EncryptSessionLogsThroughS3",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": f"arn:{p}:kms:{home}:{log_archive}:key/*",
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{home}.amazonaws.com"}},
        },
        {
            "Sid": "WriteSessionLogsToCloudWatch",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [f"{log_group_arn(p, r, account_id, org.session_log_group)}:*" for r in regions],
        },
        {
            # The agent checks that the log group is encrypted. DescribeLogGroups is a read-only list call that
            # AWS's own Session Manager policy grants on *; a narrower ARN risks denying the check.
            "Sid": "CheckSessionLogGroupEncryption",
            "Effect": "Allow",
            "Action": "logs:DescribeLogGroups",
            "Resource": "*",
        },
    ]


class SessionInstanceRole(Construct):
    """Role and instance profile named `Organization.instance_role`; attach the profile to instances."""

    def __init__(
        self, scope: Construct, construct_id: str, *, org: Organization, account_id: str, regions: list[str]
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.CfnRole(
            self,
            "Role",
            role_name=org.instance_role,
            description="EC2 instances: Session Manager agent and session logging, nothing else",
            assume_role_policy_document=service_trust("ec2.amazonaws.com"),
        )
        self.profile = iam.CfnInstanceProfile(
            self, "InstanceProfile", instance_profile_name=org.instance_role, roles=[self.role.ref]
        )
        statements = instance_policy_statements(org, account_id, regions)
        self.policy = iam.CfnManagedPolicy(
            self,
            "Policy",
            description="Session Manager agent with encrypted S3 and CloudWatch Logs session logging",
            roles=[self.role.ref],
            policy_document=document(*statements),
        )
        cdk.Validations.of(self.policy).acknowledge(*instance_policy_acknowledgments(org, account_id, regions))


def instance_policy_acknowledgments(org: Organization, account_id: str, regions: list[str]) -> list[cdk.Acknowledgment]:
    """One acknowledgment per wildcard the design calls for, written out rather than read from the statements,
    so a wider resource (another account, any region, any bucket) is a new cdk-nag finding."""
    p, home, log_archive = org.partition, org.home_region, org.log_archive_account_id

    def wildcard(resource: str, kind: str) -> cdk.Acknowledgment:
        return cdk.Acknowledgment(
            id=nag_form(f"AwsSolutions-IAM5[Resource::{resource}]"), reason=WILDCARD_REASONS[kind]
        )

    return [
        wildcard("*", "*"),  # OpenSessionChannels, CheckSessionLogGroupEncryption
        *(wildcard(f"arn:{p}:ec2:{r}:{account_id}:instance/*", "ec2") for r in regions),  # RegisterWithSystemsManager
        *(wildcard(f"arn:{p}:kms:{r}:{account_id}:key/*", "kms") for r in regions),  # DecryptSessionData
        wildcard(f"arn:{p}:kms:{home}:{log_archive}:key/*", "kms"),  # EncryptSessionLogsThroughS3
        wildcard(f"{org.session_log_bucket_arn}/{account_id}/*", "s3"),  # WriteSessionLogsToS3
        wildcard(f"{org.session_log_bucket_arn}/{org.approved_documents_log_prefix}/*", "s3"),
        *(wildcard(f"{log_group_arn(p, r, account_id, org.session_log_group)}:*", "logs") for r in regions),
    ]


WILDCARD_REASONS = {
    "*": "The ssmmessages channel actions and logs:DescribeLogGroups (a read-only list call) support no "
    "resource-level permissions; AWS documents Resource * for them.",
    "ec2": "Any instance of this account that carries the profile registers itself; instance IDs are not known "
    "in advance.",
    "kms": "Key IDs are random; the keys are narrowed to this account's session key alias, or to S3 use of the "
    "log-archive account's keys.",
    "s3": "Session log object names are chosen by the agent per session, under this account's own prefix.",
    "logs": "Log streams are named per session by the agent, inside this account's session log group.",
}

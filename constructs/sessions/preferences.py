"""Session Manager preferences of one account in one region: the session key, the session log group and the
`SSM-SessionManagerRunShell` document that every session without an explicit document uses."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm

from config.models import SessionManager
from config.naming import SESSION_PREFERENCES_DOCUMENT, Organization
from constructs import Construct
from constructs.sessions.documents import session_inputs
from constructs.shared.keys import logs_may_use_key, retained_key
from constructs.shared.logical_ids import pin_logical_id


def log_group_arn(partition: str, region: str, account_id: str, name: str) -> str:
    return f"arn:{partition}:logs:{region}:{account_id}:log-group:{name}"


class SessionPreferences(Construct):
    """The account's session preferences in this region, with the key and log group they name.

    CloudFormation cannot adopt a `SSM-SessionManagerRunShell` the console already created (the console does
    so the first time someone opens the Session Manager preferences): delete it before deploying.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        settings: SessionManager,
        account_id: str,
        region: str,
        extra_log_groups: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        p = org.partition
        group_arns = [
            log_group_arn(p, region, account_id, group) for group in [org.session_log_group, *extra_log_groups]
        ]

        self.key: kms.Key = retained_key(
            self,
            "Key",
            logical_id="SessionKey",
            partition=p,
            account_id=account_id,
            alias=org.session_key_alias,
            description="Encrypts Session Manager session data and the session log groups of this region",
            statements=[logs_may_use_key("AllowCloudWatchLogsForSessionLogGroups", region, group_arns)],
        )

        self.log_group = logs.CfnLogGroup(
            self,
            "LogGroup",
            log_group_name=org.session_log_group,
            retention_in_days=settings.cloudwatch_retention_days,
            kms_key_id=self.key.key_arn,
        )
        self.log_group.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        pin_logical_id(self.log_group, "SessionLogGroup")

        self.document = ssm.CfnDocument(
            self,
            "Document",
            name=SESSION_PREFERENCES_DOCUMENT,
            document_type="Session",
            document_format="JSON",
            update_method="NewVersion",  # changed preferences become a new default version of the same document
            content={
                "schemaVersion": "1.0",
                "description": "Session Manager preferences (org-baseline; managed by CloudFormation, do not edit)",
                "sessionType": "Standard_Stream",
                "inputs": session_inputs(org, settings, s3_prefix=f"{account_id}/{region}"),
            },
        )
        self.document.add_resource_dependency(self.log_group)
        pin_logical_id(self.document, "SessionPreferencesDocument")

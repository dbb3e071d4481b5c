"""Session Manager preferences of one account in one region: the session key, the session log group and the
`SSM-SessionManagerRunShell` document that every session without an explicit document uses."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm

from config.models import SessionManager
from config.naming import SESSION_PREFERENCES_DOCUMENT, Organization
from constructs import Construct
from constructs.sessions.documents import session_inputs
from constructs.shared.keys import logs_may_use_key, retained_key
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.retention import STATEFUL

ADOPT_CONTEXT = "adopt-session-preferences"
DESCRIPTION = "Session Manager preferences (org-baseline; managed by CloudFormation, do not edit)"
ADOPTING = " [adopted: the next deploy without -c adopt-session-preferences=true writes these preferences]"


def log_group_arn(partition: str, region: str, account_id: str, name: str) -> str:
    return f"arn:{partition}:logs:{region}:{account_id}:log-group:{name}"


class SessionPreferences(Construct):
    """The account's session preferences in this region, with the key and log group they name.

    The console creates `SSM-SessionManagerRunShell` the first time someone opens the Session Manager preferences,
    and once the guardrails protect the document nobody but the deployment role can delete it. The document is
    therefore `RetainExceptOnCreate`, which lets CloudFormation adopt an existing one (`cdk deploy
    --import-existing-resources`, run as the deployment role; the type's registry schema, as cfn-lint ships it,
    has read and list handlers and `Name` as its primary identifier). An import takes the resource as it is
    (AWS recommends drift detection after it, and SSM documents have none), so the adopting deploy also sets the
    context key `adopt-session-preferences=true`, which marks the description; the next plain deploy sees changed
    content and writes the config's preferences as a new default version (docs/deploying.md, "First rollout into
    an existing organization").
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/import-resources-automatically.html
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-import-supported-resources.html
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
        self.log_group.apply_removal_policy(STATEFUL)
        pin_logical_id(self.log_group, "SessionLogGroup")

        adopting = str(self.node.try_get_context(ADOPT_CONTEXT)).lower() == "true"
        self.document = ssm.CfnDocument(
            self,
            "Document",
            name=SESSION_PREFERENCES_DOCUMENT,
            document_type="Session",
            document_format="JSON",
            update_method="NewVersion",  # changed preferences become a new default version of the same document
            content={
                "schemaVersion": "1.0",
                "description": DESCRIPTION + (ADOPTING if adopting else ""),
                "sessionType": "Standard_Stream",
                "inputs": session_inputs(org, settings, s3_prefix=f"{account_id}/{region}"),
            },
        )
        self.document.add_resource_dependency(self.log_group)
        self.document.apply_removal_policy(STATEFUL)  # adoptable, and kept if the stack goes (see the class doc)
        pin_logical_id(self.document, "SessionPreferencesDocument")

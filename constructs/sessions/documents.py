"""Session Manager documents: the settings every session document pins, and the approved documents.

The approved documents (interactive shell, port forwarding) live in one account (the security account), in
every allowed region of the partition, and are shared with each account by that account's own stacks (see
constructs/sessions/handler.py), so onboarding an account never changes this stack.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm

from config.models import SessionManager
from config.naming import Organization
from config.policies.statements import allow, aws, document
from constructs import Construct
from constructs.shared.checkov import skip_checkov

# Port numbers 1-65535, as in AWS-StartPortForwardingSession.
PORT_PATTERN = "^([1-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"
LOCAL_PORT_PATTERN = "^([0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"


def session_inputs(org: Organization, settings: SessionManager, *, s3_prefix: str) -> dict[str, Any]:
    """The `inputs` of a Standard_Stream session document: encrypted S3 and CloudWatch logging, KMS session
    encryption, timeouts, run-as and shell profile.

    `kmsKeyId` is the alias, which resolves in the account and region where the session runs, so one shared
    document works everywhere; the log group has the same name in every account and region.
    """
    return {
        "s3BucketName": org.session_log_bucket,
        "s3KeyPrefix": s3_prefix,
        "s3EncryptionEnabled": True,
        "cloudWatchLogGroupName": org.session_log_group,
        "cloudWatchEncryptionEnabled": True,
        "cloudWatchStreamingEnabled": True,
        "kmsKeyId": org.session_key_alias,
        "idleSessionTimeout": str(settings.idle_session_timeout_minutes),
        "maxSessionDuration": str(settings.max_session_duration_minutes),
        "runAsEnabled": settings.run_as.enabled,
        "runAsDefaultUser": settings.run_as.default_user if settings.run_as.enabled else "",
        "shellProfile": {"linux": settings.shell_profile.linux, "windows": settings.shell_profile.windows},
    }


def approved_document_contents(org: Organization, settings: SessionManager) -> dict[str, dict[str, Any]]:
    """Content of each approved document, by the keys of `Organization.session_documents`."""
    shell = {
        "schemaVersion": "1.0",
        "description": "Approved interactive shell: logged to S3 and CloudWatch Logs, KMS-encrypted, time-limited.",
        "sessionType": "Standard_Stream",
        "inputs": session_inputs(org, settings, s3_prefix=org.approved_documents_log_prefix),
    }
    # Port sessions carry no transcript to log; they keep the session encryption and the time limits.
    port_forwarding = {
        "schemaVersion": "1.0",
        "description": "Approved port forwarding to a port of the target instance itself (not to other hosts).",
        "sessionType": "Port",
        "parameters": {
            "portNumber": {"type": "String", "description": "Port on the instance", "allowedPattern": PORT_PATTERN},
            "localPortNumber": {
                "type": "String",
                "description": "(Optional) Local port; 0 picks a free one",
                "allowedPattern": LOCAL_PORT_PATTERN,
                "default": "0",
            },
        },
        "inputs": {
            "kmsKeyId": org.session_key_alias,
            "idleSessionTimeout": str(settings.idle_session_timeout_minutes),
            "maxSessionDuration": str(settings.max_session_duration_minutes),
        },
        "properties": {
            "portNumber": "{{ portNumber }}",
            "type": "LocalPortForwarding",
            "localPortNumber": "{{ localPortNumber }}",
        },
    }
    return {"shell": shell, "port_forwarding": port_forwarding}


class ApprovedSessionDocuments(Construct):
    """The approved session documents in one region of the security account."""

    def __init__(self, scope: Construct, construct_id: str, *, org: Organization, settings: SessionManager) -> None:
        super().__init__(scope, construct_id)
        contents = approved_document_contents(org, settings)
        self.documents: dict[str, ssm.CfnDocument] = {}
        for key, name in org.session_documents.items():
            self.documents[key] = ssm.CfnDocument(
                self,
                name,
                name=name,
                document_type="Session",
                document_format="JSON",
                content=contents[key],
                update_method="NewVersion",  # a changed content becomes a new default version, not a replacement
            )


class DocumentSharerRole(Construct):
    """The role each account's session handler assumes to add (or remove) its own account to the approved
    documents' share lists. Home region of the security account only (IAM is global).

    Only roles named like the session handler in accounts of the organization may assume it, and it can only
    read and modify the share list of the approved documents in the partition's allowed regions.
    """

    def __init__(self, scope: Construct, construct_id: str, *, org: Organization, regions: list[str]) -> None:
        super().__init__(scope, construct_id)
        p = org.partition
        self.role = iam.CfnRole(
            self,
            "Role",
            role_name=org.document_sharer_role,
            description="Shares the approved session documents with the organization account that asks for it",
            max_session_duration=3600,
            assume_role_policy_document=document(
                allow(
                    sid="OrganizationSessionHandlersOnly",
                    principal=aws("*"),
                    action="sts:AssumeRole",
                    condition={
                        "StringEquals": {"aws:PrincipalOrgID": org.organization_id},
                        "ArnLike": {"aws:PrincipalArn": f"arn:{p}:iam::*:role/{org.session_handler}"},
                    },
                )
            ),
        )
        skip_checkov(
            self.role,
            (
                "CKV_AWS_60",
                "The trust admits only the organization's accounts (aws:PrincipalOrgID) "
                "and only their session handler role by exact name (aws:PrincipalArn).",
            ),
        )
        document_arns = [
            org.session_document_arn(region, name) for region in regions for name in org.session_documents.values()
        ]
        iam.CfnManagedPolicy(
            self,
            "Policy",
            description="Read and modify the share list of the approved session documents only",
            roles=[self.role.ref],
            policy_document=document(
                allow(
                    sid="ShareApprovedSessionDocuments",
                    action=["ssm:DescribeDocumentPermission", "ssm:ModifyDocumentPermission"],
                    resource=document_arns,
                )
            ),
        )

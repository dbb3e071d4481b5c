"""Custom resources for what CloudFormation has no type for: blocking public SSM document sharing, and sharing
the approved session documents with this account. One small Lambda function per account and region runs both
(constructs/handlers/session_manager/index.py); its role lives in the home-region stack, as all IAM does.

Custom resources point straight at our own function rather than at the CDK Provider framework: the framework
adds a second function with its own role and log group per stack for nothing we need (both operations finish
in seconds), while our handler answers CloudFormation's pre-signed URL itself.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from config.naming import Organization
from config.policies.statements import allow, document
from constructs import Construct
from constructs.shared.handler_function import (
    add_handler_function,
    add_handler_role,
    own_log_streams,
    own_log_streams_acknowledged,
    write_own_logs,
)

PUBLIC_SHARING_SETTING = "/ssm/documents/console/public-sharing-permission"


def handler_log_group(org: Organization) -> str:
    return f"/aws/lambda/{org.session_handler}"


class SessionHandlerRole(Construct):
    """Execution role of the session handler function in every region of the account (home region only)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, org: Organization, account_id: str, regions: list[str]
    ) -> None:
        super().__init__(scope, construct_id)
        p = org.partition
        self.role = add_handler_role(
            self,
            name=org.session_handler,
            description="Runs the Session Manager custom resources (public sharing block, document sharing)",
        )
        self.log_streams = own_log_streams(p, account_id, regions, handler_log_group(org))
        self.policy = iam.CfnManagedPolicy(
            self,
            "Policy",
            description="Session handler: its own logs, the public-sharing service setting, the document sharer",
            roles=[self.role.ref],
            policy_document=document(
                write_own_logs(self.log_streams),
                allow(
                    sid="BlockPublicDocumentSharing",
                    action=["ssm:GetServiceSetting", "ssm:UpdateServiceSetting"],
                    resource=[f"arn:{p}:ssm:{r}:{account_id}:servicesetting{PUBLIC_SHARING_SETTING}" for r in regions],
                ),
                allow(sid="AssumeDocumentSharer", action="sts:AssumeRole", resource=org.document_sharer_role_arn),
            ),
        )
        cdk.Validations.of(self.policy).acknowledge(
            *own_log_streams_acknowledged(p, account_id, regions, handler_log_group(org))
        )


class SessionCustomResources(Construct):
    """The handler function of this region, its log group, and the two custom resources."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        account_id: str,
        region: str,
        key: kms.IKey,
        retention_days: int,
        share_documents: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        p = org.partition
        self.log_group, self.function = add_handler_function(
            self,
            name=org.session_handler,
            description="org-baseline Session Manager custom resources",
            handler_dir="session_manager",
            role_arn=f"arn:{p}:iam::{account_id}:role/{org.session_handler}",
            log_group_name=handler_log_group(org),
            log_group_id="SessionHandlerLogGroup",
            key=key,
            retention_days=retention_days,
            apis="SSM and STS APIs",
        )

        self.block_public_sharing = cdk.CustomResource(
            self,
            "BlockPublicDocumentSharing",
            service_token=self.function.attr_arn,
            resource_type="Custom::BlockPublicDocumentSharing",
            properties={"Setting": PUBLIC_SHARING_SETTING},
        )
        self.document_share: cdk.CustomResource | None = None
        if share_documents:  # not in the documents' own account
            self.document_share = cdk.CustomResource(
                self,
                "ApprovedDocumentShare",
                service_token=self.function.attr_arn,
                resource_type="Custom::ApprovedDocumentShare",
                properties={
                    "AccountId": account_id,
                    "DocumentNames": sorted(org.session_documents.values()),
                    "SharerRoleArn": org.document_sharer_role_arn,
                },
            )

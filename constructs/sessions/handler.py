"""Custom resources for what CloudFormation has no type for: blocking public SSM document sharing, and sharing
the approved session documents with this account. One small Lambda function per account and region runs both
(constructs/handlers/session_manager/index.py); its role lives in the home-region stack, as all IAM does.

Custom resources point straight at our own function rather than at the CDK Provider framework: the framework
adds a second function with its own role and log group per stack for nothing we need (both operations finish
in seconds), while our handler answers CloudFormation's pre-signed URL itself.
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
from constructs.sessions.preferences import log_group_arn
from constructs.shared.checkov import skip_checkov
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.retention import STATEFUL

# Lambda code lives apart from the constructs that deploy it: constructs/handlers/<function>/ (no CDK imports).
HANDLER_CODE = Path(__file__).resolve().parents[1] / "handlers" / "session_manager"
PUBLIC_SHARING_SETTING = "/ssm/documents/console/public-sharing-permission"
# Both GovCloud regions must run it. AWS lists GovCloud's Lambda differences; that page once named new managed
# runtimes (python3.12, nodejs20.x, java21) as not yet available there, months after their commercial launch, and
# today names JSON log format as unavailable (the function logs as text) but no runtime:
# https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-lambda.html
# python3.13 (November 2024) has had a year to reach GovCloud, python3.14 (November 2025) has not; architecture is
# left at the default x86_64, which every region has. Verify in the first GovCloud sandbox deploy before moving on.
RUNTIME = lambda_.Runtime.PYTHON_3_13
# cdk-nag's AwsSolutions-L1 asks for the newest runtime; every function of the baseline acknowledges it with this.
OLDER_RUNTIME = cdk.Acknowledgment(
    id="AwsSolutions-L1",
    reason="python3.13, not the newest Python runtime: the same template deploys to both GovCloud regions, where "
    "new Lambda runtimes arrive months after commercial (see RUNTIME in constructs/sessions/handler.py).",
)


def handler_log_group(org: Organization) -> str:
    return f"/aws/lambda/{org.session_handler}"


class SessionHandlerRole(Construct):
    """Execution role of the session handler function in every region of the account (home region only)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, org: Organization, account_id: str, regions: list[str]
    ) -> None:
        super().__init__(scope, construct_id)
        p = org.partition
        self.role = iam.CfnRole(
            self,
            "Role",
            role_name=org.session_handler,
            description="Runs the Session Manager custom resources (public sharing block, document sharing)",
            max_session_duration=3600,
            assume_role_policy_document=service_trust("lambda.amazonaws.com"),
        )
        self.log_streams = [f"{log_group_arn(p, r, account_id, handler_log_group(org))}:*" for r in regions]
        self.policy = iam.CfnManagedPolicy(
            self,
            "Policy",
            description="Session handler: its own logs, the public-sharing service setting, the document sharer",
            roles=[self.role.ref],
            policy_document=document(
                allow(
                    sid="WriteOwnLogs", action=["logs:CreateLogStream", "logs:PutLogEvents"], resource=self.log_streams
                ),
                allow(
                    sid="BlockPublicDocumentSharing",
                    action=["ssm:GetServiceSetting", "ssm:UpdateServiceSetting"],
                    resource=[f"arn:{p}:ssm:{r}:{account_id}:servicesetting{PUBLIC_SHARING_SETTING}" for r in regions],
                ),
                allow(sid="AssumeDocumentSharer", action="sts:AssumeRole", resource=org.document_sharer_role_arn),
            ),
        )
        cdk.Validations.of(self.policy).acknowledge(
            *(
                cdk.Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::{streams}]",
                    reason="Lambda names its log streams at run time; the wildcard covers only the streams of the "
                    "handler's own log group.",
                )
                for streams in self.log_streams
            )
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
        self.log_group = logs.CfnLogGroup(
            self,
            "LogGroup",
            log_group_name=handler_log_group(org),
            retention_in_days=retention_days,
            kms_key_id=key.key_arn,
        )
        self.log_group.apply_removal_policy(STATEFUL)
        pin_logical_id(self.log_group, "SessionHandlerLogGroup")

        code = lambda_.Code.from_asset(str(HANDLER_CODE)).bind(self)
        assert code.s3_location is not None
        self.function = lambda_.CfnFunction(
            self,
            "Function",
            function_name=org.session_handler,
            description="org-baseline Session Manager custom resources",
            runtime=RUNTIME.name,
            handler="index.handler",
            role=f"arn:{p}:iam::{account_id}:role/{org.session_handler}",
            code=lambda_.CfnFunction.CodeProperty(
                s3_bucket=code.s3_location.bucket_name, s3_key=code.s3_location.object_key
            ),
            timeout=120,
            memory_size=128,
            logging_config=lambda_.CfnFunction.LoggingConfigProperty(log_group=handler_log_group(org)),
        )
        self.function.add_resource_dependency(self.log_group)
        # The same three reasons answer cdk-nag's NIST rules and checkov's equivalent checks.
        outside_vpc = (
            "The function only calls the SSM and STS APIs during deployments; the baseline creates no VPC, "
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

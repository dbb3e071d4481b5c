"""The organization trail in the management account, delivering to the log-archive bucket and CloudWatch Logs."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs

from config.naming import Organization
from config.policies.statements import Statement, allow, document, service_trust
from constructs import Construct
from constructs.shared.keys import logs_may_use_key, retained_key
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.retention import STATEFUL


class OrganizationTrail(Construct):
    """A multi-region organization trail of all management events, with log file validation.

    Its KMS key lives here, in the trail's account, so the trail can name it at creation; the log-archive and
    security accounts may decrypt what it encrypted. The same key encrypts the trail's log group.
    """

    def __init__(self, scope: Construct, construct_id: str, *, org: Organization, retention_days: int) -> None:
        super().__init__(scope, construct_id)
        p, region, account_id = org.partition, org.home_region, org.management_account_id
        log_group_arn = f"arn:{p}:logs:{region}:{account_id}:log-group:{org.trail_log_group}"

        self.key = retained_key(
            self,
            "Key",
            logical_id="OrgTrailKey",
            partition=p,
            account_id=account_id,
            alias=f"alias/{org.trail_name}",
            description=f"Encrypts organization trail {org.trail_name}: log files, digests and its log group",
            statements=self._key_statements(org, log_group_arn),
        )

        self.log_group = logs.CfnLogGroup(
            self,
            "LogGroup",
            log_group_name=org.trail_log_group,
            retention_in_days=retention_days,
            kms_key_id=self.key.key_arn,
        )
        self.log_group.apply_removal_policy(STATEFUL)
        pin_logical_id(self.log_group, "OrgTrailLogGroup")

        self.delivery_role = iam.CfnRole(
            self,
            "LogsDeliveryRole",
            description="Lets the organization trail deliver events to its CloudWatch Logs log group",
            assume_role_policy_document=service_trust(
                "cloudtrail.amazonaws.com", condition={"StringEquals": {"aws:SourceArn": org.trail_arn}}
            ),
        )
        # Streams of an organization trail: the management account's own, and one per member account.
        streams = [
            f"{log_group_arn}:log-stream:{account_id}_CloudTrail_{region}*",
            f"{log_group_arn}:log-stream:{org.organization_id}_*",
        ]
        delivery_policy = iam.CfnManagedPolicy(
            self,
            "LogsDeliveryPolicy",
            description="CloudTrail delivery to the organization trail log group",
            roles=[self.delivery_role.ref],
            policy_document=document(allow(action=["logs:CreateLogStream", "logs:PutLogEvents"], resource=streams)),
        )
        cdk.Validations.of(delivery_policy).acknowledge(
            *(
                cdk.Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::{stream}]",
                    reason="CloudTrail names log streams per account and region at delivery time; the wildcard is "
                    "limited to the stream-name prefix CloudTrail documents for organization trails.",
                )
                for stream in streams
            )
        )

        self.trail = cloudtrail.CfnTrail(
            self,
            "Trail",
            trail_name=org.trail_name,
            is_logging=True,
            is_organization_trail=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            event_selectors=[
                cloudtrail.CfnTrail.EventSelectorProperty(read_write_type="All", include_management_events=True)
            ],
            s3_bucket_name=org.trail_bucket,
            kms_key_id=self.key.key_arn,
            cloud_watch_logs_log_group_arn=self.log_group.attr_arn,
            cloud_watch_logs_role_arn=self.delivery_role.attr_arn,
        )
        self.trail.add_resource_dependency(delivery_policy)  # CloudTrail tests the role when the trail is created
        self.trail.apply_removal_policy(STATEFUL)
        pin_logical_id(self.trail, "OrgTrail")

    @staticmethod
    def _key_statements(org: Organization, log_group_arn: str) -> list[Statement]:
        p, region, account_id = org.partition, org.home_region, org.management_account_id
        readers = sorted({org.log_archive_account_id, org.security_account_id, account_id})
        return [
            {
                "Sid": "AllowCloudTrailToEncrypt",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:{p}:cloudtrail:*:{account_id}:trail/*"
                    },
                    "StringEquals": {"aws:SourceArn": org.trail_arn},
                },
            },
            {
                "Sid": "AllowCloudTrailToDescribeKey",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:DescribeKey",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceArn": org.trail_arn}},
            },
            {
                # Only data CloudTrail encrypted, and only for the accounts that read trail logs.
                "Sid": "AllowLogReadersToDecryptTrailLogs",
                "Effect": "Allow",
                "Principal": {"AWS": [org.account_root_arn(reader) for reader in readers]},
                "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:CallerAccount": readers},
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:{p}:cloudtrail:*:{account_id}:trail/*"
                    },
                },
            },
            logs_may_use_key("AllowCloudWatchLogsForTrailLogGroup", region, log_group_arn),
        ]

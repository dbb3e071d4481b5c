"""The organization trail's bucket in the log-archive account, with its KMS key and access-log bucket."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from config.models import Logging
from config.naming import PartitionNames
from constructs import Construct
from constructs.checkov_skips import skip_checkov
from constructs.key_policy import retained_key
from constructs.log_bucket import archived_log_bucket
from constructs.logical_ids import pin_logical_id


class OrgTrailBucket(Construct):
    """Where every account's CloudTrail logs land. Retained, versioned, KMS-encrypted, TLS-only, private."""

    def __init__(self, scope: Construct, construct_id: str, *, names: PartitionNames, logging: Logging) -> None:
        super().__init__(scope, construct_id)
        lifecycle = logging.trail_bucket

        self.key = retained_key(
            self,
            "Key",
            logical_id="OrgTrailBucketKey",
            partition=names.partition,
            account=names.log_archive_account_id,
            alias=f"alias/{names.trail_bucket}",
            description=f"Default encryption of the organization trail bucket {names.trail_bucket}",
            statements=[
                {
                    # Objects CloudTrail writes without naming its own key fall back to this default key.
                    "Sid": "AllowOrgTrailToEncryptWithBucketDefault",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "kms:GenerateDataKey*",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceArn": names.trail_arn}},
                }
            ],
        )

        # Server access logs cannot be delivered to a bucket with SSE-KMS default encryption: SSE-S3 here.
        self.access_log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=names.access_log_bucket,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs",
                    expiration=cdk.Duration.days(logging.access_log_expire_after_days),
                    noncurrent_version_expiration=cdk.Duration.days(30),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        pin_logical_id(self.access_log_bucket, "AccessLogBucket")
        skip_checkov(self.access_log_bucket, ("CKV_AWS_18", "This bucket is the server access log destination; "
                                                            "logging it to itself would loop."))  # fmt: skip
        cdk.Validations.of(self.access_log_bucket).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-S1",
                reason="This bucket is the server access log destination; logging it to itself would loop.",
            ),
            cdk.Acknowledgment(
                id="NIST.800.53.R5-S3BucketLoggingEnabled",
                reason="This bucket is the server access log destination; logging it to itself would loop.",
            ),
            cdk.Acknowledgment(
                id="NIST.800.53.R5-S3DefaultEncryptionKMS",
                reason="S3 server access logging only delivers to buckets with SSE-S3 default encryption.",
            ),
            cdk.Acknowledgment(
                id="NIST.800.53.R5-S3BucketReplicationEnabled",
                reason="Access logs are operational data kept one year; cross-region copies add cost, not assurance.",
            ),
        )

        self.bucket = archived_log_bucket(
            self,
            "Bucket",
            name=names.trail_bucket,
            logical_id="OrgTrailBucket",
            key=self.key,
            # S3 Bucket Keys change the KMS encryption context to the bucket ARN, which breaks the
            # aws:cloudtrail:arn condition CloudTrail's key policy relies on.
            bucket_key_enabled=False,
            access_log_bucket=self.access_log_bucket,
            lifecycle=lifecycle,
            lifecycle_id="ArchiveThenExpireTrailLogs",
            replication_reason="Trail logs are versioned and retained; cross-region replication is an org decision, "
            "not set by the baseline (SCPs protect the bucket from deletion).",
        )
        for statement in self._cloudtrail_statements(names):
            self.bucket.add_to_resource_policy(iam.PolicyStatement.from_json(statement))

    @staticmethod
    def _cloudtrail_statements(names: PartitionNames) -> list[dict]:
        """CloudTrail's three statements for an organization trail, each pinned to our trail's ARN."""
        source = {"aws:SourceArn": names.trail_arn}
        write_condition = {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}}
        cloudtrail = {"Service": "cloudtrail.amazonaws.com"}
        return [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": cloudtrail,
                "Action": "s3:GetBucketAcl",
                "Resource": names.trail_bucket_arn,
                "Condition": {"StringEquals": source},
            },
            {
                "Sid": "AWSCloudTrailWriteManagementAccount",
                "Effect": "Allow",
                "Principal": cloudtrail,
                "Action": "s3:PutObject",
                "Resource": f"{names.trail_bucket_arn}/AWSLogs/{names.management_account_id}/*",
                "Condition": write_condition,
            },
            {
                "Sid": "AWSCloudTrailWriteOrganization",
                "Effect": "Allow",
                "Principal": cloudtrail,
                "Action": "s3:PutObject",
                "Resource": f"{names.trail_bucket_arn}/AWSLogs/{names.organization_id}/*",
                "Condition": write_condition,
            },
        ]

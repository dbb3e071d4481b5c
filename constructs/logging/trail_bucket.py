"""The organization trail's bucket in the log-archive account, with its KMS key and access-log bucket."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from config.models import Logging
from config.naming import Organization
from config.policies.statements import Statement, allow, aws, service
from constructs import Construct
from constructs.shared.keys import retained_key
from constructs.shared.log_buckets import access_log_bucket, archived_log_bucket


class OrgTrailBucket(Construct):
    """Where every account's CloudTrail logs land. Retained, versioned, KMS-encrypted, TLS-only, private."""

    def __init__(self, scope: Construct, construct_id: str, *, org: Organization, logging: Logging) -> None:
        super().__init__(scope, construct_id)
        lifecycle = logging.trail_bucket

        self.key = retained_key(
            self,
            "Key",
            logical_id="OrgTrailBucketKey",
            partition=org.partition,
            account_id=org.log_archive_account_id,
            alias=f"alias/{org.trail_bucket}",
            description=f"Default encryption of the organization trail bucket {org.trail_bucket}",
            statements=[
                {
                    # Objects CloudTrail writes without naming its own key fall back to this default key.
                    "Sid": "AllowOrgTrailToEncryptWithBucketDefault",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "kms:GenerateDataKey*",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceArn": org.trail_arn}},
                }
            ],
        )

        self.access_log_bucket = access_log_bucket(
            self,
            "AccessLogs",
            name=org.access_log_bucket,
            logical_id="AccessLogBucket",
            expire_after_days=logging.access_log_expire_after_days,
        )

        self.bucket = archived_log_bucket(
            self,
            "Bucket",
            name=org.trail_bucket,
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
        for statement in self._cloudtrail_statements(org) + self._reader_statements(org):
            self.bucket.add_to_resource_policy(iam.PolicyStatement.from_json(statement))

    @staticmethod
    def _reader_statements(org: Organization) -> list[Statement]:
        """The security account reads the trail logs (investigations, its tooling). The trail key lets it decrypt
        them (constructs/logging/org_trail.py), but a key grant alone reads nothing: a cross-account principal
        needs the bucket policy too, and the log-archive account's own IAM needs none. Read-only, logs only:
        `s3:GetObject` under `AWSLogs/`, and listing only under that prefix. Who in the security account may use it
        is up to that account's IAM policies (the principal is the account).
        https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example2.html
        """
        if org.security_account_id == org.log_archive_account_id:
            return []
        reader = aws(org.account_root_arn(org.security_account_id))
        return [
            allow(
                sid="SecurityAccountReadsTrailLogs",
                principal=reader,
                action="s3:GetObject",
                resource=f"{org.trail_bucket_arn}/AWSLogs/*",
            ),
            allow(
                sid="SecurityAccountListsTrailLogs",
                principal=reader,
                action="s3:ListBucket",
                resource=org.trail_bucket_arn,
                condition={"StringLike": {"s3:prefix": ["AWSLogs/", "AWSLogs/*"]}},
            ),
        ]

    @staticmethod
    def _cloudtrail_statements(org: Organization) -> list[Statement]:
        """CloudTrail's three statements for an organization trail, each pinned to our trail's ARN."""
        source = {"aws:SourceArn": org.trail_arn}
        write_condition = {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}}
        cloudtrail = service("cloudtrail.amazonaws.com")
        logs = f"{org.trail_bucket_arn}/AWSLogs"
        return [
            allow(
                sid="AWSCloudTrailAclCheck",
                principal=cloudtrail,
                action="s3:GetBucketAcl",
                resource=org.trail_bucket_arn,
                condition={"StringEquals": source},
            ),
            allow(
                sid="AWSCloudTrailWriteManagementAccount",
                principal=cloudtrail,
                action="s3:PutObject",
                resource=f"{logs}/{org.management_account_id}/*",
                condition=write_condition,
            ),
            allow(
                sid="AWSCloudTrailWriteOrganization",
                principal=cloudtrail,
                action="s3:PutObject",
                resource=f"{logs}/{org.organization_id}/*",
                condition=write_condition,
            ),
        ]

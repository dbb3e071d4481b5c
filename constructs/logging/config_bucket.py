"""The AWS Config bucket in the log-archive account: configuration history and snapshots of every account.

Every baseline's recorder uses the service-linked role AWSServiceRoleForConfig, which has no access to a bucket
or key of another account, so AWS Config delivers as its service principal `config.amazonaws.com`; the bucket
policy and the key policy must grant that principal the documented actions:
https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html
https://docs.aws.amazon.com/config/latest/developerguide/s3-kms-key-policy.html
The documents narrow each grant by the account the delivery is for (`aws:SourceAccount`); one bucket serves the
whole organization here, so the grants are narrowed to it with `aws:SourceOrgID` instead, as AWS Control Tower
does for the AWS Config statements of its log bucket:
https://docs.aws.amazon.com/controltower/latest/userguide/logging-s3-audit-bucket.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceorgid
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from config.models import TrailBucketLifecycle
from config.naming import Organization
from config.policies.statements import Statement, allow, service
from constructs import Construct
from constructs.shared.keys import retained_key
from constructs.shared.log_buckets import archived_log_bucket

CONFIG = "config.amazonaws.com"


class ConfigBucket(Construct):
    """Retained, versioned, SSE-KMS, TLS-only, private; AWS Config of the organization's accounts may write, under
    `AWSLogs/<account>/Config/`, nothing else."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        lifecycle: TrailBucketLifecycle,
        access_log_bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = retained_key(
            self,
            "Key",
            logical_id="ConfigBucketKey",
            partition=org.partition,
            account_id=org.log_archive_account_id,
            alias=f"alias/{org.config_bucket}",
            description=f"Default encryption of the AWS Config bucket {org.config_bucket}",
            statements=[self.key_statement(org)],
        )
        self.bucket = archived_log_bucket(
            self,
            "Bucket",
            name=org.config_bucket,
            logical_id="ConfigBucket",
            key=self.key,
            bucket_key_enabled=True,  # fewer KMS calls; the key policy does not depend on the object ARN
            access_log_bucket=access_log_bucket,
            lifecycle=lifecycle,
            lifecycle_id="ArchiveThenExpireConfigHistory",
            replication_reason="Configuration history is versioned and retained; cross-region replication is an "
            "org decision, not set by the baseline (SCPs protect the bucket from deletion).",
        )
        for statement in self.bucket_statements(org):
            self.bucket.add_to_resource_policy(iam.PolicyStatement.from_json(statement))

    @staticmethod
    def key_statement(org: Organization) -> Statement:
        """AWS Config encrypts what it delivers with the bucket's default key (and reads data keys back for
        multipart uploads): the documented `kms:Decrypt` and `kms:GenerateDataKey`, for the organization only."""
        return allow(
            sid="AWSConfigKMSPolicy",
            principal=service(CONFIG),
            action=["kms:Decrypt", "kms:GenerateDataKey"],
            resource="*",
            condition={"StringEquals": {"aws:SourceOrgID": org.organization_id}},
        )

    @staticmethod
    def bucket_statements(org: Organization) -> list[Statement]:
        """The three documented statements: ACL check, existence check, delivery (with the owner-full-control ACL
        AWS Config sets), each for the organization's accounts only."""
        in_org = {"aws:SourceOrgID": org.organization_id}
        config = service(CONFIG)
        return [
            allow(
                sid="AWSConfigBucketPermissionsCheck",
                principal=config,
                action="s3:GetBucketAcl",
                resource=org.config_bucket_arn,
                condition={"StringEquals": in_org},
            ),
            allow(
                sid="AWSConfigBucketExistenceCheck",
                principal=config,
                action="s3:ListBucket",
                resource=org.config_bucket_arn,
                condition={"StringEquals": in_org},
            ),
            allow(
                sid="AWSConfigBucketDelivery",
                principal=config,
                action="s3:PutObject",
                resource=f"{org.config_bucket_arn}/AWSLogs/*/Config/*",
                condition={"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **in_org}},
            ),
        ]

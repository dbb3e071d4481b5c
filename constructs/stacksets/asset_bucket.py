"""The StackSets administrator's Lambda code bucket of one region, which every organization account may read.

A Lambda function reads its code from "an Amazon S3 bucket in the same AWS Region as your function. The bucket can
be in a different AWS account" (https://docs.aws.amazon.com/lambda/latest/api/API_FunctionCode.html), so a
StackSet's template that deploys functions to several regions needs one bucket per region; cdk-stacksets' template
names it `<prefix>-<region>` through AWS::Region, and copies the code in from the administrator's stack
(BucketDeployment). Nothing else goes in: only the organization's principals may read, over TLS.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from config.naming import Organization, stackset_asset_bucket_names
from constructs import Construct
from constructs.shared.log_buckets import access_log_bucket, private_tls_only_versioned
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.retention import STATEFUL


class StackSetAssetBucket(Construct):
    """SSE-S3 (Lambda in the target accounts reads it with no key grant), versioned, private, TLS-only, retained,
    readable by principals of the organization (aws:PrincipalOrgID); server access logs kept beside it."""

    def __init__(self, scope: Construct, construct_id: str, *, org: Organization, admin_account_id: str) -> None:
        super().__init__(scope, construct_id)
        names = stackset_asset_bucket_names(org.name_prefix, admin_account_id, cdk.Stack.of(self).region)
        name = names["assets"]
        logs = access_log_bucket(
            self,
            "AccessLogs",
            name=names["access_logs"],
            logical_id="StackSetAssetAccessLogBucket",
            expire_after_days=365,
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            **private_tls_only_versioned(),
            server_access_logs_bucket=logs,
            server_access_logs_prefix=f"{name}/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireOldCode",
                    noncurrent_version_expiration=cdk.Duration.days(90),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            removal_policy=STATEFUL,
        )
        pin_logical_id(self.bucket, "StackSetAssetBucket")
        # The StackSet instances' CloudFormation (in each target account) creates the functions; Lambda reads the
        # code as that caller, a principal of the organization.
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement.from_json(
                {
                    "Sid": "OrganizationReadsCode",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": "s3:GetObject",
                    "Resource": f"arn:{org.partition}:s3:::{name}/*",
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": org.organization_id}},
                }
            )
        )
        cdk.Validations.of(self.bucket).acknowledge(
            cdk.Acknowledgment(
                id="NIST.800.53.R5-S3DefaultEncryptionKMS",
                reason="Lambda code read by every account of the organization: SSE-S3 needs no key grant per account; "
                "the code is no secret (it is in the repository).",
            ),
            cdk.Acknowledgment(
                id="NIST.800.53.R5-S3BucketReplicationEnabled",
                reason="Copies of code the administrator's stack writes again on every deployment; one bucket per "
                "region already.",
            ),
        )

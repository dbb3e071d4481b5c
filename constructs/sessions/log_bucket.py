"""The central Session Manager log bucket in the log-archive account, written by the organization's instance roles."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from config.models import SessionLogBucketLifecycle
from config.naming import Organization
from config.policies.statements import Condition, Statement, allow, aws
from constructs import Construct
from constructs.shared.checkov import skip_checkov
from constructs.shared.keys import retained_key
from constructs.shared.log_buckets import archived_log_bucket


def instance_role_condition(org: Organization) -> Condition:
    """Principals in the organization using the baseline's Session Manager instance role, in any account."""
    return {
        "StringEquals": {"aws:PrincipalOrgID": org.organization_id},
        "ArnLike": {"aws:PrincipalArn": f"arn:{org.partition}:iam::*:role/{org.instance_role}"},
    }


class SessionLogBucket(Construct):
    """Session transcripts of every account. Retained, versioned, SSE-KMS, TLS-only, private, write-only for
    instances: they may put objects (under their own account's prefix, or the approved documents' prefix) and
    check the bucket's encryption, nothing else."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        lifecycle: SessionLogBucketLifecycle,
        access_log_bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        p, region = org.partition, org.home_region
        from_instance_roles = instance_role_condition(org)

        self.key = retained_key(
            self,
            "Key",
            logical_id="SessionLogBucketKey",
            partition=p,
            account_id=org.log_archive_account_id,
            alias=f"alias/{org.session_log_bucket}",
            description=f"Default encryption of the Session Manager log bucket {org.session_log_bucket}",
            statements=[
                allow(
                    sid="AllowOrgInstanceRolesToEncryptThroughS3",
                    principal=aws("*"),
                    # Decrypt too: the agent's multipart uploads read back data keys of earlier parts.
                    action=["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
                    resource="*",
                    condition={
                        "StringEquals": {
                            "aws:PrincipalOrgID": org.organization_id,
                            "kms:ViaService": f"s3.{region}.amazonaws.com",
                        },
                        "ArnLike": from_instance_roles["ArnLike"],
                    },
                )
            ],
        )
        skip_checkov(
            self.key,
            (
                "CKV_AWS_33",
                "Principal * is narrowed to the organization's instance roles by "
                "aws:PrincipalOrgID and aws:PrincipalArn, and to use through S3 by "
                "kms:ViaService.",
            ),
        )

        self.bucket = archived_log_bucket(
            self,
            "Bucket",
            name=org.session_log_bucket,
            logical_id="SessionLogBucket",
            key=self.key,
            bucket_key_enabled=True,  # fewer KMS calls; the key policy does not depend on the object ARN
            access_log_bucket=access_log_bucket,
            lifecycle=lifecycle,
            lifecycle_id="ArchiveThenExpireSessionLogs",
            replication_reason="Session logs are versioned and retained; cross-region replication is an org "
            "decision, not set by the baseline (SCPs protect the bucket from deletion).",
        )
        for statement in self.instance_statements(org):
            self.bucket.add_to_resource_policy(iam.PolicyStatement.from_json(statement))

    @staticmethod
    def instance_statements(org: Organization) -> list[Statement]:
        bucket_arn = org.session_log_bucket_arn
        condition = instance_role_condition(org)
        return [
            # The preferences document of each account writes under <account-id>/<region>/; an instance can only
            # write under its own account's prefix there, or under the approved documents' prefix.
            allow(
                sid="AllowOrgInstanceRolesToWriteSessionLogs",
                principal=aws("*"),
                action="s3:PutObject",
                resource=[
                    f"{bucket_arn}/${{aws:PrincipalAccount}}/*",
                    f"{bucket_arn}/{org.approved_documents_log_prefix}/*",
                ],
                condition=condition,
            ),
            # The agent refuses to log to a bucket whose encryption it cannot verify.
            allow(
                sid="AllowOrgInstanceRolesToCheckEncryption",
                principal=aws("*"),
                action="s3:GetEncryptionConfiguration",
                resource=bucket_arn,
                condition=condition,
            ),
        ]

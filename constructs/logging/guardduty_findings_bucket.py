"""The GuardDuty findings bucket in the log-archive account: the findings of every account and allowed region,
exported by the security account's detectors (GuardDuty's delegated administrator), kept past GuardDuty's 90 days.

GuardDuty writes as its service principal and encrypts each object with the KMS key of the publishing destination;
the key policy and the bucket policy grant it the documented actions (kms:GenerateDataKey; s3:GetBucketLocation and
s3:PutObject), narrowed by the confused-deputy keys to the security account's detectors in the allowed regions, and
the bucket refuses objects that are not encrypted with this key (the documented optional denies):
https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html
"If you enable findings export in a GuardDuty administrator account, all findings from associated member accounts that
are generated in the current Region are also exported to the same location" (same page), so the security account's
destinations are the only writers, and `aws:SourceAccount` is the security account. Why the key is here and how the
security account finds it: docs/decisions/0019-guardduty-findings-key-found-by-alias.md.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from config.models import TrailBucketLifecycle
from config.naming import Organization
from config.policies.statements import Condition, Statement, allow, aws, deny, service
from constructs import Construct
from constructs.shared.keys import retained_key
from constructs.shared.log_buckets import archived_log_bucket

GUARDDUTY = "guardduty.amazonaws.com"


def from_security_detectors(org: Organization, regions: list[str]) -> Condition:
    """Only GuardDuty acting for the security account's detectors in the allowed regions (detector IDs are made by
    GuardDuty, so the ARN ends in a wildcard)."""
    return {
        "StringEquals": {"aws:SourceAccount": org.security_account_id},
        "ArnLike": {
            "aws:SourceArn": [
                f"arn:{org.partition}:guardduty:{region}:{org.security_account_id}:detector/*"
                for region in sorted(regions)
            ]
        },
    }


class GuardDutyFindingsBucket(Construct):
    """Retained, versioned, SSE-KMS with its own key, TLS-only, private, access-logged; only GuardDuty for the
    security account's detectors may write, only objects encrypted with this key."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        regions: list[str],
        lifecycle: TrailBucketLifecycle,
        access_log_bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = retained_key(
            self,
            "Key",
            logical_id="GuardDutyFindingsBucketKey",
            partition=org.partition,
            account_id=org.log_archive_account_id,
            alias=org.guardduty_findings_key_alias,
            description=f"Encrypts the GuardDuty findings exported to {org.guardduty_findings_bucket}",
            statements=self.key_statements(org, regions),
        )
        self.bucket = archived_log_bucket(
            self,
            "Bucket",
            name=org.guardduty_findings_bucket,
            logical_id="GuardDutyFindingsBucket",
            key=self.key,
            bucket_key_enabled=True,  # fewer KMS calls; the key policy does not depend on the object ARN
            access_log_bucket=access_log_bucket,
            lifecycle=lifecycle,
            lifecycle_id="ArchiveThenExpireGuardDutyFindings",
            replication_reason="Exported findings are versioned and retained; cross-region replication is an org "
            "decision, not set by the baseline (SCPs protect the bucket from deletion).",
        )
        for statement in self.bucket_statements(org, regions, self.key.key_arn):
            self.bucket.add_to_resource_policy(iam.PolicyStatement.from_json(statement))

    @staticmethod
    def key_statements(org: Organization, regions: list[str]) -> list[Statement]:
        """GuardDuty may make data keys for the security account's detectors; the security account's handler role
        may read the key's ARN through its alias (kms:DescribeKey), which is how the publishing destinations learn
        it. The role is named by `aws:PrincipalArn`, not as the principal: it is created after this key, and a key
        policy naming a principal that does not exist yet is rejected."""
        handler_role = f"arn:{org.partition}:iam::{org.security_account_id}:role/{org.security_services_handler}"
        return [
            allow(
                sid="AllowGuardDutyToEncryptFindings",
                principal=service(GUARDDUTY),
                action="kms:GenerateDataKey",
                resource="*",
                condition=from_security_detectors(org, regions),
            ),
            allow(
                sid="AllowSecurityServicesHandlerToFindTheKey",
                principal=aws(f"arn:{org.partition}:iam::{org.security_account_id}:root"),
                action="kms:DescribeKey",
                resource="*",
                condition={"ArnEquals": {"aws:PrincipalArn": handler_role}},
            ),
        ]

    @staticmethod
    def bucket_statements(org: Organization, regions: list[str], key_arn: str) -> list[Statement]:
        """The documented statements: location check and upload for the security account's detectors, and the two
        optional denies (no upload without SSE-KMS, none with another key)."""
        guardduty = service(GUARDDUTY)
        objects = f"{org.guardduty_findings_bucket_arn}/*"
        return [
            allow(
                sid="AllowGuardDutyGetBucketLocation",
                principal=guardduty,
                action="s3:GetBucketLocation",
                resource=org.guardduty_findings_bucket_arn,
                condition=from_security_detectors(org, regions),
            ),
            allow(
                sid="AllowGuardDutyPutObject",
                principal=guardduty,
                action="s3:PutObject",
                resource=objects,
                condition=from_security_detectors(org, regions),
            ),
            deny(
                sid="DenyGuardDutyUnencryptedUploads",
                principal=guardduty,
                action="s3:PutObject",
                resource=objects,
                condition={"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
            ),
            deny(
                sid="DenyGuardDutyUploadsWithAnotherKey",
                principal=guardduty,
                action="s3:PutObject",
                resource=objects,
                condition={"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn}},
            ),
        ]

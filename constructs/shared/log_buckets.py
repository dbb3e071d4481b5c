"""The hardened, retained, archive-then-expire bucket that every central log kind lands in."""

from __future__ import annotations

from typing import Any, Protocol

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from constructs import Construct
from constructs.shared.checkov import skip_checkov
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.retention import STATEFUL


def private_tls_only_versioned() -> dict[str, Any]:
    """What every bucket of the baseline has, as `s3.Bucket` keyword arguments: all public access blocked, ACLs off
    (bucket owner enforced), TLS 1.2 or later only (a bucket policy denying other requests), versioning on."""
    return {
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        "enforce_ssl": True,
        "minimum_tls_version": 1.2,
        "versioned": True,
    }


class ArchiveLifecycle(Protocol):
    """What archive-then-expire needs (the trail bucket's and the session log bucket's settings both have it)."""

    @property
    def glacier_after_days(self) -> int: ...

    @property
    def expire_after_days(self) -> int: ...

    @property
    def noncurrent_expire_after_days(self) -> int: ...


def archived_log_bucket(
    scope: Construct,
    construct_id: str,
    *,
    name: str,
    logical_id: str,
    key: kms.IKey,
    bucket_key_enabled: bool,
    access_log_bucket: s3.IBucket,
    lifecycle: ArchiveLifecycle,
    lifecycle_id: str,
    replication_reason: str,
) -> s3.Bucket:
    """SSE-KMS with `key`, versioned, private, TLS 1.2+, owner-enforced, access-logged, retained, pinned.

    Lifecycle: Glacier after `glacier_after_days`, deleted after `expire_after_days`; old versions after
    `noncurrent_expire_after_days`. `replication_reason` answers NIST's replication rule for this bucket.
    """
    bucket = s3.Bucket(
        scope,
        construct_id,
        bucket_name=name,
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        bucket_key_enabled=bucket_key_enabled,
        **private_tls_only_versioned(),
        server_access_logs_bucket=access_log_bucket,
        server_access_logs_prefix=f"{name}/",
        lifecycle_rules=[
            s3.LifecycleRule(
                id=lifecycle_id,
                transitions=[
                    s3.Transition(
                        storage_class=s3.StorageClass.GLACIER,
                        transition_after=cdk.Duration.days(lifecycle.glacier_after_days),
                    )
                ],
                expiration=cdk.Duration.days(lifecycle.expire_after_days),
                noncurrent_version_expiration=cdk.Duration.days(lifecycle.noncurrent_expire_after_days),
                abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
            )
        ],
        removal_policy=STATEFUL,
    )
    pin_logical_id(bucket, logical_id)
    cdk.Validations.of(bucket).acknowledge(
        cdk.Acknowledgment(id="NIST.800.53.R5-S3BucketReplicationEnabled", reason=replication_reason)
    )
    return bucket


SELF_LOGGING = "This bucket is the server access log destination; logging it to itself would loop."


def access_log_bucket(
    scope: Construct, construct_id: str, *, name: str, logical_id: str, expire_after_days: int
) -> s3.Bucket:
    """The destination of S3 server access logs: SSE-S3 (the only encryption log delivery supports), private,
    TLS-only, versioned, expiring, retained, pinned."""
    bucket = s3.Bucket(
        scope,
        construct_id,
        bucket_name=name,
        encryption=s3.BucketEncryption.S3_MANAGED,
        **private_tls_only_versioned(),
        lifecycle_rules=[
            s3.LifecycleRule(
                id="ExpireAccessLogs",
                expiration=cdk.Duration.days(expire_after_days),
                noncurrent_version_expiration=cdk.Duration.days(30),
                abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
            )
        ],
        removal_policy=STATEFUL,
    )
    pin_logical_id(bucket, logical_id)
    skip_checkov(bucket, ("CKV_AWS_18", SELF_LOGGING))
    cdk.Validations.of(bucket).acknowledge(
        cdk.Acknowledgment(id="AwsSolutions-S1", reason=SELF_LOGGING),
        cdk.Acknowledgment(id="NIST.800.53.R5-S3BucketLoggingEnabled", reason=SELF_LOGGING),
        cdk.Acknowledgment(
            id="NIST.800.53.R5-S3DefaultEncryptionKMS",
            reason="S3 server access logging only delivers to buckets with SSE-S3 default encryption.",
        ),
        cdk.Acknowledgment(
            id="NIST.800.53.R5-S3BucketReplicationEnabled",
            reason="Access logs are operational data kept one year; cross-region copies add cost, not assurance.",
        ),
    )
    return bucket

"""The hardened, retained, archive-then-expire bucket that every central log kind lands in."""

from __future__ import annotations

from typing import Protocol

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from constructs import Construct
from constructs.logical_ids import pin_logical_id


class ArchiveLifecycle(Protocol):
    glacier_after_days: int
    expire_after_days: int
    noncurrent_expire_after_days: int


def archived_log_bucket(
    scope: Construct, construct_id: str, *, name: str, logical_id: str, key: kms.IKey, bucket_key_enabled: bool,
    access_log_bucket: s3.IBucket, lifecycle: ArchiveLifecycle, lifecycle_id: str, replication_reason: str,
) -> s3.Bucket:  # fmt: skip
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
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        versioned=True,
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
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    pin_logical_id(bucket, logical_id)
    cdk.Validations.of(bucket).acknowledge(
        cdk.Acknowledgment(id="NIST.800.53.R5-S3BucketReplicationEnabled", reason=replication_reason)
    )
    return bucket

"""KMS key policies built as plain dicts (one jsii call per key instead of one per statement)."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from config.policies.statements import Statement, allow, document, service
from constructs import Construct
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.retention import STATEFUL


def retained_key(
    scope: Construct,
    construct_id: str,
    *,
    logical_id: str,
    partition: str,
    account_id: str,
    alias: str,
    description: str,
    statements: list[dict[str, Any]],
) -> kms.Key:
    """A rotating, retained customer-managed key whose policy is the account's admin statement plus `statements`.

    Passing `policy` to `kms.Key` replaces CDK's default policy, so the statement that lets the account's IAM
    administer the key is written here; without it KMS rejects the policy as one that locks everyone out.
    """
    admin = {
        "Sid": "AllowAccountIamToAdministerKey",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    key = kms.Key(
        scope,
        construct_id,
        alias=alias,
        description=description,
        enable_key_rotation=True,
        removal_policy=STATEFUL,
        policy=iam.PolicyDocument.from_json(document(admin, *statements)),
    )
    pin_logical_id(key, logical_id)
    return key


def logs_may_use_key(sid: str, region: str, log_group_arns: str | list[str]) -> Statement:
    """CloudWatch Logs in `region` may encrypt and decrypt with the key, for the named log groups only."""
    return allow(
        sid=sid,
        principal=service(f"logs.{region}.amazonaws.com"),
        # No kms:Describe*: DescribeKey carries no encryption context, so the condition could never match.
        action=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
        resource="*",
        condition={"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arns}},
    )

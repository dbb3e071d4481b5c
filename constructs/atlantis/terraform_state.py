"""The partition's Terraform state bucket in the CI account, shared by the Atlantis roles of every account."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from config.naming import Organization, terraform_state_bucket_names
from config.policies.statements import allow, aws
from constructs import Construct
from constructs.shared.checkov import skip_checkov
from constructs.shared.keys import retained_key
from constructs.shared.log_buckets import access_log_bucket, private_tls_only_versioned
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.own_account import ACCOUNT, REGION
from constructs.shared.retention import STATEFUL

# Each account's Atlantis roles work under their own prefix: state keys start with the account ID.
OWN_PREFIX = "${aws:PrincipalAccount}"


def atlantis_role_patterns(org: Organization, *which: str) -> list[str]:
    return [f"arn:{org.partition}:iam::*:role/{org.atlantis_roles[w]}" for w in which]


def state_bucket_statements(org: Organization, bucket: str) -> list[dict[str, Any]]:
    """Plan: list and read its account's state, put and delete lock files. Apply: also write state.

    Cross-account roles need these grants; the Deny statements also bind the CI account's own Atlantis roles,
    whose identity policies alone would reach every account's state. `bucket`: the bucket's ARN.
    """
    own = f"{bucket}/{OWN_PREFIX}/*"

    def by(*which: str) -> dict[str, Any]:
        return {
            "StringEquals": {"aws:PrincipalOrgID": org.organization_id},
            "ArnLike": {"aws:PrincipalArn": atlantis_role_patterns(org, *which)},
        }

    everyone = {"AWS": "*"}
    both = by("plan", "apply")
    return [
        {"Sid": "AtlantisListOwnPrefix", "Effect": "Allow", "Principal": everyone, "Action": "s3:ListBucket",
         "Resource": bucket, "Condition": {**both, "StringLike": {"s3:prefix": f"{OWN_PREFIX}/*"}}},
        {"Sid": "AtlantisPlanReadOwnState", "Effect": "Allow", "Principal": everyone, "Action": "s3:GetObject",
         "Resource": own, "Condition": by("plan")},
        {"Sid": "AtlantisLockOwnState", "Effect": "Allow", "Principal": everyone,
         "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": f"{bucket}/{OWN_PREFIX}/*.tflock",
         "Condition": both},
        {"Sid": "AtlantisApplyReadWriteOwnState", "Effect": "Allow", "Principal": everyone,
         "Action": ["s3:GetObject", "s3:PutObject"], "Resource": own, "Condition": by("apply")},
        {"Sid": "DenyAtlantisOutsideOwnPrefix", "Effect": "Deny", "Principal": everyone,
         "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "NotResource": own, "Condition": {
             "ArnLike": both["ArnLike"]}},
        {"Sid": "DenyAtlantisErasingStateHistory", "Effect": "Deny", "Principal": everyone,
         "Action": ["s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning"],
         "Resource": [bucket, f"{bucket}/*"], "Condition": {"ArnLike": both["ArnLike"]}},
    ]  # fmt: skip


class TerraformStateBucket(Construct):
    """Versioned, KMS-encrypted (retained key), TLS-only, private, retained; server access logs kept beside it.

    In the CI account's home-region stack, which names its own account and region through pseudo parameters: the
    bucket names are `terraform_state_bucket_names` of AWS::AccountId and AWS::Region, which resolve to the names
    every other account's Atlantis roles use (`AtlantisNames`), so the deployed buckets keep their names.
    """

    def __init__(self, scope: Construct, construct_id: str, *, org: Organization) -> None:
        super().__init__(scope, construct_id)
        p, region = org.partition, REGION
        names = terraform_state_bucket_names(org.name_prefix, ACCOUNT, REGION)
        state_bucket = names["state"]
        bucket_arn = f"arn:{p}:s3:::{state_bucket}"

        self.key = retained_key(
            self,
            "Key",
            logical_id="TerraformStateKey",
            partition=p,
            account_id=ACCOUNT,
            alias=f"alias/{state_bucket}",
            description=f"Encrypts Terraform state in {state_bucket}",
            statements=[
                allow(
                    sid="AtlantisUseThroughS3ForOwnState",
                    principal=aws("*"),
                    action=["kms:Decrypt", "kms:GenerateDataKey"],
                    resource="*",
                    condition={
                        "StringEquals": {
                            "aws:PrincipalOrgID": org.organization_id,
                            "kms:ViaService": f"s3.{region}.amazonaws.com",
                        },
                        "ArnLike": {"aws:PrincipalArn": atlantis_role_patterns(org, "plan", "apply")},
                        "StringLike": {"kms:EncryptionContext:aws:s3:arn": f"{bucket_arn}/{OWN_PREFIX}/*"},
                    },
                )
            ],
        )
        only_atlantis = (
            "Principal * is bound by aws:PrincipalOrgID, the Atlantis role ARNs, kms:ViaService S3 and the caller's "
            "own state prefix; listing every account's roles would touch this stack on every onboarding."
        )
        skip_checkov(self.key, ("CKV_AWS_33", only_atlantis))

        self.access_log_bucket = access_log_bucket(
            self,
            "AccessLogs",
            name=names["access_logs"],
            logical_id="TerraformStateAccessLogBucket",
            expire_after_days=365,
        )

        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=state_bucket,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            # Without S3 Bucket Keys the KMS encryption context is the object's ARN, so the key policy can
            # confine each account's roles to their own state prefix.
            bucket_key_enabled=False,
            **private_tls_only_versioned(),
            server_access_logs_bucket=self.access_log_bucket,
            server_access_logs_prefix=f"{state_bucket}/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="KeepRecentStateHistory",
                    noncurrent_version_expiration=cdk.Duration.days(90),
                    noncurrent_versions_to_retain=50,
                    expired_object_delete_marker=True,
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            removal_policy=STATEFUL,
        )
        pin_logical_id(self.bucket, "TerraformStateBucket")
        # CDK's log-delivery grant on the access log bucket (its third statement, after the TLS denies) names the
        # stack's account as a literal aws:SourceAccount; the pseudo parameter resolves to the same account.
        log_policy = self.access_log_bucket.policy
        assert log_policy is not None
        cfn_log_policy = log_policy.node.default_child
        assert isinstance(cfn_log_policy, s3.CfnBucketPolicy)
        cfn_log_policy.add_property_override(
            "PolicyDocument.Statement.2.Condition.StringEquals.aws:SourceAccount", ACCOUNT
        )
        for statement in state_bucket_statements(org, bucket_arn):
            self.bucket.add_to_resource_policy(iam.PolicyStatement.from_json(statement))
        cdk.Validations.of(self.bucket).acknowledge(
            cdk.Acknowledgment(
                id="NIST.800.53.R5-S3BucketReplicationEnabled",
                reason="State is versioned and retained; cross-region replication is an org decision, not set "
                "by the baseline.",
            ),
        )

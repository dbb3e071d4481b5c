"""Customer-managed policies for workload roles and remaining bot users: S3 write without delete, S3 delete
alone, and network-restricted credentials. Home-region stack only (IAM is global)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from config.models import NetworkRestriction
from config.naming import Organization
from config.policies.statements import Condition, PolicyDocument, allow, deny, document
from constructs import Construct
from constructs.shared.own_account import nag_form

S3_WRITE_ACTIONS = [
    "s3:AbortMultipartUpload",
    "s3:GetBucketLocation",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:ListBucket",
    "s3:ListBucketMultipartUploads",
    "s3:ListMultipartUploadParts",
    "s3:PutObject",
]
S3_DELETE_ACTIONS = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
# Everything that deletes data, or lets a holder arrange for it to be deleted or unprotected later.
S3_DESTRUCTIVE_ACTIONS = [
    *S3_DELETE_ACTIONS,
    "s3:BypassGovernanceRetention",
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketPolicy",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
]


def s3_writer_no_delete(partition: str, account_id: str) -> PolicyDocument:
    """Write and read objects in this account's buckets; never delete, never loosen a bucket's protection.

    Any bucket of the account (`s3:ResourceAccount`): the policy is a reusable building block, the bucket
    policy and the role decide which data a workload owns. Writes to buckets of other accounts are refused, so
    the credentials cannot move data out of the account either.
    """
    return document(
        allow(
            sid="ReadAndWriteObjectsInThisAccount",
            action=S3_WRITE_ACTIONS,
            resource=[f"arn:{partition}:s3:::*", f"arn:{partition}:s3:::*/*"],
            condition={"StringEquals": {"s3:ResourceAccount": account_id}},
        ),
        deny(sid="DenyDeletingOrUnprotectingData", action=S3_DESTRUCTIVE_ACTIONS, resource="*"),
    )


def s3_deleter(partition: str, account_id: str) -> PolicyDocument:
    """Delete objects and versions in this account's buckets, and nothing else; for the rare cleanup job.

    Attach it to a different role than the writer: the writer's explicit Deny wins over this Allow.
    """
    return document(
        allow(
            sid="DeleteObjectsInThisAccount",
            action=S3_DELETE_ACTIONS,
            resource=f"arn:{partition}:s3:::*/*",
            condition={"StringEquals": {"s3:ResourceAccount": account_id}},
        )
    )


def network_restricted(network: NetworkRestriction) -> PolicyDocument:
    """Deny every request from outside the allowed networks unless an AWS service makes it on the caller's behalf.

    Requests through a VPC endpoint carry `aws:SourceVpce` and no `aws:SourceIp`, and a negated operator
    (`NotIpAddress`) on a missing key is true: without care every VPC endpoint request would be denied. So, with
    endpoints configured, one statement judges requests without `aws:SourceVpce` by their source IP, and a second
    judges requests with it by the endpoint ID. Without endpoints, any endpoint request is outside.
    """
    not_via_service = {"aws:ViaAWSService": "false"}
    outside_ip: Condition = {
        "NotIpAddress": {"aws:SourceIp": list(network.allowed_cidrs)},
        "Bool": not_via_service,
    }
    if not network.allowed_vpc_endpoints:
        return document(deny(sid="DenyOutsideAllowedNetworks", action="*", resource="*", condition=outside_ip))
    return document(
        deny(
            sid="DenyOutsideAllowedCidrsUnlessThroughVpcEndpoint",
            action="*",
            resource="*",
            condition={**outside_ip, "Null": {"aws:SourceVpce": "true"}},
        ),
        deny(
            sid="DenyThroughOtherVpcEndpoints",
            action="*",
            resource="*",
            condition={
                "StringNotEquals": {"aws:SourceVpce": list(network.allowed_vpc_endpoints)},
                "Null": {"aws:SourceVpce": "false"},
                "Bool": not_via_service,
            },
        ),
    )


class DataAccessPolicies(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        account_id: str,
        network: NetworkRestriction | None,
    ) -> None:
        super().__init__(scope, construct_id)
        p = org.partition
        self.s3_writer = iam.CfnManagedPolicy(
            self,
            "S3WriterNoDelete",
            managed_policy_name=org.s3_writer_no_delete_policy,
            description="Read and write S3 objects in this account; explicitly never delete them or loosen bucket "
            "protection (policy, lifecycle, versioning, object lock)",
            policy_document=s3_writer_no_delete(p, account_id),
        )
        cdk.Validations.of(self.s3_writer).acknowledge(
            *(
                cdk.Acknowledgment(
                    id=nag_form(f"AwsSolutions-IAM5[Resource::{resource}]"),
                    reason="A reusable building block for any workload role: limited to buckets of this account "
                    "by s3:ResourceAccount; bucket policies and the role decide which buckets a workload owns.",
                )
                for resource in (f"arn:{p}:s3:::*", f"arn:{p}:s3:::*/*")
            )
        )
        self.s3_deleter = iam.CfnManagedPolicy(
            self,
            "S3Deleter",
            managed_policy_name=org.s3_deleter_policy,
            description="Delete S3 objects and object versions in this account, and nothing else (separate "
            "credentials for cleanup jobs)",
            policy_document=s3_deleter(p, account_id),
        )
        cdk.Validations.of(self.s3_deleter).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::arn:{p}:s3:::*/*]",
                reason="A reusable building block for cleanup roles: limited to buckets of this account by "
                "s3:ResourceAccount; versioned buckets keep protecting data the deleter removes by mistake.",
            )
        )
        self.network_restricted = None
        if network is not None:
            self.network_restricted = iam.CfnManagedPolicy(
                self,
                "NetworkRestricted",
                managed_policy_name=org.network_restricted_policy,
                description="Deny requests from outside the organization's allowed networks and VPC endpoints, "
                "unless an AWS service makes them on the caller's behalf",
                policy_document=network_restricted(network),
            )

"""Atlantis roles (plan, apply with its boundary) and the Terraform state bucket, in both partitions."""

from __future__ import annotations

from typing import Any

import pytest

from config.models import Account, OrgConfig
from config.naming import Organization, atlantis_names
from config.policies.evaluator import Request, Value, evaluate
from config.regions import PartitionName
from tests.conftest import WORKLOAD, Synthesized
from tests.support.templates import RETAINED, named, of_type

CI: dict[PartitionName, tuple[str, str]] = {"aws": ("ci", "610987654325"), "aws-us-gov": ("gov-ci", "620987654334")}
EXCLUDED: dict[PartitionName, str] = {"aws": "management", "aws-us-gov": "gov-management"}
ORG: dict[PartitionName, str] = {"aws": "o-k3x9w2m7q1", "aws-us-gov": "o-g7v4p8d2z5"}


def home_template(synth: Synthesized, account_name: str, home: str) -> dict[str, Any]:
    return synth.deployed(f"Baseline-{account_name}-{home}")


def member_accounts(config: OrgConfig, partition: PartitionName) -> list[Account]:
    return [a for a in config.accounts if a.partition == partition and a.name != EXCLUDED[partition]]


def state_bucket(partition: PartitionName, home: str) -> str:
    return f"examplecorp-tf-state-{CI[partition][1]}-{home}"


# --- roles -------------------------------------------------------------------------------------------


def test_atlantis_roles_in_every_account_but_the_excluded_one_home_region_only(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName, home_region: str
) -> None:
    for info in synth.infos:
        if info.partition != partition or info.kind != "baseline":
            continue
        roles = {str(r["Properties"].get("RoleName")) for r in of_type(synth.deployed(info.stack_id),
                                                                        "AWS::IAM::Role").values()}  # fmt: skip
        atlantis = {r for r in roles if "atlantis" in r}
        expected = info.region == home_region and info.account_name != EXCLUDED[partition]
        assert atlantis == (
            {"examplecorp-baseline-atlantis-plan", "examplecorp-baseline-atlantis-apply"} if expected else set()
        ), info.stack_id


def test_atlantis_roles_trust_only_the_server_role_in_the_organization(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName, home_region: str
) -> None:
    ci_id = CI[partition][1]
    condition = {"StringEquals": {"aws:PrincipalOrgID": ORG[partition]}}
    if partition == "aws":
        condition["StringEquals"]["sts:ExternalId"] = "examplecorp-atlantis"
    for account in member_accounts(example_config, partition):
        template = home_template(synth, account.name, home_region)
        for which in ("plan", "apply"):
            _, role = named(template, "AWS::IAM::Role", "RoleName", f"examplecorp-baseline-atlantis-{which}")
            assert role["MaxSessionDuration"] == 3600
            assert role["AssumeRolePolicyDocument"] == {
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "AtlantisServerOnly", "Effect": "Allow",
                    "Principal": {"AWS": [f"arn:{partition}:iam::{ci_id}:role/atlantis-server"]},
                    "Action": "sts:AssumeRole", "Condition": condition,
                }],
            }, (account.name, which)  # fmt: skip


def test_plan_role_is_read_only_plus_its_own_state(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName, home_region: str
) -> None:
    p, ci_id = partition, CI[partition][1]
    bucket = f"arn:{p}:s3:::{state_bucket(p, home_region)}"
    for account in member_accounts(example_config, partition):
        template = home_template(synth, account.name, home_region)
        policy_id, policy = named(
            template, "AWS::IAM::ManagedPolicy", "ManagedPolicyName", "examplecorp-baseline-atlantis-plan-state"
        )
        _, role = named(template, "AWS::IAM::Role", "RoleName", "examplecorp-baseline-atlantis-plan")
        assert role["ManagedPolicyArns"] == [f"arn:{p}:iam::aws:policy/ReadOnlyAccess", {"Ref": policy_id}]
        assert "Policies" not in role and "PermissionsBoundary" not in role
        own = f"{bucket}/{account.id}/*"
        assert policy["PolicyDocument"]["Statement"] == [
            {"Sid": "ListOwnStatePrefix", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket,
             "Condition": {"StringLike": {"s3:prefix": f"{account.id}/*"}}},
            {"Sid": "ReadOwnState", "Effect": "Allow", "Action": "s3:GetObject", "Resource": own},
            {"Sid": "WriteOwnLockFiles", "Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"],
             "Resource": f"{bucket}/{account.id}/*.tflock"},
            {"Sid": "UseStateKeyThroughS3ForOwnState", "Effect": "Allow",
             "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": f"arn:{p}:kms:{home_region}:{ci_id}:key/*",
             "Condition": {"StringEquals": {"kms:ViaService": f"s3.{home_region}.amazonaws.com"},
                           "StringLike": {"kms:EncryptionContext:aws:s3:arn": own}}},
        ]  # fmt: skip


READ_PREFIXES = ("Get", "List", "Describe")


def test_plan_cannot_write_anything_but_its_lock_files(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName, home_region: str
) -> None:
    """Beyond ReadOnlyAccess, the plan role's only writes are lock files; encryption of those needs a data key."""
    for account in member_accounts(example_config, partition):
        template = home_template(synth, account.name, home_region)
        _, role = named(template, "AWS::IAM::Role", "RoleName", "examplecorp-baseline-atlantis-plan")
        managed = [arn for arn in role["ManagedPolicyArns"] if isinstance(arn, str)]
        assert managed == [f"arn:{partition}:iam::aws:policy/ReadOnlyAccess"]
        _, policy = named(
            template, "AWS::IAM::ManagedPolicy", "ManagedPolicyName", "examplecorp-baseline-atlantis-plan-state"
        )
        writes = []
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow" and "NotAction" not in statement and "NotResource" not in statement
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for action in actions:
                verb = action.split(":")[1]
                if not verb.startswith(READ_PREFIXES) and action != "kms:Decrypt":
                    writes.append((action, statement["Resource"]))
        lock = f"arn:{partition}:s3:::{state_bucket(partition, home_region)}/{account.id}/*.tflock"
        key = f"arn:{partition}:kms:{home_region}:{CI[partition][1]}:key/*"
        assert sorted(writes) == [("kms:GenerateDataKey", key), ("s3:DeleteObject", lock), ("s3:PutObject", lock)]


def expected_boundary(
    partition: PartitionName, home: str, account_id: str, mgmt_id: str, log_archive_id: str
) -> list[dict[str, Any]]:
    p, bp = partition, "examplecorp-baseline-"
    boundary = f"arn:{p}:iam::{account_id}:policy/examplecorp-baseline-atlantis-apply-boundary"
    buckets = [f"examplecorp-org-trail-{log_archive_id}-{home}", f"examplecorp-s3-access-logs-{log_archive_id}-{home}",
               f"examplecorp-session-logs-{log_archive_id}-{home}",
               f"examplecorp-tf-state-logs-{CI[partition][1]}-{home}"]  # fmt: skip
    return [
        {"Sid": "BoundaryCeiling", "Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"BoolIfExists": {"ssm:SessionDocumentAccessCheck": "true"}}},
        {"Sid": "DenyChangingTheBaseline", "Effect": "Deny",
         "NotAction": ["iam:Get*", "iam:List*", "iam:PassRole", "sns:Get*", "sns:List*", "events:Describe*",
                       "events:List*", "ssm:Describe*", "ssm:Get*", "ssm:List*", "s3:GetBucket*", "s3:ListBucket",
                       "backup:Describe*", "backup:Get*", "backup:List*", "cloudtrail:Describe*", "cloudtrail:Get*",
                       "cloudtrail:List*"],
         "Resource": [
             f"arn:{p}:iam::{account_id}:role/{bp}*", f"arn:{p}:iam::{account_id}:policy/{bp}*",
             f"arn:{p}:iam::{account_id}:instance-profile/{bp}*", f"arn:{p}:sns:*:{account_id}:{bp}*",
             f"arn:{p}:events:*:{account_id}:rule/{bp}*", f"arn:{p}:events:*:{account_id}:event-bus/{bp}*",
             f"arn:{p}:backup:*:{account_id}:backup-vault:{bp}*", f"arn:{p}:ssm:*:{account_id}:document/{bp}*",
             f"arn:{p}:lambda:*:{account_id}:function:{bp}*",
             f"arn:{p}:ssm:*:{account_id}:document/SSM-SessionManagerRunShell",
             f"arn:{p}:ssm:*:{account_id}:parameter/examplecorp/baseline/*",
             f"arn:{p}:cloudtrail:{home}:{mgmt_id}:trail/examplecorp-org-trail",
             *(f"arn:{p}:s3:::{b}{s}" for b in buckets for s in ("", "/*")),
             f"arn:{p}:s3:::{state_bucket(p, home)}",
             f"arn:{p}:kms:*:{account_id}:alias/{bp}*",
         ]},
        {"Sid": "DenyWeakeningBaselineKeys", "Effect": "Deny",
         "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DisableKeyRotation", "kms:PutKeyPolicy",
                    "kms:CreateGrant"],
         "Resource": "*",
         "Condition": {"ForAnyValue:StringLike": {"kms:ResourceAliases": [
             f"alias/{bp}*", "alias/examplecorp-org-trail*", "alias/examplecorp-tf-state-*",
             "alias/examplecorp-session-logs*"]}}},
        {"Sid": "DenyIamUsersAndTheirCredentials", "Effect": "Deny",
         "Action": ["iam:CreateUser", "iam:UpdateUser", "iam:DeleteUser", "iam:CreateAccessKey", "iam:UpdateAccessKey",
                    "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:DeleteLoginProfile",
                    "iam:CreateServiceSpecificCredential", "iam:UploadSSHPublicKey", "iam:UploadSigningCertificate",
                    "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:DeactivateMFADevice",
                    "iam:ResyncMFADevice", "iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:AddUserToGroup",
                    "iam:AttachGroupPolicy", "iam:PutGroupPolicy", "iam:PutUserPermissionsBoundary"],
         "Resource": "*"},
        {"Sid": "DenyRoleChangesWithoutThisBoundary", "Effect": "Deny",
         "Action": ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy",
                    "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy"],
         "Resource": "*", "Condition": {"ArnNotEquals": {"iam:PermissionsBoundary": boundary}}},
        {"Sid": "DenyRemovingBoundaries", "Effect": "Deny",
         "Action": ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"], "Resource": "*"},
        {"Sid": "DenyChangingThisBoundary", "Effect": "Deny",
         "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion"], "Resource": boundary},
        {"Sid": "DenyPrivilegedRoles", "Effect": "Deny",
         "Action": ["iam:PassRole", "iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
         "Resource": [f"arn:{p}:iam::*:role/OrganizationAccountAccessRole",
                      f"arn:{p}:iam::*:role/cdk-*", f"arn:{p}:iam::*:role/aws-reserved/*"]},
        {"Sid": "DenyAssumingRolesOutsideAtlantisPath", "Effect": "Deny", "Action": "sts:AssumeRole",
         "NotResource": f"arn:{p}:iam::*:role/examplecorp-atlantis/*"},
        {"Sid": "DenyPassingRolesOutsideAtlantisPath", "Effect": "Deny", "Action": "iam:PassRole",
         "NotResource": [f"arn:{p}:iam::{account_id}:role/examplecorp-atlantis/*",
                         f"arn:{p}:iam::{account_id}:role/examplecorp-baseline-ssm-instance"]},
        {"Sid": "DenyRoleChangesOutsideAtlantisPath", "Effect": "Deny",
         "Action": ["iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy",
                    "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
                    "iam:PutRolePermissionsBoundary", "iam:UpdateRole", "iam:TagRole", "iam:UntagRole"],
         "NotResource": f"arn:{p}:iam::{account_id}:role/examplecorp-atlantis/*"},
        {"Sid": "DenyInstanceProfilesOutsideAtlantisPath", "Effect": "Deny",
         "Action": ["iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile",
                    "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
         "NotResource": f"arn:{p}:iam::{account_id}:instance-profile/examplecorp-atlantis/*"},
        {"Sid": "DenyPolicyChangesOutsideAtlantisPath", "Effect": "Deny",
         "Action": ["iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion"],
         "NotResource": f"arn:{p}:iam::{account_id}:policy/examplecorp-atlantis/*"},
    ]  # fmt: skip


def test_apply_role_is_bounded_by_the_boundary(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName, home_region: str, org: Organization
) -> None:
    for account in member_accounts(example_config, partition):
        template = home_template(synth, account.name, home_region)
        boundary_id, boundary = named(
            template, "AWS::IAM::ManagedPolicy", "ManagedPolicyName", "examplecorp-baseline-atlantis-apply-boundary"
        )
        _, role = named(template, "AWS::IAM::Role", "RoleName", "examplecorp-baseline-atlantis-apply")
        assert role["ManagedPolicyArns"] == [f"arn:{partition}:iam::aws:policy/AdministratorAccess"]
        assert role["PermissionsBoundary"] == {"Ref": boundary_id}
        assert boundary["PolicyDocument"]["Statement"] == expected_boundary(
            partition, home_region, account.id, org.management_account_id, org.log_archive_account_id
        ), account.name


# --- the state bucket in the CI account --------------------------------------------------------------


@pytest.fixture
def ci(synth: Synthesized, partition: PartitionName, home_region: str) -> dict[str, Any]:
    """The home-region baseline template of the partition's CI account (where the state bucket is)."""
    return home_template(synth, CI[partition][0], home_region)


def test_state_bucket_only_in_the_ci_account_home_region(
    synth: Synthesized, partition: PartitionName, home_region: str
) -> None:
    for info in synth.infos:
        if info.partition == partition:
            buckets = [b["Properties"].get("BucketName") for b in
                       of_type(synth.deployed(info.stack_id), "AWS::S3::Bucket").values()]  # fmt: skip
            has_state = state_bucket(partition, home_region) in buckets
            assert has_state == (info.stack_id == f"Baseline-{CI[partition][0]}-{home_region}"), info.stack_id


def test_state_bucket_is_versioned_kms_encrypted_private_logged_and_retained(
    ci: dict[str, Any], partition: PartitionName, home_region: str
) -> None:
    bucket = ci["Resources"]["TerraformStateBucket"]
    assert {k: bucket[k] for k in RETAINED} == RETAINED
    props = bucket["Properties"]
    assert props["BucketName"] == state_bucket(partition, home_region)
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["BucketEncryption"] == {"ServerSideEncryptionConfiguration": [{
        "BucketKeyEnabled": False,
        "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                          "KMSMasterKeyID": {"Fn::GetAtt": ["TerraformStateKey", "Arn"]}}}]}  # fmt: skip
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}  # fmt: skip
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert props["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": "TerraformStateAccessLogBucket"},
        "LogFilePrefix": f"{state_bucket(partition, home_region)}/",
    }
    logs = ci["Resources"]["TerraformStateAccessLogBucket"]
    assert {k: logs[k] for k in RETAINED} == RETAINED
    assert logs["Properties"]["BucketName"] == f"examplecorp-tf-state-logs-{CI[partition][1]}-{home_region}"
    key = ci["Resources"]["TerraformStateKey"]
    assert key["Type"] == "AWS::KMS::Key" and {k: key[k] for k in RETAINED} == RETAINED
    assert key["Properties"]["EnableKeyRotation"] is True


def roles(partition: PartitionName, *which: str) -> list[str]:
    return [f"arn:{partition}:iam::*:role/examplecorp-baseline-atlantis-{w}" for w in which]


def test_state_key_is_usable_only_through_s3_for_each_accounts_own_state(
    ci: dict[str, Any], partition: PartitionName, home_region: str
) -> None:
    statements = ci["Resources"]["TerraformStateKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert [s["Sid"] for s in statements] == ["AllowAccountIamToAdministerKey", "AtlantisUseThroughS3ForOwnState"]
    assert statements[1] == {
        "Sid": "AtlantisUseThroughS3ForOwnState", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:PrincipalOrgID": ORG[partition], "kms:ViaService": f"s3.{home_region}.amazonaws.com"},
            "ArnLike": {"aws:PrincipalArn": roles(partition, "plan", "apply")},
            "StringLike": {"kms:EncryptionContext:aws:s3:arn":
                           f"arn:{partition}:s3:::{state_bucket(partition, home_region)}/${{aws:PrincipalAccount}}/*"},
        },
    }  # fmt: skip


def test_state_bucket_policy(ci: dict[str, Any], partition: PartitionName, home_region: str) -> None:
    (policy,) = [p["Properties"]["PolicyDocument"] for p in of_type(ci, "AWS::S3::BucketPolicy").values()
                 if p["Properties"]["Bucket"] == {"Ref": "TerraformStateBucket"}]  # fmt: skip
    bucket = f"arn:{partition}:s3:::{state_bucket(partition, home_region)}"
    own = f"{bucket}/${{aws:PrincipalAccount}}/*"
    in_org = {"aws:PrincipalOrgID": ORG[partition]}
    both = {"StringEquals": in_org, "ArnLike": {"aws:PrincipalArn": roles(partition, "plan", "apply")}}
    plan = {"StringEquals": in_org, "ArnLike": {"aws:PrincipalArn": roles(partition, "plan")}}
    apply = {"StringEquals": in_org, "ArnLike": {"aws:PrincipalArn": roles(partition, "apply")}}
    tls = [s for s in policy["Statement"] if s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
    assert len(tls) == 1 and tls[0]["Effect"] == "Deny" and tls[0]["Action"] == "s3:*"
    assert tls[0]["Principal"] == {"AWS": "*"}
    # CDK sorts the actions of resource policy statements; compare them as sets.
    unnamed = [s for s in policy["Statement"] if "Sid" not in s]  # CDK's TLS-only and TLS 1.2+ denials
    assert len(unnamed) == 2 and all(s["Effect"] == "Deny" for s in unnamed)
    assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in [s["Condition"] for s in unnamed]
    statements = {s["Sid"]: sorted_actions(s) for s in policy["Statement"] if "Sid" in s}
    everyone = {"AWS": "*"}
    assert statements == {sid: sorted_actions(s) for sid, s in {
        "AtlantisListOwnPrefix": {"Sid": "AtlantisListOwnPrefix", "Effect": "Allow", "Principal": everyone,
                                  "Action": "s3:ListBucket", "Resource": bucket,
                                  "Condition": {**both, "StringLike": {"s3:prefix": "${aws:PrincipalAccount}/*"}}},
        "AtlantisPlanReadOwnState": {"Sid": "AtlantisPlanReadOwnState", "Effect": "Allow", "Principal": everyone,
                                     "Action": "s3:GetObject", "Resource": own, "Condition": plan},
        "AtlantisLockOwnState": {"Sid": "AtlantisLockOwnState", "Effect": "Allow", "Principal": everyone,
                                 "Action": ["s3:PutObject", "s3:DeleteObject"],
                                 "Resource": f"{bucket}/${{aws:PrincipalAccount}}/*.tflock", "Condition": both},
        "AtlantisApplyReadWriteOwnState": {"Sid": "AtlantisApplyReadWriteOwnState", "Effect": "Allow",
                                           "Principal": everyone, "Action": ["s3:GetObject", "s3:PutObject"],
                                           "Resource": own, "Condition": apply},
        "DenyAtlantisOutsideOwnPrefix": {"Sid": "DenyAtlantisOutsideOwnPrefix", "Effect": "Deny",
                                         "Principal": everyone,
                                         "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                                         "NotResource": own, "Condition": {"ArnLike": both["ArnLike"]}},
        "DenyAtlantisErasingStateHistory": {"Sid": "DenyAtlantisErasingStateHistory", "Effect": "Deny",
                                            "Principal": everyone,
                                            "Action": ["s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration",
                                                       "s3:PutBucketVersioning"],
                                            "Resource": [bucket, f"{bucket}/*"],
                                            "Condition": {"ArnLike": both["ArnLike"]}},
    }.items()}  # fmt: skip


def sorted_actions(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement with its Action (and Resource) lists sorted: their order means nothing, and CDK's changes with
    the pseudo parameters in the bucket's name."""
    actions, resources = statement["Action"], statement.get("Resource")
    return {
        **statement,
        "Action": sorted(actions) if isinstance(actions, list) else actions,
        **({"Resource": sorted(resources)} if isinstance(resources, list) else {}),
    }


def test_plan_role_bucket_grants_write_only_lock_files(ci: dict[str, Any], partition: PartitionName) -> None:
    """The bucket side of "plan cannot write": plan's Allow statements write nothing but *.tflock objects."""
    (policy,) = [p["Properties"]["PolicyDocument"] for p in of_type(ci, "AWS::S3::BucketPolicy").values()
                 if p["Properties"]["Bucket"] == {"Ref": "TerraformStateBucket"}]  # fmt: skip
    plan_role = roles(partition, "plan")[0]
    for statement in policy["Statement"]:
        if statement["Effect"] != "Allow" or plan_role not in statement["Condition"]["ArnLike"]["aws:PrincipalArn"]:
            continue
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        writes = [a for a in actions if not a.split(":")[1].startswith(("Get", "List"))]
        assert not writes or statement["Resource"].endswith("/*.tflock"), statement["Sid"]


def test_atlantis_names_are_resolved_with_the_partition(
    example_config: OrgConfig, partition: PartitionName, home_region: str
) -> None:
    atlantis = atlantis_names(example_config, partition)
    assert atlantis is not None
    assert atlantis.server_role_arns == (f"arn:{partition}:iam::{CI[partition][1]}:role/atlantis-server",)
    assert atlantis.state_bucket == state_bucket(partition, home_region)


# --- what the apply boundary decides -----------------------------------------------------------------

WORKLOAD_IDS: dict[PartitionName, str] = {"aws": "810987654327", "aws-us-gov": "420987654332"}  # web-prod, gov prod
OTHER_ACCOUNT: dict[PartitionName, str] = {"aws": "910987654328", "aws-us-gov": "520987654333"}  # web-dev, gov dev


@pytest.fixture
def apply_boundary(synth: Synthesized, partition: PartitionName, home_region: str) -> dict[str, Any]:
    """The apply boundary of the partition's workload account (web-prod, gov-workload-prod)."""
    template = home_template(synth, WORKLOAD[partition], home_region)
    _, boundary = named(
        template, "AWS::IAM::ManagedPolicy", "ManagedPolicyName", "examplecorp-baseline-atlantis-apply-boundary"
    )
    document: dict[str, Any] = boundary["PolicyDocument"]
    return document


def apply_decides(boundary: dict[str, Any], action: str, resource: str, context: dict[str, Value] | None = None) -> str:
    """The apply role has AdministratorAccess: what it may do is what its boundary allows."""
    return evaluate([boundary], Request(action, resource, dict(context or {})))


def escalations(p: str, account: str, other: str, region: str) -> list[tuple[str, str, dict[str, Value]]]:
    """Ways out of the boundary, each of which the boundary must deny (action, resource, request context)."""
    role, policy, profile = f"arn:{p}:iam::{account}:role", f"arn:{p}:iam::{account}:policy", f"arn:{p}:iam::{account}:instance-profile"  # fmt: skip
    boundary = f"{policy}/examplecorp-baseline-atlantis-apply-boundary"
    return [
        # the CDK bootstrap roles, here and in any other account: deploying as the baseline
        ("sts:AssumeRole", f"{role}/cdk-hnb659fds-deploy-role-{account}-{region}", {}),
        ("sts:AssumeRole", f"arn:{p}:iam::{other}:role/cdk-hnb659fds-deploy-role-{other}-{region}", {}),
        ("iam:PassRole", f"{role}/cdk-hnb659fds-cfn-exec-role-{account}-{region}", {}),
        ("iam:PassRole", f"arn:{p}:iam::{other}:role/cdk-hnb659fds-cfn-exec-role-{other}-{region}", {}),
        ("sts:AssumeRole", f"arn:{p}:iam::{other}:role/OrganizationAccountAccessRole", {}),
        ("sts:AssumeRole", f"arn:{p}:iam::{other}:role/examplecorp-baseline-breakglass", {}),
        # existing privileged roles nobody gave the boundary: pass, assume, re-trust or re-permission them
        ("iam:PassRole", f"{role}/legacy-admin", {"iam:PassedToService": "ec2.amazonaws.com"}),
        ("iam:PassRole", f"{role}/examplecorp-baseline-backup", {"iam:PassedToService": "lambda.amazonaws.com"}),
        ("iam:PassRole", f"{role}/OrganizationAccountAccessRole", {}),
        ("sts:AssumeRole", f"{role}/legacy-admin", {}),
        ("iam:UpdateAssumeRolePolicy", f"{role}/legacy-admin", {}),
        ("iam:DetachRolePolicy", f"{role}/legacy-admin", {"iam:PermissionsBoundary": boundary}),
        ("iam:PutRolePolicy", f"{role}/legacy-admin", {"iam:PermissionsBoundary": boundary}),
        # instance profiles around roles apply does not own
        ("iam:CreateInstanceProfile", f"{profile}/admin-profile", {}),
        ("iam:AddRoleToInstanceProfile", f"{profile}/legacy-admin-profile", {}),
        # rewriting customer-managed policies others attach: the baseline's, Identity Center's, the boundary
        ("iam:CreatePolicyVersion", f"{policy}/examplecorp-deny-data-deletion", {}),
        ("iam:SetDefaultPolicyVersion", f"{policy}/examplecorp-deny-data-deletion", {}),
        ("iam:DeletePolicy", f"{policy}/examplecorp-deny-data-deletion", {}),
        ("iam:CreatePolicyVersion", f"{policy}/examplecorp-baseline-s3-writer-no-delete", {}),
        ("iam:CreatePolicyVersion", boundary, {}),
        # roles without the boundary, or outside the Atlantis path
        ("iam:CreateRole", f"{role}/examplecorp-atlantis/app", {}),
        ("iam:CreateRole", f"{role}/app", {"iam:PermissionsBoundary": boundary}),
        ("iam:DeleteRolePermissionsBoundary", f"{role}/examplecorp-atlantis/app", {}),
        # running code as a baseline role: the session handler function
        (
            "lambda:UpdateFunctionCode",
            f"arn:{p}:lambda:{region}:{account}:function:examplecorp-baseline-session-handler",
            {},
        ),
        # IAM users
        ("iam:CreateUser", f"arn:{p}:iam::{account}:user/deployer", {}),
        ("iam:CreateAccessKey", f"arn:{p}:iam::{account}:user/deployer", {}),
    ]


def test_apply_boundary_denies_every_escalation_path(
    apply_boundary: dict[str, Any], partition: PartitionName, home_region: str
) -> None:
    account = WORKLOAD_IDS[partition]
    allowed = [
        (action, resource)
        for action, resource, context in escalations(partition, account, OTHER_ACCOUNT[partition], home_region)
        if apply_decides(apply_boundary, action, resource, context) != "Deny"
    ]
    assert allowed == []


def test_apply_boundary_allows_normal_terraform_work(apply_boundary: dict[str, Any], partition: PartitionName) -> None:
    p, account = partition, WORKLOAD_IDS[partition]
    role, policy = f"arn:{p}:iam::{account}:role", f"arn:{p}:iam::{account}:policy"
    boundary: dict[str, Value] = {"iam:PermissionsBoundary": f"{policy}/examplecorp-baseline-atlantis-apply-boundary"}
    work: list[tuple[str, str, dict[str, Value]]] = [
        ("ec2:RunInstances", "*", {}),
        ("s3:CreateBucket", f"arn:{p}:s3:::web-assets", {}),
        ("lambda:CreateFunction", "*", {}),
        ("iam:CreateRole", f"{role}/examplecorp-atlantis/web-app", boundary),
        ("iam:AttachRolePolicy", f"{role}/examplecorp-atlantis/web-app", boundary),
        ("iam:UpdateAssumeRolePolicy", f"{role}/examplecorp-atlantis/web-app", {}),
        ("iam:PassRole", f"{role}/examplecorp-atlantis/web-app", {"iam:PassedToService": "lambda.amazonaws.com"}),
        ("iam:PassRole", f"{role}/examplecorp-baseline-ssm-instance", {"iam:PassedToService": "ec2.amazonaws.com"}),
        ("iam:CreatePolicy", f"{policy}/examplecorp-atlantis/web-app", {}),
        ("iam:CreatePolicyVersion", f"{policy}/examplecorp-atlantis/web-app", {}),
        ("iam:CreateInstanceProfile", f"arn:{p}:iam::{account}:instance-profile/examplecorp-atlantis/web", {}),
        ("iam:AddRoleToInstanceProfile", f"arn:{p}:iam::{account}:instance-profile/examplecorp-atlantis/web", {}),
        ("iam:GetRole", f"{role}/legacy-admin", {}),
        ("ssm:GetParameter", f"arn:{p}:ssm:*:{account}:parameter/examplecorp/baseline/vpc-id", {}),
    ]
    denied = [(a, r) for a, r, c in work if apply_decides(apply_boundary, a, r, c) != "Allow"]
    assert denied == []

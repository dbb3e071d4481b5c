"""Per-account Terraform roles for Atlantis: `plan` (read-only plus state) and `apply` (bounded by a boundary)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from config.naming import SESSION_PREFERENCES_DOCUMENT, AtlantisNames, Organization
from config.policies.statements import Condition, PolicyDocument, allow, aws, deny, document
from constructs import Construct
from constructs.shared.own_account import nag_form

SESSION_SECONDS = 3600  # Atlantis chains roles (server role -> these), which caps sessions at one hour anyway

# What the apply role may still do to baseline resources: read them (Terraform data sources, e.g. the
# /<prefix>/baseline/ SSM parameters) and pass the Session Manager instance role to EC2.
BASELINE_READ_ACTIONS = [
    "iam:Get*", "iam:List*", "iam:PassRole", "sns:Get*", "sns:List*", "events:Describe*", "events:List*",
    "ssm:Describe*", "ssm:Get*", "ssm:List*", "s3:GetBucket*", "s3:ListBucket", "backup:Describe*",
    "backup:Get*", "backup:List*", "cloudtrail:Describe*", "cloudtrail:Get*", "cloudtrail:List*",
]  # fmt: skip

IAM_USER_ACTIONS = [
    "iam:CreateUser", "iam:UpdateUser", "iam:DeleteUser", "iam:CreateAccessKey", "iam:UpdateAccessKey",
    "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:DeleteLoginProfile",
    "iam:CreateServiceSpecificCredential", "iam:UploadSSHPublicKey", "iam:UploadSigningCertificate",
    "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:DeactivateMFADevice", "iam:ResyncMFADevice",
    "iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:AddUserToGroup", "iam:AttachGroupPolicy",
    "iam:PutGroupPolicy", "iam:PutUserPermissionsBoundary",
]  # fmt: skip

# Alias changes are denied through the alias ARNs (baseline resources); these act on the keys themselves.
KEY_CHANGES = [
    "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DisableKeyRotation", "kms:PutKeyPolicy", "kms:CreateGrant",
]  # fmt: skip

# Role changes allowed only when the role carries the apply boundary: otherwise apply could create an
# unbounded administrator role, trust itself from it, and step out of its boundary.
ROLE_CHANGES_NEEDING_BOUNDARY = [
    "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
    "iam:PutRolePolicy", "iam:DeleteRolePolicy",
]  # fmt: skip


# Changes to the apply boundary itself.
BOUNDARY_CHANGES = [
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
]

# Ways to act through a privileged role: pass it, re-trust it, assume it.
PRIVILEGED_ROLE_USES = ["iam:PassRole", "iam:UpdateAssumeRolePolicy", "sts:AssumeRole"]

# IAM changes apply may make only under the Atlantis path (`/<prefix>-atlantis/`), where every role it creates
# carries the boundary: elsewhere they would re-trust, re-permission or hand out roles and policies that others
# (the baseline, Identity Center, people) created, some of them without a boundary.
ROLE_CHANGES_OUTSIDE_PATH = [
    "iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy",
    "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary",
    "iam:UpdateRole", "iam:TagRole", "iam:UntagRole",
]  # fmt: skip
INSTANCE_PROFILE_CHANGES = [
    "iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile",
    "iam:DeleteInstanceProfile",
]  # fmt: skip
# Customer-managed policy versions are what a policy grants: rewriting a baseline or Identity Center policy (e.g.
# the <prefix>-* policies permission sets attach by name) would change other principals' permissions.
POLICY_CHANGES = ["iam:CreatePolicy", *BOUNDARY_CHANGES]


def atlantis_trust_policy(org: Organization, atlantis: AtlantisNames) -> PolicyDocument:
    condition: Condition = {"StringEquals": {"aws:PrincipalOrgID": org.organization_id}}
    if atlantis.external_id:
        condition["StringEquals"]["sts:ExternalId"] = atlantis.external_id
    servers = aws(list(atlantis.server_role_arns))
    return document(allow(sid="AtlantisServerOnly", principal=servers, action="sts:AssumeRole", condition=condition))


def plan_state_policy(org: Organization, atlantis: AtlantisNames, account_id: str) -> PolicyDocument:
    """The plan role's only permissions beyond ReadOnlyAccess: read this account's state, write its lock files."""
    p, region = org.partition, org.home_region
    bucket = atlantis.state_bucket_arn(p)
    own = f"{bucket}/{account_id}/*"
    own_prefix = {"StringLike": {"s3:prefix": f"{account_id}/*"}}
    through_s3 = {
        "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": own},
    }
    return document(
        allow(sid="ListOwnStatePrefix", action="s3:ListBucket", resource=bucket, condition=own_prefix),
        allow(sid="ReadOwnState", action="s3:GetObject", resource=own),
        allow(sid="WriteOwnLockFiles", action=["s3:PutObject", "s3:DeleteObject"], resource=f"{own}.tflock"),
        allow(
            sid="UseStateKeyThroughS3ForOwnState",
            action=["kms:Decrypt", "kms:GenerateDataKey"],
            resource=f"arn:{p}:kms:{region}:{atlantis.ci_account_id}:key/*",
            condition=through_s3,
        ),
    )


def apply_boundary_policy(org: Organization, atlantis: AtlantisNames, account_id: str) -> PolicyDocument:
    """The most the apply role (and every role it creates) can ever do: anything except the listed denials."""
    p, bp = org.partition, org.baseline_prefix
    prefix = bp.removesuffix("-baseline-")
    boundary = org.atlantis_boundary_arn(account_id)
    baseline = [
        f"arn:{p}:iam::{account_id}:role/{bp}*",
        f"arn:{p}:iam::{account_id}:policy/{bp}*",
        f"arn:{p}:iam::{account_id}:instance-profile/{bp}*",
        f"arn:{p}:sns:*:{account_id}:{bp}*",
        f"arn:{p}:events:*:{account_id}:rule/{bp}*",
        f"arn:{p}:events:*:{account_id}:event-bus/{bp}*",
        f"arn:{p}:backup:*:{account_id}:backup-vault:{bp}*",
        f"arn:{p}:ssm:*:{account_id}:document/{bp}*",
        # The session handler's code runs as its role, which may use the security account's document sharer.
        f"arn:{p}:lambda:*:{account_id}:function:{bp}*",
        f"arn:{p}:ssm:*:{account_id}:document/{SESSION_PREFERENCES_DOCUMENT}",
        f"arn:{p}:ssm:*:{account_id}:parameter/{prefix}/baseline/*",
        org.trail_arn,
        *(f"arn:{p}:s3:::{b}{suffix}" for b in (org.trail_bucket, org.access_log_bucket,
                                                org.session_log_bucket, atlantis.state_access_log_bucket)
          for suffix in ("", "/*")),
        atlantis.state_bucket_arn(p),  # its objects are the state apply writes; the bucket policy guards them
        f"arn:{p}:kms:*:{account_id}:alias/{bp}*",
    ]  # fmt: skip
    # Keys have random IDs: the baseline's keys are known by their aliases.
    baseline_key_aliases = [f"alias/{bp}*", f"alias/{prefix}-org-trail*", f"alias/{prefix}-tf-state-*",
                            f"alias/{prefix}-session-logs*"]  # fmt: skip
    # Pre-existing administrator roles that would lift the boundary if apply could use or re-trust them, in any
    # account: the CDK bootstrap roles of every account trust their own account, and some trust the deployment
    # account, so an apply role that could assume or pass them could deploy as the baseline.
    privileged_roles = [
        f"arn:{p}:iam::*:role/OrganizationAccountAccessRole",
        f"arn:{p}:iam::*:role/cdk-*",
        f"arn:{p}:iam::*:role/aws-reserved/*",
    ]
    path = org.atlantis_iam_path
    managed_roles = f"arn:{p}:iam::{account_id}:role{path}*"
    # Roles apply may hand to a service: its own (under the path, so bounded) and the Session Manager instance role.
    passable = [managed_roles, f"arn:{p}:iam::{account_id}:role/{org.instance_role}"]
    outside_atlantis_path = [
        deny(sid="DenyAssumingRolesOutsideAtlantisPath", action="sts:AssumeRole",
             not_resource=f"arn:{p}:iam::*:role{path}*"),
        deny(sid="DenyPassingRolesOutsideAtlantisPath", action="iam:PassRole", not_resource=passable),
        deny(sid="DenyRoleChangesOutsideAtlantisPath", action=ROLE_CHANGES_OUTSIDE_PATH, not_resource=managed_roles),
        deny(sid="DenyInstanceProfilesOutsideAtlantisPath", action=INSTANCE_PROFILE_CHANGES,
             not_resource=f"arn:{p}:iam::{account_id}:instance-profile{path}*"),
        deny(sid="DenyPolicyChangesOutsideAtlantisPath", action=POLICY_CHANGES,
             not_resource=f"arn:{p}:iam::{account_id}:policy{path}*"),
    ]  # fmt: skip
    return document(
        # The condition only bites on ssm:StartSession (no other action has the key): sessions only with
        # documents the caller may use, as everywhere in the baseline, not e.g. a shell that logs nothing.
        allow(
            sid="BoundaryCeiling",
            action="*",
            resource="*",
            condition={"BoolIfExists": {"ssm:SessionDocumentAccessCheck": "true"}},
        ),
        deny(sid="DenyChangingTheBaseline", not_action=BASELINE_READ_ACTIONS, resource=baseline),
        deny(
            sid="DenyWeakeningBaselineKeys",
            action=KEY_CHANGES,
            resource="*",
            condition={"ForAnyValue:StringLike": {"kms:ResourceAliases": baseline_key_aliases}},
        ),
        deny(sid="DenyIamUsersAndTheirCredentials", action=IAM_USER_ACTIONS, resource="*"),
        deny(
            sid="DenyRoleChangesWithoutThisBoundary",
            action=ROLE_CHANGES_NEEDING_BOUNDARY,
            resource="*",
            condition={"ArnNotEquals": {"iam:PermissionsBoundary": boundary}},
        ),
        deny(
            sid="DenyRemovingBoundaries",
            action=["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
            resource="*",
        ),
        deny(sid="DenyChangingThisBoundary", action=BOUNDARY_CHANGES, resource=boundary),
        deny(sid="DenyPrivilegedRoles", action=PRIVILEGED_ROLE_USES, resource=privileged_roles),
        *outside_atlantis_path,
    )


class AtlantisRoles(Construct):
    """`<prefix>-baseline-atlantis-plan` and `-apply`, trusted only by the Atlantis server role(s)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, org: Organization, atlantis: AtlantisNames, account_id: str
    ) -> None:
        super().__init__(scope, construct_id)
        p = org.partition
        trust = atlantis_trust_policy(org, atlantis)
        read_only = org.aws_managed_policy_arn("ReadOnlyAccess")
        admin = org.aws_managed_policy_arn("AdministratorAccess")

        self.plan_state = iam.CfnManagedPolicy(
            self,
            "PlanStatePolicy",
            managed_policy_name=org.atlantis_policies["plan_state"],
            description="org-baseline: Terraform plan reads this account's state and writes only its lock files",
            policy_document=plan_state_policy(org, atlantis, account_id),
        )
        cdk.Validations.of(self.plan_state).acknowledge(
            cdk.Acknowledgment(
                id=nag_form(f"AwsSolutions-IAM5[Resource::{atlantis.state_bucket_arn(p)}/{account_id}/*]"),
                reason="Terraform state keys are chosen per stack by each team; the prefix is this account's own.",
            ),
            cdk.Acknowledgment(
                id=nag_form(f"AwsSolutions-IAM5[Resource::{atlantis.state_bucket_arn(p)}/{account_id}/*.tflock]"),
                reason="Terraform S3-native locking writes <state key>.tflock next to each state of this account.",
            ),
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::arn:{p}:kms:{org.home_region}:{atlantis.ci_account_id}:key/*]",
                reason="The state key's ID is random; conditions limit its use to S3 and this account's state.",
            ),
        )
        self.plan = iam.CfnRole(
            self,
            "Plan",
            role_name=org.atlantis_roles["plan"],
            description="org-baseline: Atlantis terraform plan (read-only, state read and lock)",
            max_session_duration=SESSION_SECONDS,
            managed_policy_arns=[read_only, self.plan_state.ref],
            assume_role_policy_document=trust,
        )
        cdk.Validations.of(self.plan).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::{read_only}]",
                reason="Terraform plan refreshes every resource type a team may manage, so it needs broad reads; "
                "AWS keeps ReadOnlyAccess current with new services.",
            )
        )

        self.boundary = iam.CfnManagedPolicy(
            self,
            "ApplyBoundary",
            managed_policy_name=org.atlantis_policies["apply_boundary"],
            description="org-baseline: permissions boundary of Atlantis apply and every role it creates",
            policy_document=apply_boundary_policy(org, atlantis, account_id),
        )
        cdk.Validations.of(self.boundary).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Action::*]",
                reason="A permissions boundary grants nothing: Allow * is its ceiling, and its Deny statements "
                "are what bound the apply role and every role it creates.",
            ),
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="A permissions boundary grants nothing: Allow * is its ceiling, and its Deny statements "
                "are what bound the apply role and every role it creates.",
            ),
        )
        self.apply = iam.CfnRole(
            self,
            "Apply",
            role_name=org.atlantis_roles["apply"],
            description="org-baseline: Atlantis terraform apply (deploys; bounded by the apply boundary)",
            max_session_duration=SESSION_SECONDS,
            managed_policy_arns=[admin],
            permissions_boundary=self.boundary.ref,
            assume_role_policy_document=trust,
        )
        cdk.Validations.of(self.apply).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::{admin}]",
                reason="Terraform apply deploys whatever the team's code declares; the permissions boundary "
                "keeps it away from the baseline, IAM users and unbounded roles.",
            )
        )

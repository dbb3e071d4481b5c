"""The read-only roles of the live access audit: where they are, who may assume them, and that they cannot write.

Expected names, ARNs and actions are written out from the design (docs/access.md, "Live audit"), not taken from the
code. Decisions use the project's evaluator (config/policies/evaluator.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from config.policies.evaluator import Request, evaluate
from config.regions import PartitionName
from tests.conftest import Synthesized
from tests.support.templates import managed_policy_of, role_named

ORG_ID: dict[PartitionName, str] = {"aws": "o-k3x9w2m7q1", "aws-us-gov": "o-g7v4p8d2z5"}
MANAGEMENT: dict[PartitionName, tuple[str, str, str]] = {
    "aws": ("management", "210987654321", "us-east-1"),
    "aws-us-gov": ("gov-management", "220987654330", "us-gov-west-1"),
}
MEMBER: dict[PartitionName, tuple[str, str, str]] = {
    "aws": ("web-prod", "810987654327", "us-east-1"),
    "aws-us-gov": ("gov-workload-prod", "420987654332", "us-gov-west-1"),
}
OTHER_REGION: dict[PartitionName, str] = {"aws": "us-west-2", "aws-us-gov": "us-gov-east-1"}
AUDIT_ROLE = "examplecorp-baseline-access-audit"
AUDITOR_ROLE = "examplecorp-baseline-access-auditor"

# What the audit and parity commands call in a member account (ops/access/), each an IAM action.
MEMBER_READS = [
    "iam:GetAccountSummary", "iam:ListUsers", "iam:GetUser", "iam:GetLoginProfile", "iam:ListAccessKeys",
    "iam:GetAccessKeyLastUsed", "iam:ListMFADevices", "iam:ListUserTags", "iam:GetRole", "iam:ListRolePolicies",
    "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:GetPolicy", "iam:GetPolicyVersion",
    "iam:GetServiceLastAccessedDetails", "iam:GenerateServiceLastAccessedDetails",
]  # fmt: skip
# Writes an attacker with the audit role would want: credentials, policies, trust, users, the vault, the trail.
WRITES = [
    "iam:CreateUser", "iam:DeleteUser", "iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey",
    "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:DeleteLoginProfile", "iam:AttachUserPolicy",
    "iam:PutUserPolicy", "iam:AddUserToGroup", "iam:TagUser", "iam:UntagUser", "iam:DeactivateMFADevice",
    "iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:PassRole",
    "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:GenerateCredentialReport",
    "backup:DeleteBackupVault", "backup:DeleteBackupVaultLockConfiguration", "backup:PutBackupVaultAccessPolicy",
    "backup:StartBackupJob", "cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "organizations:DetachPolicy",
    "organizations:AttachPolicy", "sso:CreateAccountAssignment", "sso:DeleteAccountAssignment",
    "sts:AssumeRole", "s3:GetObject", "secretsmanager:GetSecretValue", "logs:FilterLogEvents",
]  # fmt: skip


def template(synth: Synthesized, where: tuple[str, str, str], region: str | None = None) -> dict[str, Any]:
    name, _, home = where
    return synth.deployed(f"Baseline-{name}-{region or home}")


def role_and_policy(tpl: dict[str, Any], role_name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    logical_id, role = role_named(tpl, role_name)
    _, policy = managed_policy_of(tpl, logical_id)
    return role, policy["PolicyDocument"]


def test_audit_role_in_every_home_baseline_only(synth: Synthesized, partition: PartitionName) -> None:
    """Every account's home-region baseline has the audit role; other regions have none (IAM is global)."""
    for where in (MANAGEMENT[partition], MEMBER[partition]):
        role, _ = role_and_policy(template(synth, where), AUDIT_ROLE)
        assert role["MaxSessionDuration"] == 3600
    other = template(synth, MEMBER[partition], OTHER_REGION[partition])
    assert not [
        r
        for r in other["Resources"].values()
        if r["Type"] == "AWS::IAM::Role" and r["Properties"].get("RoleName") == AUDIT_ROLE
    ]


def test_auditor_role_only_in_the_management_account(synth: Synthesized, partition: PartitionName) -> None:
    role_and_policy(template(synth, MANAGEMENT[partition]), AUDITOR_ROLE)
    member = template(synth, MEMBER[partition])
    names = [r["Properties"].get("RoleName") for r in member["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert AUDITOR_ROLE not in names


def test_audit_role_trusts_only_the_auditor_of_this_organization(synth: Synthesized, partition: PartitionName) -> None:
    role, _ = role_and_policy(template(synth, MEMBER[partition]), AUDIT_ROLE)
    trust = role["AssumeRolePolicyDocument"]
    _, mgmt_id, _ = MANAGEMENT[partition]
    auditor = f"arn:{partition}:iam::{mgmt_id}:role/{AUDITOR_ROLE}"
    good = {"aws:PrincipalOrgID": ORG_ID[partition], "aws:PrincipalArn": auditor}

    def decide(principal: str, **context: str) -> str:
        request = Request("sts:AssumeRole", principal={"AWS": principal}, context={**good, **context})
        return evaluate([trust], request)

    assert decide(auditor) == "Allow"
    # Another role of the management account, e.g. an administrator's Identity Center session.
    other = f"arn:{partition}:iam::{mgmt_id}:role/AWSReservedSSO_Administrator_0123456789abcdef"
    assert decide(other, **{"aws:PrincipalArn": other}) == "ImplicitDeny"
    # A role of the same name in an account outside the organization.
    outsider = f"arn:{partition}:iam::999999999999:role/{AUDITOR_ROLE}"
    assert decide(outsider, **{"aws:PrincipalArn": outsider, "aws:PrincipalOrgID": "o-outsider000"}) == "ImplicitDeny"
    # The auditor's ARN but another organization (a management account ID reused elsewhere cannot happen; the
    # condition still pins it).
    assert decide(auditor, **{"aws:PrincipalOrgID": "o-outsider000"}) == "ImplicitDeny"
    # A member account's own principals.
    _, member_id, _ = MEMBER[partition]
    local = f"arn:{partition}:iam::{member_id}:role/{AUDITOR_ROLE}"
    assert decide(local, **{"aws:PrincipalArn": local}) == "ImplicitDeny"


@pytest.mark.parametrize("action", MEMBER_READS)
def test_audit_role_reads_what_the_commands_call(synth: Synthesized, partition: PartitionName, action: str) -> None:
    _, member_id, _ = MEMBER[partition]
    _, policy = role_and_policy(template(synth, MEMBER[partition]), AUDIT_ROLE)
    resource = f"arn:{partition}:iam::{member_id}:user/alice"
    if action in ("iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"):
        resource = f"arn:{partition}:iam::{member_id}:role/app"
    elif action in ("iam:GetPolicy", "iam:GetPolicyVersion"):
        resource = f"arn:{partition}:iam::aws:policy/ReadOnlyAccess"
    elif action in ("iam:GetAccountSummary", "iam:ListUsers", "iam:GetServiceLastAccessedDetails"):
        resource = "*"
    assert evaluate([policy], Request(action, resource=resource)) == "Allow"


def test_audit_role_reads_only_the_baseline_vault_of_its_account(synth: Synthesized, partition: PartitionName) -> None:
    _, member_id, home = MEMBER[partition]
    _, policy = role_and_policy(template(synth, MEMBER[partition]), AUDIT_ROLE)
    vault = f"arn:{partition}:backup:{OTHER_REGION[partition]}:{member_id}:backup-vault:examplecorp-baseline-vault"
    assert evaluate([policy], Request("backup:DescribeBackupVault", resource=vault)) == "Allow"
    other = f"arn:{partition}:backup:{home}:{member_id}:backup-vault:team-vault"
    assert evaluate([policy], Request("backup:DescribeBackupVault", resource=other)) == "ImplicitDeny"


@pytest.mark.parametrize("action", WRITES)
def test_audit_role_cannot_write(synth: Synthesized, partition: PartitionName, action: str) -> None:
    """No write (nor data read) on any resource: the role's policy is evaluated with resource `*` and with
    each resource pattern it names."""
    _, policy = role_and_policy(template(synth, MEMBER[partition]), AUDIT_ROLE)
    _, member_id, _ = MEMBER[partition]
    resources = ["*", f"arn:{partition}:iam::{member_id}:user/alice", f"arn:{partition}:iam::{member_id}:role/app",
                 f"arn:{partition}:iam::aws:policy/AdministratorAccess",
                 f"arn:{partition}:backup:us-east-1:{member_id}:backup-vault:examplecorp-baseline-vault"]  # fmt: skip
    for resource in resources:
        assert evaluate([policy], Request(action, resource=resource)) == "ImplicitDeny", resource


def test_audit_role_allows_only_reads_and_the_last_accessed_report(
    synth: Synthesized, partition: PartitionName
) -> None:
    """Every allowed action is a Get, List or Describe, except the one documented report job."""
    _, policy = role_and_policy(template(synth, MEMBER[partition]), AUDIT_ROLE)
    actions = [a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert all(s["Effect"] == "Allow" and "NotAction" not in s for s in policy["Statement"])
    others = [a for a in actions if not a.split(":")[1].startswith(("Get", "List", "Describe"))]
    assert others == ["iam:GenerateServiceLastAccessedDetails"]
    assert not any("*" in a for a in actions)


def test_auditor_role(synth: Synthesized, partition: PartitionName) -> None:
    """The auditor assumes only audit roles, reads the organization's attachments, assignments and trail, and
    writes nothing; only principals of the management account may assume it."""
    _, mgmt_id, home = MANAGEMENT[partition]
    role, policy = role_and_policy(template(synth, MANAGEMENT[partition]), AUDITOR_ROLE)
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Sid": "ManagementAccountPrincipals", "Effect": "Allow",
         "Principal": {"AWS": f"arn:{partition}:iam::{mgmt_id}:root"}, "Action": "sts:AssumeRole"}
    ]  # fmt: skip
    _, member_id, _ = MEMBER[partition]
    member_audit = f"arn:{partition}:iam::{member_id}:role/{AUDIT_ROLE}"
    assert evaluate([policy], Request("sts:AssumeRole", resource=member_audit)) == "Allow"
    breakglass = f"arn:{partition}:iam::{member_id}:role/examplecorp-baseline-breakglass"
    assert evaluate([policy], Request("sts:AssumeRole", resource=breakglass)) == "ImplicitDeny"
    trail = f"arn:{partition}:cloudtrail:{home}:{mgmt_id}:trail/examplecorp-org-trail"
    assert evaluate([policy], Request("cloudtrail:GetTrailStatus", resource=trail)) == "Allow"
    log_group = f"arn:{partition}:logs:{home}:{mgmt_id}:log-group:/examplecorp/org-trail:log-stream:x"
    assert evaluate([policy], Request("logs:FilterLogEvents", resource=log_group)) == "Allow"
    reads = ["organizations:ListPoliciesForTarget", "sso:ListAccountAssignments", "sso:ListPermissionSets",
             "sso:DescribePermissionSet", "organizations:ListAWSServiceAccessForOrganization",
             "iam:ListOrganizationsFeatures"]  # fmt: skip
    for action in reads:
        assert evaluate([policy], Request(action)) == "Allow", action
    for action in WRITES:
        if action in ("sts:AssumeRole", "logs:FilterLogEvents"):
            continue
        assert evaluate([policy], Request(action)) == "ImplicitDeny", action

"""The two roles of the live access audit (`python -m ops.access audit|parity`): what they may read, who may use them.

- The auditor role (`<prefix>-baseline-access-auditor`, management account): the operator assumes it; it reads the
  organization's SCP attachments, whether centralized root access is on (the trusted services of the organization
  and IAM's organization features), the Identity Center assignments, the organization trail's status and its log
  group, and assumes the audit role of every account of the organization. The management account is where all of
  these can be read (SCP attachments and the trail live there; it always administers Identity Center).
- The audit role (`<prefix>-baseline-access-audit`, every account): trusted only by the auditor role of this
  organization; reads the account's IAM users and credentials, root credential facts, role and policy documents
  (a parity target), service last-accessed reports, and the baseline backup vault.

Nothing here can change a resource. One action is not a Get/List/Describe: `iam:GenerateServiceLastAccessedDetails`
starts a report job and returns its JobId, which `iam:GetServiceLastAccessedDetails` then reads; it changes no
IAM entity or policy, and the parity check cannot read last-accessed data without it
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_GenerateServiceLastAccessedDetails.html;
docs/decisions/0016-read-only-access-audit-roles.md).

The audit role's trust names the management account and pins the auditor role with `aws:PrincipalArn` instead of
naming the role as Principal: IAM turns a role ARN in Principal into the role's unique ID when the policy is saved,
and rejects one that does not exist yet ("Invalid principal in policy"), so member stacks would have to wait for
the management account's stack, and a recreated auditor role would silently lose access
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_policy-examples.html,
https://repost.aws/knowledge-center/iam-trust-policy-error).
"""

from __future__ import annotations

from config.naming import Organization
from config.policies.statements import PolicyDocument, allow, aws, document

SESSION_SECONDS = 3600  # role chaining (operator -> auditor -> audit role) caps sessions at one hour anyway

# Account-wide reads with no resource-level permissions (resource "*").
ACCOUNT_READS = ["iam:GetAccountSummary", "iam:ListUsers", "iam:GetServiceLastAccessedDetails"]
# Per user: console password, access keys and their last use, MFA devices, tags (the legacy-bot tag).
USER_READS = [
    "iam:GetUser", "iam:GetLoginProfile", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:ListMFADevices",
    "iam:ListUserTags",
]  # fmt: skip
# A role as a parity target: its inline and attached policies.
ROLE_READS = ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"]
POLICY_READS = ["iam:GetPolicy", "iam:GetPolicyVersion"]
LAST_ACCESSED_REPORT = "iam:GenerateServiceLastAccessedDetails"
VAULT_READS = ["backup:DescribeBackupVault"]

ORGANIZATION_READS = ["organizations:ListPoliciesForTarget"]
# Centralized root access: IAM's trusted access in the organization, then which of its features are on
# (RootCredentialsManagement, RootSessions); both answered in the management account, resource "*"
# (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListOrganizationsFeatures.html).
ROOT_ACCESS_READS = ["organizations:ListAWSServiceAccessForOrganization", "iam:ListOrganizationsFeatures"]
IDENTITY_CENTER_READS = [
    "sso:ListPermissionSets", "sso:DescribePermissionSet", "sso:ListAccountAssignments",
]  # fmt: skip
TRAIL_READS = ["cloudtrail:GetTrailStatus"]
TRAIL_EVENT_READS = ["logs:FilterLogEvents"]


def audit_role_trust(org: Organization) -> PolicyDocument:
    """Only the auditor role of this organization's management account."""
    condition = {
        "StringEquals": {"aws:PrincipalOrgID": org.organization_id},
        "ArnEquals": {"aws:PrincipalArn": org.access_auditor_role_arn},
    }
    principal = aws(org.account_root_arn(org.management_account_id))
    return document(allow(sid="AccessAuditorOnly", principal=principal, action="sts:AssumeRole", condition=condition))


def audit_role_policy(org: Organization, account_id: str) -> PolicyDocument:
    p = org.partition
    iam = f"arn:{p}:iam::{account_id}"
    return document(
        allow(sid="ReadAccountSummaryAndUsers", action=ACCOUNT_READS, resource="*"),
        allow(sid="ReadUserCredentials", action=USER_READS, resource=f"{iam}:user/*"),
        allow(sid="ReadRolePolicies", action=ROLE_READS, resource=f"{iam}:role/*"),
        allow(
            sid="ReadPolicyDocuments", action=POLICY_READS, resource=[f"{iam}:policy/*", f"arn:{p}:iam::aws:policy/*"]
        ),
        allow(sid="ReportLastAccessed", action=LAST_ACCESSED_REPORT, resource=[f"{iam}:user/*", f"{iam}:role/*"]),
        allow(
            sid="ReadBaselineVault",
            action=VAULT_READS,
            resource=f"arn:{p}:backup:*:{account_id}:backup-vault:{org.backup_vault}",
        ),
    )


def auditor_role_trust(org: Organization) -> PolicyDocument:
    """Principals of the management account whose own IAM policies allow sts:AssumeRole on it (its administrators)."""
    principal = aws(org.account_root_arn(org.management_account_id))
    return document(allow(sid="ManagementAccountPrincipals", principal=principal, action="sts:AssumeRole"))


def auditor_role_policy(org: Organization) -> PolicyDocument:
    p, home, mgmt = org.partition, org.home_region, org.management_account_id
    return document(
        allow(
            sid="AssumeAuditRolesInTheOrganization",
            action="sts:AssumeRole",
            resource=f"arn:{p}:iam::*:role/{org.access_audit_role}",
        ),
        allow(sid="ReadScpAttachments", action=ORGANIZATION_READS, resource="*"),
        allow(sid="ReadCentralizedRootAccess", action=ROOT_ACCESS_READS, resource="*"),
        allow(sid="ReadIdentityCenterAssignments", action=IDENTITY_CENTER_READS, resource="*"),
        allow(sid="ReadOrgTrailStatus", action=TRAIL_READS, resource=org.trail_arn),
        allow(
            sid="ReadOrgTrailEvents",
            action=TRAIL_EVENT_READS,
            resource=f"arn:{p}:logs:{home}:{mgmt}:log-group:{org.trail_log_group}:*",
        ),
    )

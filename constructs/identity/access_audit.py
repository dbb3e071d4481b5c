"""The read-only roles of the live access audit (config/policies/access_audit.py): the audit role in every account,
and the auditor role that assumes them, in the management account."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from config.naming import Organization
from config.policies.access_audit import (
    SESSION_SECONDS,
    audit_role_policy,
    audit_role_trust,
    auditor_role_policy,
    auditor_role_trust,
)
from config.policies.statements import PolicyDocument
from constructs import Construct
from constructs.shared.own_account import nag_form


def _role_with_policy(
    scope: Construct, *, name: str, description: str, trust: PolicyDocument, policy: PolicyDocument, reads: str
) -> tuple[iam.CfnRole, iam.CfnManagedPolicy]:
    """A role and its one customer-managed policy of the same name (no inline policy: NIST IAMNoInlinePolicy)."""
    role = iam.CfnRole(
        scope,
        "Role",
        role_name=name,
        description=description,
        max_session_duration=SESSION_SECONDS,
        assume_role_policy_document=trust,
    )
    managed = iam.CfnManagedPolicy(
        scope, "Policy", managed_policy_name=name, description=reads, roles=[role.ref], policy_document=policy
    )
    return role, managed


class AccessAuditRole(Construct):
    """`<prefix>-baseline-access-audit`: reads IAM users, credentials, last access and the vault; writes nothing."""

    def __init__(self, scope: Construct, construct_id: str, *, org: Organization, account_id: str) -> None:
        super().__init__(scope, construct_id)
        p = org.partition
        self.role, self.policy = _role_with_policy(
            self,
            name=org.access_audit_role,
            description="org-baseline: read-only access audit (IAM users, credentials, vault lock)",
            trust=audit_role_trust(org),
            policy=audit_role_policy(org, account_id),
            reads="org-baseline: what the access audit reads in this account",
        )
        iam_arn = f"arn:{p}:iam::{account_id}"
        cdk.Validations.of(self.policy).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="GetAccountSummary, ListUsers and GetServiceLastAccessedDetails support no resource-level "
                "permissions.",
            ),
            cdk.Acknowledgment(
                id=nag_form(f"AwsSolutions-IAM5[Resource::{iam_arn}:user/*]"),
                reason="The audit reads every IAM user of the account; finding unknown users is its purpose.",
            ),
            cdk.Acknowledgment(
                id=nag_form(f"AwsSolutions-IAM5[Resource::{iam_arn}:role/*]"),
                reason="A parity check reads the policies of the role a legacy user migrates to, which any team may "
                "have created; read actions only.",
            ),
            cdk.Acknowledgment(
                id=nag_form(f"AwsSolutions-IAM5[Resource::{iam_arn}:policy/*]"),
                reason="A parity check reads the documents of the policies attached to its target role; reads only.",
            ),
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::arn:{p}:iam::aws:policy/*]",
                reason="A parity check reads AWS managed policy documents (permission sets attach them by name), so "
                "that their contents are evaluated instead of guessed.",
            ),
            cdk.Acknowledgment(
                id=nag_form(
                    f"AwsSolutions-IAM5[Resource::arn:{p}:backup:*:{account_id}:backup-vault:{org.backup_vault}]"
                ),
                reason="The baseline vault has one name in every region of the account; the audit reads its lock.",
            ),
        )


class AccessAuditorRole(Construct):
    """`<prefix>-baseline-access-auditor`, management account: the only principal the audit roles trust."""

    def __init__(self, scope: Construct, construct_id: str, *, org: Organization) -> None:
        super().__init__(scope, construct_id)
        self.role, self.policy = _role_with_policy(
            self,
            name=org.access_auditor_role,
            description="org-baseline: read-only access auditor of the organization",
            trust=auditor_role_trust(org),
            policy=auditor_role_policy(org),
            reads="org-baseline: what the access auditor reads, and the audit roles it assumes",
        )
        p = org.partition
        log_group = f"arn:{p}:logs:{org.home_region}:{org.management_account_id}:log-group:{org.trail_log_group}:*"
        cdk.Validations.of(self.policy).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="ListPoliciesForTarget is read for the root, OUs and accounts of the config, and the "
                "Identity Center reads name an instance and permission sets whose IDs Identity Center generates.",
            ),
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::arn:{p}:iam::*:role/{org.access_audit_role}]",
                reason="The audit role has one name in every account of the organization; each trusts only this role.",
            ),
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::{log_group}]",
                reason="FilterLogEvents reads the streams of the organization trail's log group, named by CloudTrail.",
            ),
        )

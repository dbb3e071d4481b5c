"""The breakglass role: administrator access for emergencies, with MFA, one-hour sessions and a named user."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from config.naming import BreakglassPrincipals, Organization
from config.policies.statements import PolicyDocument, Statement, allow, aws, deny, document
from constructs import Construct

SESSION_SECONDS = 3600
ASSUME = ["sts:AssumeRole", "sts:SetSourceIdentity"]


def breakglass_trust_policy(org: Organization, principals: BreakglassPrincipals) -> PolicyDocument:
    """Who may break glass, and how.

    - Only the configured identities, by exact ARN, from this organization.
    - With MFA, authenticated less than an hour ago. Federated (SAML, Identity Center) sessions carry no MFA
      context, so breakglass works when the identity provider is down and does not depend on it.
    - With a source identity, which CloudTrail records on every call of the session and which survives role
      chaining. IAM users must set their own user name (`${aws:username}`), so the record cannot lie; role
      principals must set one (their own session should already carry it, set when they were assumed).
    - Never with session tags: a session tag would override principal tags such as
      `baseline:network-restricted`, which service control policies rely on.
    """
    mfa = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "NumericLessThan": {"aws:MultiFactorAuthAge": str(SESSION_SECONDS)},
    }
    in_org = {"aws:PrincipalOrgID": org.organization_id}
    statements: list[Statement] = []
    if principals.users:
        named = {**mfa, "StringEquals": {**in_org, "sts:SourceIdentity": "${aws:username}"}}
        sid = "BreakglassUsersWithMfaAndTheirName"
        statements.append(allow(sid=sid, principal=aws(list(principals.users)), action=ASSUME, condition=named))
    if principals.roles:
        identified = {**mfa, "StringEquals": in_org, "StringLike": {"sts:SourceIdentity": "*"}}
        sid = "BreakglassRolesWithMfaAndSourceIdentity"
        statements.append(allow(sid=sid, principal=aws(list(principals.roles)), action=ASSUME, condition=identified))
    statements += [
        # Explicit, so that a trust statement added later cannot drop the MFA requirement.
        deny(
            sid="DenyWithoutMfa",
            principal=aws("*"),
            action=ASSUME,
            condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        ),
        deny(sid="DenySessionTags", principal=aws("*"), action="sts:TagSession"),
    ]
    return document(*statements)


class BreakglassRole(Construct):
    """`<prefix>-baseline-breakglass` with AdministratorAccess. Every use alerts (constructs/alerting/access_alerts.py);
    service control policies still bind it, and protect it from members."""

    def __init__(
        self, scope: Construct, construct_id: str, *, org: Organization, principals: BreakglassPrincipals
    ) -> None:
        super().__init__(scope, construct_id)
        admin = org.aws_managed_policy_arn("AdministratorAccess")
        self.role = iam.CfnRole(
            self,
            "Role",
            role_name=org.breakglass_role,
            description="org-baseline: emergency administrator access; MFA, 1-hour sessions, every use alerts",
            max_session_duration=SESSION_SECONDS,
            managed_policy_arns=[admin],
            assume_role_policy_document=breakglass_trust_policy(org, principals),
        )
        cdk.Validations.of(self.role).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::{admin}]",
                reason="Breakglass exists to repair anything in the account when normal access fails; it is "
                "limited by MFA, named principals, one-hour sessions, alerts on every use and the SCPs.",
            )
        )

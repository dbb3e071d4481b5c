"""Who may start sessions: a role and a same-named customer-managed policy in every account (home region)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from config.naming import Organization
from config.policies.statements import Statement, allow, aws, document
from constructs import Construct
from constructs.shared.own_account import nag_form

# Identity Center creates the roles of permission sets under this path in each account.
IDENTITY_CENTER_ROLE_PATH = "aws-reserved/sso.amazonaws.com/"


def session_access_statements(org: Organization, account_id: str, regions: list[str]) -> list[Statement]:
    """Start sessions only on this account's instances and only with the approved documents; end or resume
    only one's own sessions.

    With `ssm:SessionDocumentAccessCheck` true, StartSession must name a document the policy allows, so the
    default `SSM-SessionManagerRunShell` and AWS-owned documents (`arn:<partition>:ssm:<region>::document/
    AWS-...`, no account in the ARN) are refused: AWS-StartPortForwardingSessionToRemoteHost would tunnel to any
    host the instance reaches, AWS-StartSSHSession needs an SSH daemon, and neither pins our logging settings.
    """
    p = org.partition
    documents = [org.session_document_arn(r, d) for r in regions for d in org.session_documents.values()]
    return [
        {
            "Sid": "StartSessionsOnInstancesWithApprovedDocumentsOnly",
            "Effect": "Allow",
            "Action": "ssm:StartSession",
            "Resource": [*(f"arn:{p}:ec2:{r}:{account_id}:instance/*" for r in regions), *documents],
            "Condition": {"BoolIfExists": {"ssm:SessionDocumentAccessCheck": "true"}},
        },
        {
            "Sid": "EndOrResumeOwnSessionsOnly",
            "Effect": "Allow",
            "Action": ["ssm:TerminateSession", "ssm:ResumeSession"],
            "Resource": [f"arn:{p}:ssm:{r}:{account_id}:session/${{aws:userid}}-*" for r in regions],
        },
        {
            "Sid": "ReadApprovedDocuments",
            "Effect": "Allow",
            "Action": ["ssm:DescribeDocument", "ssm:GetDocument"],
            "Resource": documents,
        },
        {
            # What the console and the CLI plugin list before starting a session; these have no resource types.
            "Sid": "ListInstancesAndSessions",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeInstances",
                "ssm:DescribeInstanceInformation",
                "ssm:DescribeInstanceProperties",
                "ssm:DescribeSessions",
                "ssm:GetConnectionStatus",
            ],
            "Resource": "*",
        },
        {
            "Sid": "EncryptSessionData",
            "Effect": "Allow",
            "Action": "kms:GenerateDataKey",
            "Resource": [f"arn:{p}:kms:{r}:{account_id}:key/*" for r in regions],
            "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": org.session_key_alias}},
        },
    ]


class SessionAccess(Construct):
    """The session access policy (attach it to Identity Center permission sets by name) and a role with it,
    assumable by this account's Identity Center users for one hour."""

    def __init__(
        self, scope: Construct, construct_id: str, *, org: Organization, account_id: str, regions: list[str]
    ) -> None:
        super().__init__(scope, construct_id)
        identity_center_roles = f"arn:{org.partition}:iam::{account_id}:role/{IDENTITY_CENTER_ROLE_PATH}*"
        self.role = iam.CfnRole(
            self,
            "Role",
            role_name=org.session_access_role,
            description="Start Session Manager sessions with the approved documents only",
            max_session_duration=3600,
            assume_role_policy_document=document(
                allow(
                    sid="IdentityCenterUsersOfThisAccount",
                    principal=aws(org.account_root_arn(account_id)),
                    action="sts:AssumeRole",
                    condition={"ArnLike": {"aws:PrincipalArn": identity_center_roles}},
                )
            ),
        )
        statements = session_access_statements(org, account_id, regions)
        self.policy = iam.CfnManagedPolicy(
            self,
            "Policy",
            managed_policy_name=org.session_access_role,
            description="Session Manager: approved documents on this account's instances; own sessions only",
            roles=[self.role.ref],
            policy_document=document(*statements),
        )
        reasons = {
            "ec2": "Sessions may target any instance of this account; instance IDs are not known in advance, and the "
            "approved documents are the control.",
            "ssm": "Session IDs start with the caller's user ID and end with a random suffix chosen by SSM; the "
            "pattern limits terminate and resume to one's own sessions.",
            "kms": "Key IDs are random; the statement is narrowed to this account's session key alias by condition.",
        }
        # Written out per statement rather than read from it, so a wider resource is a new cdk-nag finding.
        p = org.partition
        wildcard_resources = [
            *(f"arn:{p}:ec2:{r}:{account_id}:instance/*" for r in regions),  # StartSessionsOnInstances...
            *(f"arn:{p}:ssm:{r}:{account_id}:session/${{aws:userid}}-*" for r in regions),  # EndOrResumeOwnSessions...
            *(f"arn:{p}:kms:{r}:{account_id}:key/*" for r in regions),  # EncryptSessionData
        ]
        cdk.Validations.of(self.policy).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="DescribeInstances, DescribeInstanceInformation, DescribeInstanceProperties, DescribeSessions "
                "and GetConnectionStatus support no resource-level permissions.",
            ),
            *(
                # cdk-nag writes policy variables as <var> in finding IDs.
                cdk.Acknowledgment(
                    id=nag_form(f"AwsSolutions-IAM5[Resource::{r.replace('${aws:userid}', '<aws:userid>')}]"),
                    reason=reasons[r.split(":")[2]],
                )
                for r in wildcard_resources
            ),
        )

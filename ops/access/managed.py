"""What the AWS managed policies the config uses allow, for the questions the access matrix asks.

AWS managed policies are not in the repository. For each one the config or the catalog references, this table
holds either its whole policy document (short policies, copied from the AWS managed policy reference, so the
evaluator decides) or, for long ones, the answer per question that the reference page supports. A question with
no documented answer is unknown (None), and a policy not in the table answers nothing: the matrix shows
"unknown", never "no".

Questions (`QUESTIONS`), one per capability group of `ops/access/capabilities.py`:
    any-service   an action of a service the policy does not name (only `*`-style grants allow it)
    iam           writes to IAM (roles, users, policies, keys, trust)
    s3            s3:GetObject on any bucket
    dynamodb      dynamodb:GetItem on any table
    rds           RDS Data API statements or IAM database authentication
    secrets       secretsmanager:GetSecretValue
    ssm-session   ssm:StartSession

The reference: https://docs.aws.amazon.com/aws-managed-policy/latest/reference/<name without path>.html
(checked 2026-11-30; the version is in each entry). AWS edits managed policies: a new version can widen them.
The reference shows the commercial partition's versions; GovCloud's can lag behind them, which the matrix does
not model (the same table answers for both partitions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from config.policies.evaluator import Request, evaluate

QUESTIONS = ("any-service", "iam", "s3", "dynamodb", "rds", "secrets", "ssm-session")
REFERENCE = "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/"


@dataclass(frozen=True)
class ManagedPolicy:
    name: str
    meaning: str  # what the AWS reference says it is for
    version: str  # the default version the entry was checked against
    document: dict[str, Any] | None = None  # the whole document, when short
    answers: dict[str, bool] = field(default_factory=dict)  # question -> documented answer, when long

    @property
    def url(self) -> str:
        return REFERENCE + self.name.split("/")[-1] + ".html"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


_READ_ONLY_NOTHING = dict.fromkeys(QUESTIONS, False)

MANAGED_POLICIES: dict[str, ManagedPolicy] = {
    policy.name: policy
    for policy in (
        ManagedPolicy(
            "AdministratorAccess",
            "Full access to AWS services and resources.",
            "v1",
            document=_doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        ),
        ManagedPolicy(
            "PowerUserAccess",
            "Full access to AWS services and resources, but not management of users and groups.",
            "v12",
            document=_doc(
                {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": [
                        "account:GetAccountInformation",
                        "account:GetGovCloudAccountInformation",
                        "account:GetPrimaryEmail",
                        "account:ListRegions",
                        "iam:CreateServiceLinkedRole",
                        "iam:DeleteServiceLinkedRole",
                        "iam:ListRoles",
                        "organizations:DescribeEffectivePolicy",
                        "organizations:DescribeOrganization",
                    ],
                    "Resource": "*",
                },
            ),
        ),
        # Read-only actions (Get*, List*, Describe*, ...) of most services: s3:Get* reads objects and
        # dynamodb:GetItem/Query/Scan read items; SSM only Describe*/Get*/List* (no StartSession). Whether it reads
        # secrets or RDS data is left unknown here.
        ManagedPolicy(
            "ReadOnlyAccess",
            "Read-only access to AWS services and resources.",
            "checked 2026-11-30",
            answers={"any-service": False, "iam": False, "s3": True, "dynamodb": True, "ssm-session": False},
        ),
        # ec2:Describe*, elasticloadbalancing:Describe*, cloudwatch and autoscaling read actions only.
        ManagedPolicy(
            "AmazonEC2ReadOnlyAccess",
            "Read-only access to Amazon EC2 through the console.",
            "v5",
            answers=_READ_ONLY_NOTHING,
        ),
        # support:* only (AWS Support cases); the version was not re-read on 2026-11-30.
        ManagedPolicy(
            "AWSSupportAccess",
            "Access to the AWS Support Center (cases).",
            "v1",
            document=_doc({"Effect": "Allow", "Action": ["support:*"], "Resource": "*"}),
        ),
        # dynamodb:* is in the policy; its S3, IAM and other statements are long: left unknown here.
        ManagedPolicy(
            "job-function/DataScientist",
            "Permissions for AWS data analytics services (job function).",
            "v5",
            answers={"dynamodb": True},
        ),
        # athena:* and Glue catalog actions; S3 only on the Athena query-result and example buckets.
        ManagedPolicy(
            "AmazonAthenaFullAccess",
            "Full access to Amazon Athena and scoped access to the dependencies it needs.",
            "v15",
            answers={"iam": False, "ssm-session": False},
        ),
    )
}


def answer(name: str, question: str, request: Request) -> bool | None:
    """Whether managed policy `name` allows what `question` asks (`request`: a representative request for it), or
    None when unknown (not in the table, or no documented answer)."""
    policy = MANAGED_POLICIES.get(name)
    if policy is None:
        return None
    if policy.document is not None:
        return evaluate([policy.document], request) == "Allow"
    return policy.answers.get(question)

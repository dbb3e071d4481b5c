"""What a permission set can do that a reviewer cares about, derived from its policy documents.

Each capability is a few representative requests (`PROBES`) evaluated with the IAM evaluator
(config/policies/evaluator.py) against the set's documents, following IAM's evaluation logic for one identity
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): an explicit Deny in
any of its policies wins; otherwise a request is allowed when an identity policy allows it and the permissions
boundary, if any, allows it too.

Documents come from three places: the config (inline policy, customer-managed policies, a customer-managed
boundary), the baseline's own policies (`BASELINE`) and AWS managed policies (ops/access/managed.py, a cited
table). A question none of them can answer is "unknown", never "no". Values:

    yes | no | denied (an explicit Deny in the set) | unknown

Service control policies are not applied here: they bound every principal of an account alike, and
docs/service-control-policies.md has their own decision tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config.models import PermissionSet
from config.naming import Organization
from config.policies.evaluator import Request, evaluate
from config.policies.permission_sets import AccessModel, session_access
from ops.access.managed import answer

YES, NO, DENIED, UNKNOWN = "yes", "no", "denied", "unknown"
EXAMPLE_ACCOUNT = "111122223333"  # resources of the representative requests live in some member account


@dataclass(frozen=True)
class Probe:
    question: str  # the managed-policy question it asks (ops/access/managed.py QUESTIONS)
    action: str
    resource: str  # `{p}` is the partition, `{a}` the account


# A made-up service: only grants of `*` (or NotAction) allow its actions, so it tells "everything" from a list.
ANY_SERVICE = Probe("any-service", "example-future-service:AnyAction", "*")
IAM_WRITES = (
    Probe("iam", "iam:CreateRole", "arn:{p}:iam::{a}:role/any-role"),
    Probe("iam", "iam:AttachRolePolicy", "arn:{p}:iam::{a}:role/any-role"),
    Probe("iam", "iam:PutRolePolicy", "arn:{p}:iam::{a}:role/any-role"),
    Probe("iam", "iam:UpdateAssumeRolePolicy", "arn:{p}:iam::{a}:role/any-role"),
    Probe("iam", "iam:CreateUser", "arn:{p}:iam::{a}:user/any-user"),
    Probe("iam", "iam:CreateAccessKey", "arn:{p}:iam::{a}:user/any-user"),
)
DATA_READS: dict[str, tuple[Probe, ...]] = {
    "s3": (Probe("s3", "s3:GetObject", "arn:{p}:s3:::any-bucket/any-key"),),
    "dynamodb": (
        Probe("dynamodb", "dynamodb:GetItem", "arn:{p}:dynamodb:any-region:{a}:table/any-table"),
        Probe("dynamodb", "dynamodb:Scan", "arn:{p}:dynamodb:any-region:{a}:table/any-table"),
    ),
    "rds": (
        Probe("rds", "rds-data:ExecuteStatement", "arn:{p}:rds:any-region:{a}:cluster:any-cluster"),
        Probe("rds", "rds-db:connect", "arn:{p}:rds-db:any-region:{a}:dbuser:any-db/any-user"),
    ),
    "secrets": (Probe("secrets", "secretsmanager:GetSecretValue", "arn:{p}:secretsmanager:any-region:{a}:secret:x"),),
}
START_SESSION = Probe("ssm-session", "ssm:StartSession", "arn:{p}:ec2:any-region:{a}:instance/i-0123456789abcdef0")


@dataclass(frozen=True)
class BaselinePolicy:
    """A customer-managed policy the account baseline creates; its document is built in constructs/, which
    operator tools do not import, so its answers are written here from that code."""

    source: str
    answers: dict[str, bool]


def baseline_policies(org: Organization) -> dict[str, BaselinePolicy]:
    # constructs/sessions/access.py session_access_statements: StartSession with the approved documents only
    # (ssm:SessionDocumentAccessCheck), end/resume own sessions, read the approved documents, list instances.
    session = BaselinePolicy(
        "constructs/sessions/access.py",
        {
            "any-service": False,
            "iam": False,
            "s3": False,
            "dynamodb": False,
            "rds": False,
            "secrets": False,
            "ssm-session": True,
        },
    )
    return {org.session_access_role: session}


def request(probe: Probe, partition: str) -> Request:
    return Request(probe.action, probe.resource.format(p=partition, a=EXAMPLE_ACCOUNT))


@dataclass(frozen=True)
class SetPolicies:
    """One permission set's policies, split by where their documents come from."""

    documents: list[dict[str, Any]]  # inline and config customer-managed (evaluated)
    table: list[str]  # AWS managed and baseline policies (answered from the tables)
    boundary_document: dict[str, Any] | None
    boundary_table: str | None  # an AWS managed boundary


def set_policies(pset: PermissionSet, model: AccessModel) -> SetPolicies:
    documents = [pset.inline_policy] if pset.inline_policy else []
    table = list(pset.aws_managed_policies)
    for name in pset.customer_managed_policies:
        policy = model.customer_managed_policies.get(name)
        if policy is not None:
            documents.append(policy.document)
        else:
            table.append(name)  # a baseline policy, or one the config does not define: unknown
    boundary_document = boundary_table = None
    if pset.permissions_boundary is not None:
        if pset.permissions_boundary.aws_managed_policy:
            boundary_table = pset.permissions_boundary.aws_managed_policy
        elif pset.permissions_boundary.customer_managed_policy:
            policy = model.customer_managed_policies.get(pset.permissions_boundary.customer_managed_policy)
            boundary_document = policy.document if policy else None
            if policy is None:
                boundary_table = pset.permissions_boundary.customer_managed_policy
    return SetPolicies(documents, table, boundary_document, boundary_table)


def decide(policies: SetPolicies, probe: Probe, partition: str, baseline: dict[str, BaselinePolicy]) -> str:
    """yes, no, denied or unknown for one representative request."""
    req = request(probe, partition)
    own = evaluate(policies.documents, req) if policies.documents else "ImplicitDeny"
    boundary = evaluate([policies.boundary_document], req) if policies.boundary_document else None
    if own == "Deny" or boundary == "Deny":
        return DENIED
    if own == "Allow":
        granted: str = YES
    else:
        answers = [_table_answer(name, probe, req, baseline) for name in policies.table]
        granted = YES if True in answers else NO if all(a is False for a in answers) else UNKNOWN
    if granted == NO:
        return NO
    if boundary == "ImplicitDeny":
        return NO
    if policies.boundary_table is not None:
        bounded = _table_answer(policies.boundary_table, probe, req, baseline)
        if bounded is False:
            return NO
        if bounded is None:
            return UNKNOWN
    return granted


def _table_answer(name: str, probe: Probe, req: Request, baseline: dict[str, BaselinePolicy]) -> bool | None:
    if name in baseline:
        return baseline[name].answers.get(probe.question)
    return answer(name, probe.question, req)


def _any(values: list[str]) -> str:
    """Several requests for one capability: yes if any is allowed, unknown if any is unknown, else no (or denied
    when every request is explicitly denied)."""
    if YES in values:
        return YES
    if UNKNOWN in values:
        return UNKNOWN
    return DENIED if values and all(v == DENIED for v in values) else NO


def summary(pset: PermissionSet, model: AccessModel, org: Organization) -> dict[str, Any]:
    """The reviewer's summary of one set (the `summary` object of docs/access.md)."""
    p = org.partition
    baseline = baseline_policies(org)
    policies = set_policies(pset, model)
    iam = _any([decide(policies, probe, p, baseline) for probe in IAM_WRITES])
    everything = decide(policies, ANY_SERVICE, p, baseline)
    # Admin-equivalent: writes IAM (so it can grant itself anything) and acts on services it is not told about.
    admin = YES if iam == everything == YES else NO if {iam, everything} & {NO, DENIED} else UNKNOWN
    data = {store: _any([decide(policies, pr, p, baseline) for pr in probes]) for store, probes in DATA_READS.items()}
    sessions = decide(policies, START_SESSION, p, baseline)
    if sessions == YES:
        access = session_access(pset, model, org)
        sessions = "approved documents only" if access.approved_documents_only else "any document"
    return {
        "admin_equivalent": admin,
        "can_change_iam": iam,
        "can_read_data": data,
        "can_start_sessions": sessions,
        "denied_actions": denied_actions(policies),
    }


def denied_actions(policies: SetPolicies) -> list[str]:
    """The actions of the explicit Deny statements of the set's own documents and boundary (NotAction denies are
    shown as `all but ...`)."""
    out: list[str] = []
    documents = [*policies.documents, *([policies.boundary_document] if policies.boundary_document else [])]
    for document in documents:
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if statement.get("Effect") != "Deny":
                continue
            if "Action" in statement:
                actions = statement["Action"]
                out += actions if isinstance(actions, list) else [actions]
            elif "NotAction" in statement:
                not_actions = statement["NotAction"]
                listed = not_actions if isinstance(not_actions, list) else [not_actions]
                out.append("all but " + ", ".join(listed))
    return sorted(dict.fromkeys(out))

"""The parity check behind `python -m ops.access parity` (ops/access/parity.py has what it reads, how it judges and
its exit status). boto3 is imported here, not by the command module, so that the offline commands never load it."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import BotoCoreError, ClientError

from config.models import Account, OrgConfig
from config.naming import IDENTITY_CENTER_ROLE_PATH, NETWORK_RESTRICTED_TAG, Organization, organization
from config.policies.evaluator import FULL_AWS_ACCESS, Request, evaluate
from config.policies.permission_sets import access_model
from config.policies.service_control import partition_budget
from config.targets import ou_covers
from ops.access.aws import AwsProblem, assume, auditor_session, client, error_code, explain
from ops.access.live_audit import InputError, load

EXIT_COVERED, EXIT_INPUT, EXIT_MISSING, EXIT_UNKNOWN = 0, 1, 2, 3
COVERED, MISSING, UNKNOWN = "covered", "missing", "unknown"
JOB_POLLS, JOB_POLL_SECONDS = 60, 2.0
MAX_TRAIL_EVENTS = 50_000
# CloudTrail's eventSource host -> IAM service prefix, where they differ.
EVENT_SOURCE_PREFIX = {"monitoring": "cloudwatch", "email": "ses", "elasticloadbalancing": "elasticloadbalancing"}
# A placeholder for the random suffix Identity Center gives a permission set's role in each account.
ROLE_SUFFIX = "0000000000000000"


@dataclass(frozen=True)
class Use:
    action: str  # "s3:GetObject", or "s3:*" when IAM tracked the service but not its actions
    last_used: str  # ISO date
    region: str
    source: str  # "last-accessed" or "trail"


@dataclass(frozen=True)
class Verdict:
    action: str
    last_used: str
    region: str
    source: str
    result: str  # covered | missing | unknown
    why: str


@dataclass
class Target:
    """The policies of what the user moves to, in layers; `unreadable` names the documents that could not be read."""

    name: str
    principal_arn: str
    identity: list[dict[str, Any]] = field(default_factory=list)
    boundary: dict[str, Any] | None = None
    unreadable: list[str] = field(default_factory=list)
    network_restricted: bool = False  # carries the baseline's network-restricted principal tag


# The one principal tag whose value is known for the target: the network-restricted tag can be neither set on a
# principal nor passed as a session tag except by the deployment role (SCP network-restricted-credentials,
# statement ProtectNetworkRestrictedTag), so a role has it only if IAM shows it, and an Identity Center role never.
# Conditions on any other principal tag stay unknown (session tags from the identity provider are not visible here).
KNOWN_PRINCIPAL_TAG = f"aws:PrincipalTag/{NETWORK_RESTRICTED_TAG}"


def run(args: argparse.Namespace) -> int:
    """`python -m ops.access parity` (ops/access/parity.py)."""
    try:
        if args.days < 1:
            raise InputError("--days must be at least 1")
        config = load(args.config)
        account = _account(config, args.account)
        org = organization(config, account.partition)
        if args.permission_set and args.permission_set not in access_model(config, org).permission_sets:
            known = ", ".join(sorted(access_model(config, org).permission_sets))
            raise InputError(f"unknown permission set {args.permission_set} (--permission-set; known: {known})")
        auditor = auditor_session(org)
        session = assume(client(auditor, "sts", org.home_region), org.access_audit_role_arn(account.id))
        iam = client(session, "iam", org.home_region)
        user_arn = _user_arn(iam, args.user, account)
        since = datetime.now(UTC) - timedelta(days=args.days)
        uses = last_accessed(iam, user_arn, since)
        trail_note, trail_uses = trail_events(client(auditor, "logs", org.home_region), org, user_arn, since)
        if args.permission_set:
            target = permission_set_target(config, org, account, args.permission_set, iam)
        else:
            target = role_target(iam, args.role, account)
    except (InputError, AwsProblem) as err:
        print(f"access parity: {err}", file=sys.stderr)
        return EXIT_INPUT
    scps = applicable_scps(config, org, account)
    verdicts = [judge(use, target, scps, account, org) for use in merge(uses + trail_uses)]
    print(report(args.user, account, target, verdicts, args.days, trail_note))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"parity-{account.name}-{args.user}.json"
    document = {
        "user": args.user, "account": account.name, "target": target.name, "days": args.days,
        "trail": trail_note, "unreadable_policies": target.unreadable, "actions": [asdict(v) for v in verdicts],
    }  # fmt: skip
    path.write_text(json.dumps(document, indent=2) + "\n")
    results = {v.result for v in verdicts}
    return EXIT_MISSING if MISSING in results else EXIT_UNKNOWN if UNKNOWN in results else EXIT_COVERED


def _account(config: OrgConfig, name: str) -> Account:
    for account in config.accounts:
        if account.name == name:
            return account
    raise InputError(f"unknown account {name} (--account; the config's accounts are named there)")


def _user_arn(iam: Any, user: str, account: Account) -> str:
    try:
        return str(iam.get_user(UserName=user)["User"]["Arn"])
    except ClientError as err:
        if error_code(err) == "NoSuchEntity":
            raise InputError(f"no IAM user {user} in account {account.name} ({account.id})") from None
        raise AwsProblem(explain(err, f"cannot read the IAM user {user}")) from None


# --- what the user used ----------------------------------------------------------------------------------------


def last_accessed(iam: Any, user_arn: str, since: datetime) -> list[Use]:
    """Actions (and services without tracked actions) the user last used after `since`, per IAM's report:
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetails.html"""
    try:
        job = iam.generate_service_last_accessed_details(Arn=user_arn, Granularity="ACTION_LEVEL")["JobId"]
        details = iam.get_service_last_accessed_details(JobId=job)
        polls = 1
        while details["JobStatus"] == "IN_PROGRESS" and polls < JOB_POLLS:
            time.sleep(JOB_POLL_SECONDS)
            details = iam.get_service_last_accessed_details(JobId=job)
            polls += 1
    except (ClientError, BotoCoreError) as err:
        raise AwsProblem(explain(err, "IAM's last-accessed report could not be read")) from None
    if details["JobStatus"] != "COMPLETED":
        reason = details.get("Error", {}).get("Message", details["JobStatus"])
        raise AwsProblem(f"IAM's last-accessed report did not complete: {reason}")
    uses = []
    for service in details["ServicesLastAccessed"]:
        when = service.get("LastAuthenticated")
        if when is None or when < since:
            continue
        tracked = [a for a in service.get("TrackedActionsLastAccessed", []) if a.get("LastAccessedTime")]
        for action in tracked:
            if action["LastAccessedTime"] >= since:
                name = f"{service['ServiceNamespace']}:{action['ActionName']}"
                region = action.get("LastAccessedRegion") or ""
                uses.append(Use(name, f"{action['LastAccessedTime']:%Y-%m-%d}", region, "last-accessed"))
        if not tracked:
            region = service.get("LastAuthenticatedRegion") or ""
            uses.append(Use(f"{service['ServiceNamespace']}:*", f"{when:%Y-%m-%d}", region, "last-accessed"))
    return uses


def trail_events(logs: Any, org: Organization, user_arn: str, since: datetime) -> tuple[str, list[Use]]:
    """The user's calls recorded by the organization trail in its log group (management account), if readable."""
    pattern = f'{{ $.userIdentity.arn = "{user_arn}" }}'
    uses: list[Use] = []
    kwargs: dict[str, Any] = {
        "logGroupName": org.trail_log_group,
        "startTime": int(since.timestamp() * 1000),
        "filterPattern": pattern,
    }
    seen = 0
    try:
        while True:
            page = logs.filter_log_events(**kwargs)
            for event in page.get("events", []):
                seen += 1
                use = _use_of(event.get("message", ""), user_arn)
                if use is not None:
                    uses.append(use)
            token = page.get("nextToken")
            if not token or seen >= MAX_TRAIL_EVENTS:
                break
            kwargs["nextToken"] = token
    except (ClientError, BotoCoreError) as err:
        return explain(err, f"trail events not read from {org.trail_log_group}"), []
    return f"{len(uses)} events of the user in {org.trail_log_group}", uses


def _use_of(message: str, user_arn: str) -> Use | None:
    try:
        record = json.loads(message)
    except json.JSONDecodeError:
        return None
    if record.get("userIdentity", {}).get("arn") != user_arn or record.get("errorCode"):
        return None  # another principal, or a denied call: not something the user could do
    host = str(record.get("eventSource", "")).split(".")[0]
    prefix = EVENT_SOURCE_PREFIX.get(host, host)
    when = str(record.get("eventTime", ""))[:10]
    return Use(f"{prefix}:{record.get('eventName')}", when, str(record.get("awsRegion", "")), "trail")


def merge(uses: Iterable[Use]) -> list[Use]:
    """One use per action: the most recent, last-accessed first when both sources saw it the same day."""
    newest: dict[str, Use] = {}
    for use in uses:
        key = use.action.lower()
        if key not in newest or use.last_used > newest[key].last_used:
            newest[key] = use
    return sorted(newest.values(), key=lambda u: u.action.lower())


# --- the target ------------------------------------------------------------------------------------------------


def permission_set_target(config: OrgConfig, org: Organization, account: Account, name: str, iam: Any) -> Target:
    model = access_model(config, org)
    pset = model.permission_sets[name]
    role = f"arn:{org.partition}:iam::{account.id}:role/{IDENTITY_CENTER_ROLE_PATH}AWSReservedSSO_{name}_{ROLE_SUFFIX}"
    target = Target(f"permission set {name}", role)
    for managed in pset.aws_managed_policies:
        _add(target, target.identity, iam, org.aws_managed_policy_arn(managed))
    for policy in pset.customer_managed_policies:
        if policy in model.customer_managed_policies:
            target.identity.append(model.customer_managed_policies[policy].document)
        else:
            _add(target, target.identity, iam, f"arn:{org.partition}:iam::{account.id}:policy/{policy}")
    if pset.inline_policy:
        target.identity.append(pset.inline_policy)
    boundary = pset.permissions_boundary
    if boundary is not None:
        holder: list[dict[str, Any]] = []
        if boundary.aws_managed_policy:
            _add(target, holder, iam, org.aws_managed_policy_arn(boundary.aws_managed_policy))
        elif boundary.customer_managed_policy in model.customer_managed_policies:
            holder.append(model.customer_managed_policies[boundary.customer_managed_policy].document)
        elif boundary.customer_managed_policy:
            arn = f"arn:{org.partition}:iam::{account.id}:policy/{boundary.customer_managed_policy}"
            _add(target, holder, iam, arn)
        target.boundary = holder[0] if holder else {"Statement": []}
    return target


def role_target(iam: Any, role_name: str, account: Account) -> Target:
    try:
        role = iam.get_role(RoleName=role_name)["Role"]
    except ClientError as err:
        if error_code(err) == "NoSuchEntity":
            raise InputError(f"no role {role_name} in account {account.name} ({account.id}) (--role)") from None
        raise AwsProblem(explain(err, f"cannot read the role {role_name}")) from None
    tags = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
    target = Target(f"role {role_name}", role["Arn"], network_restricted=tags.get(NETWORK_RESTRICTED_TAG) == "true")
    try:
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
            for policy in page["PolicyNames"]:
                document = iam.get_role_policy(RoleName=role_name, PolicyName=policy)["PolicyDocument"]
                target.identity.append(_document(document))
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name):
            for attached in page["AttachedPolicies"]:
                _add(target, target.identity, iam, attached["PolicyArn"])
    except (ClientError, BotoCoreError) as err:
        raise AwsProblem(explain(err, f"cannot read the policies of role {role_name}")) from None
    boundary_arn = role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
    if boundary_arn:
        holder: list[dict[str, Any]] = []
        _add(target, holder, iam, boundary_arn)
        target.boundary = holder[0] if holder else {"Statement": []}
    return target


def _add(target: Target, documents: list[dict[str, Any]], iam: Any, arn: str) -> None:
    """The managed policy's default version, read from IAM; if it cannot be read, its name goes to `unreadable`."""
    try:
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    except (ClientError, BotoCoreError) as err:
        target.unreadable.append(f"{arn} ({explain(err, 'unreadable').removeprefix('unreadable: ')})")
        return
    documents.append(_document(document))


def _document(document: Any) -> dict[str, Any]:
    """IAM returns policy documents URL-encoded JSON text (boto3 decodes most, not all)."""
    if isinstance(document, str):
        parsed: dict[str, Any] = json.loads(unquote(document))
        return parsed
    return dict(document)


def applicable_scps(config: OrgConfig, org: Organization, account: Account) -> list[tuple[str, dict[str, Any]]]:
    """(name, document) of each configured SCP attached to the root, an OU above the account, or the account."""
    out = []
    for scp in partition_budget(config, org.partition, org).scps:
        applies = any(
            t.kind == "root" or (t.kind == "ou" and ou_covers(t.name, account.ou)) or t.id == account.id
            for t in scp.targets
        )
        if applies:
            out.append((scp.name, scp.document))
    return out


# --- the verdict -----------------------------------------------------------------------------------------------


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    return list(statements) if isinstance(statements, list) else [statements]


# Services with actions authorized on another service's resources (sts:AssumeRole on IAM roles, ssm:StartSession on
# EC2 instances, ...): a statement on resources of any service may apply to their actions.
CROSS_SERVICE_PREFIXES = frozenset({"sts", "ssm", "ssm-guiconnect", "ec2-instance-connect", "ssmmessages"})


def _cannot_apply(statement: dict[str, Any], action: str) -> bool:
    """True if the statement names only resources of other services than the action's, so no resource the action
    acts on can match it. ARNs name their service in the third field
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html)."""
    resources = statement.get("Resource")
    if resources is None or action.split(":")[0].lower() in CROSS_SERVICE_PREFIXES:
        return False
    prefix = action.split(":")[0].lower()
    for resource in [resources] if isinstance(resources, str) else resources:
        parts = resource.split(":")
        if len(parts) < 3 or parts[2].lower() == prefix or "*" in parts[2] or "?" in parts[2] or "$" in parts[2]:
            return False
    return True


def _unresolved(statement: dict[str, Any], context: dict[str, Any]) -> tuple[bool, dict[str, dict[str, Any]]]:
    """(names a specific resource, the condition entries whose keys are known: in the context, or known absent)."""
    resources = statement.get("Resource", "*")
    specific = "NotResource" in statement or resources not in ("*", ["*"])
    known = {k.lower() for k in context} | {KNOWN_PRINCIPAL_TAG.lower()}
    kept: dict[str, dict[str, Any]] = {}
    for operator, keys in statement.get("Condition", {}).items():
        for key, values in keys.items():
            if key.lower() in known:
                kept.setdefault(operator, {})[key] = values
    return specific, kept


def _bound(documents: list[dict[str, Any]], request: Request, best: bool) -> list[dict[str, Any]]:
    """The documents as they apply at best (`best`) or at worst for a request on an unknown resource, with the
    conditions whose keys the context lacks taken either way."""
    context = request.context
    out = []
    for document in documents:
        statements = []
        for statement in _statements(document):
            if _cannot_apply(statement, request.action):
                continue
            specific, kept = _unresolved(statement, context)
            complete = not specific and len(
                [k for keys in statement.get("Condition", {}).values() for k in keys]
            ) == sum(len(k) for k in kept.values())
            allow = statement["Effect"] == "Allow"
            if complete:
                statements.append(statement)
            elif allow == best:  # an Allow at best, a Deny at worst: applies wherever the unknown parts allow
                rest = {k: v for k, v in statement.items() if k not in ("Resource", "NotResource", "Condition")}
                statements.append({**rest, "Resource": "*", **({"Condition": kept} if kept else {})})
            # otherwise (an Allow at worst, a Deny at best) it is left out
        out.append({"Statement": statements})
    return out


def _layer(documents: list[dict[str, Any]], request: Request) -> tuple[bool, bool]:
    """(allowed at worst, allowed at best) by one layer of policies."""
    worst = evaluate(_bound(documents, request, best=False), request) == "Allow"
    best = evaluate(_bound(documents, request, best=True), request) == "Allow"
    return worst, best


def judge(
    use: Use, target: Target, scps: list[tuple[str, dict[str, Any]]], account: Account, org: Organization
) -> Verdict:
    def verdict(result: str, why: str) -> Verdict:
        return Verdict(use.action, use.last_used, use.region, use.source, result, why)

    if use.action.endswith(":*"):
        return verdict(UNKNOWN, "IAM tracks this service but not its actions: check the trail for the actions used")
    context: dict[str, Any] = {
        "aws:PrincipalArn": target.principal_arn,
        "aws:PrincipalAccount": account.id,
        "aws:PrincipalOrgID": org.organization_id,
    }
    if use.region:
        context["aws:RequestedRegion"] = use.region
    if target.network_restricted:
        context[KNOWN_PRINCIPAL_TAG] = "true"
    request = Request(use.action, resource="*", context=context)
    layers = [("the target's policies", target.identity)]
    if target.boundary is not None:
        layers.append(("the permissions boundary", [target.boundary]))
    layers.append(("the SCPs", [FULL_AWS_ACCESS, *(doc for _, doc in scps)]))
    reasons_unknown = []
    try:
        for label, documents in layers:
            worst, best = _layer(documents, request)
            if not best and not (label == "the target's policies" and target.unreadable):
                denied = _denied_by(documents, request, scps) if label == "the SCPs" else ""
                return verdict(MISSING, f"not allowed by {label}{denied}")
            if not worst:
                reasons_unknown.append(f"{label} allow it only for some resources or conditions")
    except ValueError as err:  # a condition operator the evaluator does not implement
        return verdict(UNKNOWN, f"the evaluator cannot decide: {err}")
    if target.unreadable:
        reasons_unknown.append(f"unreadable policies: {', '.join(target.unreadable)}")
    if reasons_unknown:
        return verdict(UNKNOWN, "; ".join(reasons_unknown))
    return verdict(COVERED, "allowed by every layer")


def _denied_by(documents: list[dict[str, Any]], request: Request, scps: list[tuple[str, dict[str, Any]]]) -> str:
    names = [name for name, doc in scps if evaluate(_bound([doc], request, best=True), request) == "Deny"]
    return f" (denied by {', '.join(names)})" if names else ""


# --- the report ------------------------------------------------------------------------------------------------


def report(user: str, account: Account, target: Target, verdicts: list[Verdict], days: int, trail: str) -> str:
    lines = [f"Parity of IAM user {user} ({account.name}) with {target.name}, last {days} days", f"trail: {trail}"]
    if target.unreadable:
        lines.append(f"unreadable policies (their actions count as unknown): {', '.join(target.unreadable)}")
    if not verdicts:
        lines.append("The user used nothing in that time: covered.")
        return "\n".join(lines)
    width = max(len(v.action) for v in verdicts)
    lines.append("")
    lines += [f"{v.result:<8} {v.action:<{width}}  {v.last_used} {v.region or '-':<14} {v.why}" for v in verdicts]
    counts = {r: sum(v.result == r for v in verdicts) for r in (COVERED, MISSING, UNKNOWN)}
    if counts[MISSING] == counts[UNKNOWN] == 0:
        lines.append(f"\ncovered: {target.name} allows all {len(verdicts)} actions the user used.")
    else:
        lines.append(f"\nnot covered: {counts[MISSING]} missing, {counts[UNKNOWN]} unknown, {counts[COVERED]} covered.")
    return "\n".join(lines)

"""IAM Identity Center permission sets: the default catalog, the config's sets, and their limits.

The catalog reflects how teams work: short admin sessions, read-only by default, support that can look but
not break, on-call rights only inside a time window, and shell access only through the approved Session
Manager documents. A set in the config with a catalog name replaces the catalog's.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from config.elevation import API_STAGE, APPROVER_SET, REQUESTER_SET, engine_account, engine_names, rules_in
from config.models import CustomerManagedPolicy, OrgConfig, PermissionSet
from config.naming import Organization
from config.policies.statements import allow, deny, document

PARTITION_PLACEHOLDER = "${partition}"
CONSOLE_PLACEHOLDER = "${console}"  # in relay_state: the partition's console host
CONSOLE_HOST = {"aws": "console.aws.amazon.com", "aws-us-gov": "console.amazonaws-us-gov.com"}

# Destructive EC2 actions Support is explicitly denied, whatever else it may get later.
SUPPORT_DENIED_ACTIONS = [
    "ec2:DeleteKeyPair", "ec2:DeleteLaunchTemplate", "ec2:DeleteNetworkInterface", "ec2:DeleteSecurityGroup",
    "ec2:DeleteSnapshot", "ec2:DeleteVolume", "ec2:DeregisterImage", "ec2:DetachVolume",
    "ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:TerminateInstances",
]  # fmt: skip
SUPPORT_DENY = document(deny(sid="DenyDestructiveEc2Actions", action=SUPPORT_DENIED_ACTIONS, resource="*"))
# What on-call engineers may do inside their window, on top of read-only access, and on which resource types.
# Shell access is not here: below Administrator and PowerUser (whose ssm:* starts sessions with any document), it
# comes only with the SessionManager set and its approved-document check (`session_access`).
ON_CALL_ACTIONS: dict[str, tuple[str, ...]] = {
    "autoScalingGroup:*:autoScalingGroupName/*": (
        "autoscaling:SetDesiredCapacity",
        "autoscaling:UpdateAutoScalingGroup",
    ),
    "instance/*": ("ec2:RebootInstances", "ec2:StartInstances", "ec2:StopInstances"),
    "service/*": ("ecs:UpdateService",),
    "function:*": ("lambda:PutFunctionConcurrency",),
    "db:*": ("rds:RebootDBInstance",),
}
_ON_CALL_SERVICES = {"autoScalingGroup": "autoscaling", "instance": "ec2", "service": "ecs", "function": "lambda",
                     "db": "rds"}  # fmt: skip


def on_call_resources(partition: str) -> dict[str, list[str]]:
    """Resource ARN pattern -> the on-call actions on it."""
    out = {}
    for resource, actions in ON_CALL_ACTIONS.items():
        kind = resource.split("/")[0].split(":")[0]
        out[f"arn:{partition}:{_ON_CALL_SERVICES[kind]}:*:*:{resource}"] = list(actions)
    return out


def baseline_policies(org: Organization) -> set[str]:
    """Customer-managed policies the account baseline creates in every account (home region), so permission sets
    may reference them without the config defining them: the Session Manager access policy."""
    return {org.session_access_role}


def catalog(config: OrgConfig, org: Organization) -> list[PermissionSet]:
    window = config.identity_center.on_call_window
    on_call_inline = None
    if window is not None:
        inside = {"DateGreaterThan": {"aws:CurrentTime": _utc(window.start)},
                  "DateLessThan": {"aws:CurrentTime": _utc(window.end)}}  # fmt: skip
        on_call_inline = document(
            *(
                allow(
                    sid=f"OnCall{service_name(actions)}InsideWindow",
                    action=actions,
                    resource=resource,
                    condition=inside,
                )
                for resource, actions in on_call_resources(org.partition).items()
            )
        )
    return [
        PermissionSet(name="Administrator", description="Full administrative access, in short sessions.",
                      session_duration="PT1H", aws_managed_policies=["AdministratorAccess"]),
        PermissionSet(name="PowerUser", description="Everything except IAM and Organizations management.",
                      session_duration="PT4H", aws_managed_policies=["PowerUserAccess"]),
        PermissionSet(name="ReadOnly", description="Read-only access to resources and their configuration.",
                      session_duration="PT8H", aws_managed_policies=["ReadOnlyAccess"]),
        PermissionSet(name="Support",
                      description="Read-only EC2 and AWS Support cases; destructive EC2 actions explicitly denied.",
                      session_duration="PT8H", aws_managed_policies=["AmazonEC2ReadOnlyAccess", "AWSSupportAccess"],
                      inline_policy=SUPPORT_DENY),
        PermissionSet(name="OnCall",
                      description="Read-only, plus restarts and scaling inside the configured on-call window"
                      + ("" if window else " (no window configured: read-only)") + ".",
                      session_duration="PT2H", aws_managed_policies=["ReadOnlyAccess"], inline_policy=on_call_inline),
        # The baseline's session access policy: StartSession only with the approved documents
        # (ssm:SessionDocumentAccessCheck), on the account's instances; end or resume only one's own sessions.
        PermissionSet(name="SessionManager",
                      description="Shell and port forwarding through Session Manager with the approved documents only.",
                      session_duration="PT4H", customer_managed_policies=[org.session_access_role]),
        *elevation_sets(config, org),
    ]  # fmt: skip


def elevation_sets(config: OrgConfig, org: Organization) -> list[PermissionSet]:
    """Requester and Approver, in a partition with elevation rules: call the engine's API (API Gateway with AWS_IAM
    authorization checks `execute-api:Invoke`) and read its URL parameter, in the engine's account only. Which
    requests a caller may approve, the engine decides from the caller's groups, not from these sets."""
    admin_id = {a.name: a.id for a in config.accounts}.get(engine_account(config, org.partition))
    if not rules_in(config, org.partition) or admin_id is None:  # a missing account is reported by validation
        return []
    names = engine_names(config)
    # execute-api ARNs: arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/<method>/<path>
    # (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html)
    api = f"arn:{org.partition}:execute-api:{org.home_region}:{admin_id}:*/{API_STAGE}"
    url = f"arn:{org.partition}:ssm:{org.home_region}:{admin_id}:parameter{names.api_url_parameter}"
    read_url = allow(sid="ReadElevationApiUrl", action="ssm:GetParameter", resource=url)
    request_routes = [f"{api}/POST/requests", f"{api}/GET/requests", f"{api}/POST/requests/*/revoke"]
    decide_routes = [f"{api}/POST/requests/*/approve", f"{api}/POST/requests/*/deny"]
    return [
        PermissionSet(name=REQUESTER_SET, description="Request time-bound elevation through the elevation API.",
                      session_duration="PT1H",
                      inline_policy=document(allow(sid="CallElevationApi", action="execute-api:Invoke",
                                                   resource=request_routes), read_url)),
        PermissionSet(name=APPROVER_SET,
                      description="Request, approve and deny time-bound elevation through the elevation API.",
                      session_duration="PT1H",
                      inline_policy=document(allow(sid="CallElevationApi", action="execute-api:Invoke",
                                                   resource=request_routes + decide_routes), read_url)),
    ]  # fmt: skip


def service_name(actions: list[str]) -> str:
    """`["ec2:StartInstances", ...]` -> `Ec2`: the service of a statement's actions, for its Sid."""
    return actions[0].split(":")[0].capitalize()


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def with_partition(document: Any, partition: str) -> Any:
    """Fill `${partition}` into a policy document from the config."""
    return json.loads(json.dumps(document).replace(PARTITION_PLACEHOLDER, partition))


@dataclass(frozen=True)
class AccessModel:
    """Permission sets and customer-managed policies of one partition, documents resolved."""

    permission_sets: dict[str, PermissionSet]
    customer_managed_policies: dict[str, CustomerManagedPolicy]

    def policies_of(self, permission_set: str) -> list[str]:
        """Customer-managed policies (boundary included) from the config that must be created in an account before
        the set is assigned there; those the baseline creates everywhere are left out."""
        pset = self.permission_sets[permission_set]
        wanted = list(pset.customer_managed_policies)
        if pset.permissions_boundary and pset.permissions_boundary.customer_managed_policy:
            wanted.append(pset.permissions_boundary.customer_managed_policy)
        return [name for name in dict.fromkeys(wanted) if name in self.customer_managed_policies]


def access_model(config: OrgConfig, org: Organization) -> AccessModel:
    ic = config.identity_center
    sets: dict[str, PermissionSet] = {}
    policies: dict[str, CustomerManagedPolicy] = {}
    if ic.catalog:
        sets.update((s.name, s) for s in catalog(config, org))
    for pset in ic.permission_sets:
        inline = with_partition(pset.inline_policy, org.partition) if pset.inline_policy else None
        relay = pset.relay_state and pset.relay_state.replace(CONSOLE_PLACEHOLDER, CONSOLE_HOST[org.partition])
        sets[pset.name] = pset.model_copy(update={"inline_policy": inline, "relay_state": relay})
    for policy in ic.customer_managed_policies:
        policies[policy.name] = policy.model_copy(update={"document": with_partition(policy.document, org.partition)})
    return AccessModel(sets, policies)


def inline_policy_size(document: dict[str, Any]) -> tuple[int, int]:
    """(bytes of the JSON as stored, characters not counting whitespace)."""
    text = json.dumps(document, separators=(",", ":"))
    return len(text.encode()), len(re.sub(r"\s", "", text))


def duration_hours(duration: str) -> float:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?", duration)
    if not match:
        return 0.0
    return int(match.group(1) or 0) + int(match.group(2) or 0) / 60


# AWS managed policies that allow no ssm:StartSession: read-only and support policies whose SSM actions are only
# Describe*, Get* and List* (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/ReadOnlyAccess.html and
# the pages of the others there). Any other AWS managed policy is taken to allow it: AdministratorAccess and
# PowerUserAccess do (`*` and `NotAction` IAM/Organizations).
NO_START_SESSION_MANAGED_POLICIES = frozenset(
    {"ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit", "AmazonEC2ReadOnlyAccess", "AWSSupportAccess"}
)


@dataclass(frozen=True)
class SessionAccess:
    """Whether a permission set can start Session Manager sessions, and whether only with the approved documents.

    `ssm:SessionDocumentAccessCheck` binds a principal only through the statement that carries it
    (https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-default-session-document.html):
    IAM allows a request that any identity policy statement allows and nothing denies, so a principal that has
    ssm:StartSession from another policy without the check can start sessions with any document
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
    """

    can_start: bool
    approved_documents_only: bool
    broader: tuple[str, ...]  # what allows StartSession without the check: policy names or "inline policy"


def _starts_sessions_unchecked(document: dict[str, Any]) -> bool:
    """True if an Allow statement of `document` covers ssm:StartSession without the document access check."""
    for statement in document.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            not_actions = (
                statement["NotAction"] if isinstance(statement["NotAction"], list) else [statement["NotAction"]]
            )
            covers = not any(fnmatch.fnmatch("ssm:startsession", a.lower()) for a in not_actions)
        else:
            actions = statement.get("Action", [])
            actions = actions if isinstance(actions, list) else [actions]
            covers = any(fnmatch.fnmatch("ssm:startsession", a.lower()) for a in actions)
        if not covers:
            continue
        conditions = statement.get("Condition", {})
        checked = any(
            str(conditions.get(op, {}).get("ssm:SessionDocumentAccessCheck", "")).lower() == "true"
            for op in ("Bool", "BoolIfExists")
        )
        if not checked:
            return True
    return False


def session_access(pset: PermissionSet, model: AccessModel, org: Organization) -> SessionAccess:
    """How `pset` can start sessions: through the baseline's session access policy only (bound by the approved
    documents), through something broader (bound by nothing), or not at all."""
    broader = [p for p in pset.aws_managed_policies if p not in NO_START_SESSION_MANAGED_POLICIES]
    for name in pset.customer_managed_policies:
        policy = model.customer_managed_policies.get(name)
        if policy is not None and _starts_sessions_unchecked(policy.document):
            broader.append(name)
    if pset.inline_policy is not None and _starts_sessions_unchecked(pset.inline_policy):
        broader.append("inline policy")
    checked = org.session_access_role in pset.customer_managed_policies
    return SessionAccess(
        can_start=bool(broader) or checked, approved_documents_only=checked and not broader, broader=tuple(broader)
    )

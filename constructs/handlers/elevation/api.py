"""The elevation API (API Gateway REST, AWS_IAM authorization, Lambda proxy integration), and the state machine's
approval wait.

Routes (the contract with the `elevate` CLI, docs/elevation.md):
  POST /requests                  ask for a permission set in an account, for some minutes
  GET  /requests?scope=mine|pending|active
  POST /requests/{id}/approve     an approver of the rule, not the requester
  POST /requests/{id}/deny
  POST /requests/{id}/revoke      the requester or an approver of the rule, while active

Who calls is never an argument: API Gateway verified the SigV4 signature and puts the caller's ARN in
`requestContext.identity.userArn`
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#context-variable-reference).
Only Identity Center sessions of this account count (`assumed-role/AWSReservedSSO_<set>_<hex>/<session>`); the
session name is the user's identity-store user name
(https://docs.aws.amazon.com/singlesignon/latest/userguide/using-service-linked-roles.html names the roles), resolved
with identitystore GetUserId, and group membership with IsMemberInGroups.

The state machine calls `handler` with `{"step": "await_decision", "request_id", "task_token"}` (a Lambda task with
`.waitForTaskToken`): the token is stored with the request, approvers are emailed, and a decision already taken
is passed on at once. Approve sends the token's success, deny its failure (`Denied`).

The requester is told of the decision by email through the decisions topic (docs/elevation.md, "Decision
emails"): on a request, the caller's primary Identity Center email (identitystore DescribeUser, `Emails` with
`Primary`: https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_DescribeUser.html) is
subscribed once, with a filter policy on the message attribute `requester` = their identity-store user ID, so that
SNS delivers each person their own decisions only
(https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html). SNS sends an email endpoint a
confirmation message first, and delivers nothing until it is confirmed; Subscribe answers "pending confirmation"
instead of the subscription's ARN, and confirmation tokens are valid for three days
(https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html). A failure to subscribe never fails the request.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

SSO_SESSION = re.compile(r"arn:[a-z-]+:sts::(\d{12}):assumed-role/(AWSReservedSSO_[^/]+)/([^/]+)")
TICKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:#/-]{0,63}$")
RECORD_DAYS = 400  # DynamoDB TTL: a request is kept a little over a year, then removed
FINAL = ("denied", "expired", "revoked", "ended", "failed")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def now() -> datetime:
    """The clock (tests move it)."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def rules() -> list[dict[str, Any]]:
    path = os.environ.get("RULES_FILE") or str(Path(__file__).with_name("rules.json"))
    loaded: list[dict[str, Any]] = json.loads(Path(path).read_text())
    return loaded


def _table() -> Any:
    return boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


# --- who is calling -------------------------------------------------------------------------------------------


def caller(event: dict[str, Any]) -> tuple[str, str]:
    """(user name, identity-store user ID) of the verified caller, or an ApiError."""
    arn = ((event.get("requestContext") or {}).get("identity") or {}).get("userArn") or ""
    match = SSO_SESSION.fullmatch(arn)
    if match is None or match.group(1) != os.environ["ENGINE_ACCOUNT_ID"]:
        raise ApiError(403, "not_an_sso_session", "Call with an IAM Identity Center session of the engine account.")
    name = match.group(3)
    try:
        found = boto3.client("identitystore").get_user_id(
            IdentityStoreId=os.environ["IDENTITY_STORE_ID"],
            AlternateIdentifier={"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": name}},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            raise ApiError(403, "unknown_user", f"No Identity Center user named {name}.") from None
        raise
    return name, str(found["UserId"])


def member_of(user_id: str, groups: list[str]) -> set[str]:
    """Which of `groups` the user is a direct member of (IsMemberInGroups takes up to 100 group IDs)."""
    client = boto3.client("identitystore")
    out: set[str] = set()
    for start in range(0, len(groups), 100):
        answer = client.is_member_in_groups(
            IdentityStoreId=os.environ["IDENTITY_STORE_ID"],
            MemberId={"UserId": user_id},
            GroupIds=groups[start : start + 100],
        )
        out |= {r["GroupId"] for r in answer["Results"] if r["MembershipExists"]}
    return out


# --- records -------------------------------------------------------------------------------------------------


def public(item: dict[str, Any]) -> dict[str, Any]:
    """The request as the contract shows it (R)."""
    keys = (
        "id",
        "requester",
        "account_id",
        "permission_set",
        "duration_minutes",
        "reason",
        "ticket",
        "rule",
        "status",
        "approver",
        "decision_comment",
        "created_at",
        "decision_at",
        "starts_at",
        "ends_at",
        "pending_until",
    )
    out = {key: item.get(key) for key in keys}
    out["duration_minutes"] = int(item["duration_minutes"])
    return out


def load(request_id: str) -> dict[str, Any]:
    item = _table().get_item(Key={"id": request_id}, ConsistentRead=True).get("Item")
    if item is None:
        raise ApiError(404, "unknown_request", f"No request {request_id}.")
    return dict(item)


def transition(item: dict[str, Any], expected: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Write `changes` only if the request is still `expected`: two approvers at once, or an approval racing the
    timeout, cannot both win."""
    names = {f"#k{i}": key for i, key in enumerate(changes)}
    values = {f":v{i}": value for i, value in enumerate(changes.values())}
    try:
        _table().update_item(
            Key={"id": item["id"]},
            UpdateExpression="SET " + ", ".join(f"#k{i} = :v{i}" for i in range(len(changes))),
            ConditionExpression="#status = :expected",
            ExpressionAttributeNames={**names, "#status": "status"},
            ExpressionAttributeValues={**values, ":expected": expected},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise ApiError(409, "not_pending", f"Request {item['id']} is no longer {expected}.") from None
        raise
    return {**item, **changes}


def publish(kind: str, item: dict[str, Any]) -> None:
    """Every transition is an event on the alert hub (its rule sends it to the alert topic)."""
    boto3.client("events").put_events(
        Entries=[
            {
                "Source": os.environ["EVENT_SOURCE"],
                "DetailType": f"Elevation {kind}",
                "Detail": json.dumps(public(item)),
                "EventBusName": os.environ["EVENT_BUS_ARN"],
            }
        ]
    )


def primary_email(user_id: str) -> str | None:
    """The user's primary email in the identity store (the first one when none is marked primary)."""
    user = boto3.client("identitystore").describe_user(IdentityStoreId=os.environ["IDENTITY_STORE_ID"], UserId=user_id)
    emails = [e for e in user.get("Emails") or [] if e.get("Value")]
    chosen = next((e for e in emails if e.get("Primary")), emails[0] if emails else None)
    return None if chosen is None else str(chosen["Value"])


def subscribe_requester(user_id: str) -> dict[str, Any]:
    """Make sure the requester's email gets their decisions: `{"email", "state"}`, state one of `subscribed`
    (confirmed before), `confirmation_sent` (SNS emailed a confirmation link now), `pending_confirmation` (sent
    earlier, not confirmed yet), `no_email` (the identity store has none) or `unavailable` (SNS refused; logged)."""
    try:
        email = primary_email(user_id)
        if email is None:
            return {"email": None, "state": "no_email"}
        sns = boto3.client("sns")
        kwargs = {"TopicArn": os.environ["DECISION_TOPIC_ARN"]}
        while True:
            page = sns.list_subscriptions_by_topic(**kwargs)
            for subscription in page["Subscriptions"]:
                if subscription["Protocol"] == "email" and subscription["Endpoint"].lower() == email.lower():
                    pending = subscription["SubscriptionArn"] == "PendingConfirmation"
                    return {"email": email, "state": "pending_confirmation" if pending else "subscribed"}
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        sns.subscribe(
            TopicArn=os.environ["DECISION_TOPIC_ARN"],
            Protocol="email",
            Endpoint=email,
            Attributes={"FilterPolicy": json.dumps({"requester": [user_id]}), "FilterPolicyScope": "MessageAttributes"},
        )
        return {"email": email, "state": "confirmation_sent"}
    except ClientError:
        LOG.exception("could not subscribe the requester's email to the decisions topic")
        return {"email": None, "state": "unavailable"}


def tell_requester(item: dict[str, Any]) -> None:
    """Email the requester an approval or a denial (the decisions topic; their subscription's filter selects it)."""
    decided = f"{item['permission_set']} in account {item['account_id']}"
    comment = f"\nComment: {item['decision_comment']}" if item.get("decision_comment") else ""
    if item["status"] == "approved":
        text = f"{item['approver']} approved it.{comment}\nIt is being granted; the next email says when it is active."
    else:
        text = f"{item['approver']} denied it.{comment}\nNothing was granted."
    try:
        boto3.client("sns").publish(
            TopicArn=os.environ["DECISION_TOPIC_ARN"],
            Subject=f"Elevation {item['status']}: {decided}"[:100],
            Message=f"Your request {item['id']} for {decided} ({int(item['duration_minutes'])} minutes).\n{text}\n",
            MessageAttributes={"requester": {"DataType": "String", "StringValue": item["requester_id"]}},
        )
    except ClientError:  # the decision stands; the alert hub event and `elevate list` still tell
        LOG.exception("could not email the requester of %s", item["id"])


def notify_approvers(item: dict[str, Any]) -> None:
    """Email through the approver topic; each subscription's filter policy selects its rule."""
    text = (
        f"{item['requester']} asks for {item['permission_set']} in account {item['account_id']} for "
        f"{int(item['duration_minutes'])} minutes.\nReason: {item['reason']}\nTicket: {item.get('ticket') or '-'}\n"
        f"Decide before {item['pending_until']}:\n  elevate approve {item['id']}\n  elevate deny {item['id']}\n"
    )
    boto3.client("sns").publish(
        TopicArn=os.environ["APPROVER_TOPIC_ARN"],
        Subject=f"Elevation request: {item['permission_set']} in {item['account_id']}"[:100],
        Message=text,
        MessageAttributes={"rule": {"DataType": "String", "StringValue": item["rule"]}},
    )


# --- routes ----------------------------------------------------------------------------------------------------


def _body(event: dict[str, Any]) -> dict[str, Any]:
    try:
        body = json.loads(event.get("body") or "{}")
    except json.JSONDecodeError:
        raise ApiError(400, "bad_request", "The body is not JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    return body


def create(event: dict[str, Any], user: str, user_id: str) -> dict[str, Any]:
    body = _body(event)
    account, pset = body.get("account_id"), body.get("permission_set")
    minutes, reason, ticket = body.get("duration_minutes"), body.get("reason"), body.get("ticket")
    if not (isinstance(account, str) and re.fullmatch(r"\d{12}", account)):
        raise ApiError(400, "bad_request", "account_id must be a 12-digit account ID.")
    if not isinstance(pset, str) or not pset:
        raise ApiError(400, "bad_request", "permission_set must be a permission set name.")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
        raise ApiError(400, "bad_request", "duration_minutes must be a whole number of minutes, at least 1.")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        raise ApiError(400, "bad_request", "reason must be 1-500 characters.")
    if ticket is not None and (not isinstance(ticket, str) or not TICKET.fullmatch(ticket)):
        raise ApiError(400, "bad_request", "ticket must be a ticket reference such as INC-1234.")
    candidates = [r for r in rules() if r["permission_set"] == pset and account in r["accounts"]]
    groups = member_of(user_id, sorted({g for r in candidates for g in r["groups"]})) if candidates else set()
    eligible = [r for r in candidates if groups & set(r["groups"])]
    if not eligible:
        raise ApiError(403, "not_eligible", f"{user} may not request {pset} in account {account}.")
    fitting = [r for r in eligible if minutes <= r["max_minutes"]]
    if not fitting:
        longest = max(r["max_minutes"] for r in eligible)
        raise ApiError(400, "duration_over_limit", f"{minutes} minutes is over the limit of {longest} minutes.")
    rule = fitting[0]
    if rule["ticket_required"] and not ticket:
        raise ApiError(400, "ticket_required", f"Rule {rule['name']} needs a ticket reference.")
    created = now()
    item: dict[str, Any] = {
        "id": str(uuid.uuid4()), "requester": user, "requester_id": user_id, "account_id": account,
        "permission_set": pset, "duration_minutes": minutes, "reason": reason.strip(), "ticket": ticket,
        "rule": rule["name"], "status": "pending" if rule["approval_required"] else "approved",
        "approver": None, "decision_comment": None, "created_at": iso(created),
        "decision_at": None if rule["approval_required"] else iso(created), "starts_at": None, "ends_at": None,
        "pending_until": iso(created + timedelta(minutes=rule["pending_minutes"])),
        "expires_at": int((created + timedelta(days=RECORD_DAYS)).timestamp()),
    }  # fmt: skip
    _table().put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
    execution = boto3.client("stepfunctions").start_execution(
        stateMachineArn=os.environ["STATE_MACHINE_ARN"],
        name=item["id"],
        input=json.dumps(
            {
                "request_id": item["id"],
                "approval_required": rule["approval_required"],
                "pending_seconds": rule["pending_minutes"] * 60,
            }
        ),
    )
    _table().update_item(
        Key={"id": item["id"]},
        UpdateExpression="SET execution_arn = :e",
        ExpressionAttributeValues={":e": execution["executionArn"]},
    )
    publish("requested" if rule["approval_required"] else "approved without approval (rule allows it)", item)
    return _response(201, {"request": public(item), "decision_email": subscribe_requester(user_id)})


def _rule_of(item: dict[str, Any]) -> dict[str, Any]:
    found = next((r for r in rules() if r["name"] == item["rule"]), None)
    if found is None:  # the rule was removed from the config since: nobody may decide or extend it
        raise ApiError(409, "not_pending", f"Rule {item['rule']} no longer exists.")
    return found


def _approver(item: dict[str, Any], user_id: str) -> None:
    if user_id == item["requester_id"]:
        raise ApiError(403, "self_approval", "Nobody approves or denies their own request.")
    if not member_of(user_id, _rule_of(item)["approver_groups"]):
        raise ApiError(403, "not_an_approver", f"Only an approver of rule {item['rule']} decides on this request.")


def decide(request_id: str, event: dict[str, Any], user: str, user_id: str, approve: bool) -> dict[str, Any]:
    comment = _body(event).get("comment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > 500):
        raise ApiError(400, "bad_request", "comment must be at most 500 characters.")
    item = load(request_id)
    if item["status"] != "pending":
        raise ApiError(409, "not_pending", f"Request {request_id} is {item['status']}, not pending.")
    _approver(item, user_id)
    if now() > datetime.fromisoformat(item["pending_until"].replace("Z", "+00:00")):
        raise ApiError(409, "expired", f"Request {request_id} expired at {item['pending_until']}.")
    status = "approved" if approve else "denied"
    item = transition(
        item, "pending", {"status": status, "approver": user, "decision_comment": comment, "decision_at": iso(now())}
    )
    _pass_on(item)
    publish(status, item)
    tell_requester(item)
    return _response(200, {"request": public(item)})


def _pass_on(item: dict[str, Any]) -> None:
    """Hand the decision to the waiting state machine, once it waits (it may not have stored its token yet)."""
    token = item.get("task_token")
    if not token:
        return
    sfn = boto3.client("stepfunctions")
    if item["status"] == "approved":
        sfn.send_task_success(taskToken=token, output=json.dumps({"decision": "approved"}))
    else:
        sfn.send_task_failure(taskToken=token, error="Denied", cause=f"Denied by {item['approver']}")


def revoke(request_id: str, user: str, user_id: str) -> dict[str, Any]:
    item = load(request_id)
    if user_id != item["requester_id"]:
        _approver(item, user_id)
    if item["status"] != "active":
        raise ApiError(409, "not_active", f"Request {request_id} is {item['status']}, not active.")
    answer = boto3.client("lambda").invoke(
        FunctionName=os.environ["REVOKE_FUNCTION_ARN"],
        Payload=json.dumps({"request_id": request_id, "action": "revoke", "by": user}).encode(),
    )
    if answer.get("FunctionError"):
        raise RuntimeError(f"revoke failed: {answer['Payload'].read().decode()[:500]}")
    return _response(200, {"request": public(load(request_id))})


def listing(event: dict[str, Any], user: str, user_id: str) -> dict[str, Any]:
    scope = (event.get("queryStringParameters") or {}).get("scope") or "mine"
    table = _table()
    if scope == "mine":
        items = _query(table, "requester", user)
    elif scope in ("pending", "active"):
        approver_groups = sorted({g for r in rules() for g in r["approver_groups"]})
        mine = member_of(user_id, approver_groups) if approver_groups else set()
        if not mine:
            raise ApiError(403, "forbidden", f"Only approvers list {scope} requests.")
        decides = {r["name"] for r in rules() if mine & set(r["approver_groups"])}
        items = [i for i in _query(table, "status", scope) if i["rule"] in decides]
        if scope == "pending":
            items = [i for i in items if i["requester_id"] != user_id]
    else:
        raise ApiError(400, "bad_request", "scope must be mine, pending or active.")
    items.sort(key=lambda i: i["created_at"], reverse=True)
    return _response(200, {"requests": [public(i) for i in items]})


def _query(table: Any, key: str, value: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "IndexName": f"by-{key}",
        "KeyConditionExpression": "#k = :v",
        "ExpressionAttributeNames": {"#k": key},
        "ExpressionAttributeValues": {":v": value},
    }
    while True:
        page = table.query(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


ROUTE = re.compile(r"^/requests(?:/([A-Za-z0-9-]{1,64})/(approve|deny|revoke))?/?$")


def route(event: dict[str, Any]) -> dict[str, Any]:
    method, path = event.get("httpMethod"), event.get("path") or ""
    match = ROUTE.fullmatch(path)
    if match is None:
        raise ApiError(404, "bad_request", f"No route {method} {path}.")
    user, user_id = caller(event)
    request_id, action = match.groups()
    if request_id is None and method == "POST":
        return create(event, user, user_id)
    if request_id is None and method == "GET":
        return listing(event, user, user_id)
    if request_id is not None and method == "POST":
        if action == "revoke":
            return revoke(request_id, user, user_id)
        return decide(request_id, event, user, user_id, approve=action == "approve")
    raise ApiError(405, "bad_request", f"No route {method} {path}.")


def await_decision(event: dict[str, Any]) -> dict[str, Any]:
    """The state machine's wait: store the task token, email the approvers, pass on a decision already taken."""
    request_id = event["request_id"]
    _table().update_item(
        Key={"id": request_id},
        UpdateExpression="SET task_token = :t",
        ExpressionAttributeValues={":t": event["task_token"]},
    )
    item = load(request_id)
    if item["status"] == "pending":
        notify_approvers(item)
    else:
        _pass_on(item)
    return {"request_id": request_id}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("step") == "await_decision":
        return await_decision(event)
    try:
        return route(event)
    except ApiError as error:
        LOG.info("refused: %s %s", error.code, error.message)
        return _response(error.status, {"error": error.code, "message": error.message})
    except Exception:
        LOG.exception("failed")
        return _response(500, {"error": "internal", "message": "The elevation engine failed; see its logs."})

"""The elevation engine's handlers against the local AWS API (moto server), and the gap fills for what moto lacks.

What each piece stands in for:

- `load_handler(name)`: Lambda loading `constructs/handlers/elevation/<name>.py` as a top-level module.
- `EngineWorld.create()`: what the Elevation and IdentityCenter stacks and the Identity Center directory would
  hold, made with moto's own APIs: the identity store's users, groups and memberships; the permission sets and
  their ARN parameters; the requests table (keys and indexes as the stack declares them); the alert bus (an SQS
  queue behind a rule reads what reaches it); the approver topic (an SQS queue subscribed with the rule's filter
  policy); the decisions topic (empty: the API subscribes requesters' emails to it); the state machine, and the
  rules file the stack bundles with the handlers. Each user has a primary email `<user>@example.com`.
- `LocalLambdaInvoke` (gap fill): Lambda's Invoke API for the revoke function, which the API calls on early
  revoke; moto would run the function in Docker. It calls `revoke.handler` in this process.
- `run_state_machine_locally` (gap fill): Step Functions running the engine's state machine. moto records
  StartExecution but runs no Lambda tasks, ignores task tokens (SendTaskSuccess/Failure do nothing) and has no
  clock for Wait states. This drives the handlers in the order the state machine does (its definition is tested
  to have exactly this order in tests/test_elevation_stack.py): await the decision (api `await_decision`), then
  on approval grant, wait until `ends_at`, revoke `end`; on a denial stop; on the pending timeout revoke `expire`.
  The decision it reads is the one the API wrote to the table, as the task token would have carried it.
- `BusyIdentityCenter` (gap fill): Identity Center answering ConflictException (or ThrottlingException) while
  another operation on the account and set is under way; moto never does. Sits in front of moto for sso-admin.
- `Clock`: the passing of time (the handlers' `now`), so expiry needs no waiting.
- `EngineWorld.decision_emails` (gap fill): SNS email delivery. moto sends no email and confirms an email
  subscription at once; it records every message published to a topic (`Topic.sent_notifications`, its documented
  way to inspect publishing) and keeps each subscription's filter policy. This reads which messages one email
  subscription would get, with moto's own filter-policy matcher.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from moto.sns.models import sns_backends

from tests.support.local_aws import LOCALHOST, MOTO_ACCOUNT, serving
from tests.support.project import ROOT

HANDLERS = ROOT / "constructs" / "handlers" / "elevation"
PREFIX = "examplecorp"
PARAMETER_PREFIX = f"/{PREFIX}/identity-center/permission-sets/"
EVENT_SOURCE = f"{PREFIX}.baseline.elevation"
TABLE = "examplecorp-baseline-elevation-requests"
IDENTITY_STORE = "d-9067a3c4e1"
DECISION_TOPIC = f"{PREFIX}-baseline-elevation-decisions"
DECISION_TOPIC_ARN = f"arn:aws:sns:us-east-1:{MOTO_ACCOUNT}:{DECISION_TOPIC}"


def email_of(user: str) -> str:
    """The user's primary email in the local identity store."""
    return f"{user}@example.com"


# Accounts of the example org that the rules below name (moto's single account plays the engine account).
WEB_PROD, WEB_DEV, PAYMENTS_PROD = "810987654327", "910987654328", "710987654326"


def load_handler(name: str) -> ModuleType:
    """The handler module loaded from its file under its own name, as Lambda loads `<name>.handler`."""
    spec = importlib.util.spec_from_file_location(f"elevation_{name}", HANDLERS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Clock:
    """The handlers' `now`: starts at a fixed moment and moves only when told."""

    moment: datetime = field(default_factory=lambda: datetime(2026, 11, 30, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def session_arn(user: str, permission_set: str = "Approver", account: str = MOTO_ACCOUNT) -> str:
    """The caller ARN API Gateway passes for an Identity Center session (requestContext.identity.userArn)."""
    return f"arn:aws:sts::{account}:assumed-role/AWSReservedSSO_{permission_set}_0123456789abcdef/{user}"


def api_event(method: str, path: str, caller_arn: str, body: Any = None, query: dict[str, str] | None = None) -> Any:
    """The Lambda proxy event API Gateway sends for one request."""
    return {
        "httpMethod": method,
        "path": path,
        "queryStringParameters": query,
        "body": None if body is None else json.dumps(body),
        "requestContext": {"identity": {"userArn": caller_arn}},
    }


@dataclass
class EngineWorld:
    """The local engine: IDs of what `create` made, and readers for what reached the bus and the topic."""

    users: dict[str, str]  # user name -> user ID
    groups: dict[str, str]  # group name -> group ID
    permission_sets: dict[str, str]  # name -> ARN
    instance_arn: str
    state_machine_arn: str
    event_queue: str
    email_queue: str
    rules_file: Path

    @classmethod
    def create(cls, tmp_path: Path, rules: list[dict[str, Any]], memberships: dict[str, list[str]]) -> EngineWorld:
        """`rules` as config/elevation.py resolves them, with group *names* (replaced by the IDs made here);
        `memberships`: user name -> group names."""
        identity = boto3.client("identitystore")
        group_names = sorted(
            {g for r in rules for g in r["groups"] + r["approver_groups"]}
            | {g for names in memberships.values() for g in names}
        )
        groups = {
            name: identity.create_group(IdentityStoreId=IDENTITY_STORE, DisplayName=name)["GroupId"]
            for name in group_names
        }
        users = {}
        for user, names in memberships.items():
            users[user] = identity.create_user(
                IdentityStoreId=IDENTITY_STORE,
                UserName=user,
                DisplayName=user,
                Name={"GivenName": user, "FamilyName": "Example"},
                Emails=[{"Value": email_of(user), "Type": "work", "Primary": True}],
            )["UserId"]
            for name in names:
                identity.create_group_membership(
                    IdentityStoreId=IDENTITY_STORE, GroupId=groups[name], MemberId={"UserId": users[user]}
                )
        sso = boto3.client("sso-admin")
        instance_arn = sso.list_instances()["Instances"][0]["InstanceArn"]
        ssm = boto3.client("ssm")
        sets = {}
        for name in sorted({r["permission_set"] for r in rules} | {"ReadOnly"}):
            arn = sso.create_permission_set(Name=name, InstanceArn=instance_arn)["PermissionSet"]["PermissionSetArn"]
            ssm.put_parameter(Name=PARAMETER_PREFIX + name, Value=arn, Type="String")
            sets[name] = arn
        resolved = [
            {
                **r,
                "groups": [groups[g] for g in r["groups"]],
                "approver_groups": [groups[g] for g in r["approver_groups"]],
            }
            for r in rules
        ]
        rules_file = tmp_path / "rules.json"
        rules_file.write_text(json.dumps(resolved))
        _requests_table()
        sqs = boto3.client("sqs")
        event_queue = sqs.create_queue(QueueName="alert-hub")["QueueUrl"]
        email_queue = sqs.create_queue(QueueName="approver-email")["QueueUrl"]
        events = boto3.client("events")
        bus_arn = events.create_event_bus(Name=f"{PREFIX}-baseline-alerts")["EventBusArn"]
        events.put_rule(Name="elevation", EventBusName=bus_arn, EventPattern=json.dumps({"source": [EVENT_SOURCE]}))
        queue_arn = sqs.get_queue_attributes(QueueUrl=event_queue, AttributeNames=["QueueArn"])["Attributes"]
        events.put_targets(Rule="elevation", EventBusName=bus_arn, Targets=[{"Id": "q", "Arn": queue_arn["QueueArn"]}])
        sns = boto3.client("sns")
        topic = sns.create_topic(Name=f"{PREFIX}-baseline-elevation-approvers")["TopicArn"]
        email_arn = sqs.get_queue_attributes(QueueUrl=email_queue, AttributeNames=["QueueArn"])["Attributes"]
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=email_arn["QueueArn"],
            Attributes={"FilterPolicy": json.dumps({"rule": ["admin"]}), "RawMessageDelivery": "true"},
        )
        sns.create_topic(Name=DECISION_TOPIC)
        role = boto3.client("iam").create_role(RoleName="sfn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        machine = boto3.client("stepfunctions").create_state_machine(
            name=f"{PREFIX}-baseline-elevation-flow",
            definition=json.dumps({"StartAt": "x", "States": {}}),
            roleArn=role,
        )["stateMachineArn"]
        boto3.client("scheduler").create_schedule_group(Name=f"{PREFIX}-baseline-elevation")
        return cls(users, groups, sets, instance_arn, machine, event_queue, email_queue, rules_file)

    def environment(self) -> dict[str, str]:
        """The functions' environment, as the stack sets it (values of this local world)."""
        return {
            "TABLE_NAME": TABLE,
            "RULES_FILE": str(self.rules_file),
            "ENGINE_ACCOUNT_ID": MOTO_ACCOUNT,
            "IDENTITY_STORE_ID": IDENTITY_STORE,
            "INSTANCE_ARN": self.instance_arn,
            "PERMISSION_SET_PARAMETER_PREFIX": PARAMETER_PREFIX,
            "STATE_MACHINE_ARN": self.state_machine_arn,
            "EVENT_SOURCE": EVENT_SOURCE,
            "EVENT_BUS_ARN": f"arn:aws:events:us-east-1:{MOTO_ACCOUNT}:event-bus/{PREFIX}-baseline-alerts",
            "APPROVER_TOPIC_ARN": f"arn:aws:sns:us-east-1:{MOTO_ACCOUNT}:{PREFIX}-baseline-elevation-approvers",
            "DECISION_TOPIC_ARN": DECISION_TOPIC_ARN,
            "SCHEDULE_GROUP": f"{PREFIX}-baseline-elevation",
            "SCHEDULER_ROLE_ARN": f"arn:aws:iam::{MOTO_ACCOUNT}:role/{PREFIX}-baseline-elevation-scheduler",
            "REVOKE_FUNCTION_ARN": f"arn:aws:lambda:us-east-1:{MOTO_ACCOUNT}:function:{PREFIX}-baseline-elevation-revoke",
            "REMOVE_UNEXPLAINED": "false",
        }

    def events(self) -> list[dict[str, Any]]:
        """Every event that reached the alert bus so far (detail-type and detail), in order."""
        return [{"type": e["detail-type"], "detail": e["detail"]} for e in _drain(self.event_queue)]

    def emails(self) -> list[str]:
        return [m for m in (json.dumps(x) if not isinstance(x, str) else x for x in _drain_raw(self.email_queue))]

    def decision_emails(self, user: str) -> list[tuple[str, str]]:
        """(subject, message) of every decision the user's email subscription would have been sent (gap fill, see
        the module docstring); [] when the user's email is not subscribed."""
        topic_arn = os.environ["DECISION_TOPIC_ARN"]  # the environment of the functions, in the test's region
        backend = sns_backends[MOTO_ACCOUNT][topic_arn.split(":")[3]]
        topic = backend.topics[topic_arn]
        mine = [
            s
            for s in backend.subscriptions.values()
            if s.topic.arn == topic_arn and s.protocol == "email" and s.endpoint == email_of(user)
        ]
        assert len(mine) <= 1, f"{user} is subscribed {len(mine)} times"
        if not mine:
            return []
        assert mine[0]._filter_policy_matcher is not None, f"{user}'s subscription has no filter policy"
        return [
            (str(subject), str(message))
            for _, message, subject, attributes, _ in topic.sent_notifications
            if mine[0]._filter_policy_matcher.matches(attributes, message)
        ]

    def user_assignments(self, account: str, permission_set: str) -> list[str]:
        """User IDs assigned the set in the account (Identity Center's own list)."""
        listed = boto3.client("sso-admin").list_account_assignments(
            InstanceArn=self.instance_arn, AccountId=account, PermissionSetArn=self.permission_sets[permission_set]
        )["AccountAssignments"]
        return [a["PrincipalId"] for a in listed if a["PrincipalType"] == "USER"]


def _requests_table() -> None:
    """The requests table as stacks/elevation declares it: key `id`, indexes by requester and by status."""
    boto3.client("dynamodb").create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in ("id", "requester", "status", "created_at")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": f"by-{key}",
                "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [
                    {"AttributeName": key, "KeyType": "HASH"},
                    {"AttributeName": "created_at", "KeyType": "RANGE"},
                ],
            }
            for key in ("requester", "status")
        ],
    )


def _drain_raw(queue: str) -> list[str]:
    sqs = boto3.client("sqs")
    out: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return out
        for message in got:
            out.append(message["Body"])
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


def _drain(queue: str) -> list[dict[str, Any]]:
    return [json.loads(body) for body in _drain_raw(queue)]


class LocalLambdaInvoke(ThreadingHTTPServer):
    """Stands in for Lambda's Invoke API (POST /2015-03-31/functions/<name>/invocations): runs `module.handler`
    with the payload in this process and answers its result, with X-Amz-Function-Error when it raises."""

    def __init__(self, module: ModuleType) -> None:
        super().__init__((LOCALHOST, 0), _InvokeHandler)
        self.module = module
        self.invocations: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.server_port}"


class _InvokeHandler(BaseHTTPRequestHandler):
    server: LocalLambdaInvoke

    def do_POST(self) -> None:
        payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.invocations.append(payload)
        headers = {"Content-Type": "application/json"}
        try:
            body = json.dumps(self.server.module.handler(payload, None)).encode()
        except Exception as error:  # reported as Lambda reports an unhandled error
            body = json.dumps({"errorMessage": str(error), "errorType": type(error).__name__}).encode()
            headers["X-Amz-Function-Error"] = "Unhandled"
        self.send_response(200)
        for key, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def serve(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    with serving(server):
        yield server


# The states of the engine's state machine in the order they run; tests/test_elevation_stack.py checks the
# synthesized definition against this.
STATE_ORDER = ("NeedsApproval", "AwaitDecision", "Grant", "WaitUntilEnd", "Revoke")


@dataclass
class Handlers:
    api: ModuleType
    grant: ModuleType
    revoke: ModuleType


def execution_input(request_id: str) -> dict[str, Any]:
    """The input the API started the execution with (moto records StartExecution)."""
    sfn = boto3.client("stepfunctions")
    machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
    for execution in sfn.list_executions(stateMachineArn=machine)["executions"]:
        if execution["name"] == request_id:
            loaded: dict[str, Any] = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
            return loaded
    raise AssertionError(f"no execution started for request {request_id}")


def run_state_machine_locally(handlers: Handlers, clock: Clock, request_id: str, *, until: str = "done") -> str:
    """Gap fill for Step Functions (see the module docstring): drive the handlers from the execution's input as the
    state machine would, as far as the table's decision and the clock allow. Returns where it stopped:
    `waiting` (for a decision), `granted` (waiting until the end), `denied`, `expired`, or `done`."""
    given = execution_input(request_id)
    table = boto3.resource("dynamodb").Table(TABLE)

    def status() -> str:
        return str(table.get_item(Key={"id": request_id}, ConsistentRead=True)["Item"]["status"])

    # NeedsApproval -> AwaitDecision (lambda:invoke.waitForTaskToken, TimeoutSecondsPath $.pending_seconds)
    if given["approval_required"]:
        handlers.api.handler(
            {"step": "await_decision", "request_id": request_id, "task_token": f"token-{request_id}"}, None
        )
        started = clock()
        decided = status()
        if decided == "pending":
            if clock() < started + timedelta(seconds=given["pending_seconds"]) and until == "waiting":
                return "waiting"
            return _expire(handlers, request_id)
        if decided == "denied":  # SendTaskFailure(error="Denied") -> the Denied state
            return "denied"
    return _grant_and_end(handlers, clock, request_id, until)


def resume_after_decision(handlers: Handlers, clock: Clock, request_id: str, *, waited: timedelta) -> str:
    """The execution waiting in AwaitDecision goes on: approved -> Grant, denied -> Denied, and when `waited` is past
    the pending timeout with no decision -> the timeout's catch, revoke `expire`."""
    given = execution_input(request_id)
    table = boto3.resource("dynamodb").Table(TABLE)
    decided = str(table.get_item(Key={"id": request_id}, ConsistentRead=True)["Item"]["status"])
    if decided == "denied":
        return "denied"
    if decided == "pending":
        if waited.total_seconds() >= given["pending_seconds"]:
            return _expire(handlers, request_id)
        return "waiting"
    return _grant_and_end(handlers, clock, request_id, "granted")


def _expire(handlers: Handlers, request_id: str) -> str:
    handlers.revoke.handler({"request_id": request_id, "action": "expire"}, None)  # Catch States.Timeout
    return "expired"


def _grant_and_end(handlers: Handlers, clock: Clock, request_id: str, until: str) -> str:
    result = handlers.grant.handler({"request_id": request_id}, None)  # Grant
    if until == "granted":
        return "granted"
    return finish(handlers, clock, request_id, result["ends_at"])


def finish(handlers: Handlers, clock: Clock, request_id: str, ends_at: str) -> str:
    """WaitUntilEnd (TimestampPath $.grant.ends_at) -> Revoke (revoke `end`), once the clock is past `ends_at`."""
    if clock() < datetime.fromisoformat(ends_at.replace("Z", "+00:00")):
        return "granted"
    handlers.revoke.handler({"request_id": request_id, "action": "end"}, None)
    return "done"


class BusyIdentityCenter(ThreadingHTTPServer):
    """Stands in for Identity Center while another operation on the same account and permission set is under way,
    which moto never is: the first `failures` DeleteAccountAssignment requests are answered with HTTP 400
    ConflictException (the error the API reference lists for it); every other request goes to moto unchanged."""

    def __init__(self, moto_endpoint: str, failures: int, code: str = "ConflictException") -> None:
        super().__init__((LOCALHOST, 0), _BusyHandler)
        self.moto = urllib.parse.urlsplit(moto_endpoint)
        self.failures, self.code = failures, code
        self.refused = 0

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.server_port}"


class _BusyHandler(BaseHTTPRequestHandler):
    server: BusyIdentityCenter

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        target = self.headers.get("X-Amz-Target", "")
        if target.endswith(".DeleteAccountAssignment") and self.server.refused < self.server.failures:
            self.server.refused += 1
            reply = json.dumps({"__type": self.server.code, "Message": "An operation is in progress"}).encode()
            self._reply(400, {"Content-Type": "application/x-amz-json-1.1"}, reply)
            return
        connection = http.client.HTTPConnection(self.server.moto.netloc, timeout=30)
        connection.request("POST", self.path, body=body, headers=dict(self.headers))
        response = connection.getresponse()
        self._reply(response.status, {"Content-Type": response.getheader("Content-Type", "")}, response.read())
        connection.close()

    def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass

"""The elevation engine's handlers end to end against the local AWS API (moto server on 127.0.0.1): request ->
approve -> the assignment exists -> expiry -> it is gone, and every refusal of the contract.

Step Functions and Lambda's Invoke API are gap fills (tests/support/elevation_engine.py says what each stands in
for). What moto only records, and these tests therefore do not prove: that Identity Center's assignment really
grants a session (moto keeps a list), that the Scheduler schedule fires at its time (moto stores it; the test reads
it back), that SendTaskSuccess/SendTaskFailure resume an execution (moto ignores them), and that API Gateway's
AWS_IAM authorizer fills `requestContext.identity.userArn` as the API expects (the event is built here).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.elevation_engine import (
    DECISION_TOPIC_ARN,
    IDENTITY_STORE,
    PAYMENTS_PROD,
    WEB_DEV,
    WEB_PROD,
    BusyIdentityCenter,
    Clock,
    EngineWorld,
    Handlers,
    LocalLambdaInvoke,
    api_event,
    finish,
    load_handler,
    resume_after_decision,
    run_state_machine_locally,
    serve,
    session_arn,
)
from tests.support.local_aws import MOTO_ACCOUNT

RULES = [
    {"name": "admin", "groups": ["platform-admins"], "permission_set": "Administrator",
     "accounts": [WEB_PROD, PAYMENTS_PROD], "max_minutes": 60, "approver_groups": ["platform-leads"],
     "ticket_required": True, "approval_required": True, "pending_minutes": 60},
    {"name": "oncall-poweruser", "groups": ["sre-oncall"], "permission_set": "PowerUser", "accounts": [WEB_PROD],
     "max_minutes": 120, "approver_groups": [], "ticket_required": False, "approval_required": False,
     "pending_minutes": 60},
]  # fmt: skip
MEMBERS = {
    "alice": ["platform-admins"],
    "bob": ["platform-leads"],
    "carol": ["platform-admins", "platform-leads"],
    "dave": ["engineers"],
    "erin": ["sre-oncall"],
}
ADMIN_REQUEST = {"account_id": WEB_PROD, "permission_set": "Administrator", "duration_minutes": 60,
                 "reason": "INC-1234 database failover", "ticket": "INC-1234"}  # fmt: skip


@pytest.fixture
def handlers() -> Handlers:
    return Handlers(load_handler("api"), load_handler("grant"), load_handler("revoke"))


@pytest.fixture
def clock(handlers: Handlers, monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    for module in (handlers.api, handlers.grant, handlers.revoke):
        monkeypatch.setattr(module, "now", clock)
    for module in (handlers.grant, handlers.revoke):
        monkeypatch.setattr(module, "sleep", lambda seconds: None)  # Identity Center's status polls, no waiting
    return clock


@pytest.fixture
def world(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handlers: Handlers) -> Iterator[EngineWorld]:
    made = EngineWorld.create(tmp_path, RULES, MEMBERS)
    for key, value in made.environment().items():
        monkeypatch.setenv(key, value)
    for server in serve(LocalLambdaInvoke(handlers.revoke)):
        assert isinstance(server, LocalLambdaInvoke)
        monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", server.url)
        yield made


def call(handlers: Handlers, method: str, path: str, user: str, body: Any = None, **query: str) -> tuple[int, Any]:
    response = handlers.api.handler(api_event(method, path, session_arn(user), body, query or None), None)
    return response["statusCode"], json.loads(response["body"])


def request(handlers: Handlers, user: str = "alice", **changes: Any) -> dict[str, Any]:
    status, body = call(handlers, "POST", "/requests", user, {**ADMIN_REQUEST, **changes})
    assert status == 201, body
    result: dict[str, Any] = body["request"]
    return result


def refused(handlers: Handlers, method: str, path: str, user: str, body: Any = None) -> tuple[int, str]:
    status, answer = call(handlers, method, path, user, body)
    assert set(answer) == {"error", "message"}, answer
    return status, answer["error"]


# --- the whole way -------------------------------------------------------------------------------------------


def test_request_approve_grant_expire_removes_the_assignment(
    handlers: Handlers, clock: Clock, world: EngineWorld
) -> None:
    alice = world.users["alice"]
    created = request(handlers)
    assert created["status"] == "pending" and created["requester"] == "alice" and created["rule"] == "admin"
    assert created["pending_until"] == "2026-11-30T13:00:00Z"
    assert run_state_machine_locally(handlers, clock, created["id"], until="waiting") == "waiting"
    (email,) = world.emails()  # the admin rule's approvers, through the topic's filter policy
    assert f"elevate approve {created['id']}" in email and "alice asks for Administrator" in email

    status, body = call(handlers, "POST", f"/requests/{created['id']}/approve", "bob", {"comment": "go"})
    assert status == 200 and body["request"]["status"] == "approved" and body["request"]["approver"] == "bob"
    assert world.user_assignments(WEB_PROD, "Administrator") == []  # nothing before the grant step

    assert resume_after_decision(handlers, clock, created["id"], waited=timedelta(minutes=1)) == "granted"
    assert world.user_assignments(WEB_PROD, "Administrator") == [alice]
    assert world.user_assignments(PAYMENTS_PROD, "Administrator") == []
    (active,) = call(handlers, "GET", "/requests", "alice", scope="mine")[1]["requests"]
    assert (active["status"], active["starts_at"], active["ends_at"]) == (
        "active", "2026-11-30T12:00:00Z", "2026-11-30T13:00:00Z")  # fmt: skip
    # The backstop schedule (moto stores it; that it fires at 13:00 is not proven here).
    schedule = boto3.client("scheduler").get_schedule(
        Name=f"revoke-{created['id']}", GroupName="examplecorp-baseline-elevation"
    )
    assert schedule["ScheduleExpression"] == "at(2026-11-30T13:00:00)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert json.loads(schedule["Target"]["Input"]) == {"request_id": created["id"], "action": "end"}

    clock.advance(minutes=59)
    assert finish(handlers, clock, created["id"], active["ends_at"]) == "granted"  # not before its time
    assert world.user_assignments(WEB_PROD, "Administrator") == [alice]
    clock.advance(minutes=1)
    assert finish(handlers, clock, created["id"], active["ends_at"]) == "done"
    assert world.user_assignments(WEB_PROD, "Administrator") == []
    (ended,) = call(handlers, "GET", "/requests", "alice", scope="mine")[1]["requests"]
    assert ended["status"] == "ended"
    kinds = [e["type"] for e in world.events()]
    assert kinds == ["Elevation requested", "Elevation approved", "Elevation granted", "Elevation ended"]


def test_a_rule_without_approval_grants_at_once(handlers: Handlers, clock: Clock, world: EngineWorld) -> None:
    created = request(handlers, "erin", permission_set="PowerUser", duration_minutes=120, ticket=None)
    assert created["status"] == "approved" and created["approver"] is None
    assert run_state_machine_locally(handlers, clock, created["id"]) == "granted"
    assert world.user_assignments(WEB_PROD, "PowerUser") == [world.users["erin"]]
    assert world.emails() == []  # nobody to ask


def test_early_revoke_by_the_requester(handlers: Handlers, clock: Clock, world: EngineWorld) -> None:
    created = request(handlers)
    run_state_machine_locally(handlers, clock, created["id"], until="waiting")
    call(handlers, "POST", f"/requests/{created['id']}/approve", "bob")
    resume_after_decision(handlers, clock, created["id"], waited=timedelta(minutes=1))
    assert world.user_assignments(WEB_PROD, "Administrator") == [world.users["alice"]]
    status, body = call(handlers, "POST", f"/requests/{created['id']}/revoke", "alice")
    assert status == 200 and body["request"]["status"] == "revoked"
    assert world.user_assignments(WEB_PROD, "Administrator") == []
    assert boto3.client("scheduler").list_schedules(GroupName="examplecorp-baseline-elevation")["Schedules"] == []
    # The state machine's own end later finds nothing left to do.
    clock.advance(hours=1)
    assert finish(handlers, clock, created["id"], "2026-11-30T13:00:00Z") == "done"
    assert refused(handlers, "POST", f"/requests/{created['id']}/revoke", "alice") == (409, "not_active")


def test_deny_ends_the_request_without_a_grant(handlers: Handlers, clock: Clock, world: EngineWorld) -> None:
    created = request(handlers)
    run_state_machine_locally(handlers, clock, created["id"], until="waiting")
    status, body = call(handlers, "POST", f"/requests/{created['id']}/deny", "bob", {"comment": "use the runbook"})
    assert status == 200 and body["request"]["status"] == "denied"
    assert body["request"]["decision_comment"] == "use the runbook"
    assert resume_after_decision(handlers, clock, created["id"], waited=timedelta(minutes=1)) == "denied"
    assert world.user_assignments(WEB_PROD, "Administrator") == []


# --- the requester is told of the decision --------------------------------------------------------------------


def _subjects(world: EngineWorld, user: str) -> list[str]:
    return [subject for subject, _ in world.decision_emails(user)]


def test_each_requester_gets_their_own_decisions_by_email(handlers: Handlers, clock: Clock, world: EngineWorld) -> None:
    """alice's request is approved, granted and ends; carol's is denied; erin's (no approval) is granted and
    revoked; dave's... is refused before any. Each email subscription receives that person's decisions only."""
    status, body = call(handlers, "POST", "/requests", "alice", ADMIN_REQUEST)
    assert status == 201 and body["decision_email"] == {"email": "alice@example.com", "state": "confirmation_sent"}
    subscriptions = boto3.client("sns").list_subscriptions_by_topic(TopicArn=DECISION_TOPIC_ARN)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "alice@example.com")]
    attributes = boto3.client("sns").get_subscription_attributes(SubscriptionArn=subscriptions[0]["SubscriptionArn"])
    assert json.loads(attributes["Attributes"]["FilterPolicy"]) == {"requester": [world.users["alice"]]}
    alice_id = body["request"]["id"]
    run_state_machine_locally(handlers, clock, alice_id, until="waiting")
    assert world.decision_emails("alice") == []  # pending: nothing decided yet

    status, body = call(handlers, "POST", "/requests", "carol", ADMIN_REQUEST)
    assert body["decision_email"] == {"email": "carol@example.com", "state": "confirmation_sent"}
    carol_id = body["request"]["id"]
    run_state_machine_locally(handlers, clock, carol_id, until="waiting")

    call(handlers, "POST", f"/requests/{alice_id}/approve", "bob", {"comment": "go"})
    call(handlers, "POST", f"/requests/{carol_id}/deny", "bob", {"comment": "use the runbook"})
    resume_after_decision(handlers, clock, alice_id, waited=timedelta(minutes=1))
    resume_after_decision(handlers, clock, carol_id, waited=timedelta(minutes=1))
    clock.advance(hours=1)
    finish(handlers, clock, alice_id, "2026-11-30T13:00:00Z")

    assert _subjects(world, "alice") == [
        f"Elevation approved: Administrator in account {WEB_PROD}",
        f"Elevation granted: Administrator in account {WEB_PROD}",
        f"Elevation ended: Administrator in account {WEB_PROD}",
    ]
    approved, granted, ended = (message for _, message in world.decision_emails("alice"))
    assert alice_id in approved and "bob approved it" in approved and "Comment: go" in approved
    assert "until 2026-11-30T13:00:00Z" in granted and "aws sso login" in granted
    assert "ended at 2026-11-30T13:00:00Z" in ended
    (denied,) = world.decision_emails("carol")
    assert denied[0] == f"Elevation denied: Administrator in account {WEB_PROD}"
    assert carol_id in denied[1] and "bob denied it" in denied[1] and "use the runbook" in denied[1]
    assert alice_id not in denied[1]
    assert world.decision_emails("bob") == []  # approvers get requests (the approver topic), not decisions

    # A second request finds alice's subscription: no second one (moto confirms email subscriptions at once).
    status, body = call(handlers, "POST", "/requests", "alice", ADMIN_REQUEST)
    assert body["decision_email"] == {"email": "alice@example.com", "state": "subscribed"}
    assert len(boto3.client("sns").list_subscriptions_by_topic(TopicArn=DECISION_TOPIC_ARN)["Subscriptions"]) == 2


def test_expiry_and_early_revoke_are_emailed_to_the_requester(
    handlers: Handlers, clock: Clock, world: EngineWorld
) -> None:
    expiring = request(handlers, "alice")
    run_state_machine_locally(handlers, clock, expiring["id"], until="waiting")
    clock.advance(minutes=61)
    assert resume_after_decision(handlers, clock, expiring["id"], waited=timedelta(minutes=61)) == "expired"
    assert _subjects(world, "alice") == [f"Elevation expired: Administrator in account {WEB_PROD}"]

    oncall = {"account_id": WEB_PROD, "permission_set": "PowerUser", "duration_minutes": 120, "reason": "pager"}
    status, body = call(handlers, "POST", "/requests", "erin", oncall)
    assert status == 201 and body["decision_email"]["state"] == "confirmation_sent"
    run_state_machine_locally(handlers, clock, body["request"]["id"], until="granted")
    call(handlers, "POST", f"/requests/{body['request']['id']}/revoke", "erin")
    assert _subjects(world, "erin") == [
        f"Elevation granted: PowerUser in account {WEB_PROD}",
        f"Elevation revoked: PowerUser in account {WEB_PROD}",
    ]
    (_, revoked) = world.decision_emails("erin")[1]
    assert "revoked early by erin" in revoked
    assert _subjects(world, "alice") == [f"Elevation expired: Administrator in account {WEB_PROD}"]  # not erin's


def test_a_requester_without_an_email_still_gets_the_request(
    handlers: Handlers, clock: Clock, world: EngineWorld
) -> None:
    identity = boto3.client("identitystore")
    name = {"GivenName": "frank", "FamilyName": "Example"}
    frank = identity.create_user(IdentityStoreId=IDENTITY_STORE, UserName="frank", DisplayName="frank", Name=name)
    frank_id = frank["UserId"]
    identity.create_group_membership(
        IdentityStoreId=IDENTITY_STORE, GroupId=world.groups["platform-admins"], MemberId={"UserId": frank_id}
    )
    status, body = call(handlers, "POST", "/requests", "frank", ADMIN_REQUEST)
    assert status == 201 and body["decision_email"] == {"email": None, "state": "no_email"}
    assert boto3.client("sns").list_subscriptions_by_topic(TopicArn=DECISION_TOPIC_ARN)["Subscriptions"] == []


# --- refusals ---------------------------------------------------------------------------------------------------


def test_self_approval_is_refused(handlers: Handlers, clock: Clock, world: EngineWorld) -> None:
    created = request(handlers, "carol")  # carol is a requester and an approver of the rule
    assert refused(handlers, "POST", f"/requests/{created['id']}/approve", "carol") == (403, "self_approval")
    assert refused(handlers, "POST", f"/requests/{created['id']}/deny", "carol") == (403, "self_approval")


@pytest.mark.parametrize("approver", ["dave", "alice"])  # no group of the rule; a requester group, not an approver
def test_an_approver_outside_the_rules_groups_is_refused(
    handlers: Handlers, clock: Clock, world: EngineWorld, approver: str
) -> None:
    created = request(handlers, "carol")
    assert refused(handlers, "POST", f"/requests/{created['id']}/approve", approver) == (403, "not_an_approver")


@pytest.mark.parametrize(
    ("user", "changes"),
    [
        ("alice", {"permission_set": "PowerUser"}),  # a set no rule of hers names
        ("alice", {"account_id": WEB_DEV}),  # an account outside the rule's targets
        ("dave", {}),  # in no requester group
        ("alice", {"permission_set": "ReadOnly"}),  # a set no rule names at all
    ],
)
def test_ineligible_requests_are_refused(
    handlers: Handlers, clock: Clock, world: EngineWorld, user: str, changes: dict[str, Any]
) -> None:
    assert refused(handlers, "POST", "/requests", user, {**ADMIN_REQUEST, **changes}) == (403, "not_eligible")


def test_duration_over_the_rules_limit_is_refused(handlers: Handlers, clock: Clock, world: EngineWorld) -> None:
    body = {**ADMIN_REQUEST, "duration_minutes": 61}
    assert refused(handlers, "POST", "/requests", "alice", body) == (400, "duration_over_limit")


def test_a_missing_ticket_is_refused_where_the_rule_needs_one(
    handlers: Handlers, clock: Clock, world: EngineWorld
) -> None:
    body = {**ADMIN_REQUEST, "ticket": None}
    assert refused(handlers, "POST", "/requests", "alice", body) == (400, "ticket_required")


def test_an_expired_request_cannot_be_approved_and_expires(
    handlers: Handlers, clock: Clock, world: EngineWorld
) -> None:
    created = request(handlers)
    run_state_machine_locally(handlers, clock, created["id"], until="waiting")
    clock.advance(minutes=61)
    assert refused(handlers, "POST", f"/requests/{created['id']}/approve", "bob") == (409, "expired")
    assert resume_after_decision(handlers, clock, created["id"], waited=timedelta(minutes=61)) == "expired"
    (item,) = call(handlers, "GET", "/requests", "alice", scope="mine")[1]["requests"]
    assert item["status"] == "expired"
    assert world.user_assignments(WEB_PROD, "Administrator") == []
    assert refused(handlers, "POST", f"/requests/{created['id']}/approve", "bob") == (409, "not_pending")


def test_double_approval_is_refused(handlers: Handlers, clock: Clock, world: EngineWorld) -> None:
    created = request(handlers)
    assert call(handlers, "POST", f"/requests/{created['id']}/approve", "bob")[0] == 200
    assert refused(handlers, "POST", f"/requests/{created['id']}/approve", "bob") == (409, "not_pending")
    assert refused(handlers, "POST", f"/requests/{created['id']}/approve", "carol") == (409, "not_pending")


def test_unknown_request_id(handlers: Handlers, clock: Clock, world: EngineWorld) -> None:
    for action in ("approve", "deny", "revoke"):
        assert refused(handlers, "POST", f"/requests/no-such-request/{action}", "bob") == (404, "unknown_request")


@pytest.mark.parametrize(
    "caller_arn",
    [
        f"arn:aws:iam::{MOTO_ACCOUNT}:user/alice",  # not a role session
        f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/Admin/alice",  # a role of the account, not Identity Center's
        session_arn("alice", account="111122223333"),  # an Identity Center session of another account
    ],
)
def test_only_identity_center_sessions_of_the_engine_account_may_call(
    handlers: Handlers, clock: Clock, world: EngineWorld, caller_arn: str
) -> None:
    response = handlers.api.handler(api_event("POST", "/requests", caller_arn, ADMIN_REQUEST), None)
    assert response["statusCode"] == 403
    assert json.loads(response["body"])["error"] == "not_an_sso_session"


def test_a_session_of_no_identity_store_user_is_refused(handlers: Handlers, clock: Clock, world: EngineWorld) -> None:
    assert refused(handlers, "POST", "/requests", "mallory", ADMIN_REQUEST) == (403, "unknown_user")


@pytest.mark.parametrize(
    "body",
    [
        {**ADMIN_REQUEST, "account_id": "web-prod"},
        {**ADMIN_REQUEST, "duration_minutes": "60"},
        {**ADMIN_REQUEST, "duration_minutes": 0},
        {**ADMIN_REQUEST, "reason": ""},
        {**ADMIN_REQUEST, "ticket": "INC 1234; rm -rf"},
        ["not", "an", "object"],
    ],
)
def test_malformed_requests_are_bad_requests(handlers: Handlers, clock: Clock, world: EngineWorld, body: Any) -> None:
    assert refused(handlers, "POST", "/requests", "alice", body) == (400, "bad_request")


# --- listings --------------------------------------------------------------------------------------------------


def test_listings_show_each_caller_what_is_theirs_to_see(handlers: Handlers, clock: Clock, world: EngineWorld) -> None:
    mine = request(handlers)
    theirs = request(handlers, "carol")
    assert [r["id"] for r in call(handlers, "GET", "/requests", "alice", scope="mine")[1]["requests"]] == [mine["id"]]
    pending = call(handlers, "GET", "/requests", "bob", scope="pending")[1]["requests"]
    assert sorted(r["id"] for r in pending) == sorted([mine["id"], theirs["id"]])
    # carol approves for the rule, but never her own request
    assert [r["id"] for r in call(handlers, "GET", "/requests", "carol", scope="pending")[1]["requests"]] == [
        mine["id"]
    ]
    assert refused(handlers, "GET", "/requests?scope=pending", "alice") == (404, "bad_request")
    status, body = call(handlers, "GET", "/requests", "alice", scope="active")
    assert (status, body["error"]) == (403, "forbidden")


# --- reconciliation -------------------------------------------------------------------------------------------


def test_reconcile_alerts_on_user_assignments_no_grant_explains_and_removes_them_when_told(
    handlers: Handlers, clock: Clock, world: EngineWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    reconcile = load_handler("reconcile")
    created = request(handlers, "erin", permission_set="PowerUser", duration_minutes=120, ticket=None)
    run_state_machine_locally(handlers, clock, created["id"], until="granted")  # explained: an active grant
    dave = world.users["dave"]
    boto3.client("sso-admin").create_account_assignment(  # made by hand, outside the engine
        InstanceArn=world.instance_arn,
        TargetId=WEB_PROD,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=world.permission_sets["Administrator"],
        PrincipalType="USER",
        PrincipalId=dave,
    )
    world.events()
    found = reconcile.handler({}, None)
    assert found["unexplained"] == [{"account_id": WEB_PROD, "permission_set": "Administrator", "user_id": dave}]
    assert world.user_assignments(WEB_PROD, "Administrator") == [dave]  # alert only by default
    (event,) = world.events()
    assert event["type"] == "Elevation unexplained assignment" and event["detail"]["removed"] is False

    monkeypatch.setenv("REMOVE_UNEXPLAINED", "true")
    reconcile.handler({}, None)
    assert world.user_assignments(WEB_PROD, "Administrator") == []
    assert world.user_assignments(WEB_PROD, "PowerUser") == [world.users["erin"]]  # the grant stays


@pytest.mark.parametrize("code", ["ConflictException", "ThrottlingException"])
def test_revoke_retries_while_identity_center_is_busy(
    handlers: Handlers,
    clock: Clock,
    world: EngineWorld,
    moto_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    code: str,
) -> None:
    created = request(handlers, "erin", permission_set="PowerUser", duration_minutes=120, ticket=None)
    ends_at = run_state_machine_locally(handlers, clock, created["id"], until="granted")
    assert ends_at == "granted"
    for busy in serve(BusyIdentityCenter(moto_endpoint, failures=3, code=code)):
        assert isinstance(busy, BusyIdentityCenter)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_ADMIN", busy.url)
        clock.advance(hours=2)
        assert finish(handlers, clock, created["id"], "2026-11-30T14:00:00Z") == "done"
        assert busy.refused == 3
    monkeypatch.delenv("AWS_ENDPOINT_URL_SSO_ADMIN")
    assert world.user_assignments(WEB_PROD, "PowerUser") == []


def test_revoke_gives_up_on_other_errors_and_the_grant_stays_visible(
    handlers: Handlers, clock: Clock, world: EngineWorld, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = request(handlers, "erin", permission_set="PowerUser", duration_minutes=120, ticket=None)
    run_state_machine_locally(handlers, clock, created["id"], until="granted")
    for busy in serve(BusyIdentityCenter(moto_endpoint, failures=1, code="AccessDeniedException")):
        assert isinstance(busy, BusyIdentityCenter)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_ADMIN", busy.url)
        clock.advance(hours=2)
        with pytest.raises(Exception, match="AccessDenied"):  # the state machine's Retry, then reconciliation
            finish(handlers, clock, created["id"], "2026-11-30T14:00:00Z")
    monkeypatch.delenv("AWS_ENDPOINT_URL_SSO_ADMIN")
    assert world.user_assignments(WEB_PROD, "PowerUser") == [world.users["erin"]]
    (item,) = call(handlers, "GET", "/requests", "erin", scope="mine")[1]["requests"]
    assert item["status"] == "active"  # not marked ended while the assignment is still there

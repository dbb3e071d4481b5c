"""The elevation CLI end to end with the engine's own API handler, in both partitions: `elevate request` -> `list
--pending` as an approver -> `approve` -> the grant (the engine's Step Functions gap fill) -> `list --active` ->
`revoke`, and each refusal of the engine as one message with exit code 1.

What runs: `python -m ops.elevate`'s `main` with an operator's shell (an Identity Center session made by moto's
STS, `AWSReservedSSO_<set>_<hex>/<user>`), the API URL from the SSM parameter, SigV4-signed calls to
`api_gateway_iam_proxy` (tests/support/api_gateway.py: verifies the signature, identifies the caller with STS,
builds the proxy event), `constructs/handlers/elevation/api.py` in this process against the moto server, and the
engine's local world (tests/support/elevation_engine.py: identity store users and groups, permission sets, table,
alert bus, approver topic; its gap fills for Step Functions and Lambda Invoke).

What this does not prove: that API Gateway's IAM policy evaluation allows the Requester and Approver sets exactly
their routes (the stand-in lets every verified caller through; the sets' policies are tested where they are
built), and what the engine's tests list as moto only recording (the assignment granting a real session, the
schedule firing, task tokens resuming an execution).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from config.regions import PartitionName
from ops.elevate import wait
from ops.elevate.cli import main
from tests.support.api_gateway import ApiGatewayStandIn, api_gateway_iam_proxy
from tests.support.elevation_engine import (
    Clock,
    EngineWorld,
    Handlers,
    LocalLambdaInvoke,
    api_event,
    load_handler,
    resume_after_decision,
    run_state_machine_locally,
    serve,
    session_arn,
)
from tests.support.local_aws import MOTO_ACCOUNT
from tests.support.project import EXAMPLE_CONFIG

# Written out from config/org.yaml, per partition: the region, the engine (Identity Center administration)
# account, whose ID the test config replaces with moto's account, and two member accounts of the admin rule.
HOME_REGION = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}
ENGINE_ACCOUNT_ID = {"aws": "210987654321", "aws-us-gov": "220987654330"}
MEMBER = {"aws": ("web-prod", "810987654327"), "aws-us-gov": ("gov-workload-prod", "420987654332")}
OUTSIDE = {"aws": ("web-dev", "910987654328"), "aws-us-gov": ("gov-workload-dev", "520987654333")}
URL_PARAMETER = "/examplecorp/elevation/api-url"
TEST_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
MEMBERS = {
    "alice": ["platform-admins"],
    "bob": ["platform-leads"],
    "carol": ["platform-admins", "platform-leads"],
    "dave": ["engineers"],
}


def admin_rule(partition: PartitionName) -> dict[str, Any]:
    """Like the example's admin rule: Administrator for up to an hour with a ticket, approved by platform-leads."""
    return {"name": "admin", "groups": ["platform-admins"], "permission_set": "Administrator",
            "accounts": [MEMBER[partition][1]], "max_minutes": 60, "approver_groups": ["platform-leads"],
            "ticket_required": True, "approval_required": True, "pending_minutes": 60}  # fmt: skip


def ask(account: str, duration: str = "1h", ticket: str | None = "INC-1234") -> list[str]:
    """`request` arguments for Administrator on `account`."""
    args = ["request", "--account", account, "--permission-set", "Administrator", "--for", duration,
            "--reason", "INC-1234 database failover"]  # fmt: skip
    return args + (["--ticket", ticket] if ticket else [])


@dataclass
class Engine:
    partition: PartitionName
    world: EngineWorld
    handlers: Handlers
    clock: Clock
    api: ApiGatewayStandIn
    config: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def sign_in(self, user: str, role: str = "AWSReservedSSO_Approver_0123456789abcdef") -> None:
        """`aws sso login` as `user`: an Identity Center session in the engine account, the profile's region."""
        sts = boto3.Session(**TEST_KEYS).client("sts", region_name=HOME_REGION[self.partition])
        arn = f"arn:{self.partition}:iam::{MOTO_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/{role}"
        credentials = sts.assume_role(RoleArn=arn, RoleSessionName=user)["Credentials"]
        self.monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
        self.monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
        self.monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])

    def elevate(self, user: str, *args: str) -> tuple[int, str, str]:
        """`elevate ARGS --config <test config> --json` as `user`: (exit code, stdout, stderr)."""
        self.sign_in(user)
        code = main([*args, "--config", str(self.config)])
        captured = self.capsys.readouterr()
        assert "Traceback" not in captured.err
        assert not self.api.errors, self.api.errors[0]
        return code, captured.out, captured.err

    def record(self, user: str, *args: str) -> dict[str, Any]:
        code, out, err = self.elevate(user, *args, "--json")
        assert (code, err) == (0, ""), err
        answer: dict[str, Any] = json.loads(out)
        return answer

    def refusal(self, user: str, *args: str) -> str:
        code, out, err = self.elevate(user, *args)
        assert (code, out) == (1, "")
        assert err.startswith("elevate: ") and err.count("\n") == 1, err
        return err.removeprefix("elevate: ").rstrip("\n")

    def request(self, user: str = "alice", duration: str = "1h", account: str | None = None) -> str:
        answer = self.record(user, *ask(account or MEMBER[self.partition][0], duration))
        request_id: str = answer["request"]["id"]
        return request_id


@pytest.fixture
def engine(
    aws: None,
    moto_endpoint: str,
    partition: PartitionName,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Engine]:
    """The engine's local world in the partition's home region, its API behind the stand-in, the URL in SSM, and
    a copy of the example config whose engine account is moto's (every call lands in moto's one account)."""
    region = HOME_REGION[partition]
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    handlers = Handlers(load_handler("api"), load_handler("grant"), load_handler("revoke"))
    clock = Clock()
    for module in (handlers.api, handlers.grant, handlers.revoke):
        monkeypatch.setattr(module, "now", clock)
    for module in (handlers.grant, handlers.revoke):
        monkeypatch.setattr(module, "sleep", lambda seconds: None)
    world = EngineWorld.create(tmp_path, [admin_rule(partition)], MEMBERS)
    for key, value in world.environment().items():  # the world's ARNs, in this partition and region
        monkeypatch.setenv(key, value.replace("arn:aws:", f"arn:{partition}:").replace("us-east-1", region))
    config = tmp_path / "org.yaml"
    engine_id = ENGINE_ACCOUNT_ID[partition]
    config.write_text(EXAMPLE_CONFIG.read_text().replace(f'id: "{engine_id}"', f'id: "{MOTO_ACCOUNT}"'))
    proxy = api_gateway_iam_proxy(
        handlers.api.handler, moto_endpoint=moto_endpoint, region=region, account=MOTO_ACCOUNT
    )
    with proxy as api:
        boto3.Session(**TEST_KEYS).client("ssm", region_name=region).put_parameter(
            Name=URL_PARAMETER, Value=api.url, Type="String"
        )
        for server in serve(LocalLambdaInvoke(handlers.revoke)):
            monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", f"http://127.0.0.1:{server.server_port}")
            yield Engine(partition, world, handlers, clock, api, config, monkeypatch, capsys)


def test_request_approve_use_revoke_from_the_terminal(engine: Engine, partition: PartitionName) -> None:
    name, account_id = MEMBER[partition]
    alice = engine.world.users["alice"]

    code, out, err = engine.elevate("alice", *ask(name))
    assert (code, err) == (0, "")
    first, *details = out.splitlines()
    request_id, status = first.split(": ")
    assert status == "pending"
    assert details == [
        f"  Administrator on {name} ({account_id}) for 1h, requested by alice",
        "  reason: INC-1234 database failover (ticket INC-1234)",
        "  awaiting approval until 2026-11-30T13:00:00Z",
        "  decisions are emailed to alice@example.com once you confirm: Amazon SNS has just emailed you a "
        "confirmation link (valid for three days)",
    ]
    assert run_state_machine_locally(engine.handlers, engine.clock, request_id, until="waiting") == "waiting"
    (email,) = engine.world.emails()
    assert f"elevate approve {request_id}" in email

    # bob, an approver of the rule, sees it waiting for him; alice sees it among her own
    code, out, _ = engine.elevate("bob", "list", "--pending")
    assert code == 0
    _, row = out.splitlines()
    assert row.split() == [request_id, "pending", "alice", name, f"({account_id})", "Administrator", "1h",
                           "2026-11-30T13:00:00Z", "INC-1234", "database", "failover"]  # fmt: skip
    assert [r["id"] for r in engine.record("alice", "list")["requests"]] == [request_id]

    approved = engine.record("bob", "approve", request_id, "--comment", "INC-1234 confirmed")["request"]
    assert (approved["status"], approved["approver"], approved["decision_comment"]) == (
        "approved",
        "bob",
        "INC-1234 confirmed",
    )
    assert resume_after_decision(engine.handlers, engine.clock, request_id, waited=timedelta(minutes=1)) == "granted"
    assert engine.world.user_assignments(account_id, "Administrator") == [alice]

    code, out, _ = engine.elevate("bob", "list", "--active")
    assert code == 0
    assert out.splitlines()[1].split()[:2] == [request_id, "active"]
    assert "2026-11-30T13:00:00Z" in out.splitlines()[1]  # until: the grant's end

    code, out, _ = engine.elevate("alice", "revoke", request_id)
    assert code == 0
    assert out.splitlines()[0] == f"{request_id}: revoked"
    assert engine.world.user_assignments(account_id, "Administrator") == []
    assert engine.elevate("bob", "list", "--active")[1] == "No active elevated access.\n"
    kinds = [event["type"] for event in engine.world.events()]
    assert kinds[:3] == ["Elevation requested", "Elevation approved", "Elevation granted"]
    assert kinds[-1] == "Elevation revoked"
    assert [subject.split(":")[0] for subject, _ in engine.world.decision_emails("alice")] == [
        "Elevation approved", "Elevation granted", "Elevation revoked"]  # fmt: skip


def test_deny_reaches_the_requester(engine: Engine) -> None:
    request_id = engine.request()
    code, out, _ = engine.elevate("bob", "deny", request_id, "--comment", "use ReadOnly for this")
    assert code == 0
    assert out.splitlines()[0] == f"{request_id}: denied"
    assert "  decided by bob: use ReadOnly for this" in out
    (mine,) = engine.record("alice", "list")["requests"]
    assert (mine["status"], mine["decision_comment"]) == ("denied", "use ReadOnly for this")


def test_self_approval_is_refused(engine: Engine) -> None:
    request_id = engine.request("carol")  # carol requests and approves for the rule
    assert engine.refusal("carol", "approve", request_id) == (
        "Nobody approves or denies their own request. (self_approval)"
    )


def test_an_approver_outside_the_rules_groups_is_refused(engine: Engine) -> None:
    request_id = engine.request()
    assert engine.refusal("dave", "approve", request_id) == (
        "Only an approver of rule admin decides on this request. (not_an_approver)"
    )
    assert engine.refusal("alice", "list", "--active").endswith("(forbidden)")


def test_an_unknown_request_id_is_refused(engine: Engine) -> None:
    for action in ("approve", "revoke"):
        assert engine.refusal("bob", action, "no-such-request") == "No request no-such-request. (unknown_request)"


def test_a_duration_over_the_rule_is_refused_by_the_engine(engine: Engine, partition: PartitionName) -> None:
    """90 minutes passes the CLI's own 12-hour bound; the rule allows 60, and the engine says so."""
    message = engine.refusal("alice", *ask(MEMBER[partition][0], duration="90m"))
    assert message == "90 minutes is over the limit of 60 minutes. (duration_over_limit)"


def test_ineligible_account_and_missing_ticket_are_refused(engine: Engine, partition: PartitionName) -> None:
    outside = OUTSIDE[partition]
    message = engine.refusal("alice", *ask(outside[0]))
    assert message == f"alice may not request Administrator in account {outside[1]}. (not_eligible)"
    message = engine.refusal("alice", *ask(MEMBER[partition][0], ticket=None))
    assert message == "Rule admin needs a ticket reference. (ticket_required)"


def test_an_expired_request_and_a_double_approval_are_refused(engine: Engine) -> None:
    stale = engine.request()
    run_state_machine_locally(engine.handlers, engine.clock, stale, until="waiting")
    engine.clock.advance(minutes=61)
    assert engine.refusal("bob", "approve", stale).endswith("(expired)")
    fresh = engine.request()
    assert engine.record("bob", "approve", fresh)["request"]["status"] == "approved"
    assert engine.refusal("carol", "approve", fresh) == f"Request {fresh} is approved, not pending. (not_pending)"


def test_a_session_that_is_not_identity_centers_is_refused(engine: Engine) -> None:
    """Credentials of the engine account but not an Identity Center session (a plain role): the engine says so."""
    engine.sign_in("alice", role="deployer")
    code = main(["list", "--config", str(engine.config)])
    err = engine.capsys.readouterr().err
    assert code == 1
    assert err == ("elevate: Call with an IAM Identity Center session of the engine account. (not_an_sso_session)\n")


# --- request --wait ---------------------------------------------------------------------------------------------


def _pending_id(engine: Engine) -> str:
    """The one request awaiting bob, as the API lists it to him."""
    response = engine.handlers.api.handler(
        api_event("GET", "/requests", session_arn("bob"), query={"scope": "pending"}), None
    )
    (pending,) = json.loads(response["body"])["requests"]
    request_id: str = pending["id"]
    return request_id


def _meanwhile(engine: Engine, steps: list[Callable[[], None]]) -> list[float]:
    """`elevate`'s pauses: the n-th runs `steps[n]` (what the approver and the engine do meanwhile) and moves
    `elevate`'s clock on by the pause. Returns the pauses."""
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        if len(pauses) < len(steps):
            steps[len(pauses)]()
        pauses.append(seconds)

    engine.monkeypatch.setattr(wait, "sleep", pause)
    engine.monkeypatch.setattr(wait, "monotonic", lambda: sum(pauses))
    return pauses


def test_request_wait_follows_the_request_until_access_is_active(engine: Engine, partition: PartitionName) -> None:
    found: list[str] = []

    def approve() -> None:
        found.append(_pending_id(engine))
        run_state_machine_locally(engine.handlers, engine.clock, found[0], until="waiting")
        body = {"comment": "go"}
        engine.handlers.api.handler(api_event("POST", f"/requests/{found[0]}/approve", session_arn("bob"), body), None)

    def grant() -> None:
        resume_after_decision(engine.handlers, engine.clock, found[0], waited=timedelta(minutes=1))

    pauses = _meanwhile(engine, [approve, grant])
    code, out, err = engine.elevate("alice", *ask(MEMBER[partition][0]), "--wait")
    assert code == 0, err
    assert out.splitlines()[0] == f"{found[0]}: active"
    assert "  access until 2026-11-30T13:00:00Z" in out.splitlines()
    assert err.splitlines() == [
        "elevate: decisions are emailed to alice@example.com once you confirm: Amazon SNS has just emailed you a "
        "confirmation link (valid for three days)",
        f"elevate: {found[0]}: waiting for an approver (until 2026-11-30T13:00:00Z)",
        f"elevate: {found[0]}: approved by bob; Identity Center is granting it",
        f"elevate: {found[0]}: active",
    ]
    assert pauses == [10, 10]


def test_request_wait_ends_with_one_message_when_denied(engine: Engine, partition: PartitionName) -> None:
    def deny() -> None:
        request_id = _pending_id(engine)
        body = {"comment": "use ReadOnly"}
        engine.handlers.api.handler(api_event("POST", f"/requests/{request_id}/deny", session_arn("bob"), body), None)

    _meanwhile(engine, [deny])
    code, out, err = engine.elevate("alice", *ask(MEMBER[partition][0]), "--wait")
    assert (code, out) == (1, "")
    assert err.splitlines()[-1].startswith("elevate: request ")
    assert err.splitlines()[-1].endswith(" was denied by bob: use ReadOnly")


def test_request_wait_gives_up_after_its_timeout(engine: Engine, partition: PartitionName) -> None:
    pauses = _meanwhile(engine, [])
    code, out, err = engine.elevate("alice", *ask(MEMBER[partition][0]), "--wait", "--timeout", "1m")
    assert (code, out) == (1, "")
    assert err.splitlines()[-1].endswith(" is still pending after 1m of waiting; `elevate list` shows it later")
    assert sum(pauses) == 60

"""The elevation CLI (`python -m ops.elevate`, docs/elevation.md): bad input is one message and exit code 1 before
any AWS call; with credentials it finds the API through SSM, signs its calls (SigV4, `execute-api`) so that an
IAM-authorized API Gateway identifies the caller, and shows the engine's answers and refusals.

The calls go to `api_gateway_iam_proxy` (tests/support/api_gateway.py), which verifies the signature and puts the
caller into the proxy event, in front of the moto server. Here it serves `ContractEngine`, a handler that answers
as the engine's contract says (the routes in constructs/handlers/elevation/api.py) and records what it got; the
engine's own handler is tested end to end with the CLI in tests/test_elevate_engine_cli.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from config.regions import PartitionName
from constructs.elevation.api import ROUTES as DEPLOYED_ROUTES
from ops.elevate import client
from ops.elevate.cli import main
from ops.elevate.inputs import ElevateError, Engine
from tests.support.api_gateway import ROUTES as STAND_IN_ROUTES
from tests.support.api_gateway import ApiGatewayStandIn, api_gateway_iam_proxy
from tests.support.project import ROOT

# Written out from config/org.yaml: the account Identity Center is administered from (the management account,
# no delegated admin), the home region, and a member account with its ID, per partition.
ENGINE_ACCOUNT = {"aws": "210987654321", "aws-us-gov": "220987654330"}
HOME_REGION = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}
MEMBER = {"aws": ("web-prod", "810987654327"), "aws-us-gov": ("gov-workload-prod", "420987654332")}
URL_PARAMETER = "/examplecorp/elevation/api-url"
TEST_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}  # moto's default account
REQUESTER_SET = "AWSReservedSSO_Requester_0a1b2c3d4e5f6a7b"


# --- bad input: one message, exit 1, no AWS --------------------------------------------------------------------


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A shell with no AWS credentials anywhere and an endpoint nothing listens on: a call would fail loudly."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    (tmp_path / "aws-config").write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: nothing answers
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.chdir(ROOT)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_message(err: str) -> str:
    """The CLI's error: one `elevate: ...` message (a usage line may follow an argument error), no traceback."""
    assert "Traceback" not in err
    assert err.startswith("elevate: "), err
    return err


REQUEST = ["request", "--permission-set", "Administrator", "--for", "1h", "--reason", "INC-1234"]


def request(account: str = "web-prod", permission_set: str = "Administrator", duration: str = "1h") -> list[str]:
    return ["request", "--account", account, "--permission-set", permission_set, "--for", duration, "--reason", "x"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["request", "--account", "web-prd", *REQUEST[1:]],
            "--account web-prd: unknown account (did you mean web-prod?)",
        ),
        (["request", "--account", "999999999999", *REQUEST[1:]], "--account 999999999999: unknown account ID"),
        (
            request(permission_set="Admin"),
            "--permission-set Admin: no such permission set in partition aws (did you mean Administrator?)",
        ),
        (
            request(permission_set="DataEngineer2"),
            "--permission-set DataEngineer2: no such permission set in partition aws (did you mean DataEngineer?)",
        ),
        (
            request(duration="25h"),
            "--for 25h: at most 12 hours (PT12H) can be requested",
        ),
        (
            request(duration="PT13H"),
            "--for PT13H: at most 12 hours",
        ),
        (
            request(duration="721m"),
            "--for 721m: at most 12 hours",
        ),
        (
            request(duration="soon"),
            "--for 'soon': not a duration; write it like 1h, 30m, 1h30m or PT1H",
        ),
        (
            request(duration="0m"),
            "--for 0m: a duration must be at least one minute",
        ),
        (
            ["request", "--account", "web-prod", "--permission-set", "Administrator", "--for", "1h", "--reason", " "],
            "--reason is empty",
        ),
        (
            ["request", "--partition", "aws-us-gov", "--account", "web-prod", *REQUEST[1:]],
            "--account web-prod: web-prod is an account of partition aws, not aws-us-gov",
        ),
        (
            ["--partition", "aws-us-gov", "request", "--account", "web-prod", *REQUEST[1:]],
            "--account web-prod: web-prod is an account of partition aws, not aws-us-gov",
        ),
        (
            ["request", "--partition", "gov", "--account", "web-prod", *REQUEST[1:]],
            "--partition",
        ),
        (["list", "--partition", "aws-cn"], "--partition"),
        (["request", "--account", "web-prod"], "the following arguments are required: --permission-set, --for"),
        (["deny", "01JEXAMPLE"], "the following arguments are required: --comment"),
        (["list", "--pending", "--active"], "argument --active: not allowed with argument --pending"),
        (["promote", "x"], "invalid choice: 'promote'"),
        (["approve", " "], "' ' is not a request ID"),
        (["list", "--config", "no/such/org.yaml"], "no/such/org.yaml"),
    ],
    ids=lambda value: " ".join(value)[:60] if isinstance(value, list) else None,
)
def test_bad_input_is_one_message_and_exit_1(
    no_aws: None, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run_cli(args, capsys)
    assert code == 1
    assert out == ""
    assert message in one_message(err), err


def test_a_broken_config_is_reported_like_check_config(
    no_aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "org.yaml"
    broken.write_text((ROOT / "config" / "org.yaml").read_text().replace('id: "810987654327"', 'id: "8109876543"'))
    code, _, err = run_cli(["list", "--config", str(broken)], capsys)
    assert code == 1
    one_message(err)
    assert f"{broken}: 1 problem in the organization config:" in err
    assert "accounts[6].id" in err  # web-prod's entry, with its line


def test_no_credentials_is_one_message(no_aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["list", "--partition", "aws"], capsys)
    assert code == 1
    one_message(err)
    assert "no AWS credentials found: sign in with `aws sso login`" in err
    assert "Requester or Approver permission set in management (210987654321)" in err


def test_an_unknown_profile_is_one_message(no_aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["list", "--profile", "elevation-requester"], capsys)
    assert code == 1
    assert "--profile elevation-requester: no such profile in your AWS config" in one_message(err)


def test_list_needs_a_partition_when_the_config_has_two(no_aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["list"], capsys)
    assert code == 1
    assert "which partition? The config has aws and aws-us-gov: pass --partition aws or --partition aws-us-gov" in (
        one_message(err)
    )


def test_the_module_runs_and_rejects_25h_before_any_call(no_aws: None) -> None:
    """`python -m ops.elevate` (what `make elevate` runs): exit code 1 and the message, though no credentials exist
    and no endpoint answers, so the duration was checked first."""
    command = [sys.executable, "-m", "ops.elevate", *request(duration="25h")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, env=os.environ.copy())
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("elevate: --for 25h: at most 12 hours"), done.stderr
    assert done.stderr.count("\n") == 1


# --- against the API Gateway stand-in ---------------------------------------------------------------------------


@dataclass
class ContractEngine:
    """A handler that answers as the engine's contract says, remembering requests in memory: enough to show what
    the CLI sends and how it shows answers. `refusal` (status, code, message) answers the next call with an error."""

    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    refusal: tuple[int, str, str] | None = None
    crash: bool = False

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if self.crash:
            raise RuntimeError("the handler failed")
        if self.refusal:
            status, code, message = self.refusal
            return self._answer(status, {"error": code, "message": message})
        caller = event["requestContext"]["identity"]["userArn"].rsplit("/", 1)[-1]
        if event["resource"] == "/requests" and event["httpMethod"] == "POST":
            body = json.loads(event["body"])
            record = {
                **body,
                "id": f"req-{len(self.requests) + 1}",
                "requester": caller,
                "rule": "admins",
                "status": "pending",
                "approver": None,
                "decision_comment": None,
                "created_at": "2026-11-30T19:00:00Z",
                "decision_at": None,
                "starts_at": None,
                "ends_at": None,
                "pending_until": "2026-11-30T20:00:00Z",
            }
            self.requests[record["id"]] = record
            return self._answer(201, {"request": record})
        if event["resource"] == "/requests":
            return self._answer(200, {"requests": list(self.requests.values())})
        record = self.requests[event["pathParameters"]["id"]]
        action = event["resource"].rsplit("/", 1)[-1]
        comment = json.loads(event["body"] or "{}").get("comment")
        new = {"approve": "active", "deny": "denied", "revoke": "revoked"}[action]
        record.update(status=new, approver=caller, decision_comment=comment, decision_at="2026-11-30T19:05:00Z")
        if new == "active":
            record.update(starts_at="2026-11-30T19:05:00Z", ends_at="2026-11-30T20:05:00Z")
        return self._answer(200, {"request": record})

    @staticmethod
    def _answer(status: int, document: dict[str, Any]) -> dict[str, Any]:
        return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(document)}


def sso_session(partition: PartitionName, account: str, user: str, set_role: str = REQUESTER_SET) -> dict[str, str]:
    """Credentials as `aws sso login` gives them: a session of an Identity Center role (moto's STS AssumeRole
    returns credentials of the role's account, and its caller identity is the assumed-role ARN)."""
    sts = boto3.Session(**TEST_KEYS).client("sts", region_name=HOME_REGION[partition])
    role = f"arn:{partition}:iam::{account}:role/aws-reserved/sso.amazonaws.com/{set_role}"
    credentials = sts.assume_role(RoleArn=role, RoleSessionName=user)["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }


@dataclass
class Setup:
    partition: PartitionName
    engine: ContractEngine
    api: ApiGatewayStandIn
    monkeypatch: pytest.MonkeyPatch

    def sign_in(self, user: str, account: str | None = None) -> None:
        """The shell of `user`, signed in to the engine's account (or `account`) through Identity Center."""
        session = sso_session(self.partition, account or ENGINE_ACCOUNT[self.partition], user)
        for key, value in session.items():
            self.monkeypatch.setenv(key, value)
        self.monkeypatch.setenv("AWS_DEFAULT_REGION", HOME_REGION[self.partition])


@pytest.fixture
def standin(
    aws: None, moto_endpoint: str, partition: PartitionName, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Setup]:
    """The contract engine behind the stand-in in the engine account, and its URL in SSM there, as the engine's
    stack writes it."""
    monkeypatch.chdir(ROOT)
    engine = ContractEngine()
    with api_gateway_iam_proxy(
        engine, moto_endpoint=moto_endpoint, region=HOME_REGION[partition], account=ENGINE_ACCOUNT[partition]
    ) as api:
        setup = Setup(partition, engine, api, monkeypatch)
        setup.sign_in("deployer")
        boto3.Session().client("ssm", region_name=HOME_REGION[partition]).put_parameter(
            Name=URL_PARAMETER, Value=api.url, Type="String"
        )
        yield setup
        assert not api.errors, api.errors[0]


def test_request_reaches_the_engine_as_the_signed_in_caller(
    standin: Setup, partition: PartitionName, capsys: pytest.CaptureFixture[str]
) -> None:
    name, account_id = MEMBER[partition]
    standin.sign_in("alice")
    args = ["request", "--account", name, "--permission-set", "Administrator", "--for", "PT1H30M",
            "--reason", "INC-1234 restart", "--ticket", "INC-1234"]  # fmt: skip
    code, out, err = run_cli(args, capsys)
    assert (code, err) == (0, "")
    (event,) = standin.api.events
    assert json.loads(event["body"]) == {
        "account_id": account_id,
        "permission_set": "Administrator",
        "duration_minutes": 90,
        "reason": "INC-1234 restart",
        "ticket": "INC-1234",
    }
    assert event["requestContext"]["identity"]["userArn"] == (
        f"arn:{partition}:sts::{ENGINE_ACCOUNT[partition]}:assumed-role/{REQUESTER_SET}/alice"
    )
    assert (event["httpMethod"], event["resource"], event["path"]) == ("POST", "/requests", "/requests")
    assert out.splitlines()[:2] == [
        "req-1: pending",
        f"  Administrator on {name} ({account_id}) for 1h30m, requested by alice",
    ]
    assert "  awaiting approval until 2026-11-30T20:00:00Z" in out


def test_list_approve_deny_revoke_and_json(
    standin: Setup, partition: PartitionName, capsys: pytest.CaptureFixture[str]
) -> None:
    name, account_id = MEMBER[partition]
    standin.sign_in("alice")
    for _ in range(2):
        assert run_cli(["request", "--account", account_id, *REQUEST[1:]], capsys)[0] == 0
    standin.sign_in("bob")
    code, out, _ = run_cli(["list", "--pending"], capsys)
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["ID", "STATUS", "REQUESTER", "ACCOUNT", "PERMISSION", "SET", "FOR", "UNTIL", "REASON"]
    assert rows[0].split() == ["req-1", "pending", "alice", name, f"({account_id})", "Administrator", "1h",
                               "2026-11-30T20:00:00Z", "INC-1234"]  # fmt: skip
    assert standin.api.events[-1]["queryStringParameters"] == {"scope": "pending"}

    code, out, _ = run_cli(["approve", "req-1", "--comment", "go"], capsys)
    assert code == 0
    assert out.splitlines()[0] == "req-1: active"
    assert "  decided by bob: go" in out
    assert "  access until 2026-11-30T20:05:00Z" in out
    assert standin.api.events[-1]["pathParameters"] == {"id": "req-1"}
    assert json.loads(standin.api.events[-1]["body"]) == {"comment": "go"}

    assert run_cli(["deny", "req-2", "--comment", "not now"], capsys)[1].startswith("req-2: denied")
    code, out, _ = run_cli(["revoke", "req-1", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["request"]["status"] == "revoked"
    assert standin.api.events[-1]["resource"] == "/requests/{id}/revoke"

    code, out, _ = run_cli(["--json", "list", "--active"], capsys)
    assert code == 0
    assert [r["id"] for r in json.loads(out)["requests"]] == ["req-1", "req-2"]
    assert standin.api.events[-1]["queryStringParameters"] == {"scope": "active"}
    assert run_cli(["list"], capsys)[0] == 0
    assert standin.api.events[-1]["queryStringParameters"] == {"scope": "mine"}


def test_an_empty_list_says_so(standin: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["list", "--pending"], capsys)[1] == "No requests await your approval.\n"


REFUSALS = [
    (403, "self_approval", "You cannot approve your own request."),
    (404, "unknown_request", "There is no request req-9."),
    (409, "not_pending", "Request req-1 is approved already."),
    (400, "duration_over_limit", "Rule admins allows at most 1h."),
]


def test_engine_refusals_are_one_message(standin: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    """Whatever the status, the engine's sentence and code, exit 1 (the engine's own refusals, for real, are in
    tests/test_elevate_engine_cli.py)."""
    for status, code, message in REFUSALS:
        standin.engine.refusal = (status, code, message)
        exit_code, out, err = run_cli(["approve", "req-1"], capsys)
        assert (exit_code, out) == (1, "")
        assert one_message(err) == f"elevate: {message} ({code})\n"


def test_a_failing_engine_is_one_message(standin: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    standin.engine.crash = True
    code, _, err = run_cli(["list"], capsys)
    assert code == 1
    assert "the elevation API failed (HTTP 502: Internal server error)" in one_message(err)
    assert standin.api.errors and "the handler failed" in standin.api.errors[0]
    standin.api.errors.clear()


def test_credentials_of_another_account_are_refused_before_the_api(
    standin: Setup, partition: PartitionName, capsys: pytest.CaptureFixture[str]
) -> None:
    standin.sign_in("alice", account=MEMBER[partition][1])
    code, _, err = run_cli(["list"], capsys)
    assert code == 1
    assert (
        f"your AWS credentials are for account {MEMBER[partition][1]}, but elevation requests go to "
        f"{'management' if partition == 'aws' else 'gov-management'} ({ENGINE_ACCOUNT[partition]})"
    ) in one_message(err)
    assert standin.api.events == []


def test_a_missing_url_parameter_says_the_engine_is_not_deployed(
    standin: Setup, partition: PartitionName, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.Session().client("ssm", region_name=HOME_REGION[partition]).delete_parameter(Name=URL_PARAMETER)
    code, _, err = run_cli(["list"], capsys)
    assert code == 1
    assert f"the elevation engine is not deployed in partition {partition}: no SSM parameter {URL_PARAMETER}" in (
        one_message(err)
    )


def test_api_url_overrides_ssm(standin: Setup, partition: PartitionName, capsys: pytest.CaptureFixture[str]) -> None:
    boto3.Session().client("ssm", region_name=HOME_REGION[partition]).delete_parameter(Name=URL_PARAMETER)
    assert run_cli(["list", "--api-url", standin.api.url + "/"], capsys)[0] == 0
    assert len(standin.api.events) == 1
    code, _, err = run_cli(["list", "--api-url", "file:///etc/passwd"], capsys)  # urllib would open it
    assert code == 1
    assert "--api-url: 'file:///etc/passwd' is not an http(s) URL of the elevation API" in one_message(err)


def test_control_characters_from_the_api_are_escaped(standin: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    """A reason is typed by another person: a terminal escape in it must not rewrite what the approver sees."""
    standin.sign_in("mallory")
    args = ["request", "--account", MEMBER[standin.partition][0], "--permission-set", "ReadOnly", "--for", "30m",
            "--reason", "fix\x1b[2K\rapproved by cto"]  # fmt: skip
    assert run_cli(args, capsys)[0] == 0
    out = run_cli(["list"], capsys)[1]
    assert "\x1b" not in out and "\r" not in out
    assert "fix\\x1b[2K\\rapproved by cto" in out


# --- the stand-in itself refuses what API Gateway refuses -------------------------------------------------------


def _signed(url: str, credentials: Credentials, region: str, service: str = "execute-api") -> dict[str, str]:
    request = AWSRequest(method="GET", url=url, headers={"Accept": "application/json"})
    SigV4Auth(credentials, service, region).add_auth(request)
    return dict(request.headers.items())


def _status(url: str, headers: dict[str, str]) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())["message"]


def test_the_stand_in_refuses_unsigned_and_badly_signed_requests(standin: Setup, partition: PartitionName) -> None:
    keys = sso_session(partition, ENGINE_ACCOUNT[partition], "alice")
    good = Credentials(keys["AWS_ACCESS_KEY_ID"], keys["AWS_SECRET_ACCESS_KEY"], keys["AWS_SESSION_TOKEN"])
    wrong_secret = Credentials(keys["AWS_ACCESS_KEY_ID"], "not-the-secret", keys["AWS_SESSION_TOKEN"])
    unknown = Credentials("ASIAUNKNOWNKEY000000", "secret", None)
    url = standin.api.url + "/requests?scope=mine"
    region = HOME_REGION[partition]
    assert _status(url, {}) == (403, "Missing Authentication Token")
    assert _status(standin.api.url + "/nowhere", _signed(standin.api.url + "/nowhere", good, region)) == (
        403,
        "Missing Authentication Token",
    )
    assert _status(url, _signed(url, wrong_secret, region))[0] == 403
    invalid = "The security token included in the request is invalid."
    assert _status(url, _signed(url, unknown, region)) == (403, invalid)
    assert _status(url, _signed(url, good, region, service="sts"))[0] == 403
    other_region = "us-west-2" if partition == "aws" else "us-gov-east-1"
    assert _status(url, _signed(url, good, other_region))[0] == 403
    assert standin.api.events == []
    assert _status(url, _signed(url, good, region))[0] == 200
    assert len(standin.api.events) == 1


# --- messages for what the API and STS answer -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            403,
            b'{"Message": "User: arn:aws:sts::210987654321:assumed-role/AWSReservedSSO_ReadOnly_1/alice is not '
            b"authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:210987654321:"
            b'abc/v1/POST/requests/x/approve"}',
            "the elevation API refused the call (HTTP 403: User: arn:aws:sts::210987654321:assumed-role/"
            "AWSReservedSSO_ReadOnly_1/alice is not authorized to perform: execute-api:Invoke",
        ),
        (403, b'{"message": "Missing Authentication Token"}', "(HTTP 403: Missing Authentication Token)"),
        (502, b'{"message": "Internal server error"}', "the elevation API failed (HTTP 502: Internal server error)"),
        (504, b"<html>gateway timeout</html>", "the elevation API answered HTTP 504"),
        (
            409,
            b'{"error": "expired", "message": "Request r-1 expired unapproved."}',
            "Request r-1 expired unapproved. (expired)",
        ),
    ],
)
def test_api_answers_become_one_sentence(status: int, body: bytes, message: str) -> None:
    assert message in client._refusal(status, body)


def test_credentials_of_the_other_partition_are_named() -> None:
    engine = Engine("aws", "management", "210987654321", "us-east-1", URL_PARAMETER)
    gov = client.Caller(f"arn:aws-us-gov:sts::220987654330:assumed-role/{REQUESTER_SET}/alice", "220987654330")
    with pytest.raises(ElevateError) as caught:
        client.check_caller(gov, engine)
    assert str(caught.value).startswith(
        "your AWS credentials (arn:aws-us-gov:sts::220987654330:assumed-role/AWSReservedSSO_Requester_0a1b2c3d4e5f6a7b/"
        "alice) are of partition aws-us-gov, but the request goes to partition aws"
    )


def test_the_stand_in_serves_the_routes_the_stack_deploys() -> None:
    """The stand-in's 403 for a route the API lacks is only right while its routes are the deployed API's."""
    deployed = {(method, "/requests" + (f"/{path}" if path else "")) for path, method in DEPLOYED_ROUTES}
    assert deployed == set(STAND_IN_ROUTES)


def test_a_profile_not_signed_in_says_to_sign_in(
    no_aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The usual morning: the Identity Center profile exists, its token does not (no `aws sso login` yet)."""
    (tmp_path / "aws-config").write_text(
        "[profile elevate]\nsso_session = examplecorp\nsso_account_id = 210987654321\nsso_role_name = Requester\n"
        "region = us-east-1\n\n[sso-session examplecorp]\nsso_start_url = https://d-9067a3c4e1.awsapps.com/start\n"
        "sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    )
    monkeypatch.setenv("HOME", str(tmp_path))  # no token cache (~/.aws/sso/cache)
    code, _, err = run_cli(["list", "--profile", "elevate"], capsys)
    assert code == 1
    assert "(sign in with `aws sso login --profile elevate`)" in one_message(err)
    assert err.count("\n") == 1

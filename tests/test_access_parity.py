"""`python -m ops.access parity` against the local AWS API: what an IAM user used (IAM's action-level last-accessed
report, a gap fill in tests/support/local_access.py, and the user's events in the trail's log group), judged against
a permission set or role and the account's SCPs. Expected verdicts are written out by hand from the policies
(AWS managed ReadOnlyAccess, the example's SCPs), not taken from the code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from ops.access.__main__ import main
from tests.support.local_access import (
    IAM_THROTTLING_IS_UNMODELED,
    MANAGEMENT_ID,
    STS_ACCESS_DENIED_IS_UNMODELED,
    CallRecorder,
    LastAccessed,
    LocalOrg,
    audit_role_must_exist,
    build_local_org,
    service_last_accessed,
    throttled,
)
from tests.test_access_audit import assert_read_only

RECENT = datetime.now(UTC) - timedelta(days=5)
LONG_AGO = datetime.now(UTC) - timedelta(days=200)


@pytest.fixture
def last() -> LastAccessed:
    return LastAccessed()


@pytest.fixture
def local_org(aws: None, example_data: dict[str, Any], tmp_path: Path, last: LastAccessed) -> Iterator[LocalOrg]:
    with audit_role_must_exist(), service_last_accessed(last):
        yield build_local_org(example_data, tmp_path)


def parity(local: LocalOrg, out: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """Run the command; each of `args` may hold several space-separated arguments."""
    words = [word for arg in args for word in arg.split()]
    code = main(["parity", "--config", str(local.config_path), "--out", str(out), *words])
    files = list(out.glob("parity-*.json")) if out.exists() else []
    return code, json.loads(files[0].read_text()) if files else {}


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    return {a["action"]: a["result"] for a in report["actions"]}


def trail_event(user_arn: str, source: str, name: str, region: str = "us-east-1", **extra: Any) -> dict[str, Any]:
    return {"eventTime": RECENT.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": source, "eventName": name,
            "awsRegion": region, "userIdentity": {"type": "IAMUser", "arn": user_arn}, **extra}  # fmt: skip


def put_trail_events(local: LocalOrg, events: list[dict[str, Any]]) -> None:
    """The organization trail's log group in the management account, with these CloudTrail records."""
    logs = boto3.client("logs", region_name="us-east-1")
    group = local.org.trail_log_group
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=f"o-x_{MANAGEMENT_ID}_CloudTrail_us-east-1")
    now = int(datetime.now(UTC).timestamp() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=f"o-x_{MANAGEMENT_ID}_CloudTrail_us-east-1",
        logEvents=[{"timestamp": now - 1000 + i, "message": json.dumps(e)} for i, e in enumerate(events)],
    )


def test_human_user_against_read_only(local_org: LocalOrg, last: LastAccessed, tmp_path: Path) -> None:
    local_org.human_user_with_password_and_old_key("web-prod", "alice")
    alice = f"arn:aws:iam::{local_org.ids['web-prod']}:user/alice"
    last.set(
        alice,
        {
            "s3:GetObject": RECENT,
            "ec2:DescribeInstances": RECENT,
            "s3:PutObject": RECENT,
            "dynamodb:DeleteTable": LONG_AGO,
        },
    )
    put_trail_events(
        local_org,
        [
            trail_event(alice, "monitoring.amazonaws.com", "GetMetricData"),
            trail_event(alice, "sqs.amazonaws.com", "ListQueues", region="eu-west-1"),  # outside the allowed regions
            trail_event(alice, "iam.amazonaws.com", "CreateAccessKey", errorCode="AccessDenied"),  # denied: not a use
            trail_event(alice.replace("alice", "bob"), "ec2.amazonaws.com", "TerminateInstances"),  # someone else
        ],
    )

    code, report = parity(
        local_org, tmp_path / "out", "--user", "alice", "--account", "web-prod", "--permission-set", "ReadOnly"
    )

    # ReadOnlyAccess allows s3:Get*, ec2:Describe*, cloudwatch:Get*, sqs:List*; not s3:PutObject. The region lock
    # denies sqs (not a global service) outside us-east-1 and us-west-2. dynamodb:DeleteTable is older than 90 days.
    assert verdicts(report) == {
        "s3:GetObject": "covered",
        "ec2:DescribeInstances": "covered",
        "cloudwatch:GetMetricData": "covered",
        "s3:PutObject": "missing",
        "sqs:ListQueues": "missing",
    }
    why = {a["action"]: a["why"] for a in report["actions"]}
    assert why["s3:PutObject"] == "not allowed by the target's policies"
    assert why["sqs:ListQueues"] == "not allowed by the SCPs (denied by examplecorp-scp-region-lock)"
    assert code == 2


def test_everything_covered_exits_zero(
    local_org: LocalOrg, last: LastAccessed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local_org.human_user_with_password_and_old_key("web-prod", "carol")
    last.set(f"arn:aws:iam::{local_org.ids['web-prod']}:user/carol", {"s3:ListBucket": RECENT})
    code, report = parity(
        local_org, tmp_path / "out", "--user carol --account web-prod --permission-set ReadOnly --days 30"
    )
    assert verdicts(report) == {"s3:ListBucket": "covered"}
    assert code == 0
    out = capsys.readouterr().out
    assert "covered: permission set ReadOnly allows all 1 actions the user used." in out
    assert "trail events not read from /examplecorp/org-trail" in out  # no log group here: said, not fatal


def test_legacy_bot_against_a_role(local_org: LocalOrg, last: LastAccessed, tmp_path: Path) -> None:
    """A role whose inline policy writes one bucket: a put is unknown (which bucket the bot wrote is not in the
    report), a get is covered by AmazonS3ReadOnlyAccess, and a service the role lacks is missing."""
    local_org.legacy_bot("payments-prod", "billing-export")
    iam = local_org.session("payments-prod").client("iam", region_name="us-east-1")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}  # fmt: skip
    iam.create_role(RoleName="billing-export", AssumeRolePolicyDocument=json.dumps(trust))
    write = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                                     "Resource": "arn:aws:s3:::billing-exports/*"}]}  # fmt: skip
    iam.put_role_policy(RoleName="billing-export", PolicyName="write-exports", PolicyDocument=json.dumps(write))
    iam.attach_role_policy(RoleName="billing-export", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    bot = f"arn:aws:iam::{local_org.ids['payments-prod']}:user/billing-export"
    last.set(bot, {"s3:PutObject": RECENT, "s3:GetObject": RECENT, "sqs:SendMessage": RECENT})

    code, report = parity(
        local_org, tmp_path / "out", "--user billing-export --account payments-prod --role billing-export"
    )

    assert verdicts(report) == {
        "s3:PutObject": "unknown",
        "s3:GetObject": "covered",
        "sqs:SendMessage": "missing",
    }
    assert code == 2


def test_a_service_without_tracked_actions_is_unknown(local_org: LocalOrg, last: LastAccessed, tmp_path: Path) -> None:
    local_org.legacy_bot("web-prod", "stream-bot")
    bot = f"arn:aws:iam::{local_org.ids['web-prod']}:user/stream-bot"
    last.set(bot, {"s3:GetObject": RECENT})
    last.untracked[bot] = {"kinesis": RECENT}  # IAM reports kinesis for this user, without action-level data
    code, report = parity(
        local_org, tmp_path / "out", "--user", "stream-bot", "--account", "web-prod", "--permission-set", "ReadOnly"
    )
    assert verdicts(report) == {"s3:GetObject": "covered", "kinesis:*": "unknown"}
    assert code == 3


def test_conditions_the_evaluator_cannot_resolve_are_unknown(
    local_org: LocalOrg, last: LastAccessed, tmp_path: Path
) -> None:
    """OnCall allows ec2:StartInstances only inside the on-call window (aws:CurrentTime, which a past use does not
    give) and on instances (a specific resource type): unknown, not covered. Support does not allow it: missing."""
    local_org.human_user_with_password_and_old_key("web-prod", "erin")
    last.set(f"arn:aws:iam::{local_org.ids['web-prod']}:user/erin", {"ec2:StartInstances": RECENT})
    code, report = parity(
        local_org, tmp_path / "oncall", "--user", "erin", "--account", "web-prod", "--permission-set", "OnCall"
    )
    assert verdicts(report) == {"ec2:StartInstances": "unknown"}
    assert code == 3
    code, report = parity(
        local_org, tmp_path / "support", "--user", "erin", "--account", "web-prod", "--permission-set", "Support"
    )
    assert verdicts(report) == {"ec2:StartInstances": "missing"}
    assert code == 2


def test_unreadable_policy_makes_actions_unknown_never_covered(
    local_org: LocalOrg, last: LastAccessed, tmp_path: Path
) -> None:
    """SessionManager's customer-managed policy is created by the baseline, not held in the config; here the account
    has none, so it cannot be read: what it might allow is unknown."""
    local_org.human_user_with_password_and_old_key("web-prod", "dave")
    last.set(f"arn:aws:iam::{local_org.ids['web-prod']}:user/dave", {"ssm:StartSession": RECENT})
    code, report = parity(
        local_org, tmp_path / "out", "--user", "dave", "--account", "web-prod", "--permission-set", "SessionManager"
    )
    assert verdicts(report) == {"ssm:StartSession": "unknown"}
    assert report["unreadable_policies"][0].startswith(
        f"arn:aws:iam::{local_org.ids['web-prod']}:policy/examplecorp-baseline-session-access"
    )
    assert code == 3


BAD_INPUT: list[tuple[list[str], str]] = [
    (["--user", "alice", "--account", "nosuch", "--permission-set", "ReadOnly"], "unknown account nosuch"),
    (["--user", "alice", "--account", "web-prod", "--permission-set", "Nope"], "unknown permission set Nope"),
    (
        ["--user", "nobody", "--account", "web-prod", "--permission-set", "ReadOnly"],
        "no IAM user nobody in account",
    ),
    (["--user", "alice", "--account", "web-prod", "--role", "nope"], "no role nope in account web-prod"),
    (["--user", "alice", "--account", "web-prod", "--role", "x", "--days", "0"], "--days must be at least 1"),
]


@IAM_THROTTLING_IS_UNMODELED
def test_bad_input(
    local_org: LocalOrg, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each case: exit 1 and one message on stderr (one local org for all: building it takes seconds)."""
    local_org.human_user_with_password_and_old_key("web-prod", "alice")
    for args, message in BAD_INPUT:
        code, _ = parity(local_org, tmp_path / "out", *args)
        assert code == 1, args
        assert message in capsys.readouterr().err, args
    # A throttled API that stays throttled after the retries.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    with throttled("get_user"):
        code, _ = parity(local_org, tmp_path / "out", "--user alice --account web-prod --permission-set ReadOnly")
    assert code == 1
    assert "still throttled by AWS after 2 attempts (Throttling)" in capsys.readouterr().err


@STS_ACCESS_DENIED_IS_UNMODELED
def test_account_without_the_audit_role(
    local_org: LocalOrg, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local_org.remove_audit_role("web-dev")
    code, _ = parity(local_org, tmp_path / "out", "--user", "a", "--account", "web-dev", "--permission-set", "ReadOnly")
    assert code == 1
    assert "cannot assume arn:aws:iam::" in capsys.readouterr().err


def test_every_call_is_a_read_its_role_allows(local_org: LocalOrg, last: LastAccessed, tmp_path: Path) -> None:
    local_org.legacy_bot("payments-prod", "billing-export")
    bot = f"arn:aws:iam::{local_org.ids['payments-prod']}:user/billing-export"
    last.set(bot, {"s3:GetObject": RECENT})
    put_trail_events(local_org, [trail_event(bot, "s3.amazonaws.com", "ListBuckets")])
    with CallRecorder().active() as recorder:
        parity(
            local_org,
            tmp_path / "out",
            "--user billing-export --account payments-prod --permission-set DataEngineer",
        )
    actions = {c.action for c in recorder.calls}
    assert {"iam:GenerateServiceLastAccessedDetails", "iam:GetServiceLastAccessedDetails", "iam:GetPolicyVersion",
            "logs:FilterLogEvents", "iam:GetUser"} <= actions  # fmt: skip
    assert_read_only(recorder.calls, local_org)

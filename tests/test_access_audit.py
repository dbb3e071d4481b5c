"""`python -m ops.access audit` against the local AWS API (moto server): the commercial example org built there
(tests/support/local_access.py), drifted the way real estates drift, each drift reported, a clean account reporting
nothing, and nothing written: every call the audit makes is a read its role allows (config/policies/evaluator.py).

Expected findings are written out from the design (docs/access.md, "Live audit"), not taken from the code.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.policies.access_audit import audit_role_policy, auditor_role_policy
from config.policies.evaluator import Request, evaluate
from ops.access.__main__ import main
from tests.support.local_access import (
    IAM_THROTTLING_IS_UNMODELED,
    STS_ACCESS_DENIED_IS_UNMODELED,
    Call,
    CallRecorder,
    LocalOrg,
    RootCredentials,
    audit_role_must_exist,
    build_local_org,
    centralized_root_access,
    throttled,
)

STRAY_GROUP = "9067a3c4e1-00000000-0000-4000-8000-000000000bad"
ENGINEERS = "9067a3c4e1-7c3e9a1f-58b2-4d6e-a0f4-3b9d2c6e8a15"
DATA_ENGINEERING = "9067a3c4e1-4d9b1e7a-c2f3-4806-9e5d-a1b7c3f8e294"


@pytest.fixture
def local_org(aws: None, example_data: dict[str, Any], tmp_path: Path) -> Iterator[LocalOrg]:
    with audit_role_must_exist():
        yield build_local_org(example_data, tmp_path)


def audit(local: LocalOrg, out: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["audit", "--partition", "aws", "--config", str(local.config_path), "--out", str(out), *extra])
    report_file = out / "access-audit-aws.json"
    return code, json.loads(report_file.read_text()) if report_file.exists() else {}


def rows_of(report: dict[str, Any], account: str | None = None) -> set[tuple[str, str, str, str]]:
    return {
        (r["account"], r["check"], r["subject"], r["severity"])
        for r in report["rows"]
        if account is None or r["account"] == account
    }


def test_as_configured_only_the_breakglass_users_show(local_org: LocalOrg, tmp_path: Path) -> None:
    """The org exactly as configured, with its two breakglass users (password and MFA): exit 0, info rows only."""
    for user in ("breakglass-alice", "breakglass-bob"):
        local_org.breakglass_user("security", user)
    code, report = audit(local_org, tmp_path / "out")
    assert rows_of(report) == {
        ("security", "iam-user-console-password", "breakglass-alice", "info"),
        ("security", "iam-user-console-password", "breakglass-bob", "info"),
    }
    assert code == 0
    assert report["findings"] == 0 and report["errors"] == 0


def test_drift_is_reported(local_org: LocalOrg, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    local_org.human_user_with_password_and_old_key("web-prod", "alice", key_age_days=400)
    bot_key = local_org.legacy_bot("payments-prod", "billing-export")
    local_org.stray_assignment("web-prod", "Administrator", STRAY_GROUP)
    sandbox_ou = next(ou.id for ou in local_org.config.partitions["aws"].organizational_units if ou.path == "Sandbox")
    assert sandbox_ou
    local_org.detach_scp("examplecorp-scp-region-lock-sandbox", sandbox_ou)
    # The data-engineering group lost its DataEngineer assignment on payments-prod.
    import boto3

    boto3.client("sso-admin", region_name="us-east-1").delete_account_assignment(
        InstanceArn=local_org.instance_arn,
        TargetId=local_org.ids["payments-prod"],
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=local_org.permission_sets["DataEngineer"],
        PrincipalType="GROUP",
        PrincipalId=DATA_ENGINEERING,
    )

    code, report = audit(local_org, tmp_path / "out")

    assert code == 2
    assert rows_of(report) == {
        ("organization", "scp-not-attached", "examplecorp-scp-region-lock-sandbox", "finding"),
        ("web-prod", "iam-user-console-password", "alice", "finding"),
        ("web-prod", "iam-user-no-mfa", "alice", "finding"),
        ("web-prod", "iam-user-access-key", "alice", "finding"),
        ("web-prod", "assignment-unexplained", f"Administrator/{STRAY_GROUP}", "finding"),
        ("payments-prod", "iam-user-access-key", "billing-export", "finding"),
        ("payments-prod", "assignment-missing", "DataEngineer/data-engineering", "finding"),
    }
    details = {(r["account"], r["check"]): r["detail"] for r in report["rows"]}
    assert "400 days old" in details[("web-prod", "iam-user-access-key")]
    assert "last used" in details[("web-prod", "iam-user-access-key")]
    assert details[("payments-prod", "iam-user-access-key")].startswith("legacy bot user:")
    assert bot_key in details[("payments-prod", "iam-user-access-key")]
    assert f"configured on OU Sandbox ({sandbox_ou})" in details[("organization", "scp-not-attached")]
    # A clean account reports nothing.
    assert rows_of(report, "web-dev") == set()
    # The same rows in the CSV for auditors, and in the table.
    with (tmp_path / "out" / "access-audit-aws.csv").open() as handle:
        csv_rows = {(r["account"], r["check"], r["subject"], r["severity"]) for r in csv.DictReader(handle)}
    assert csv_rows == rows_of(report)
    out = capsys.readouterr()
    assert "assignment-unexplained" in out.out and "billing-export" in out.out
    assert "audited 9/9 accounts" in out.err


def test_root_access_keys_and_unlocked_vault(local_org: LocalOrg, tmp_path: Path) -> None:
    from moto.backup.models import backup_backends
    from moto.iam.models import iam_backends

    account = local_org.ids["web-prod"]
    iam_backends[account]["aws"].account_summary._account_mfa_enabled = 0  # root MFA removed
    backup_backends[account]["us-west-2"].vaults[local_org.org.backup_vault].locked = False
    code, report = audit(local_org, tmp_path / "out", "--accounts", "web-prod")
    assert code == 2
    assert rows_of(report) == {
        ("web-prod", "root-no-mfa", "root", "finding"),
        ("web-prod", "vault-not-locked", "examplecorp-baseline-vault in us-west-2", "finding"),
    }


def test_centralized_root_access_accounts_without_root_credentials_need_no_root_mfa(
    local_org: LocalOrg, tmp_path: Path
) -> None:
    """With IAM's trusted access and RootCredentialsManagement on, a member account whose root password, keys and
    signing certificates were deleted has no root MFA to check (info); a member that still has a root password, and
    the management account (its root is not centrally managed), still need root MFA (docs/access.md)."""
    import boto3
    from moto.iam.models import iam_backends

    root = RootCredentials(features=["RootCredentialsManagement", "RootSessions"])
    with centralized_root_access(root):
        boto3.client("organizations", region_name="us-east-1").enable_aws_service_access(
            ServicePrincipal="iam.amazonaws.com"
        )
        for name in ("web-prod", "web-dev"):
            root.remove(local_org.ids[name])
        for name in ("sandbox-research", "management"):  # root MFA off, root password still there
            iam_backends[local_org.ids[name]]["aws"].account_summary._account_mfa_enabled = 0
        with CallRecorder().active() as recorder:
            code, report = audit(
                local_org, tmp_path / "out", "--accounts", "management,web-prod,web-dev,sandbox-research"
            )
    assert rows_of(report) == {
        ("organization", "root-access-management", "RootCredentialsManagement", "info"),
        ("web-prod", "root-credentials-removed", "root", "info"),
        ("web-dev", "root-credentials-removed", "root", "info"),
        ("sandbox-research", "root-no-mfa", "root", "finding"),
        ("management", "root-no-mfa", "root", "finding"),
    }
    details = {(r["account"], r["check"]): r["detail"] for r in report["rows"]}
    assert details[("sandbox-research", "root-no-mfa")] == (
        "the root user has no MFA device and may sign in (Password): delete its root credentials (centralized root "
        "access)"
    )
    assert details[("management", "root-no-mfa")] == "the root user has no MFA device"
    assert code == 2
    assert {"organizations:ListAWSServiceAccessForOrganization", "iam:ListOrganizationsFeatures"} <= {
        c.action for c in recorder.calls
    }
    assert_read_only(recorder.calls, local_org)


@pytest.mark.parametrize(
    ("trusted", "features"),
    [(True, ["RootSessions"]), (False, ["RootCredentialsManagement"])],
    ids=["root-sessions-only", "iam-not-trusted"],
)
def test_without_centralized_root_credentials_management_root_mfa_is_required(
    local_org: LocalOrg, tmp_path: Path, trusted: bool, features: list[str]
) -> None:
    import boto3

    root = RootCredentials(features=features)
    with centralized_root_access(root):
        if trusted:
            boto3.client("organizations", region_name="us-east-1").enable_aws_service_access(
                ServicePrincipal="iam.amazonaws.com"
            )
        root.remove(local_org.ids["web-prod"])
        code, report = audit(local_org, tmp_path / "out", "--accounts", "web-prod")
    assert rows_of(report) == {("web-prod", "root-no-mfa", "root", "finding")}
    assert code == 2


@STS_ACCESS_DENIED_IS_UNMODELED
def test_an_account_without_the_audit_role_is_an_error_and_the_rest_go_on(local_org: LocalOrg, tmp_path: Path) -> None:
    local_org.remove_audit_role("sandbox-research")
    local_org.legacy_bot("web-prod", "old-bot")
    code, report = audit(local_org, tmp_path / "out")
    assert code == 2
    errors = [r for r in report["rows"] if r["severity"] == "error"]
    assert [(r["account"], r["check"]) for r in errors] == [("sandbox-research", "account-not-audited")]
    assert "cannot assume" in errors[0]["detail"] and "AccessDenied" in errors[0]["detail"]
    assert ("web-prod", "iam-user-access-key", "old-bot", "finding") in rows_of(report)


@IAM_THROTTLING_IS_UNMODELED
def test_throttling_that_persists_is_reported_per_check(
    local_org: LocalOrg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    with throttled("list_users"):
        code, report = audit(local_org, tmp_path / "out", "--accounts", "web-dev,web-prod")
    assert code == 2
    errors = {(r["account"], r["check"]): r["detail"] for r in report["rows"] if r["severity"] == "error"}
    assert set(errors) == {("web-dev", "iam-users"), ("web-prod", "iam-users")}
    assert "still throttled by AWS after 2 attempts (Throttling)" in errors[("web-dev", "iam-users")]


BAD_INPUT: list[tuple[list[str], str]] = [
    (["--accounts", "web-prod,nosuch"], "unknown accounts in partition aws: nosuch (--accounts)"),
    (["--accounts", "gov-workload-prod"], "unknown accounts in partition aws: gov-workload-prod"),
    (["--partition", "aws-us-gov"], "partition aws-us-gov is not in"),
]


def test_bad_input(local_org: LocalOrg, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each case: exit 1 and one message on stderr (one local org for all: building it takes seconds)."""
    config = str(local_org.config_path)
    for args, message in BAD_INPUT:
        code = main(["audit", "--partition", "aws", "--config", config, "--out", str(tmp_path), *args])
        assert code == 1, args
        assert message in capsys.readouterr().err, args


def test_missing_config_and_no_credentials(
    aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["audit", "--partition", "aws", "--config", str(tmp_path / "none.yaml")]) == 1
    assert "none.yaml" in capsys.readouterr().err
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["audit", "--partition", "aws", "--out", str(tmp_path)]) == 1
    assert "no AWS credentials" in capsys.readouterr().err


@STS_ACCESS_DENIED_IS_UNMODELED
def test_auditor_role_not_assumable(local_org: LocalOrg, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from moto.iam.models import iam_backends

    backend = iam_backends["123456789012"]["aws"]
    name = local_org.org.access_auditor_role
    backend.detach_role_policy(f"arn:aws:iam::123456789012:policy/{name}", name)
    backend.delete_role(name)
    code, _ = audit(local_org, tmp_path / "out")
    assert code == 1
    err = capsys.readouterr().err
    assert f"cannot assume arn:aws:iam::123456789012:role/{name}" in err
    assert "deploy the management account's baseline" in err


def test_govcloud(aws: None, example_data: dict[str, Any], tmp_path: Path) -> None:
    """The GovCloud organization of the example: ARNs, regions and names of its partition, read-only there too."""
    with audit_role_must_exist():
        local = build_local_org(example_data, tmp_path, "aws-us-gov")
        local.human_user_with_password_and_old_key("gov-workload-prod", "alice", key_age_days=100)
        local.stray_assignment("gov-workload-dev", "Administrator", STRAY_GROUP)
        with CallRecorder().active() as recorder:
            args = ["audit", "--partition", "aws-us-gov", "--config", str(local.config_path),
                    "--out", str(tmp_path / "out")]  # fmt: skip
            code = main(args)
    report = json.loads((tmp_path / "out" / "access-audit-aws-us-gov.json").read_text())
    assert rows_of(report) == {
        ("gov-workload-prod", "iam-user-console-password", "alice", "finding"),
        ("gov-workload-prod", "iam-user-no-mfa", "alice", "finding"),
        ("gov-workload-prod", "iam-user-access-key", "alice", "finding"),
        ("gov-workload-dev", "assignment-unexplained", f"Administrator/{STRAY_GROUP}", "finding"),
    }
    assert code == 2
    regions = {c.region for c in recorder.calls}
    assert regions == {"us-gov-west-1", "us-gov-east-1"}  # the vaults of both GovCloud regions, nothing else
    assert all(c.params.get("RoleArn", "arn:aws-us-gov:").startswith("arn:aws-us-gov:") for c in recorder.calls)
    assert_read_only(recorder.calls, local)


# --- nothing is written ----------------------------------------------------------------------------------------


def resource_of(call: Call, partition: str = "aws") -> str:
    """The resource IAM authorizes the call on (https://docs.aws.amazon.com/service-authorization/latest/reference/
    list_awsidentityandaccessmanagementiam.html and the pages of the other services)."""
    account = call.identity.split(":")[4] if call.identity != "operator" else "123456789012"
    p = call.params
    if call.action == "sts:AssumeRole":
        return str(p["RoleArn"])
    if call.action == "cloudtrail:GetTrailStatus":
        return str(p["Name"])
    if call.action == "backup:DescribeBackupVault":
        return f"arn:{partition}:backup:{call.region}:{account}:backup-vault:{p['BackupVaultName']}"
    if call.action == "logs:FilterLogEvents":
        return f"arn:{partition}:logs:{call.region}:{account}:log-group:{p['logGroupName']}:*"
    if "Arn" in p or "PolicyArn" in p:
        return str(p.get("Arn") or p["PolicyArn"])
    if "RoleName" in p:
        return f"arn:{partition}:iam::{account}:role/{p['RoleName']}"
    if call.action == "iam:GetAccessKeyLastUsed":
        return f"arn:{partition}:iam::{account}:user/key-owner"
    if "UserName" in p:
        return f"arn:{partition}:iam::{account}:user/{p['UserName']}"
    return "*"


def assert_read_only(calls: list[Call], local: LocalOrg) -> None:
    """The operator only identifies itself and assumes the auditor; the auditor and the audit roles make only calls
    their policies allow, and those policies allow no writes (tests/test_access_audit_roles.py)."""
    org = local.org
    assert calls
    for call in calls:
        if call.identity == "operator":
            allowed = call.action == "sts:GetCallerIdentity" or (
                call.action == "sts:AssumeRole" and call.params["RoleArn"] == org.access_auditor_role_arn
            )
            assert allowed, call
            continue
        if call.identity == org.access_auditor_role_arn:
            policy = auditor_role_policy(org)
        else:
            account = call.identity.split(":")[4]
            assert call.identity == org.access_audit_role_arn(account), call
            policy = audit_role_policy(org, account)
        decision = evaluate([policy], Request(call.action, resource=resource_of(call, org.partition)))
        assert decision == "Allow", call


def test_every_call_is_a_read_its_role_allows(local_org: LocalOrg, tmp_path: Path) -> None:
    local_org.human_user_with_password_and_old_key("web-prod", "alice")
    local_org.legacy_bot("payments-prod", "billing-export")
    with CallRecorder().active() as recorder:
        code, _ = audit(local_org, tmp_path / "out")
    assert code == 2
    actions = {c.action for c in recorder.calls}
    # The audit reads all of these; if it stopped, the check below would prove less.
    assert {"iam:ListUsers", "iam:GetLoginProfile", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed",
            "iam:GetAccountSummary", "backup:DescribeBackupVault", "organizations:ListPoliciesForTarget",
            "sso:ListAccountAssignments", "cloudtrail:GetTrailStatus"} <= actions  # fmt: skip
    assert_read_only(recorder.calls, local_org)

"""Proof by deployment: the example org, synthesized for a subset of its accounts, bootstrapped and deployed with the
real CDK CLI into a local AWS API (moto in server mode, tests/support/local_cloud.py), both partitions, then read
back through boto3 and compared with the templates.

Run it with `make deploy-test` (`make test` runs it as its own step). What it proves, and what the local API cannot
(the recorded-only resource types and the gap fills), is in docs/testing.md ("The deploy test").

The module's fixture does the work once, in this order, and the tests check its record:
1. synthesize the accounts below (and, for the update, one account from a copy of the config with a changed idle
   session timeout);
2. `cdk bootstrap` every account in all its regions, one CLI call per account;
3. the failure paths: a regional baseline before its home-region baseline, a baseline before the security stack;
4. deploy each partition step by step in dependency order (the partitions in parallel);
5. deploy everything again: every stack must report no changes;
6. deploy the changed timeout and read it back.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.assignments import identity_center_admin
from config.loader import load_config
from stacks.plan import StackKind, plan
from tests.support.deploy_run import (
    AssemblyStack,
    CliRun,
    assembly_stacks,
    bootstrap,
    deploy,
    deploy_partition,
    failure_report,
    stack_status,
    steps_of,
    synthesize,
)
from tests.support.local_cloud import LocalCloud, organization_with_accounts, recorded_only_types
from tests.support.project import EXAMPLE_CONFIG
from tests.support.readback import StackReadBack, read_back

pytestmark = pytest.mark.deploy

# At least log archive, management, security and two workloads per partition (GovCloud's security account is its
# log-archive account in the example org; each management account is also its Identity Center admin).
ACCOUNTS = {
    "aws": ["log-archive", "management", "security", "web-prod", "web-dev"],
    "aws-us-gov": ["gov-log-archive", "gov-management", "gov-workload-prod", "gov-workload-dev"],
}
# Stacks deployed in parallel within a step: one. moto 5.2.5 finds a change set by its name within the account and
# region, not within its stack, and every CDK deploy names its change set cdk-deploy-change-set: two stacks of one
# account and region deployed in parallel execute (or delete) each other's change set, and one stays in
# REVIEW_IN_PROGRESS while the CLI waits (seen with the Access stacks, all in the Identity Center admin account).
DEPLOY_CONCURRENCY = {"aws": 1, "aws-us-gov": 1}
# The failure paths, one per partition, deployed before anything else of their account.
REGIONAL_BEFORE_HOME = "Baseline-web-prod-us-west-2"
BASELINE_BEFORE_SECURITY = "Baseline-gov-workload-dev-us-gov-west-1"
# The update: a changed idle session timeout, deployed to one account.
UPDATED_ACCOUNT = "web-dev"
UPDATED_STACK = "Baseline-web-dev-us-east-1"
NEW_IDLE_TIMEOUT = 25  # minutes; the example org has 15

# Resource types of these stacks that moto's CloudFormation only records: it creates nothing behind them, so no
# read-back can verify them. Their proof is the policy-decision and template tests; a real sandbox drill is the
# rest (docs/testing.md). A type added here is a new unverifiable resource: say so in the docs.
EXPECTED_RECORDED_ONLY = [
    "AWS::AccessAnalyzer::Analyzer",
    "AWS::ApiGateway::Account",
    "AWS::ApiGateway::RequestValidator",
    "AWS::ApiGateway::Stage",
    "AWS::Backup::BackupPlan",
    "AWS::Backup::BackupSelection",
    "AWS::Backup::BackupVault",
    "AWS::Chatbot::SlackChannelConfiguration",
    "AWS::CloudTrail::Trail",
    "AWS::CloudWatch::Alarm",
    "AWS::Config::ConfigurationAggregator",
    "AWS::Config::ConfigurationRecorder",
    "AWS::Config::DeliveryChannel",
    "AWS::EC2::VPCBlockPublicAccessExclusion",
    "AWS::Events::EventBusPolicy",
    "AWS::GuardDuty::PublishingDestination",
    "AWS::Logs::MetricFilter",
    "AWS::Organizations::Policy",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
    "AWS::SSO::Assignment",
    "AWS::SSO::PermissionSet",
    "AWS::Scheduler::Schedule",
    "AWS::Scheduler::ScheduleGroup",
    "AWS::SecurityHub::ConfigurationPolicy",
    "AWS::SecurityHub::DelegatedAdmin",
    "AWS::SecurityHub::FindingAggregator",
    "AWS::SecurityHub::OrganizationConfiguration",
    "AWS::SecurityHub::PolicyAssociation",
]

# Types moto creates for which tests/support/readback.py has no reader yet: the elevation engine's and the new
# custom resources. The deploy proves they create; their properties are not read back.
EXPECTED_DEPLOYED_NOT_READ_BACK = [
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::RestApi",
    "AWS::DynamoDB::Table",
    "AWS::Lambda::Permission",
    "AWS::StepFunctions::StateMachine",
    "Custom::CentralizedRootAccess",
    "Custom::ConfigServiceLinkedRole",
    "Custom::DelegatedAdministrators",
    "Custom::GuardDutyOrganization",
    "Custom::KeyOfAlias",
]

# Properties moto's CloudFormation drops when it creates a resource (tests/support/readback.py, DROPPED_PROPERTIES)
# that these stacks set: deployed, but not verifiable locally.
EXPECTED_UNVERIFIED_PROPERTIES = [
    "AWS::IAM::Role.ManagedPolicyArns",
    "AWS::Logs::LogGroup.KmsKeyId",
    "AWS::S3::Bucket.LifecycleConfiguration",
    "AWS::S3::Bucket.LoggingConfiguration",
    "AWS::S3::Bucket.OwnershipControls",
    "AWS::S3::Bucket.PublicAccessBlockConfiguration",
    "AWS::S3::Bucket.VersioningConfiguration",
]


@dataclass
class DeployRecord:
    """Everything the deploy run did, for the tests to check and the report to print."""

    stacks: dict[str, AssemblyStack]
    cloud: LocalCloud | None = None  # alive while the module's tests run
    runs: list[CliRun] = field(default_factory=list)
    steps: dict[str, list[list[str]]] = field(default_factory=dict)
    failures: dict[str, tuple[CliRun, str]] = field(default_factory=dict)  # stack -> (CLI run, failure report)
    problems: list[str] = field(default_factory=list)  # failed steps: stack, resource, reason
    read_backs: dict[str, StackReadBack] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)  # stack -> status after the deploy
    rerun: list[CliRun] = field(default_factory=list)
    update: CliRun | None = None
    update_read_back: StackReadBack | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def _write_updated_config(workdir: Path) -> Path:
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    data["session_manager"]["idle_session_timeout_minutes"] = NEW_IDLE_TIMEOUT
    path = workdir / "org-updated.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _bootstrap_all(cloud: LocalCloud, workdir: Path) -> list[CliRun]:
    """`cdk bootstrap` every account of the plan in each of its stacks' regions, one CLI call per account."""
    config = load_config(EXAMPLE_CONFIG)
    ids = {account.name: account.id for account in config.accounts}
    regions: dict[tuple[str, str], set[str]] = {}
    for stack in plan(config, [a for accounts in ACCOUNTS.values() for a in accounts]):
        account = ids[stack.account_name] if stack.kind is not StackKind.ACCESS else None
        if account is not None:
            regions.setdefault((account, stack.partition), set()).add(stack.region)
    for partition in ACCOUNTS:  # Access stacks deploy to the Identity Center admin account's home region
        admin = ids[identity_center_admin(config, partition)]  # type: ignore[arg-type]
        regions.setdefault((admin, partition), set()).add(config.partitions[partition].home_region)  # type: ignore[index]
    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(pool.map(lambda item: bootstrap(cloud, item[0][0], item[0][1], item[1], workdir), regions.items()))


def _synthesized(process: Any, what: str) -> None:
    output, _ = process.communicate(timeout=600)
    if process.returncode != 0:
        pytest.fail(f"synth of {what} failed:\n{output}")


def _deploy_partition(cloud: LocalCloud, record: DeployRecord, assembly: Path, partition: str, workdir: Path) -> None:
    run = deploy_partition(
        cloud, assembly, partition, ACCOUNTS[partition], EXAMPLE_CONFIG, workdir, DEPLOY_CONCURRENCY[partition]
    )
    record.runs.append(run)
    record.steps[partition] = steps_of(run)
    if run.returncode != 0:
        failed_step = record.steps[partition][-1] if record.steps[partition] else []
        reports = [failure_report(cloud, record.stacks[name]) for name in failed_step if not run.deployed(name)]
        record.problems.append(
            f"python -m ops.deploy --partition {partition} failed (exit {run.returncode}):\n"
            + "\n".join(reports)
            + f"\n--- output (end) ---\n{run.output[-3000:]}"
        )


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployRecord]:
    workdir = tmp_path_factory.mktemp("deploy")
    started = time.monotonic()
    main_out, update_out = workdir / "cdk.out", workdir / "cdk.out.updated"
    synths = [
        (synthesize(main_out, [a for accounts in ACCOUNTS.values() for a in accounts]), "the example org"),
        (synthesize(update_out, [UPDATED_ACCOUNT], _write_updated_config(workdir)), "the updated config"),
    ]
    cloud = LocalCloud().start()
    try:
        config = load_config(EXAMPLE_CONFIG)
        for partition, part in config.partitions.items():
            ids = {a.name: a.id for a in config.accounts if a.partition == partition}
            organization_with_accounts(cloud, ids[part.management_account], partition, part.home_region, ids)
        # Bootstrapping needs no assembly: it runs while the app synthesizes.
        runs = _bootstrap_all(cloud, workdir)
        for process, what in synths:
            _synthesized(process, what)
        record = DeployRecord(assembly_stacks(main_out), cloud=cloud, runs=runs)
        record.seconds["synth and bootstrap"] = time.monotonic() - started
        for run in runs:
            if run.returncode != 0:
                pytest.fail(f"cdk {' '.join(run.args)} failed:\n{run.output[-3000:]}")

        mark = time.monotonic()
        with ThreadPoolExecutor(max_workers=2) as pool:
            early = {name: pool.submit(deploy, cloud, main_out, [name], workdir)
                     for name in (REGIONAL_BEFORE_HOME, BASELINE_BEFORE_SECURITY)}  # fmt: skip
            for name, future in early.items():
                run = future.result()
                record.runs.append(run)
                record.failures[name] = (run, failure_report(cloud, record.stacks[name]))
        record.seconds["failure paths"] = time.monotonic() - mark

        mark = time.monotonic()
        with ThreadPoolExecutor(max_workers=2) as pool:
            for partition_deploy in [
                pool.submit(_deploy_partition, cloud, record, main_out, p, workdir) for p in ACCOUNTS
            ]:
                partition_deploy.result()
        record.seconds["deploy"] = time.monotonic() - mark
        if record.problems:
            yield record
            _print_report(record)
            return

        mark = time.monotonic()
        for stack in record.stacks.values():
            record.status[stack.name] = stack_status(cloud, stack)
            record.read_backs[stack.name] = read_back(
                cloud, stack.name, stack.template(), stack.account, stack.region, stack.partition
            )
        record.seconds["read-back"] = time.monotonic() - mark

        mark = time.monotonic()
        with ThreadPoolExecutor(max_workers=2) as pool:
            reruns = [
                pool.submit(deploy_partition, cloud, main_out, p, ACCOUNTS[p], EXAMPLE_CONFIG, workdir)
                for p in ACCOUNTS
            ]
            record.rerun = [future.result() for future in reruns]
        record.seconds["no-op rerun"] = time.monotonic() - mark

        mark = time.monotonic()
        record.update = deploy(cloud, update_out, [UPDATED_STACK], workdir)
        updated = assembly_stacks(update_out)[UPDATED_STACK]
        record.update_read_back = read_back(
            cloud, UPDATED_STACK, updated.template(), updated.account, updated.region, updated.partition
        )
        record.seconds["update"] = time.monotonic() - mark
        record.seconds["total"] = time.monotonic() - started
        yield record
        _print_report(record)
    finally:
        for process, _ in synths:
            if process.poll() is None:
                process.kill()
        cloud.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _print_report(record: DeployRecord) -> None:
    recorded = set(EXPECTED_RECORDED_ONLY)
    lines = ["", "deploy test: per stack, deployed / verified read-backs / recorded-only types"]
    for name, stack in record.stacks.items():
        read = record.read_backs.get(name)
        types = sorted({r["Type"] for r in stack.template()["Resources"].values()} & recorded)
        verified = f"{read.verified_resources} resources, {len(read.checks)} properties" if read else "-"
        lines.append(
            f"  {name:<42} {record.status.get(name, 'not deployed'):<16} verified: {verified:<28} recorded-only: {', '.join(types) or '-'}"
        )
        if read and read.unverified:
            lines.append(f"  {'':<42} unverified properties (moto drops them): {', '.join(sorted(read.unverified))}")
    slowest = sorted(record.runs, key=lambda run: -run.seconds)[:3]
    lines.append(
        f"  {len(record.runs)} CLI runs; slowest: "
        + ", ".join(f"{' '.join(run.args[:1] + run.args[-1:])} {run.seconds:.0f} s" for run in slowest)
    )
    lines.append("  times: " + ", ".join(f"{k} {v:.0f} s" for k, v in record.seconds.items()))
    print("\n".join(lines), file=sys.stderr)


# --- the tests -----------------------------------------------------------------------------------------------


def test_every_step_deploys_in_order(deployed: DeployRecord) -> None:
    home = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}
    assert not deployed.problems, "\n\n".join(deployed.problems)
    for partition, steps in deployed.steps.items():
        order = [name for step in steps for name in step]
        assert order[0].startswith("LogArchive-"), (partition, steps)
        assert order.index(f"Security-{'security' if partition == 'aws' else 'gov-log-archive'}") < min(
            order.index(name) for name in order if name.startswith("Baseline-")
        )
        # the last step: per-account stacks, and the security services of the security account's other regions
        assert all(name.startswith(("Access-", "Baseline-", "Alerts-", "SecurityServices-")) for name in steps[-1]), (
            steps
        )
        for name in order:  # a regional baseline and access follow the account's home-region baseline
            if name.startswith("Access-"):
                assert order.index(name) > order.index(f"Baseline-{name.removeprefix('Access-')}-{home[partition]}")


def test_a_regional_baseline_before_its_home_region_fails_with_stack_resource_and_reason(
    deployed: DeployRecord,
) -> None:
    run, report = deployed.failures[REGIONAL_BEFORE_HOME]
    assert run.returncode != 0, run.output[-2000:]
    # The function's role is created by the home-region baseline (IAM is global): Lambda refuses a missing role.
    assert f"{REGIONAL_BEFORE_HOME}: SessionCustomResourcesFunction" in report, report
    assert "AWS::Lambda::Function CREATE_FAILED" in report.replace("(", "").replace(")", ""), report
    assert "role defined for the function cannot be assumed by Lambda" in report, report


def test_a_baseline_before_the_security_stack_fails_with_stack_resource_and_reason(deployed: DeployRecord) -> None:
    run, report = deployed.failures[BASELINE_BEFORE_SECURITY]
    assert run.returncode != 0, run.output[-2000:]
    assert f"{BASELINE_BEFORE_SECURITY}: SessionCustomResourcesApprovedDocumentShare" in report, report
    assert "deploy the security stacks" in report, report


def test_read_backs_match_the_templates(deployed: DeployRecord) -> None:
    assert not deployed.problems, "\n\n".join(deployed.problems)
    differences = [
        f"{name}: {check.logical_id} ({check.resource_type}) {check.prop}: template {check.expected!r}, "
        f"deployed {check.actual!r}"
        for name, read in deployed.read_backs.items()
        for check in read.differences
    ]
    assert not differences, "\n".join(differences)
    not_complete = {name: status for name, status in deployed.status.items() if not status.endswith("_COMPLETE")}
    assert not not_complete
    assert not any("ROLLBACK" in status for status in deployed.status.values()), deployed.status
    readable = [
        name
        for name, read in deployed.read_backs.items()
        if set(read.unread_types) != {r["Type"] for r in deployed.stacks[name].template()["Resources"].values()}
    ]
    assert all(deployed.read_backs[name].checks for name in readable)


def test_recorded_only_types_are_the_expected_ones(deployed: DeployRecord) -> None:
    types = {r["Type"] for stack in deployed.stacks.values() for r in stack.template()["Resources"].values()}
    assert recorded_only_types(types) == EXPECTED_RECORDED_ONLY
    unread = set().union(*(read.unread_types for read in deployed.read_backs.values()))
    # Created locally but not read back yet (no reader in tests/support/readback.py): deployed, not verified.
    assert sorted(unread - set(EXPECTED_RECORDED_ONLY)) == EXPECTED_DEPLOYED_NOT_READ_BACK
    assert set(EXPECTED_RECORDED_ONLY) <= unread, "a recorded-only type got a reader: move it out of the list"


def test_properties_moto_drops_are_the_expected_ones(deployed: DeployRecord) -> None:
    assert not deployed.problems, "\n\n".join(deployed.problems)
    unverified = set().union(*(read.unverified for read in deployed.read_backs.values()))
    assert sorted(unverified) == EXPECTED_UNVERIFIED_PROPERTIES


def test_a_second_run_without_changes_is_a_no_op(deployed: DeployRecord) -> None:
    assert not deployed.problems, "\n\n".join(deployed.problems)
    changed = [
        name for run in deployed.rerun for name in deployed.stacks if name in run.output and not run.no_changes(name)
    ]
    assert all(run.returncode == 0 for run in deployed.rerun)
    assert not changed, f"{changed} changed:\n" + "\n".join(run.output[-3000:] for run in deployed.rerun)


def test_a_changed_session_timeout_deploys_and_reads_back(deployed: DeployRecord) -> None:
    assert not deployed.problems, "\n\n".join(deployed.problems)
    assert deployed.update is not None
    assert deployed.update.returncode == 0 and not deployed.update.no_changes(UPDATED_STACK), deployed.update.output
    read = deployed.update_read_back
    assert read is not None and not read.differences, read and read.differences
    (document,) = [c for c in read.checks if c.logical_id == "SessionPreferencesDocument" and c.prop == "Content"]
    assert f'"idleSessionTimeout": "{NEW_IDLE_TIMEOUT}"' in str(document.actual).replace("'", '"'), document.actual


# --- the access audit against the deployed organization ------------------------------------------------------

# What each audited account reports because the local API cannot show it (docs/testing.md, "The deploy test"): its
# root user has no MFA (only a root sign-in can add one, in AWS and in moto), its baseline vault is recorded-only
# (vault-missing in each region), and the Identity Center assignments are recorded-only (assignment-missing).
# The organization reports the trail (recorded-only) as missing, and the SCP check as an error: the SCPs are
# recorded-only and moto's organization has its own root and no OUs, so the config's targets do not exist there.
NOT_SHOWN_LOCALLY = {"root-no-mfa", "vault-missing", "assignment-missing"}
ORGANIZATION_ROWS = {("organization", "org-trail", "finding"), ("organization", "scp-attachments", "error")}
# The Organization stack turns on centralized root access in the commercial partition (Custom::CentralizedRootAccess,
# through the gap fills iam_trusted_access and iam_organization_features): the audit reads it and says so. Member
# accounts still report root-no-mfa: moto's account summary has no AccountPasswordPresent, so no account is known to
# have its root credentials removed.
ROOT_ACCESS_ROWS = {"aws": {("organization", "root-access-management", "info")}, "aws-us-gov": set()}
VAULT_REGIONS = {
    "aws": {"log-archive": ["us-east-1", "us-west-2"], "management": ["us-east-1", "us-west-2"],
            "security": ["us-east-1", "us-west-2"], "web-prod": ["us-east-1", "us-west-2"], "web-dev": ["us-east-1"]},
    "aws-us-gov": {name: ["us-gov-east-1", "us-gov-west-1"] for name in ACCOUNTS["aws-us-gov"]},
}  # fmt: skip
# web-dev's configured assignments (config/org.yaml): platform-admins ReadOnly on the root, engineers ReadOnly on
# Workloads and PowerUser on Workloads/Dev, sre-oncall SessionManager on Workloads but payments-prod.
WEB_DEV_ASSIGNMENTS = {
    "ReadOnly/platform-admins",
    "ReadOnly/engineers",
    "PowerUser/engineers",
    "SessionManager/sre-oncall",
}
DRIFT_ACCOUNT = {"aws": "web-prod", "aws-us-gov": "gov-workload-prod"}
HUMAN_USER = "alice.local"
# The operator's shell for the audit: the local endpoint, the management account's credentials, few retries.
AUDIT_ENVIRONMENT = ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_MAX_ATTEMPTS", "AWS_ACCESS_KEY_ID",
                     "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_EC2_METADATA_DISABLED")  # fmt: skip


def _audit_deployed(
    cloud: LocalCloud, partition: str, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, dict[str, Any]]:
    """`python -m ops.access audit` of the deployed accounts, with an operator of the management account."""
    import boto3

    from ops.access.__main__ import main
    from tests.support.local_access import audit_role_must_exist
    from tests.support.local_cloud import CLEARED_ENVIRONMENT

    config = load_config(EXAMPLE_CONFIG)
    part = config.partitions[partition]  # type: ignore[index]
    management = next(a.id for a in config.accounts if a.name == part.management_account)
    for key in CLEARED_ENVIRONMENT:
        monkeypatch.delenv(key, raising=False)
    environment = {
        **cloud.base_environment(part.home_region),
        **cloud.operator(management, partition, part.home_region),
    }
    for key in AUDIT_ENVIRONMENT:
        monkeypatch.setenv(key, environment[key])
    boto3.DEFAULT_SESSION = None
    # STS refuses a role that does not exist (moto would not): every audit and auditor role must have been deployed.
    with audit_role_must_exist():
        args = ["audit", "--partition", partition, "--config", str(EXAMPLE_CONFIG), "--out", str(workdir),
                "--accounts", ",".join(ACCOUNTS[partition])]  # fmt: skip
        code = main(args)
    return code, json.loads((workdir / f"access-audit-{partition}.json").read_text())


@pytest.mark.parametrize("partition", ["aws", "aws-us-gov"])
def test_access_audit_of_the_deployed_organization(
    deployed: DeployRecord, partition: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit reads the deployed organization: no false findings where the local API models the baseline (its
    audit and auditor roles are there and assumable, no IAM users, no root access keys), what it cannot show is a
    finding or an error, never clean; a human IAM user planted afterwards is reported."""
    assert not deployed.problems, "\n\n".join(deployed.problems)
    assert deployed.cloud is not None
    code, report = _audit_deployed(deployed.cloud, partition, tmp_path / "before", monkeypatch)
    rows = {(r["account"], r["check"], r["severity"]) for r in report["rows"]}
    expected = (
        ORGANIZATION_ROWS
        | ROOT_ACCESS_ROWS[partition]
        | {(a, check, "finding") for a in ACCOUNTS[partition] for check in NOT_SHOWN_LOCALLY}
    )
    assert rows == expected, report["rows"]
    vaults = {(r["account"], r["subject"]) for r in report["rows"] if r["check"] == "vault-missing"}
    assert vaults == {
        (account, f"examplecorp-baseline-vault in {region}")
        for account, regions in VAULT_REGIONS[partition].items()
        for region in regions
    }
    if partition == "aws":
        missing = {
            r["subject"] for r in report["rows"] if r["account"] == "web-dev" and r["check"] == "assignment-missing"
        }
        assert missing == WEB_DEV_ASSIGNMENTS
    assert code == 2  # findings: what the local API cannot show is never reported as clean

    account = DRIFT_ACCOUNT[partition]
    config = load_config(EXAMPLE_CONFIG)
    account_id = next(a.id for a in config.accounts if a.name == account)
    region = config.partitions[partition].home_region  # type: ignore[index]
    iam = deployed.cloud.client("iam", account_id, partition, region)
    iam.create_user(UserName=HUMAN_USER)
    iam.create_login_profile(UserName=HUMAN_USER, Password="Local-only-password-1")
    iam.create_access_key(UserName=HUMAN_USER)
    try:
        code, drifted = _audit_deployed(deployed.cloud, partition, tmp_path / "after", monkeypatch)
    finally:
        for key in iam.list_access_keys(UserName=HUMAN_USER)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=HUMAN_USER, AccessKeyId=key["AccessKeyId"])
        iam.delete_login_profile(UserName=HUMAN_USER)
        iam.delete_user(UserName=HUMAN_USER)
    before = {(r["account"], r["check"], r["subject"], r["severity"]) for r in report["rows"]}
    after = {(r["account"], r["check"], r["subject"], r["severity"]) for r in drifted["rows"]}
    assert after - before == {
        (account, "iam-user-console-password", HUMAN_USER, "finding"),
        (account, "iam-user-no-mfa", HUMAN_USER, "finding"),
        (account, "iam-user-access-key", HUMAN_USER, "finding"),
    }
    assert before <= after
    assert drifted["findings"] == report["findings"] + 3
    assert code == 2

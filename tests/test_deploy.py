"""`python -m ops.deploy`: the steps it computes from a synthesized assembly, what it prints, how it runs the CDK
CLI and how it stops. A fake `cdk` executable records each call and fails on a chosen stack; the one AWS call of the
deploy itself (the root's policy types) goes to the local AWS API (moto)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from config.models import OrgConfig
from config.regions import PartitionName
from ops import deploy
from stacks.plan import plan
from tests.conftest import Synthesized
from tests.support.project import EXAMPLE_CONFIG, ROOT

# --- the steps of the example org, from the assembly synthesized by the tests (tests/conftest.py) ------------

AWS_HOME_BASELINES = [
    f"Baseline-{name}-us-east-1"
    for name in (
        "management",
        "log-archive",
        "security",
        "shared-services",
        "ci",
        "payments-prod",
        "web-prod",
        "web-dev",
        "sandbox-research",
    )
]
# web-dev and sandbox-research run in us-east-1 only.
AWS_OTHER_BASELINES = [
    f"Baseline-{name}-us-west-2"
    for name in ("management", "log-archive", "security", "shared-services", "ci", "payments-prod", "web-prod")
]
GOV_ACCOUNTS = ("gov-management", "gov-log-archive", "gov-workload-prod", "gov-workload-dev", "gov-ci")

# Written out from the order docs/deploying.md gives: security, log archive and permission sets first; then the
# organization trail, the other regions' session documents and the home-region baselines; then the SCPs and the
# other regions' baselines; Identity Center assignments in a step of their own, at most 4 at a time.
EXPECTED_STEPS: dict[PartitionName, list[tuple[list[str], int]]] = {
    "aws": [
        (["LogArchive-log-archive", "IdentityCenter-management", "Security-security"], 3),
        # Elevation after IdentityCenter and Security (the alert hub's rule for its events)
        (
            [
                "Organization-management",
                "SessionDocuments-security-us-west-2",
                *AWS_HOME_BASELINES,
                "Elevation-management",
            ],
            8,
        ),
        (["Guardrails-management", *AWS_OTHER_BASELINES, "SecurityServices-security-us-east-1"], 8),
        ([f"Access-{stack.removeprefix('Baseline-').removesuffix('-us-east-1')}" for stack in AWS_HOME_BASELINES], 4),
        (["SecurityServices-security-us-west-2"], 1),
    ],
    "aws-us-gov": [
        (["LogArchive-gov-log-archive", "IdentityCenter-gov-management", "Security-gov-log-archive"], 3),
        (
            [
                "Organization-gov-management",
                "SessionDocuments-gov-log-archive-us-gov-east-1",
                *(f"Baseline-{name}-us-gov-west-1" for name in GOV_ACCOUNTS),
                "Elevation-gov-management",
            ],
            8,
        ),
        (
            [
                "Guardrails-gov-management",
                *(f"Baseline-{name}-us-gov-east-1" for name in GOV_ACCOUNTS),
                "SecurityServices-gov-log-archive-us-gov-west-1",
            ],
            7,
        ),
        ([f"Access-{name}" for name in GOV_ACCOUNTS], 4),
        (["SecurityServices-gov-log-archive-us-gov-east-1"], 1),
    ],
}


def test_steps_of_the_example_org(synth: Synthesized, partition: PartitionName) -> None:
    planned = deploy.deploy_plan(str(EXAMPLE_CONFIG), partition, None, synth.outdir, concurrency=8)
    assert [(list(step.stacks), step.concurrency) for step in planned.steps] == EXPECTED_STEPS[partition]
    assert planned.outside == ()


def test_steps_of_some_accounts_wait_only_for_each_other(synth: Synthesized) -> None:
    """The stacks outside the selection that the selection depends on must exist already: named, not waited for."""
    planned = deploy.deploy_plan(str(EXAMPLE_CONFIG), "aws", ["web-prod", "security"], synth.outdir, concurrency=2)
    assert [(list(step.stacks), step.concurrency) for step in planned.steps] == [
        (["Security-security"], 1),
        (["SessionDocuments-security-us-west-2", "Baseline-security-us-east-1", "Baseline-web-prod-us-east-1"], 2),
        (["Baseline-security-us-west-2", "Baseline-web-prod-us-west-2", "SecurityServices-security-us-east-1"], 2),
        (["Access-security", "Access-web-prod"], 2),
        (["SecurityServices-security-us-west-2"], 1),
    ]
    # baselines follow LogArchive (the AWS Config bucket their delivery channels check)
    assert planned.outside == ("IdentityCenter-management", "LogArchive-log-archive", "Organization-management")


# --- the command, on a small assembly written from the plan ----------------------------------------------------


def write_assembly(path: Path, config: OrgConfig, partition: PartitionName | None = None) -> Path:
    """A cloud assembly manifest as `cdk synth` writes it (stack artifacts with their environment and dependencies,
    an asset manifest each), for the planned stacks of `partition` (default both)."""
    ids = {account.name: account.id for account in config.accounts}
    artifacts: dict[str, object] = {}
    for stack in plan(config, partition=partition):
        artifacts[f"{stack.stack_id}.assets"] = {"type": "cdk:asset-manifest"}
        artifacts[stack.stack_id] = {
            "type": "aws:cloudformation:stack",
            "environment": f"aws://{ids[stack.account_name]}/{stack.region}",
            "dependencies": [*stack.after, f"{stack.stack_id}.assets"],
        }
    path.mkdir(parents=True, exist_ok=True)
    (path / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))
    return path


FAKE_CDK = f"""#!{sys.executable}
# Stands in for the CDK CLI: records its arguments, fails (exit 3) when FAKE_CDK_FAIL is one of the stack IDs.
import json, os, sys
with open(os.environ["FAKE_CDK_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
sys.exit(3 if os.environ.get("FAKE_CDK_FAIL") in sys.argv[1:] else 0)
"""


@pytest.fixture
def fake_cdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "bin" / "cdk"
    script.parent.mkdir()
    script.write_text(FAKE_CDK)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("FAKE_CDK_LOG", str(tmp_path / "cdk-calls.jsonl"))  # through the environment, unchanged
    return script


def calls(tmp_path: Path) -> list[list[str]]:
    log = tmp_path / "cdk-calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def gov_assembly(tmp_path: Path, example_config: OrgConfig) -> Path:
    return write_assembly(tmp_path / "cdk.out", example_config, "aws-us-gov")


def run_deploy(*args: str) -> int:
    """The deploy with a fake CLI and no AWS: the root's policy types are checked by the tests below, against the
    local AWS API."""
    return deploy.main(["--config", str(EXAMPLE_CONFIG), "--skip-policy-type-check", *args])


def test_dry_run_prints_the_steps_and_runs_nothing(
    gov_assembly: Path, fake_cdk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_deploy("--partition", "aws-us-gov", "--app", str(gov_assembly), "--cdk", str(fake_cdk), "--dry-run")
    out = capsys.readouterr().out
    assert code == 0 and calls(tmp_path) == []
    lines = out.splitlines()
    assert lines[0] == f"Deploy plan for partition aws-us-gov from {gov_assembly}: 24 stacks in 5 steps"
    assert lines[-2:] == ["", "--dry-run: nothing deployed."]
    headers = [line for line in lines if line.startswith("  step ")]
    assert headers == [
        "  step 1/5 (3 stacks, concurrency 3):",
        "  step 2/5 (8 stacks, concurrency 8):",
        "  step 3/5 (7 stacks, concurrency 7):",
        "  step 4/5 (5 stacks, concurrency 4):",
        "  step 5/5 (1 stack, concurrency 1):",
    ]
    # Each step's stacks follow its header, wrapped, in plan order.
    listed: list[list[str]] = []
    for line in lines[1:-2]:
        if line.startswith("  step "):
            listed.append([])
        else:
            assert line.startswith("    ") and len(line) <= 120, line
            listed[-1] += [name.strip() for name in line.split(",") if name.strip()]
    assert listed == [stacks for stacks, _ in EXPECTED_STEPS["aws-us-gov"]]


def test_each_step_is_one_cdk_deploy_of_the_assembly(
    gov_assembly: Path, fake_cdk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_deploy(
        "--partition", "aws-us-gov", "--app", str(gov_assembly), "--cdk", str(fake_cdk), "--", "--progress", "events"
    )
    out = capsys.readouterr().out
    assert code == 0
    made = calls(tmp_path)
    assert made[0] == [
        "deploy",
        "--app",
        str(gov_assembly),
        "--exclusively",
        "--require-approval",
        "never",
        "--concurrency",
        "3",
        "--progress",
        "events",
        "LogArchive-gov-log-archive",
        "IdentityCenter-gov-management",
        "Security-gov-log-archive",
    ]
    assert [call[7] for call in made] == ["3", "8", "7", "4", "1"]  # --concurrency per step; Access at most 4
    assert made[3][-5:] == [f"Access-{name}" for name in GOV_ACCOUNTS]
    assert "==> step 2/5 (8 stacks, concurrency 8): Organization-gov-management," in out
    assert "<== step 5/5 done in" in out and "Deployed partition aws-us-gov: 5 steps in" in out


def test_a_failed_step_stops_the_deploy(
    gov_assembly: Path,
    fake_cdk: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_CDK_FAIL", "Baseline-gov-ci-us-gov-west-1")
    code = run_deploy("--partition", "aws-us-gov", "--app", str(gov_assembly), "--cdk", str(fake_cdk))
    captured = capsys.readouterr()
    assert code == 1
    assert len(calls(tmp_path)) == 2  # steps 3 to 5 never ran
    assert "<== step 1/5 done" in captured.out and "<== step 2/5" not in captured.out
    assert (
        "deploy of partition aws-us-gov failed at step 2/5 (Organization-gov-management, "
        "SessionDocuments-gov-log-archive-us-gov-east-1, Baseline-gov-management-us-gov-west-1, "
        "Baseline-gov-log-archive-us-gov-west-1, Baseline-gov-workload-prod-us-gov-west-1, "
        "Baseline-gov-workload-dev-us-gov-west-1, Baseline-gov-ci-us-gov-west-1, Elevation-gov-management): cdk "
        "deploy exited with code 3; steps 3-5 (13 stacks) not run."
    ) in captured.err


def test_the_command_line_runs_as_a_module(gov_assembly: Path, fake_cdk: Path, tmp_path: Path) -> None:
    """As `make deploy` runs it: `python -m ops.deploy`, the environment passed through to the CLI."""
    env = {**os.environ, "FAKE_CDK_FAIL": "Access-gov-ci"}
    args = ["--partition", "aws-us-gov", "--app", str(gov_assembly), "--cdk", str(fake_cdk), "--accounts", "gov-ci"]
    done = subprocess.run(
        [sys.executable, "-m", "ops.deploy", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "failed at step 3/3 (Access-gov-ci): cdk deploy exited with code 3." in done.stderr
    assert [call[-1] for call in calls(tmp_path)] == [
        "Baseline-gov-ci-us-gov-west-1",
        "Baseline-gov-ci-us-gov-east-1",
        "Access-gov-ci",
    ]


# --- bad input: one message, exit 1 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--partition", "aws-gov"], "--partition='aws-gov' (did you mean aws-us-gov?): expected aws or aws-us-gov"),
        (["--partition", "aws-us-gov", "--accounts", "gov-cii"], "gov-cii (did you mean gov-ci?)"),
        (
            ["--partition", "aws-us-gov", "--accounts", "web-prod"],
            "web-prod selected, but not in the selected partition",
        ),
        (["--partition", "aws-us-gov", "--accounts", ","], "--accounts names no account"),
        (["--partition", "aws-us-gov", "--concurrency", "0"], "--concurrency=0: must be 1 or more"),
        (["--partition", "aws-us-gov", "--concurrency", "many"], "argument --concurrency: invalid int value: 'many'"),
        (["--accounts", "gov-ci"], "the following arguments are required: --partition"),
        (
            ["--partition", "aws"],
            "holds stacks of partition aws-us-gov, none of partition aws: synthesize it again: "
            "`make synth PARTITION=aws`",
        ),
        (["--partition", "aws-us-gov", "--cdk", "/no/such/cdk"], "cannot run the CDK CLI /no/such/cdk"),
    ],
)
def test_bad_input_is_one_message(
    gov_assembly: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert run_deploy("--app", str(gov_assembly), *args) == 1
    err = capsys.readouterr().err
    assert err.startswith("python -m ops.deploy: ") and message in err, err


def test_no_assembly_says_to_synthesize(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_deploy("--partition", "aws", "--app", str(tmp_path / "cdk.out"), "--dry-run") == 1
    assert (
        f"no cloud assembly at {tmp_path / 'cdk.out'} (manifest.json not found): synthesize the partition first, "
        "`make synth PARTITION=aws`"
    ) in capsys.readouterr().err


def test_an_assembly_lacking_selected_stacks_is_named(
    tmp_path: Path, example_config: OrgConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    app = write_assembly(tmp_path / "cdk.out", example_config, "aws-us-gov")
    manifest = json.loads((app / "manifest.json").read_text())
    del manifest["artifacts"]["Access-gov-ci"]
    (app / "manifest.json").write_text(json.dumps(manifest))
    assert run_deploy("--partition", "aws-us-gov", "--app", str(app), "--dry-run") == 1
    assert (
        "the cloud assembly lacks 1 of the 24 selected stacks of partition aws-us-gov (Access-gov-ci): "
        "synthesize it again: `make synth PARTITION=aws-us-gov`"
    ) in capsys.readouterr().err


def test_an_assembly_of_another_config_is_refused(
    tmp_path: Path, example_config: OrgConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    app = write_assembly(tmp_path / "cdk.out", example_config, "aws-us-gov")
    manifest = json.loads((app / "manifest.json").read_text())
    manifest["artifacts"]["Access-gov-ci"]["environment"] = "aws://220987654330/us-gov-east-1"
    (app / "manifest.json").write_text(json.dumps(manifest))
    assert run_deploy("--partition", "aws-us-gov", "--app", str(app), "--dry-run") == 1
    assert (
        "the cloud assembly was synthesized from another config: Access-gov-ci (assembly: us-gov-east-1, "
        "config: us-gov-west-1)"
    ) in capsys.readouterr().err


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        ("not json", "cannot read the cloud assembly manifest"),
        ("{}", "cannot read the cloud assembly manifest"),
        ('{"artifacts": []}', "cannot read the cloud assembly manifest"),
        ('{"artifacts": {"S": {"type": "aws:cloudformation:stack", "dependencies": "T"}}}', "S: dependencies"),
        ('{"artifacts": {"S": {"type": "cdk:asset-manifest"}}}', "the cloud assembly lacks 34 of the 34 selected"),
    ],
)
def test_an_unreadable_manifest_is_one_message(
    tmp_path: Path, manifest: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "manifest.json").write_text(manifest)
    assert run_deploy("--partition", "aws", "--app", str(tmp_path), "--dry-run") == 1
    err = capsys.readouterr().err
    assert err.startswith("python -m ops.deploy: ") and problem in err and "Traceback" not in err, err


# --- the root's policy types, checked before the first step (ops/prerequisites.py), against moto --------------

# What the example org's GovCloud plan attaches (config/org.yaml: SCPs, RCPs, the EC2 declarative policy; its S3
# policy excludes GovCloud), written out from the config.
GOV_POLICY_TYPES = ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY", "DECLARATIVE_POLICY_EC2"]


@pytest.fixture
def organization_root(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """An organization in the local AWS API with SCPs enabled on its root; the root's ID.

    Gap fill: moto 5.2.5 refuses EnablePolicyType for DECLARATIVE_POLICY_EC2 and S3_POLICY, which Organizations
    accepts (https://docs.aws.amazon.com/organizations/latest/APIReference/API_EnablePolicyType.html)."""
    from moto.organizations.models import FakeRoot

    monkeypatch.setattr(
        FakeRoot, "SUPPORTED_POLICY_TYPES", [*FakeRoot.SUPPORTED_POLICY_TYPES, "DECLARATIVE_POLICY_EC2", "S3_POLICY"]
    )
    client = boto3.client("organizations", region_name="us-gov-west-1")
    client.create_organization(FeatureSet="ALL")
    root_id: str = client.list_roots()["Roots"][0]["Id"]
    client.enable_policy_type(RootId=root_id, PolicyType="SERVICE_CONTROL_POLICY")
    return root_id


def test_a_policy_type_not_enabled_on_the_root_stops_the_deploy_before_any_step(
    organization_root: str, gov_assembly: Path, fake_cdk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = boto3.client("organizations", region_name="us-gov-west-1")
    client.enable_policy_type(RootId=organization_root, PolicyType="RESOURCE_CONTROL_POLICY")
    args = ["--config", str(EXAMPLE_CONFIG), "--partition", "aws-us-gov", "--app", str(gov_assembly)]
    code = deploy.main([*args, "--cdk", str(fake_cdk)])
    err = capsys.readouterr().err
    assert code == 1 and calls(tmp_path) == []  # nothing deployed
    assert f"policy type DECLARATIVE_POLICY_EC2 not enabled on root {organization_root} of partition aws-us-gov" in err
    assert (
        f"aws organizations enable-policy-type --root-id {organization_root} --policy-type DECLARATIVE_POLICY_EC2"
        in err
    )
    assert "RESOURCE_CONTROL_POLICY not" not in err and "SERVICE_CONTROL_POLICY not" not in err

    client.enable_policy_type(RootId=organization_root, PolicyType="DECLARATIVE_POLICY_EC2")
    assert deploy.main([*args, "--cdk", str(fake_cdk)]) == 0
    assert len(calls(tmp_path)) == 5  # every step of the GovCloud plan
    assert "Checking the root's policy types: " + ", ".join(GOV_POLICY_TYPES) in capsys.readouterr().out


def test_every_missing_type_is_named(
    organization_root: str, gov_assembly: Path, fake_cdk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(EXAMPLE_CONFIG), "--partition", "aws-us-gov", "--app", str(gov_assembly)]
    assert deploy.main([*args, "--cdk", str(fake_cdk)]) == 1
    assert "policy types RESOURCE_CONTROL_POLICY, DECLARATIVE_POLICY_EC2 not enabled" in capsys.readouterr().err


def test_the_check_is_skipped_with_dry_run_and_for_stacks_that_attach_no_policy(
    aws: None, gov_assembly: Path, fake_cdk: Path, tmp_path: Path
) -> None:
    # No organization exists in the local AWS API: a check would fail.
    args = ["--config", str(EXAMPLE_CONFIG), "--partition", "aws-us-gov", "--app", str(gov_assembly)]
    assert deploy.main([*args, "--cdk", str(fake_cdk), "--dry-run"]) == 0
    assert deploy.main([*args, "--cdk", str(fake_cdk), "--accounts", "gov-ci"]) == 0  # no Guardrails stack
    assert len(calls(tmp_path)) == 3


def test_credentials_that_cannot_read_the_root_get_one_message(
    aws: None, gov_assembly: Path, fake_cdk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(EXAMPLE_CONFIG), "--partition", "aws-us-gov", "--app", str(gov_assembly)]
    assert deploy.main([*args, "--cdk", str(fake_cdk)]) == 1
    err = capsys.readouterr().err
    assert "cannot read the organization root's policy types" in err and "--skip-policy-type-check" in err
    assert "Traceback" not in err and calls(tmp_path) == []

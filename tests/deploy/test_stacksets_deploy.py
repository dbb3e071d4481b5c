"""Proof by deployment of `deployment.mode: stacksets` (decision 0021): the StackSets variant of the example org
(tests/fixtures/configs/stacksets.yaml), synthesized for one member account, deployed with the real CDK CLI by
`python -m ops.deploy` into the local AWS API (tests/support/local_cloud.py), the StackSet resource handler and the
asset copy standing in by the gap fills of tests/support/stack_sets.py; then read back in the member accounts.

Run with `make deploy-test` (marker `deploy`). What it proves and what it cannot: docs/testing.md ("StackSets on the
local AWS API"). Commercial partition only (GovCloud: not yet).

`--accounts web-dev` plans what a member account of a StackSet needs: the administrator's asset bucket stacks, the
StackSets stack (every StackSet of the partition: a StackSet targets all accounts of its group, whichever are
selected) and web-dev's Access stack, not the administrator's own stacks (Organization, Baseline-management...).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto.cloudformation import models as cfn_models
from moto.organizations import models as org_models

from config.loader import load_config
from config.regions import PartitionName
from tests.support.deploy_run import CliRun, bootstrap, deploy, deploy_partition, steps_of, synthesize
from tests.support.local_cloud import LocalCloud, organization_with_accounts
from tests.support.project import ROOT
from tests.support.stack_sets import stack_sets

pytestmark = pytest.mark.deploy

CONFIG = ROOT / "tests" / "fixtures" / "configs" / "stacksets.yaml"
PARTITION: PartitionName = "aws"
HOME, OTHER = "us-east-1", "us-west-2"
SELECTED = ["web-dev"]
# What the baselines need deployed first (the approved session documents the session custom resource shares, the
# hub...), deployed before `ops.deploy --accounts web-dev`, as its "must be deployed already" line asks: a selection
# without the security account does not wait for them (as in stacks mode).
PREREQUISITES = {"security": [HOME, OTHER], "log-archive": [HOME]}
PREREQUISITE_STACKS = ["LogArchive-log-archive", "Security-security", "SessionDocuments-security-us-west-2"]
ADMIN = "management"  # deployment.stacksets.administrator: management
PREFIX = "examplecorp"
# The StackSets the reads below use, by the names the plan gives them (`<prefix>-baseline-<OU path>-<home | regions>`,
# plus the account names when the StackSet takes only some accounts of its OU: AccountFilterType INTERSECTION).
DEV_HOME = "examplecorp-baseline-workloads-dev-home"  # Workloads/Dev: web-dev only, so the OU itself (auto-deploy)
WEB_PROD_HOME = "examplecorp-baseline-workloads-prod-home-web-prod"  # Workloads/Prod intersected with web-prod
PAYMENTS_HOME = "examplecorp-baseline-workloads-prod-home-payments-prod"
PROD_OTHER = "examplecorp-baseline-workloads-prod-us-west-2"  # both prod accounts in us-west-2: the OU itself
NEWCOMER = "new-dev"  # an account created after the deploy and moved into Workloads/Dev


@dataclass
class Deployed:
    cloud: LocalCloud
    ids: dict[str, str]  # account name -> ID (the config's, and the newcomer's)
    ous: dict[str, str]  # OU path -> ID (the config's)
    run: CliRun
    seconds: dict[str, float] = field(default_factory=dict)

    def client(self, service: str, account: str, region: str = HOME) -> Any:
        return self.cloud.client(service, self.ids[account], PARTITION, region)

    def instances(self, stack_set: str) -> dict[tuple[str, str], str]:
        """(account ID, region) -> the instance's (hidden) stack status, of a StackSet in the administrator's home."""
        backend = cfn_models.cloudformation_backends[self.ids[ADMIN]][HOME]
        found = backend.describe_stack_set(stack_set)
        return {(i.account_id, i.region_name): i.stack.status for i in found.instances.stack_instances}


def _organization(cloud: LocalCloud) -> tuple[dict[str, str], dict[str, str]]:
    """The commercial organization of the config: its accounts (config IDs) in its OUs (config IDs), as in AWS, where
    the StackSets' targets are those OU IDs. moto draws OU IDs: each created OU takes its config ID before its
    children are created."""
    config = load_config(CONFIG)
    part = config.partitions[PARTITION]
    ids = {a.name: a.id for a in config.accounts if a.partition == PARTITION}
    management = ids[part.management_account]
    organization_with_accounts(cloud, management, PARTITION, HOME, ids)
    organizations = cloud.client("organizations", management, PARTITION, HOME)
    backend = org_models.organizations_backends[management][PARTITION]
    root = organizations.list_roots()["Roots"][0]["Id"]
    ous: dict[str, str] = {}
    for unit in part.organizational_units:  # parents before children in the config
        parent = ous.get(unit.path.rpartition("/")[0], root)
        drawn = organizations.create_organizational_unit(ParentId=parent, Name=unit.path.rpartition("/")[2])
        backend.get_organizational_unit_by_id(drawn["OrganizationalUnit"]["Id"]).id = str(unit.id)
        ous[unit.path] = str(unit.id)
    for account in config.accounts:
        if account.partition == PARTITION and account.ou != "Root":
            organizations.move_account(AccountId=account.id, SourceParentId=root, DestinationParentId=ous[account.ou])
    return ids, ous


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    workdir = tmp_path_factory.mktemp("stacksets-deploy")
    started = time.monotonic()
    assembly = workdir / "cdk.out"
    synth = synthesize(assembly, [*SELECTED, *PREREQUISITES], CONFIG)
    cloud = LocalCloud().start()
    try:
        with stack_sets():
            ids, ous = _organization(cloud)
            # The administrator (also the Identity Center admin: the Access stacks) and the prerequisites' accounts.
            boots = [bootstrap(cloud, ids[ADMIN], PARTITION, [HOME, OTHER], workdir)] + [
                bootstrap(cloud, ids[name], PARTITION, regions, workdir) for name, regions in PREREQUISITES.items()
            ]
            output, _ = synth.communicate(timeout=600)
            if synth.returncode != 0:
                pytest.fail(f"synth of {CONFIG.name} failed:\n{output}")
            for boot in boots:
                if boot.returncode != 0:
                    pytest.fail(f"cdk bootstrap failed:\n{boot.output[-3000:]}")
            first = deploy(cloud, assembly, PREREQUISITE_STACKS, workdir, concurrency=2)
            if first.returncode != 0:
                pytest.fail(f"the prerequisites failed to deploy:\n{first.output[-4000:]}")
            record = Deployed(cloud, ids, ous, run=first)
            record.seconds["synth, bootstrap and prerequisites"] = time.monotonic() - started
            mark = time.monotonic()
            record.run = deploy_partition(cloud, assembly, PARTITION, SELECTED, CONFIG, workdir, concurrency=1)
            record.seconds["deploy"] = time.monotonic() - mark
            yield record
            times = ", ".join(f"{k} {v:.0f} s" for k, v in record.seconds.items())
            print(f"\nstacksets deploy: {times}", file=sys.stderr)
    finally:
        if synth.poll() is None:
            synth.kill()
        cloud.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _deployed_ok(deployed: Deployed) -> None:
    assert deployed.run.returncode == 0, deployed.run.output[-4000:]


# --- the tests -------------------------------------------------------------------------------------------------


def test_ops_deploy_deploys_the_stacksets_stack_after_its_asset_buckets(deployed: Deployed) -> None:
    _deployed_ok(deployed)
    assert steps_of(deployed.run) == [
        [f"StackSetAssets-{ADMIN}-{HOME}", f"StackSetAssets-{ADMIN}-{OTHER}"],
        [f"StackSets-{ADMIN}"],
        ["Access-web-dev"],
    ]
    assert deployed.run.deployed(f"StackSets-{ADMIN}")
    # What the StackSets stack waits for, outside the selection: the operator is told to deploy it first.
    assert (
        "must be deployed already (outside the selected accounts): "
        "LogArchive-log-archive, Security-security, SessionDocuments-security-us-west-2"
    ) in deployed.run.output


# Where each StackSet's instances go (tests/fixtures/configs/stacksets.yaml: account, OU and regions; web-dev and
# sandbox-research only in the home region; the management account never).
INSTANCES = {
    "examplecorp-baseline-security-home-log-archive": [("log-archive", HOME)],
    "examplecorp-baseline-security-us-west-2-log-archive": [("log-archive", OTHER)],
    "examplecorp-baseline-security-home-security": [("security", HOME)],
    "examplecorp-baseline-security-us-west-2-security": [("security", OTHER)],
    "examplecorp-baseline-infrastructure-home-shared-services": [("shared-services", HOME)],
    "examplecorp-baseline-infrastructure-us-west-2": [("shared-services", OTHER), ("ci", OTHER)],
    "examplecorp-baseline-infrastructure-home-ci": [("ci", HOME)],
    PAYMENTS_HOME: [("payments-prod", HOME)],
    PROD_OTHER: [("payments-prod", OTHER), ("web-prod", OTHER)],
    WEB_PROD_HOME: [("web-prod", HOME)],
    DEV_HOME: [("web-dev", HOME)],
    "examplecorp-baseline-sandbox-home": [("sandbox-research", HOME)],
}


def test_every_stack_set_deploys_its_baseline_to_each_target_account_and_region(deployed: Deployed) -> None:
    _deployed_ok(deployed)
    backend = cfn_models.cloudformation_backends[deployed.ids[ADMIN]][HOME]
    assert {s.name for s in backend.stacksets.values()} == set(INSTANCES)
    for name, targets in INSTANCES.items():
        expected = {(deployed.ids[account], region): "CREATE_COMPLETE" for account, region in targets}
        if name == DEV_HOME and NEWCOMER in deployed.ids:  # the automatic-deployment test ran first
            expected[(deployed.ids[NEWCOMER], HOME)] = "CREATE_COMPLETE"
        assert deployed.instances(name) == expected, name


def test_a_member_of_a_targeted_ou_gets_its_baseline(deployed: Deployed) -> None:
    """web-dev (Workloads/Dev) has its baseline's key resources, by name, from the StackSet's instance."""
    _deployed_ok(deployed)
    assert deployed.instances(DEV_HOME) == {(deployed.ids["web-dev"], HOME): "CREATE_COMPLETE"}
    iam = deployed.client("iam", "web-dev")
    roles = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert {
        "examplecorp-baseline-breakglass",
        "examplecorp-baseline-access-audit",
        "examplecorp-baseline-backup",
        "examplecorp-baseline-ssm-instance",
        "examplecorp-baseline-session-handler",
    } <= roles
    kms = deployed.client("kms", "web-dev")
    aliases = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    assert {"alias/examplecorp-baseline-session", "alias/examplecorp-baseline-backup"} <= aliases
    logs = deployed.client("logs", "web-dev")
    groups = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}
    assert "/examplecorp-baseline/session-manager" in groups
    # The Lambda functions' code comes from the administrator's asset bucket of the instance's region, which the
    # StackSets stack's BucketDeployment filled.
    functions = deployed.client("lambda", "web-dev").list_functions()["Functions"]
    names = {f["FunctionName"]: f for f in functions}
    assert {"examplecorp-baseline-account-settings", "examplecorp-baseline-session-handler"} <= set(names), names
    # ... their code is the zip the asset bucket holds under the key the StackSet template names (a missing or other
    # object would not give this hash).
    template = _stack_set_template(deployed, DEV_HOME)
    (settings,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"].get("FunctionName") == "examplecorp-baseline-account-settings"
    ]
    bucket = f"{PREFIX}-stackset-assets-{deployed.ids[ADMIN]}-{HOME}"
    zipped = deployed.client("s3", ADMIN).get_object(Bucket=bucket, Key=settings["Code"]["S3Key"])["Body"].read()
    digest = base64.b64encode(hashlib.sha256(zipped).digest()).decode()
    assert names["examplecorp-baseline-account-settings"]["CodeSha256"] == digest


def test_the_asset_buckets_hold_the_lambda_code_the_stackset_templates_name(deployed: Deployed) -> None:
    _deployed_ok(deployed)
    template = _stack_set_template(deployed, DEV_HOME)
    keys = {
        r["Properties"]["Code"]["S3Key"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and "S3Key" in r["Properties"].get("Code", {})
    }
    assert keys
    s3 = deployed.client("s3", ADMIN)
    bucket = f"{PREFIX}-stackset-assets-{deployed.ids[ADMIN]}-{HOME}"
    held = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert keys <= held


def test_the_management_account_is_not_targeted(deployed: Deployed) -> None:
    _deployed_ok(deployed)
    management = deployed.ids[ADMIN]
    backend = cfn_models.cloudformation_backends[management][HOME]
    reached = {i.account_id for s in backend.stacksets.values() for i in s.instances.stack_instances}
    assert management not in reached
    roles = {r["RoleName"] for r in deployed.client("iam", ADMIN).list_roles()["Roles"]}
    assert "examplecorp-baseline-breakglass" not in roles


def test_an_intersection_target_reaches_only_its_own_account(deployed: Deployed) -> None:
    """web-prod and payments-prod share Workloads/Prod but not a home-region profile: each home StackSet reaches its
    own account only; the us-west-2 StackSet, the same for both, reaches both."""
    _deployed_ok(deployed)
    web, payments = deployed.ids["web-prod"], deployed.ids["payments-prod"]
    assert deployed.instances(WEB_PROD_HOME) == {(web, HOME): "CREATE_COMPLETE"}
    assert deployed.instances(PAYMENTS_HOME) == {(payments, HOME): "CREATE_COMPLETE"}
    assert deployed.instances(PROD_OTHER) == {(web, OTHER): "CREATE_COMPLETE", (payments, OTHER): "CREATE_COMPLETE"}


def test_an_account_moved_into_a_targeted_ou_gets_its_baseline(deployed: Deployed) -> None:
    """Automatic deployment: no template change, no deploy; the move alone."""
    _deployed_ok(deployed)
    management = deployed.ids[ADMIN]
    organizations = deployed.cloud.client("organizations", management, PARTITION, HOME)
    created = organizations.create_account(AccountName=NEWCOMER, Email=f"{NEWCOMER}@example.invalid")
    newcomer = created["CreateAccountStatus"]["AccountId"]
    deployed.ids[NEWCOMER] = newcomer
    root = organizations.list_roots()["Roots"][0]["Id"]
    assert "examplecorp-baseline-breakglass" not in {
        r["RoleName"] for r in deployed.client("iam", NEWCOMER).list_roles()["Roles"]
    }
    organizations.move_account(
        AccountId=newcomer, SourceParentId=root, DestinationParentId=deployed.ous["Workloads/Dev"]
    )
    assert deployed.instances(DEV_HOME) == {
        (deployed.ids["web-dev"], HOME): "CREATE_COMPLETE",
        (newcomer, HOME): "CREATE_COMPLETE",
    }
    roles = {r["RoleName"] for r in deployed.client("iam", NEWCOMER).list_roles()["Roles"]}
    assert "examplecorp-baseline-breakglass" in roles
    # Not the prod StackSets: an INTERSECTION target lists its accounts, and Workloads/Dev is not theirs.
    assert all(newcomer not in {a for a, _ in deployed.instances(s)} for s in (WEB_PROD_HOME, PROD_OTHER))


def test_the_stack_sets_settings_are_the_templates(deployed: Deployed) -> None:
    """OperationPreferences, AutoDeployment, CallAs and the permission model as the config sets them (tests/fixtures/
    configs/stacksets.yaml: 50 % concurrent, 10 % failure tolerance, regions in parallel, stacks retained)."""
    _deployed_ok(deployed)
    cfn = deployed.client("cloudformation", ADMIN)
    stack_set = cfn.describe_stack_set(StackSetName=DEV_HOME)["StackSet"]
    assert stack_set["PermissionModel"] == "SERVICE_MANAGED"
    assert stack_set["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": True}
    assert "CAPABILITY_NAMED_IAM" in stack_set["Capabilities"]
    backend = cfn_models.cloudformation_backends[deployed.ids[ADMIN]][HOME]
    recorded: Any = backend.describe_stack_set(DEV_HOME)  # with the attributes settings_recorded() keeps
    assert recorded.call_as == "SELF"
    assert [operation["OperationPreferences"] for operation in recorded.operations] == [
        {"FailureTolerancePercentage": 10, "MaxConcurrentPercentage": 50, "RegionConcurrencyType": "PARALLEL"}
    ]


def _stack_set_template(deployed: Deployed, name: str) -> dict[str, Any]:
    body = deployed.client("cloudformation", ADMIN).describe_stack_set(StackSetName=name)["StackSet"]["TemplateBody"]
    template: dict[str, Any] = json.loads(body)
    return template

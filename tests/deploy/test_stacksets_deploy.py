"""Proof by deployment of `deployment.mode: stacksets` (decision 0021): the StackSets variant of the example org
(tests/fixtures/configs/stacksets.yaml), synthesized for one member account, deployed with the real CDK CLI by
`python -m ops.deploy` into the local AWS API (tests/support/local_cloud.py), the StackSet resource handler and the
asset copy standing in by the gap fills of tests/support/stack_sets.py; then read back in the member accounts.

Run with `make deploy-test` (marker `deploy`). What it proves and what it cannot: docs/testing.md ("StackSets on the
local AWS API"). One partition per run of the module fixture: commercial, then GovCloud.

`--accounts <member>` plans what a member account of a StackSet needs: the administrator's asset bucket stacks, the
StackSets stack (every StackSet of the partition: a StackSet targets all accounts of its group, whichever are
selected) and the member's Access stack, not the administrator's own stacks (Organization, Baseline-management...).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto.cloudformation import models as cfn_models
from moto.organizations import models as org_models

from config.loader import load_config
from config.regions import PartitionName
from tests.support.deploy_run import (
    CliRun,
    assembly_stacks,
    bootstrap,
    deploy,
    deploy_partition,
    stack_status,
    steps_of,
    synthesize,
)
from tests.support.local_cloud import LocalCloud, organization_with_accounts
from tests.support.project import ROOT
from tests.support.stack_sets import stack_sets

pytestmark = pytest.mark.deploy

CONFIG = ROOT / "tests" / "fixtures" / "configs" / "stacksets.yaml"
PREFIX = "examplecorp"
# Workloads/Dev holds one account of one profile in both partitions: targeted as the OU itself (automatic deployment).
DEV_HOME = "examplecorp-baseline-workloads-dev-home"
NEWCOMER = "new-dev"  # an account created after the deploy and moved into Workloads/Dev
# Commercial: web-prod and payments-prod share Workloads/Prod but not a home-region profile (AccountFilterType
# INTERSECTION, the account names in the StackSet name); in us-west-2 their profile is the same (the OU itself).
WEB_PROD_HOME = "examplecorp-baseline-workloads-prod-home-web-prod"
PAYMENTS_HOME = "examplecorp-baseline-workloads-prod-home-payments-prod"
PROD_OTHER = "examplecorp-baseline-workloads-prod-us-west-2"


@dataclass(frozen=True)
class Partition:
    """What one partition's run deploys and expects (tests/fixtures/configs/stacksets.yaml)."""

    name: PartitionName
    home: str
    other: str
    admin: str  # deployment.stacksets.administrator: management
    member: str  # the selected account: in Workloads/Dev
    # What the baselines need deployed first (the approved session documents the session custom resource shares, the
    # hub...): deployed before `ops.deploy --accounts <member>`, as its "must be deployed already" line asks (a
    # selection without the security account does not wait for them, as in stacks mode). Accounts to bootstrap.
    prerequisites: dict[str, tuple[str, ...]]
    prerequisite_stacks: tuple[str, ...]
    # Where each StackSet's instances go: (account, region) by StackSet name; never the management account.
    instances: dict[str, tuple[tuple[str, str], ...]]


def _commercial() -> Partition:
    home, other = "us-east-1", "us-west-2"
    return Partition(
        name="aws",
        home=home,
        other=other,
        admin="management",
        member="web-dev",
        prerequisites={"security": (home, other), "log-archive": (home,)},
        prerequisite_stacks=("LogArchive-log-archive", "Security-security", "SessionDocuments-security-us-west-2"),
        instances={  # web-dev and sandbox-research only in the home region
            "examplecorp-baseline-security-home-log-archive": (("log-archive", home),),
            "examplecorp-baseline-security-us-west-2-log-archive": (("log-archive", other),),
            "examplecorp-baseline-security-home-security": (("security", home),),
            "examplecorp-baseline-security-us-west-2-security": (("security", other),),
            "examplecorp-baseline-infrastructure-home-shared-services": (("shared-services", home),),
            "examplecorp-baseline-infrastructure-us-west-2": (("shared-services", other), ("ci", other)),
            "examplecorp-baseline-infrastructure-home-ci": (("ci", home),),
            PAYMENTS_HOME: (("payments-prod", home),),
            PROD_OTHER: (("payments-prod", other), ("web-prod", other)),
            WEB_PROD_HOME: (("web-prod", home),),
            DEV_HOME: (("web-dev", home),),
            "examplecorp-baseline-sandbox-home": (("sandbox-research", home),),
        },
    )


def _govcloud() -> Partition:
    home, other = "us-gov-west-1", "us-gov-east-1"
    return Partition(
        name="aws-us-gov",
        home=home,
        other=other,
        admin="gov-management",
        member="gov-workload-dev",
        prerequisites={"gov-log-archive": (home, other)},  # also the security account
        prerequisite_stacks=(
            "LogArchive-gov-log-archive",
            "Security-gov-log-archive",
            "SessionDocuments-gov-log-archive-us-gov-east-1",
        ),
        instances={  # one account per OU: every StackSet targets its OU itself
            "examplecorp-baseline-security-home": (("gov-log-archive", home),),
            "examplecorp-baseline-security-us-gov-east-1": (("gov-log-archive", other),),
            "examplecorp-baseline-workloads-prod-home": (("gov-workload-prod", home),),
            "examplecorp-baseline-workloads-prod-us-gov-east-1": (("gov-workload-prod", other),),
            DEV_HOME: (("gov-workload-dev", home),),
            "examplecorp-baseline-workloads-dev-us-gov-east-1": (("gov-workload-dev", other),),
            "examplecorp-baseline-infrastructure-home": (("gov-ci", home),),
            "examplecorp-baseline-infrastructure-us-gov-east-1": (("gov-ci", other),),
        },
    )


PARTITIONS = {"aws": _commercial(), "aws-us-gov": _govcloud()}


@dataclass
class Deployed:
    cloud: LocalCloud
    spec: Partition
    ids: dict[str, str]  # account name -> ID (the config's, and the newcomer's)
    ous: dict[str, str]  # OU path -> ID (the config's)
    run: CliRun
    seconds: dict[str, float] = field(default_factory=dict)

    def client(self, service: str, account: str, region: str | None = None) -> Any:
        return self.cloud.client(service, self.ids[account], self.spec.name, region or self.spec.home)

    def backend(self) -> Any:
        """The administrator's CloudFormation backend in its home region, where the StackSets are."""
        return cfn_models.cloudformation_backends[self.ids[self.spec.admin]][self.spec.home]

    def instances(self, stack_set: str) -> dict[tuple[str, str], str]:
        """(account ID, region) -> the instance's (hidden) stack status."""
        found = self.backend().describe_stack_set(stack_set)
        return {(i.account_id, i.region_name): i.stack.status for i in found.instances.stack_instances}


def _organization(cloud: LocalCloud, partition: PartitionName, home: str) -> tuple[dict[str, str], dict[str, str]]:
    """The partition's organization of the config: its accounts (config IDs) in its OUs (config IDs), as in AWS, where
    the StackSets' targets are those OU IDs. moto draws OU IDs: each created OU takes its config ID before its
    children are created."""
    config = load_config(CONFIG)
    part = config.partitions[partition]
    ids = {a.name: a.id for a in config.accounts if a.partition == partition}
    management = ids[part.management_account]
    organization_with_accounts(cloud, management, partition, home, ids)
    organizations = cloud.client("organizations", management, partition, home)
    backend = org_models.organizations_backends[management][partition]
    root = organizations.list_roots()["Roots"][0]["Id"]
    ous: dict[str, str] = {}
    for unit in part.organizational_units:  # parents before children in the config
        parent = ous.get(unit.path.rpartition("/")[0], root)
        drawn = organizations.create_organizational_unit(ParentId=parent, Name=unit.path.rpartition("/")[2])
        backend.get_organizational_unit_by_id(drawn["OrganizationalUnit"]["Id"]).id = str(unit.id)
        ous[unit.path] = str(unit.id)
    for account in config.accounts:
        if account.partition == partition and account.ou != "Root":
            organizations.move_account(AccountId=account.id, SourceParentId=root, DestinationParentId=ous[account.ou])
    return ids, ous


def _fresh(cloud: LocalCloud) -> None:
    """Empty moto's backends: they live in this process, and tests/deploy/test_deploy.py (run before this module by
    `make deploy-test`) deploys the same account IDs (the example org's) in stacks mode: its organizations and stacks
    would still be there (CreateOrganization fails: AlreadyInOrganizationException). moto server's reset endpoint."""
    request = urllib.request.Request(f"{cloud.endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


@pytest.fixture(scope="module", params=list(PARTITIONS))
def deployed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    spec = PARTITIONS[request.param]
    workdir = tmp_path_factory.mktemp(f"stacksets-deploy-{spec.name}")
    started = time.monotonic()
    assembly = workdir / "cdk.out"
    synth = synthesize(assembly, [spec.member, *spec.prerequisites], CONFIG)
    cloud = LocalCloud().start()
    try:
        _fresh(cloud)
        with stack_sets():
            ids, ous = _organization(cloud, spec.name, spec.home)
            # The administrator (also the Identity Center admin: the Access stacks) and the prerequisites' accounts.
            boots = [bootstrap(cloud, ids[spec.admin], spec.name, [spec.home, spec.other], workdir)] + [
                bootstrap(cloud, ids[name], spec.name, regions, workdir) for name, regions in spec.prerequisites.items()
            ]
            output, _ = synth.communicate(timeout=600)
            if synth.returncode != 0:
                pytest.fail(f"synth of {CONFIG.name} failed:\n{output}")
            for boot in boots:
                if boot.returncode != 0:
                    pytest.fail(f"cdk bootstrap failed:\n{boot.output[-3000:]}")
            # One at a time: GovCloud's LogArchive and Security stacks share an account and region, where moto finds
            # a change set by its name only (tests/deploy/test_deploy.py, DEPLOY_CONCURRENCY).
            first = deploy(cloud, assembly, list(spec.prerequisite_stacks), workdir, concurrency=1)
            stacks = assembly_stacks(assembly)
            statuses = {name: stack_status(cloud, stacks[name]) for name in spec.prerequisite_stacks}
            if first.returncode != 0 or set(statuses.values()) != {"CREATE_COMPLETE"}:
                pytest.fail(f"the prerequisites failed to deploy: {statuses}\n{first.output[-4000:]}")
            record = Deployed(cloud, spec, ids, ous, run=first)
            record.seconds["synth, bootstrap and prerequisites"] = time.monotonic() - started
            mark = time.monotonic()
            record.run = deploy_partition(cloud, assembly, spec.name, [spec.member], CONFIG, workdir, concurrency=1)
            record.seconds["deploy"] = time.monotonic() - mark
            yield record
            times = ", ".join(f"{k} {v:.0f} s" for k, v in record.seconds.items())
            print(f"\nstacksets deploy ({spec.name}): {times}", file=sys.stderr)
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
    spec = deployed.spec
    assert steps_of(deployed.run) == [
        [f"StackSetAssets-{spec.admin}-{spec.home}", f"StackSetAssets-{spec.admin}-{spec.other}"],
        [f"StackSets-{spec.admin}"],
        [f"Access-{spec.member}"],
    ]
    assert deployed.run.deployed(f"StackSets-{spec.admin}")
    # What the StackSets stack waits for, outside the selection: the operator is told to deploy it first.
    outside = ", ".join(spec.prerequisite_stacks)
    assert f"must be deployed already (outside the selected accounts): {outside}" in deployed.run.output


def test_every_stack_set_deploys_its_baseline_to_each_target_account_and_region(deployed: Deployed) -> None:
    _deployed_ok(deployed)
    spec = deployed.spec
    assert {s.name for s in deployed.backend().stacksets.values()} == set(spec.instances)
    for name, targets in spec.instances.items():
        expected = {(deployed.ids[account], region): "CREATE_COMPLETE" for account, region in targets}
        if name == DEV_HOME and NEWCOMER in deployed.ids:  # the automatic-deployment test ran first
            expected[(deployed.ids[NEWCOMER], spec.home)] = "CREATE_COMPLETE"
        assert deployed.instances(name) == expected, name


def test_a_member_of_a_targeted_ou_gets_its_baseline(deployed: Deployed) -> None:
    """The member (Workloads/Dev) has its baseline's key resources, by name, from the StackSet's instance."""
    _deployed_ok(deployed)
    spec = deployed.spec
    iam = deployed.client("iam", spec.member)
    roles = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert {
        "examplecorp-baseline-breakglass",
        "examplecorp-baseline-access-audit",
        "examplecorp-baseline-backup",
        "examplecorp-baseline-ssm-instance",
        "examplecorp-baseline-session-handler",
    } <= roles
    kms = deployed.client("kms", spec.member)
    aliases = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    assert {"alias/examplecorp-baseline-session", "alias/examplecorp-baseline-backup"} <= aliases
    logs = deployed.client("logs", spec.member)
    groups = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}
    assert "/examplecorp-baseline/session-manager" in groups
    # The Lambda functions' code comes from the administrator's asset bucket of the instance's region, which the
    # StackSets stack's BucketDeployment filled.
    functions = deployed.client("lambda", spec.member).list_functions()["Functions"]
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
    zipped = deployed.client("s3", spec.admin).get_object(Bucket=_asset_bucket(deployed), Key=settings["Code"]["S3Key"])
    digest = base64.b64encode(hashlib.sha256(zipped["Body"].read()).digest()).decode()
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
    s3 = deployed.client("s3", deployed.spec.admin)
    held = {o["Key"] for o in s3.list_objects_v2(Bucket=_asset_bucket(deployed)).get("Contents", [])}
    assert keys <= held


def test_the_management_account_is_not_targeted(deployed: Deployed) -> None:
    _deployed_ok(deployed)
    management = deployed.ids[deployed.spec.admin]
    reached = {i.account_id for s in deployed.backend().stacksets.values() for i in s.instances.stack_instances}
    assert management not in reached
    roles = {r["RoleName"] for r in deployed.client("iam", deployed.spec.admin).list_roles()["Roles"]}
    assert "examplecorp-baseline-breakglass" not in roles


def test_an_intersection_target_reaches_only_its_own_account(deployed: Deployed) -> None:
    """web-prod and payments-prod share Workloads/Prod but not a home-region profile: each home StackSet reaches its
    own account only; the us-west-2 StackSet, the same for both, reaches both."""
    if deployed.spec.name != "aws":
        pytest.skip("GovCloud's example OUs hold one account each: no INTERSECTION target")
    _deployed_ok(deployed)
    home, other = deployed.spec.home, deployed.spec.other
    web, payments = deployed.ids["web-prod"], deployed.ids["payments-prod"]
    assert deployed.instances(WEB_PROD_HOME) == {(web, home): "CREATE_COMPLETE"}
    assert deployed.instances(PAYMENTS_HOME) == {(payments, home): "CREATE_COMPLETE"}
    assert deployed.instances(PROD_OTHER) == {(web, other): "CREATE_COMPLETE", (payments, other): "CREATE_COMPLETE"}


def test_an_account_moved_into_a_targeted_ou_gets_its_baseline(deployed: Deployed) -> None:
    """Automatic deployment: no template change, no deploy; the move alone."""
    _deployed_ok(deployed)
    spec = deployed.spec
    organizations = deployed.client("organizations", spec.admin)
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
    dev = {name for name in spec.instances if name.startswith("examplecorp-baseline-workloads-dev-")}
    for name in dev:  # the home-region StackSet and, in GovCloud, the other region's
        expected = {(deployed.ids[account], region): "CREATE_COMPLETE" for account, region in spec.instances[name]}
        (region,) = {region for _, region in spec.instances[name]}
        assert deployed.instances(name) == {**expected, (newcomer, region): "CREATE_COMPLETE"}, name
    roles = {r["RoleName"] for r in deployed.client("iam", NEWCOMER).list_roles()["Roles"]}
    assert "examplecorp-baseline-breakglass" in roles
    # No other StackSet: their OUs are not Workloads/Dev (and an INTERSECTION target lists its accounts).
    assert all(newcomer not in {a for a, _ in deployed.instances(s)} for s in set(spec.instances) - dev)


def test_the_stack_sets_settings_are_the_templates(deployed: Deployed) -> None:
    """OperationPreferences, AutoDeployment, CallAs and the permission model as the config sets them (tests/fixtures/
    configs/stacksets.yaml: 50 % concurrent, 10 % failure tolerance, regions in parallel, stacks retained)."""
    _deployed_ok(deployed)
    cfn = deployed.client("cloudformation", deployed.spec.admin)
    stack_set = cfn.describe_stack_set(StackSetName=DEV_HOME)["StackSet"]
    assert stack_set["PermissionModel"] == "SERVICE_MANAGED"
    assert stack_set["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": True}
    assert "CAPABILITY_NAMED_IAM" in stack_set["Capabilities"]
    recorded: Any = deployed.backend().describe_stack_set(DEV_HOME)  # with the attributes settings_recorded() keeps
    assert recorded.call_as == "SELF"
    assert [operation["OperationPreferences"] for operation in recorded.operations] == [
        {"FailureTolerancePercentage": 10, "MaxConcurrentPercentage": 50, "RegionConcurrencyType": "PARALLEL"}
    ]


def _asset_bucket(deployed: Deployed) -> str:
    """The administrator's StackSet asset bucket of its home region (`<prefix>-stackset-assets-<account>-<region>`)."""
    return f"{PREFIX}-stackset-assets-{deployed.ids[deployed.spec.admin]}-{deployed.spec.home}"


def _stack_set_template(deployed: Deployed, name: str) -> dict[str, Any]:
    cfn = deployed.client("cloudformation", deployed.spec.admin)
    template: dict[str, Any] = json.loads(cfn.describe_stack_set(StackSetName=name)["StackSet"]["TemplateBody"])
    return template

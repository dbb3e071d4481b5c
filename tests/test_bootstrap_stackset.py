"""`python -m ops.bootstrap_stackset`: the CDK bootstrap through one service-managed StackSet, run against the local
AWS API (moto server, tests/support/local_aws.py, with the StackSet gap fills of tests/support/stack_sets.py), in
both partitions: the StackSet's settings, the bootstrap resources each member account of the targeted OUs gets (and
the management account and untargeted accounts do not), a second run that updates, automatic deployment to an
account moved into a targeted OU, and the dry run and bad input of the command line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest

from config.loader import load_config
from ops.bootstrap_stackset import (
    BootstrapError,
    BootstrapPlan,
    Preferences,
    apply,
    bootstrap_plan,
    bootstrap_template,
    main,
    management_commands,
)
from ops.deploy import DEFAULT_CDK
from tests.support.project import EXAMPLE_CONFIG
from tests.support.stack_sets import member_client, stack_sets

# The CDK bootstrap template's staging bucket policy is a type moto's CloudFormation skips (with this warning); the
# tests read back the bucket, roles and version parameter, never the policy (docs/testing.md, recorded-only types).
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS..S3..BucketPolicy .:UserWarning")

HOME = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}
REGIONS = {"aws": ["us-east-1", "us-west-2"], "aws-us-gov": ["us-gov-west-1", "us-gov-east-1"]}
QUALIFIER = "hnb659fds"
ROLES = ("deploy", "lookup", "file-publishing", "image-publishing", "cfn-exec")


@pytest.fixture(scope="module")
def template() -> str:
    return bootstrap_template(str(DEFAULT_CDK))


class Org:
    """A moto organization: the management account (moto's default), OUs Workloads, Workloads/Prod (nested) and
    Sandbox, and one member account in each; the deployment account is in Workloads."""

    def __init__(self, partition: str) -> None:
        self.partition = partition
        organizations = boto3.client("organizations", region_name=HOME[partition])
        self.management = organizations.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
        self.root = organizations.list_roots()["Roots"][0]["Id"]
        self.ous: dict[str, str] = {}
        for path in ("Workloads", "Workloads/Prod", "Sandbox"):
            parent = self.ous.get(path.rpartition("/")[0], self.root)
            name = path.rpartition("/")[2]
            self.ous[path] = organizations.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"][
                "Id"
            ]
        self.accounts: dict[str, str] = {}
        for name, ou in (("deployment", "Workloads"), ("prod", "Workloads/Prod"), ("sandbox", "Sandbox")):
            status = organizations.create_account(AccountName=name, Email=f"{name}@example.invalid")
            account = status["CreateAccountStatus"]["AccountId"]
            organizations.move_account(AccountId=account, SourceParentId=self.root, DestinationParentId=self.ous[ou])
            self.accounts[name] = account
        self.organizations = organizations

    def client(self, service: str, account: str, region: str) -> Any:
        return member_client(service, account, self.partition, region)

    def plan(self, targets: list[str]) -> BootstrapPlan:
        return BootstrapPlan(
            partition=self.partition,  # type: ignore[arg-type]
            stack_set_name=f"CDKBootstrap-{QUALIFIER}",
            home_region=HOME[self.partition],
            qualifier=QUALIFIER,
            deployment_account=self.accounts["deployment"],
            management_account=self.management,
            targets={self.ous[path]: path for path in targets},
            regions=REGIONS[self.partition],
            call_as="SELF",
            preferences=Preferences(max_concurrent_percentage=50, failure_tolerance_percentage=10),
        )


@pytest.fixture
def org(aws: None, partition: str) -> Iterator[Org]:
    with stack_sets():
        yield Org(partition)


def run(org: Org, plan: BootstrapPlan, template: str) -> list[str]:
    lines: list[str] = []
    cfn = boto3.client("cloudformation", region_name=plan.home_region)
    apply(plan, template, cfn, poll_seconds=0, out=lines.append)
    return lines


def bootstrapped(org: Org, account: str, region: str) -> dict[str, Any]:
    """What the bootstrap made in `account` and `region`: bucket, roles (trust, managed policies), version."""
    s3 = org.client("s3", account, region)
    iam = org.client("iam", account, region)
    ssm = org.client("ssm", account, region)
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    roles: dict[str, Any] = {}
    for kind in ROLES:
        name = f"cdk-{QUALIFIER}-{kind}-role-{account}-{region}"
        try:
            role = iam.get_role(RoleName=name)["Role"]
        except iam.exceptions.NoSuchEntityException:
            continue
        trust = role["AssumeRolePolicyDocument"]
        attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
        roles[kind] = {"trust": trust if isinstance(trust, dict) else json.loads(trust), "attached": attached}
    try:
        version = ssm.get_parameter(Name=f"/cdk-bootstrap/{QUALIFIER}/version")["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        version = None
    return {"bucket": f"cdk-{QUALIFIER}-assets-{account}-{region}" in buckets, "roles": roles, "version": version}


def trusted_principals(role: dict[str, Any]) -> set[str]:
    """The AWS principals allowed sts:AssumeRole by the role's trust policy."""
    principals: set[str] = set()
    for statement in role["trust"]["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Effect"] == "Allow" and "sts:AssumeRole" in actions:
            aws = statement.get("Principal", {}).get("AWS", [])
            principals.update([aws] if isinstance(aws, str) else aws)
    return principals


def test_the_stack_set_is_service_managed_auto_deploying_with_the_deploy_flow_parameters(
    org: Org, template: str
) -> None:
    run(org, org.plan(["Workloads"]), template)
    cfn = boto3.client("cloudformation", region_name=HOME[org.partition])
    stack_set = cfn.describe_stack_set(StackSetName="CDKBootstrap-hnb659fds")["StackSet"]
    assert stack_set["PermissionModel"] == "SERVICE_MANAGED"
    assert stack_set["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert stack_set["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack_set["Parameters"]} == {
        "TrustedAccounts": org.accounts["deployment"],
        "CloudFormationExecutionPolicies": f"arn:{org.partition}:iam::aws:policy/AdministratorAccess",
        "Qualifier": "hnb659fds",
        "FileAssetsBucketKmsKeyId": "AWS_MANAGED_KEY",
    }
    operations = cfn.list_stack_set_operations(StackSetName="CDKBootstrap-hnb659fds")["Summaries"]
    operation = cfn.describe_stack_set_operation(
        StackSetName="CDKBootstrap-hnb659fds", OperationId=operations[-1]["OperationId"]
    )["StackSetOperation"]
    assert operation["OperationPreferences"] == {
        "MaxConcurrentPercentage": 50,
        "FailureTolerancePercentage": 10,
        "RegionConcurrencyType": "SEQUENTIAL",
    }


def test_members_of_targeted_ous_and_their_child_ous_are_bootstrapped_trusting_the_deployment_account(
    org: Org, template: str
) -> None:
    run(org, org.plan(["Workloads"]), template)
    deployment = org.accounts["deployment"]
    for name in ("deployment", "prod"):  # prod is in Workloads/Prod, a child OU of the target
        account = org.accounts[name]
        for region in REGIONS[org.partition]:
            found = bootstrapped(org, account, region)
            assert found["bucket"], (name, region)
            assert set(found["roles"]) == set(ROLES), (name, region)
            assert found["version"] is not None and found["version"].isdigit()
            for kind in ("deploy", "file-publishing", "image-publishing"):
                assert deployment in trusted_principals(found["roles"][kind]), (name, region, kind)
            # The execution role's policy (ManagedPolicyArns from CloudFormationExecutionPolicies) is dropped by
            # moto (tests/support/readback.py DROPPED_PROPERTIES): its parameter is asserted on the StackSet above.
            statements = found["roles"]["cfn-exec"]["trust"]["Statement"]
            assert [s["Principal"] for s in statements] == [{"Service": "cloudformation.amazonaws.com"}]


def test_the_management_account_and_untargeted_accounts_get_nothing(org: Org, template: str) -> None:
    run(org, org.plan(["Workloads"]), template)
    for account in (org.management, org.accounts["sandbox"]):
        assert bootstrapped(org, account, HOME[org.partition]) == {"bucket": False, "roles": {}, "version": None}


def test_the_root_target_reaches_every_member_at_any_depth_but_never_the_management_account(
    org: Org, template: str
) -> None:
    run(org, replace(org.plan([]), targets={org.root: "Root"}), template)
    region = HOME[org.partition]
    for name in ("deployment", "prod", "sandbox"):  # prod is two OU levels below the root
        assert set(bootstrapped(org, org.accounts[name], region)["roles"]) == set(ROLES), name
    assert bootstrapped(org, org.management, region) == {"bucket": False, "roles": {}, "version": None}


def test_a_second_run_updates_the_stack_set_and_its_instances(org: Org, template: str) -> None:
    run(org, org.plan(["Workloads"]), template)
    # A newer pinned CLI: its template has the next bootstrap version, which must reach the existing instances.
    version = re.search(
        r'CdkBootstrapVersion:\n    Type: AWS::SSM::Parameter\n(?:    .*\n)*?      Value: "(\d+)"', template
    )
    assert version is not None
    newer = template.replace(version.group(0), version.group(0).replace(f'"{version.group(1)}"', '"999"'))
    other = org.accounts["sandbox"]  # and another deployment account: the StackSet's parameter changes
    lines = run(org, replace(org.plan(["Workloads"]), deployment_account=other), newer)
    assert any("exists: updating" in line for line in lines)
    cfn = boto3.client("cloudformation", region_name=HOME[org.partition])
    actions = [op["Action"] for op in cfn.list_stack_set_operations(StackSetName="CDKBootstrap-hnb659fds")["Summaries"]]
    assert actions == ["CREATE", "UPDATE", "CREATE"]
    parameters = cfn.describe_stack_set(StackSetName="CDKBootstrap-hnb659fds")["StackSet"]["Parameters"]
    assert {"ParameterKey": "TrustedAccounts", "ParameterValue": other} in parameters
    for region in REGIONS[org.partition]:
        assert bootstrapped(org, org.accounts["prod"], region)["version"] == "999"
    # moto's CloudFormation update of an IAM role keeps its trust policy (Role.update_from_cloudformation_json), so
    # the new TrustedAccounts is proved on the StackSet, not read back from the roles.


def test_a_second_run_with_a_new_ou_adds_its_accounts(org: Org, template: str) -> None:
    run(org, org.plan(["Workloads"]), template)
    run(org, org.plan(["Workloads", "Sandbox"]), template)
    assert bootstrapped(org, org.accounts["sandbox"], HOME[org.partition])["bucket"]


def test_an_account_moved_into_a_targeted_ou_is_bootstrapped_automatically(org: Org, template: str) -> None:
    run(org, org.plan(["Workloads"]), template)
    sandbox = org.accounts["sandbox"]
    org.organizations.move_account(
        AccountId=sandbox, SourceParentId=org.ous["Sandbox"], DestinationParentId=org.ous["Workloads/Prod"]
    )
    for region in REGIONS[org.partition]:
        assert set(bootstrapped(org, sandbox, region)["roles"]) == set(ROLES)
    org.organizations.move_account(
        AccountId=sandbox, SourceParentId=org.ous["Workloads/Prod"], DestinationParentId=org.ous["Sandbox"]
    )
    assert bootstrapped(org, sandbox, HOME[org.partition])["roles"] == {}


def test_an_aws_error_is_one_message(org: Org, template: str) -> None:
    plan = replace(org.plan(["Workloads"]), targets={"ou-nope": "Nope"})
    with pytest.raises(BootstrapError, match=r"StackSet CDKBootstrap-hnb659fds in .*ou-nope"):
        run(org, plan, template)


# --- the plan from the config, and the command line ----------------------------------------------------------------


def test_the_plan_of_the_example_config(partition: str) -> None:
    config = load_config(EXAMPLE_CONFIG)
    plan = bootstrap_plan(config, partition)  # type: ignore[arg-type]
    expected = {  # config/org.yaml: deployment account, root, allowed regions, management account
        "aws": ("510987654324", {"r-k3x9": "Root"}, ["us-east-1", "us-west-2"], "210987654321"),
        "aws-us-gov": ("220987654330", {"r-g7v4": "Root"}, ["us-gov-west-1", "us-gov-east-1"], "220987654330"),
    }[partition]
    assert plan.deployment_account == expected[0]
    assert plan.targets == expected[1]
    assert plan.regions == expected[2]
    assert plan.uncovered[0].startswith(f"{config.partitions[partition].management_account} ({expected[3]})")  # type: ignore[index]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in plan.parameters}["CloudFormationExecutionPolicies"] == (
        f"arn:{partition}:iam::aws:policy/AdministratorAccess"
    )


def test_ous_outside_the_targets_are_listed_as_not_covered() -> None:
    plan = bootstrap_plan(load_config(EXAMPLE_CONFIG), "aws", ous=["Workloads"])
    assert plan.targets == {"ou-k3x9-1c6f9a2e": "Workloads"}
    covered_not = [line.split(" ")[0] for line in plan.uncovered]
    assert covered_not == ["management", "log-archive", "security", "shared-services", "ci", "sandbox-research"]


def test_dry_run_prints_and_calls_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    class NoAws:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"dry run called {name}")

    assert main(["--partition", "aws", "--config", str(EXAMPLE_CONFIG)], client=NoAws()) == 0
    out = capsys.readouterr().out
    assert "SERVICE_MANAGED" in out and "TrustedAccounts=510987654324" in out
    assert "management (210987654321): the management account" in out
    assert "Dry run: nothing created" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ous", "Nope"], "--ous: Nope is not an OU of partitions.aws.organizational_units"),
        (["--regions", "eu-west-1"], "--regions: eu-west-1 not in partitions.aws.allowed_regions"),
        (["--call-as", "ME"], "--call-as=ME: must be one of SELF, DELEGATED_ADMIN"),
        (["--max-concurrent-percentage", "0"], "--max-concurrent-percentage must be at least 1"),
        (["--failure-tolerance-percentage", "101"], "--failure-tolerance-percentage=101: must be a percentage"),
        (["--region-concurrency", "FAST"], "--region-concurrency=FAST: must be one of SEQUENTIAL, PARALLEL"),
    ],
)
def test_bad_input_is_one_message(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--partition", "aws", "--config", str(EXAMPLE_CONFIG), *args]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_management_account_is_bootstrapped_by_hand_as_docs_deploying_says() -> None:
    config = load_config(EXAMPLE_CONFIG)
    assert management_commands(bootstrap_plan(config, "aws", regions=["us-east-1"])) == [
        "npx cdk bootstrap aws://210987654321/us-east-1 --trust 510987654324 "
        "--cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess"
    ]
    # GovCloud's deployment account is its management account: no --trust (docs/deploying.md, "Bootstrap").
    assert management_commands(bootstrap_plan(config, "aws-us-gov", regions=["us-gov-west-1"])) == [
        "npx cdk bootstrap aws://220987654330/us-gov-west-1 "
        "--cloudformation-execution-policies arn:aws-us-gov:iam::aws:policy/AdministratorAccess"
    ]


def test_a_failed_operation_names_each_failed_account_and_region() -> None:
    """StackSet operations report RUNNING, then a final status; a FAILED one's results name the failed instances
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationResultSummary.html). The
    local API finishes every operation at once as SUCCEEDED, so these answers are canned."""

    class FailingStackSets:
        class exceptions:
            StackSetNotFoundException = LookupError

        def __init__(self) -> None:
            self.statuses = ["RUNNING", "FAILED"]

        def describe_stack_set(self, **_: Any) -> dict[str, Any]:
            raise LookupError

        def create_stack_set(self, **_: Any) -> dict[str, Any]:
            return {"StackSetId": "CDKBootstrap-hnb659fds:1"}

        def create_stack_instances(self, **_: Any) -> dict[str, Any]:
            return {"OperationId": "op-1"}

        def describe_stack_set_operation(self, **_: Any) -> dict[str, Any]:
            return {"StackSetOperation": {"Status": self.statuses.pop(0), "StatusReason": "tolerance exceeded"}}

        def list_stack_set_operation_results(self, **_: Any) -> dict[str, Any]:
            return {
                "Summaries": [
                    {"Account": "111111111111", "Region": "us-east-1", "Status": "SUCCEEDED"},
                    {
                        "Account": "222222222222",
                        "Region": "us-west-2",
                        "Status": "FAILED",
                        "StatusReason": "cdk-hnb659fds-assets-222222222222-us-west-2 already exists",
                    },
                ]
            }

    plan = bootstrap_plan(load_config(EXAMPLE_CONFIG), "aws")
    lines: list[str] = []
    with pytest.raises(BootstrapError) as failure:
        apply(plan, "template", FailingStackSets(), poll_seconds=0, out=lines.append)
    assert str(failure.value) == (
        "StackSet CDKBootstrap-hnb659fds: create instances operation op-1 ended FAILED (tolerance exceeded); "
        "failed instances: 222222222222/us-west-2: cdk-hnb659fds-assets-222222222222-us-west-2 already exists"
    )
    assert [line.split(": ")[1].split(" ")[0] for line in lines if "operation op-1" in line] == ["RUNNING", "FAILED"]

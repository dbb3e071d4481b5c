"""The StackSet gap fills of tests/support/stack_sets.py, on the local AWS API (moto server), with a small
hand-written template of the shape the StackSets deployment mode synthesizes: a stack in the management account
holding one service-managed `AWS::CloudFormation::StackSet` (TemplateURL in S3, OU targets, automatic deployment,
CallAs, capabilities, operation preferences), whose template every member account of the targeted OU gets.

The first tests pin what stock moto 5.2.5 does not do (so a moto upgrade that does it shows here, and the gap fill
can go); the others prove the gap fills do what CloudFormation and StackSets do.
"""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.support.local_cloud import LocalCloud
from tests.support.stack_sets import member_client, stack_sets

HOME = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}
REGIONS = {"aws": ["us-east-1", "us-west-2"], "aws-us-gov": ["us-gov-west-1", "us-gov-east-1"]}
BUCKET = "stackset-templates-local"
NAME = "org-baseline-local"

# The StackSet's own template: what each member account and region gets.
MEMBER_TEMPLATE = {
    "Resources": {
        "Marker": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Name": "/baseline/profile", "Type": "String", "Value": {"Ref": "Profile"}},
        },
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": {"Fn::Sub": "baseline-${AWS::Region}"},
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
            },
        },
    },
    "Parameters": {"Profile": {"Type": "String"}},
}


def holder_template(ou_id: str, regions: list[str], only: list[str] | None = None) -> dict[str, Any]:
    """The management account's stack: one StackSet resource (properties as the StackSets mode writes them)."""
    return {
        "Resources": {
            "Baseline": {
                "Type": "AWS::CloudFormation::StackSet",
                "Properties": {
                    "StackSetName": NAME,
                    "PermissionModel": "SERVICE_MANAGED",
                    "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
                    "CallAs": "SELF",
                    "Capabilities": ["CAPABILITY_NAMED_IAM"],
                    "OperationPreferences": {
                        "MaxConcurrentPercentage": 100,
                        "FailureTolerancePercentage": 0,
                        "RegionConcurrencyType": "PARALLEL",
                    },
                    "Parameters": [{"ParameterKey": "Profile", "ParameterValue": "workloads"}],
                    "TemplateURL": {"Fn::Sub": f"https://s3.${{AWS::Region}}.${{AWS::URLSuffix}}/{BUCKET}/member.json"},
                    "StackInstancesGroup": [{"DeploymentTargets": targets(ou_id, only), "Regions": regions}],
                },
            }
        },
        "Outputs": {"StackSetId": {"Value": {"Fn::GetAtt": ["Baseline", "StackSetId"]}}},
    }


def targets(ou_id: str, only: list[str] | None) -> dict[str, Any]:
    """The OU, or with `only` the listed accounts within it (INTERSECTION, as the StackSets mode targets a profile's
    accounts)."""
    if only is None:
        return {"OrganizationalUnitIds": [ou_id]}
    return {"OrganizationalUnitIds": [ou_id], "Accounts": only, "AccountFilterType": "INTERSECTION"}


class Org:
    """moto's default account as management account; OUs Workloads and Workloads/Prod (nested) and Sandbox."""

    def __init__(self, partition: str) -> None:
        self.partition = partition
        self.region = HOME[partition]
        self.organizations = boto3.client("organizations", region_name=self.region)
        self.management = self.organizations.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
        root = self.organizations.list_roots()["Roots"][0]["Id"]
        self.ous: dict[str, str] = {}
        for path in ("Workloads", "Workloads/Prod", "Sandbox"):
            parent = self.ous.get(path.rpartition("/")[0], root)
            unit = self.organizations.create_organizational_unit(ParentId=parent, Name=path.rpartition("/")[2])
            self.ous[path] = unit["OrganizationalUnit"]["Id"]
        self.accounts: dict[str, str] = {}
        for name, ou in (("prod", "Workloads/Prod"), ("dev", "Workloads"), ("sandbox", "Sandbox")):
            status = self.organizations.create_account(AccountName=name, Email=f"{name}@example.invalid")
            account = status["CreateAccountStatus"]["AccountId"]
            self.organizations.move_account(AccountId=account, SourceParentId=root, DestinationParentId=self.ous[ou])
            self.accounts[name] = account
        s3 = boto3.client("s3", region_name=self.region)
        if self.region == "us-east-1":
            s3.create_bucket(Bucket=BUCKET)
        else:
            s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": self.region})
        s3.put_object(Bucket=BUCKET, Key="member.json", Body=json.dumps(MEMBER_TEMPLATE).encode())

    def deploy(self, outputs: bool = True, only: list[str] | None = None) -> dict[str, Any]:
        cfn = boto3.client("cloudformation", region_name=self.region)
        template = holder_template(self.ous["Workloads"], REGIONS[self.partition], only)
        if not outputs:  # stock moto fails a GetAtt of a type it only records
            del template["Outputs"]
        cfn.create_stack(StackName="StackSets-management", TemplateBody=json.dumps(template))
        stack: dict[str, Any] = cfn.describe_stacks(StackName="StackSets-management")["Stacks"][0]
        return stack

    def client(self, service: str, account: str, region: str) -> Any:
        return member_client(service, account, self.partition, region)

    def member_profile(self, account: str, region: str) -> str | None:
        """The member template's marker parameter in `account` and `region`, or None."""
        ssm = self.client("ssm", account, region)
        try:
            return str(ssm.get_parameter(Name="/baseline/profile")["Parameter"]["Value"])
        except ssm.exceptions.ParameterNotFound:
            return None


@pytest.fixture
def stock_org(aws: None, partition: str) -> Org:
    return Org(partition)


@pytest.fixture
def org(aws: None, partition: str) -> Iterator[Org]:
    with stack_sets():
        yield Org(partition)


# The warning is the fact this canary pins: stock moto's CloudFormation does not implement the StackSet resource.
@pytest.mark.filterwarnings("ignore:Tried to parse AWS..CloudFormation..StackSet .:UserWarning")
def test_stock_moto_only_records_the_stack_set_resource(stock_org: Org) -> None:
    stock_org.deploy(outputs=False)
    cfn = boto3.client("cloudformation", region_name=stock_org.region)
    assert cfn.list_stack_sets()["Summaries"] == []
    assert stock_org.member_profile(stock_org.accounts["prod"], stock_org.region) is None


def test_stock_moto_does_not_deploy_to_an_account_moved_into_a_target(stock_org: Org) -> None:
    cfn = boto3.client("cloudformation", region_name=stock_org.region)
    cfn.create_stack_set(
        StackSetName=NAME,
        TemplateBody=json.dumps(MEMBER_TEMPLATE),
        Parameters=[{"ParameterKey": "Profile", "ParameterValue": "workloads"}],
        PermissionModel="SERVICE_MANAGED",
        AutoDeployment={"Enabled": True, "RetainStacksOnAccountRemoval": False},
    )
    cfn.create_stack_instances(
        StackSetName=NAME,
        DeploymentTargets={"OrganizationalUnitIds": [stock_org.ous["Sandbox"]]},
        Regions=[stock_org.region],
    )
    stock_org.organizations.move_account(
        AccountId=stock_org.accounts["prod"],
        SourceParentId=stock_org.ous["Workloads/Prod"],
        DestinationParentId=stock_org.ous["Sandbox"],
    )
    assert stock_org.member_profile(stock_org.accounts["prod"], stock_org.region) is None
    assert "AutoDeployment" not in cfn.describe_stack_set(StackSetName=NAME)["StackSet"]


def test_the_stack_set_resource_creates_the_stack_set_with_its_properties(org: Org) -> None:
    stack = org.deploy()
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    cfn = boto3.client("cloudformation", region_name=org.region)
    stack_set = cfn.describe_stack_set(StackSetName=NAME)["StackSet"]
    assert stack_set["PermissionModel"] == "SERVICE_MANAGED"
    assert stack_set["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert stack_set["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert json.loads(stack_set["TemplateBody"]) == MEMBER_TEMPLATE  # read from S3 through TemplateURL
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["StackSetId"] == stack_set["StackSetId"]
    operation_id = cfn.list_stack_set_operations(StackSetName=NAME)["Summaries"][0]["OperationId"]
    operation = cfn.describe_stack_set_operation(StackSetName=NAME, OperationId=operation_id)["StackSetOperation"]
    assert operation["OperationPreferences"]["RegionConcurrencyType"] == "PARALLEL"


def test_members_of_the_targeted_ou_and_its_child_ous_get_the_template_in_each_region(org: Org) -> None:
    org.deploy()
    for region in REGIONS[org.partition]:
        assert org.member_profile(org.accounts["prod"], region) == "workloads"
        iam = org.client("iam", org.accounts["prod"], region)
        assert iam.get_role(RoleName=f"baseline-{region}")["Role"]["RoleName"] == f"baseline-{region}"
        assert org.member_profile(org.accounts["sandbox"], region) is None
    assert org.member_profile(org.management, org.region) is None  # never the management account


def test_moving_an_account_into_the_target_deploys_and_out_of_it_removes(org: Org) -> None:
    org.deploy()
    sandbox = org.accounts["sandbox"]
    org.organizations.move_account(
        AccountId=sandbox, SourceParentId=org.ous["Sandbox"], DestinationParentId=org.ous["Workloads"]
    )
    for region in REGIONS[org.partition]:
        assert org.member_profile(sandbox, region) == "workloads"
    org.organizations.move_account(
        AccountId=sandbox, SourceParentId=org.ous["Workloads"], DestinationParentId=org.ous["Sandbox"]
    )
    for region in REGIONS[org.partition]:
        assert org.member_profile(sandbox, region) is None
    cfn = boto3.client("cloudformation", region_name=org.region)
    accounts = {i["Account"] for i in cfn.list_stack_instances(StackSetName=NAME)["Summaries"]}
    assert accounts == {org.accounts["prod"], org.accounts["dev"]}


def test_an_intersection_target_reaches_only_the_listed_accounts_of_the_ou(org: Org) -> None:
    org.deploy(only=[org.accounts["prod"]])
    assert org.member_profile(org.accounts["prod"], org.region) == "workloads"
    assert org.member_profile(org.accounts["dev"], org.region) is None  # in Workloads, not listed
    org.organizations.move_account(
        AccountId=org.accounts["sandbox"], SourceParentId=org.ous["Sandbox"], DestinationParentId=org.ous["Workloads"]
    )
    assert org.member_profile(org.accounts["sandbox"], org.region) is None  # joined the OU, not listed


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("extract", ["true", "false"])
def test_a_bucket_deployment_copies_its_sources_into_the_destination(extract: str) -> None:
    """The stand-in for the CDK's BucketDeployment handler, run as CloudFormation would run the custom resource."""
    account, partition, region = "100000000001", "aws", "us-east-1"
    cloud = LocalCloud().start()
    try:
        with stack_sets():
            iam = cloud.client("iam", account, partition, region)
            role = iam.create_role(RoleName="copier", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
            function = cloud.client("lambda", account, partition, region).create_function(
                FunctionName="copier",
                Runtime="python3.12",
                Role=role,
                Handler="index.handler",
                Code={"ZipFile": _zip({"index.py": b"def handler(event, context): pass\n"})},
            )["FunctionArn"]
            s3 = cloud.client("s3", account, partition, region)
            for bucket in ("staging", "assets-us-east-1"):
                s3.create_bucket(Bucket=bucket)
            s3.put_object(Bucket="staging", Key="abc123.zip", Body=_zip({"handler/index.py": b"code\n"}))
            event = {
                "RequestType": "Create",
                "ResourceType": "Custom::CDKBucketDeployment",
                "ResourceProperties": {
                    "SourceBucketNames": ["staging"],
                    "SourceObjectKeys": ["abc123.zip"],
                    "DestinationBucketName": "assets-us-east-1",
                    "Extract": extract,
                },
            }
            response = cloud.run_custom_resource(account, region, function, event)
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket="assets-us-east-1")["Contents"]]
    finally:
        # moto's state is the process's: leave none for the next test
        urllib.request.urlopen(urllib.request.Request(f"{cloud.endpoint}/moto-api/reset", method="POST"), timeout=10)
        cloud.stop()
    assert response["Status"] == "SUCCESS"
    assert response["Data"] == {"DestinationBucketArn": "arn:aws:s3:::assets-us-east-1"}
    assert keys == (["handler/index.py"] if extract == "true" else ["abc123.zip"])

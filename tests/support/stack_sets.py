"""Service-managed StackSets on the local AWS API (moto 5.2.5 in this process): the gap fills that let a test create,
update and deploy a StackSet and read back what each member account got.

moto creates a service-managed StackSet's stack instances with their resources in each target account, but it
lacks the rest. Each gap fill below is a context manager that patches the in-process moto server, with the AWS
behaviour it stands in for; `stack_sets()` enters them all (tests take the `service_managed_stack_sets` fixture from
tests/conftest.py, or enter `stack_sets()` next to a LocalCloud).

- `settings_recorded`: CreateStackSet and UpdateStackSet keep AutoDeployment, Capabilities and CallAs, and each
  operation its OperationPreferences, which DescribeStackSet / DescribeStackSetOperation return (moto drops them).
- `organization_targets`: a stack instance for every account in a targeted OU or root and all their child OUs,
  refined by AccountFilterType (INTERSECTION, DIFFERENCE, UNION) with the listed Accounts, never in the management
  account, from the StackSet's current template (moto goes one OU level deep, includes
  the management account, and uses the template the StackSet was created with). The targets and regions are kept
  for `automatic_deployment`.
- `updates_reach_instances`: UpdateStackSet updates every instance's stack to the new template and parameters
  (moto changes the StackSet only).
- `automatic_deployment`: an account moved into a targeted OU gets the instances of every service-managed StackSet
  with AutoDeployment enabled in its regions, and one moved out of every target loses them unless
  RetainStacksOnAccountRemoval (moto's MoveAccount does neither).
- `stack_set_resource`: CloudFormation's handler of the `AWS::CloudFormation::StackSet` resource type, which moto
  only records: CreateStackSet with the resource's properties (TemplateBody, or TemplateURL read from moto's S3),
  then CreateStackInstances for each of its StackInstancesGroup entries, in the account and region of the stack
  that holds the resource.
- `bucket_deployments_copy`: `Custom::CDKBucketDeployment` copies its source zips into the destination bucket (with a
  LocalCloud; the handler needs the AwsCliLayer's `aws` binary, which the local function runner does not have).

What these cannot prove (docs/testing.md): operations complete at once (no concurrency, failure tolerance or region
order is exercised: the preferences are only recorded); CallAs is recorded, not checked against a delegated
administrator registration; trusted access for StackSets and the service-linked roles are not required; an
instance's stack is hidden (DescribeStacks in the member account does not list it), so its resources are read
back through the member account's service APIs; updating a resource type moto cannot update keeps the old one.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

import boto3
from moto.awslambda.utils import get_backend as get_lambda_backend
from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing as cfn_parsing
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.cloudformation.utils import get_stack_from_s3_url
from moto.organizations import models as org_models
from moto.utilities.utils import get_partition

SERVICE_MANAGED = "SERVICE_MANAGED"


def member_client(service: str, account: str, partition: str, region: str) -> Any:
    """A boto3 client of an operator in `account`, for reading what a stack instance made there (moto's AssumeRole
    returns credentials whose later calls land in the role's account; the role need not exist)."""
    role = f"arn:{partition}:iam::{account}:role/operator"
    creds = boto3.client("sts", region_name=region).assume_role(RoleArn=role, RoleSessionName="test")["Credentials"]
    return boto3.client(
        service,
        region_name=region,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def _stack_set(backend: Any, name: str) -> Any:
    return backend.describe_stack_set(name)


@contextmanager
def settings_recorded() -> Iterator[None]:
    """CreateStackSet / UpdateStackSet keep AutoDeployment, Capabilities and CallAs; operations their
    OperationPreferences (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSet.html)."""
    create = cfn_responses.CloudFormationResponse.create_stack_set
    update = cfn_responses.CloudFormationResponse.update_stack_set
    create_instances = cfn_responses.CloudFormationResponse.create_stack_instances
    describe_operation = cfn_responses.CloudFormationResponse.describe_stack_set_operation

    def record(response: Any, stack_set: Any) -> None:
        for key, attribute in (
            ("AutoDeployment", "auto_deployment"),
            ("Capabilities", "capabilities"),
            ("CallAs", "call_as"),
        ):
            value = response._get_param(key)
            if value is not None:
                setattr(stack_set, attribute, value)

    def record_preferences(response: Any, stack_set: Any, operation_id: str) -> None:
        preferences = response._get_param("OperationPreferences")
        stack_set.get_operation(operation_id)["OperationPreferences"] = preferences or {}

    def create_stack_set(self: Any) -> Any:
        result = create(self)
        record(self, _stack_set(self.cloudformation_backend, self._get_param("StackSetName")))
        return result

    def update_stack_set(self: Any) -> Any:
        result = update(self)
        stack_set = _stack_set(self.cloudformation_backend, self._get_param("StackSetName"))
        record(self, stack_set)
        record_preferences(self, stack_set, stack_set.operations[-1]["OperationId"])
        return result

    def create_stack_instances(self: Any) -> Any:
        result = create_instances(self)
        stack_set = _stack_set(self.cloudformation_backend, self._get_param("StackSetName"))
        record_preferences(self, stack_set, stack_set.operations[-1]["OperationId"])
        return result

    def describe_stack_set_operation(self: Any) -> Any:
        result = describe_operation(self)
        stack_set = _stack_set(self.cloudformation_backend, self._get_param("StackSetName"))
        operation = stack_set.get_operation(self._get_param("OperationId"))
        answer: Any = result.result
        answer["StackSetOperation"].operation_preferences = operation.get("OperationPreferences", {})
        return result

    with mock.patch.multiple(
        cfn_responses.CloudFormationResponse,
        create_stack_set=create_stack_set,
        update_stack_set=update_stack_set,
        create_stack_instances=create_stack_instances,
        describe_stack_set_operation=describe_stack_set_operation,
    ):
        yield


def _organization(instances: Any) -> Any:
    return org_models.organizations_backends[instances.account_id][instances.partition]


def _below(organization: Any, target_ids: list[str]) -> set[str]:
    """The targets and every OU below them (a root target is every OU)."""
    parents = set(target_ids)
    while True:
        children = {ou.id for ou in organization.ou if ou.parent_id in parents} - parents
        if not children:
            return parents
        parents |= children


def _members(organization: Any, targets: dict[str, Any]) -> list[str]:
    """Account IDs a DeploymentTargets selects, never the management account: the accounts under its OUs (at any
    depth), refined by AccountFilterType with its Accounts (https://docs.aws.amazon.com/AWSCloudFormation/latest/
    APIReference/API_DeploymentTargets.html: INTERSECTION only the listed accounts within the OUs, DIFFERENCE all but
    them, UNION the OUs' accounts plus them, NONE or absent the OUs' accounts)."""
    containers = _below(organization, list(targets.get("OrganizationalUnitIds", [])))
    management = organization.org.master_account_id
    in_ous = [a.id for a in organization.accounts if a.parent_id in containers]
    listed = set(targets.get("Accounts", []))
    selected = {
        "INTERSECTION": [a for a in in_ous if a in listed],
        "DIFFERENCE": [a for a in in_ous if a not in listed],
        "UNION": in_ous + sorted(listed - set(in_ous)),
    }.get(str(targets.get("AccountFilterType", "NONE")), in_ous)
    return [account for account in selected if account != management]


def _new_instance(instances: Any, account: str, region: str, parameters: Any) -> Any:
    return cfn_models.StackInstance(
        account_id=account,
        region_name=region,
        stackset_id=instances.stackset_id,
        stack_name=instances.stack_name,
        name=instances.stackset_name,
        template=instances.template,
        parameters=parameters,
        permission_model=SERVICE_MANAGED,
    )


@contextmanager
def organization_targets() -> Iterator[None]:
    """Service-managed instances reach every account of a targeted OU and its child OUs, and never the management
    account, "even if that account is part of your organization or belongs to an organizational unit (OU)"
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-associate-stackset-with-org.html)."""
    original = cfn_models.StackInstances.create_instances

    def create_instances(
        self: Any,
        accounts: list[str],
        regions: list[str],
        parameters: Any,
        deployment_targets: dict[str, Any],
        permission_model: str,
    ) -> list[dict[str, Any]]:
        if permission_model != SERVICE_MANAGED:
            return original(self, accounts, regions, parameters, deployment_targets, permission_model)
        group = {**deployment_targets, "Regions": list(regions), "Parameters": parameters}
        self.groups = [*getattr(self, "groups", []), group]  # for automatic_deployment
        created = []
        for region in regions:
            for account in _members(_organization(self), deployment_targets):
                if self.get_instance(account, region) is None:
                    instance = _new_instance(self, account, region, parameters)
                    self.stack_instances.append(instance)
                    created.append(instance.to_dict())
        return created

    original_update = cfn_models.StackSet.update

    def update(self: Any, template: str, *args: Any, **kwargs: Any) -> Any:
        result = original_update(self, template, *args, **kwargs)
        self.instances.template = self.template  # later instances take the current template
        self.instances.parameters = self.parameters
        return result

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(cfn_models.StackInstances, "create_instances", create_instances))
        stack.enter_context(mock.patch.object(cfn_models.StackSet, "update", update))
        yield


@contextmanager
def updates_reach_instances() -> Iterator[None]:
    """UpdateStackSet without targets updates every stack instance to the new template and parameters
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStackSet.html)."""
    original = cfn_models.StackSet.update

    def update(self: Any, template: str, *args: Any, **kwargs: Any) -> Any:
        result = original(self, template, *args, **kwargs)
        parameters = dict(self.parameters)
        for instance in self.instances.stack_instances:
            instance.template = self.template
            instance.stack.update(self.template, parameters=parameters)
        return result

    with mock.patch.object(cfn_models.StackSet, "update", update):
        yield


def _auto_deploying_stack_sets(management: str, partition: str) -> Iterator[Any]:
    for region, backend in cfn_models.cloudformation_backends[management].items():
        if get_partition(region) != partition:
            continue
        for stack_set in backend.stacksets.values():
            auto = getattr(stack_set, "auto_deployment", None) or {}
            if stack_set.status == "ACTIVE" and stack_set.permission_model == SERVICE_MANAGED and auto.get("Enabled"):
                yield stack_set


def _in_auto_deployment_order(stack_sets: list[Any]) -> list[Any]:
    """The order automatic deployments run in: a StackSet after those its `AutoDeployment.DependsOn` names (ARNs;
    "operations will be sequenced to ensure all dependencies complete successfully before this StackSet's operation
    begins", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/
    aws-properties-cloudformation-stackset-autodeployment.html), and otherwise in no order AWS promises: newest
    first here, the reverse of creation, so that a dependency the StackSets do not declare fails the deploy test."""
    pending = list(reversed(stack_sets))
    by_arn = {stack_set.arn: stack_set for stack_set in stack_sets}
    ordered: list[Any] = []
    while pending:
        ready = next(
            (
                s
                for s in pending
                if all(by_arn.get(a) in ordered or a not in by_arn for a in s.auto_deployment.get("DependsOn", []))
            ),
            None,
        )
        assert ready is not None, f"AutoDeployment.DependsOn forms a cycle among {[s.name for s in pending]}"
        ordered.append(ready)
        pending.remove(ready)
    return ordered


@contextmanager
def automatic_deployment() -> Iterator[None]:
    """MoveAccount into a targeted OU deploys the instances of every service-managed StackSet with automatic
    deployment in the StackSet's regions; out of every target deletes them unless RetainStacksOnAccountRemoval
    ("StackSets automatically deploys additional stack instances to AWS Organizations accounts that are added to a
    target organization or organizational unit (OU) in the specified Regions. If an account is removed ...,
    StackSets deletes stack instances", https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/
    API_AutoDeployment.html)."""
    original = org_models.OrganizationsBackend.move_account

    def move_account(self: Any, **kwargs: Any) -> None:
        original(self, **kwargs)
        account = kwargs["AccountId"]
        management = self.org.master_account_id
        for stack_set in _in_auto_deployment_order(list(_auto_deploying_stack_sets(management, self.partition))):
            instances = stack_set.instances
            groups = getattr(instances, "groups", [])
            wanted = {r: g for g in groups if account in _members(self, g) for r in g["Regions"]}
            for region in sorted({r for g in groups for r in g["Regions"]}):
                existing = instances.get_instance(account, region)
                if region in wanted and existing is None:
                    instances.stack_instances.append(
                        _new_instance(instances, account, region, wanted[region]["Parameters"])
                    )
                elif region not in wanted and existing is not None:
                    if not stack_set.auto_deployment.get("RetainStacksOnAccountRemoval"):
                        existing.delete()
                    instances.stack_instances.remove(existing)

    with mock.patch.object(org_models.OrganizationsBackend, "move_account", move_account):
        yield


class StackSetResource:
    """An `AWS::CloudFormation::StackSet` resource of a deployed stack: the StackSet it created, by name. Not a
    moto CloudFormationModel subclass: moto lists those subclasses as the types it implements, for every test."""

    def __init__(self, name: str, stack_set_id: str) -> None:
        self.physical_resource_id = name
        self.stack_set_id = stack_set_id

    def is_created(self) -> bool:
        return True

    @staticmethod
    def has_cfn_attr(attr: str) -> bool:
        return attr == "StackSetId"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "StackSetId":
            return self.stack_set_id
        raise UnformattedGetAttTemplateException()

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return "StackSetName"

    @classmethod
    def cloudformation_type(cls) -> str:
        return "AWS::CloudFormation::StackSet"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> StackSetResource:
        properties = cloudformation_json["Properties"]
        return cls(*stack_set_resource_create(properties, account_id, region_name))


def stack_set_resource_create(properties: dict[str, Any], account_id: str, region_name: str) -> tuple[str, str]:
    """What CloudFormation's StackSet handler does on Create, with the resource's properties
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-stackset.html):
    CreateStackSet, then CreateStackInstances per StackInstancesGroup. Returns (name, StackSet ID)."""
    backend = cfn_models.cloudformation_backends[account_id][region_name]
    template = properties.get("TemplateBody")
    if template is None:
        template = get_stack_from_s3_url(
            properties["TemplateURL"], account_id=account_id, partition=get_partition(region_name)
        )
    if not isinstance(template, str):
        template = json.dumps(template)
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in properties.get("Parameters", [])}
    stack_set = backend.create_stack_set(
        name=properties["StackSetName"],
        template=template,
        parameters=parameters,
        tags={t["Key"]: t["Value"] for t in properties.get("Tags", [])},
        permission_model=properties["PermissionModel"],
        admin_role=properties.get("AdministrationRoleARN"),
        exec_role=properties.get("ExecutionRoleName"),
        description=properties.get("Description"),
    )
    recorded: Any = stack_set  # the attributes settings_recorded() keeps
    recorded.auto_deployment = _booleans(properties.get("AutoDeployment") or {})
    recorded.capabilities = properties.get("Capabilities", [])
    recorded.call_as = properties.get("CallAs", "SELF")
    for group in properties.get("StackInstancesGroup", []):
        operation_id = backend.create_stack_instances(
            stack_set.name,
            accounts=[],
            regions=group["Regions"],
            parameters=group.get("ParameterOverrides", []),
            deployment_targets=group["DeploymentTargets"],
        )
        stack_set.get_operation(operation_id)["OperationPreferences"] = properties.get("OperationPreferences", {})
    return stack_set.name, stack_set.id


def _booleans(value: dict[str, Any]) -> dict[str, Any]:
    """Template booleans may arrive as "true"/"false" strings."""
    return {k: (v in (True, "true", "True")) if k != "DependsOn" else v for k, v in value.items()}


@contextmanager
def stack_set_resource() -> Iterator[None]:
    """The `AWS::CloudFormation::StackSet` resource type creates its StackSet and instances (moto records it only)."""
    original = cfn_parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str) -> Any:
        if resource_type == StackSetResource.cloudformation_type():
            return StackSetResource
        return original(resource_type)

    with mock.patch.object(cfn_parsing, "resource_class_from_type", resource_class_from_type):
        yield


BUCKET_DEPLOYMENT = "Custom::CDKBucketDeployment"


def bucket_deployment_copy(s3: Any, properties: dict[str, Any]) -> list[str]:
    """What the CDK's BucketDeployment handler does on Create and Update, with `s3` (a client with the function's
    credentials): each source zip (SourceBucketNames / SourceObjectKeys) into DestinationBucketName under
    DestinationBucketKeyPrefix, extracted unless Extract is "false", in which case the zip is copied under its own key
    name (aws-cdk-lib custom-resource-handlers/dist/aws-s3-deployment/bucket-deployment-handler/index.py). Not
    modelled: Prune, markers, metadata, include/exclude, CloudFront invalidation. Returns the keys written."""
    prefix = str(properties.get("DestinationBucketKeyPrefix", "")).strip("/")
    extract = str(properties.get("Extract", "true")) == "true"
    written: list[str] = []
    for bucket, key in zip(properties["SourceBucketNames"], properties["SourceObjectKeys"], strict=True):
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        if extract:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                files = {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
        else:
            files = {key.rsplit("/", 1)[-1]: body}
        for name, content in files.items():
            target = f"{prefix}/{name}" if prefix else name
            s3.put_object(Bucket=properties["DestinationBucketName"], Key=target, Body=content)
            written.append(target)
    return written


@contextmanager
def bucket_deployments_copy() -> Iterator[None]:
    """`Custom::CDKBucketDeployment` (the CDK's BucketDeployment, which cdk-stacksets uses to copy Lambda code into
    the StackSet asset buckets): its Python handler shells out to `/opt/awscli/aws` from the AwsCliLayer, a Lambda
    layer the local function runner does not provide (tests/support/local_cloud.py runs the function's own zip). The
    copy runs here instead, with the function's role's credentials; Delete keeps the objects (RetainOnDelete, the
    construct's default)."""
    from tests.support.local_cloud import LocalCloud

    original = LocalCloud.run_custom_resource

    def run_custom_resource(
        self: LocalCloud, account: str, region: str, service_token: str, event: dict[str, Any]
    ) -> dict[str, Any]:
        if event.get("ResourceType") != BUCKET_DEPLOYMENT:
            return original(self, account, region, service_token, event)
        function = get_lambda_backend(account, region).get_function(service_token)
        creds = self.credentials(function.role, region)
        s3 = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=creds["AWS_SESSION_TOKEN"],
        )
        properties = event["ResourceProperties"]
        if event["RequestType"] != "Delete":
            bucket_deployment_copy(s3, properties)
        destination = properties["DestinationBucketName"]
        return {  # the fields a handler's response echoes from the request, as run_custom_resource returns them
            "Status": "SUCCESS",
            "RequestId": str(uuid.uuid4()),
            "StackId": event.get("StackId"),
            "LogicalResourceId": event.get("LogicalResourceId"),
            "PhysicalResourceId": event.get("PhysicalResourceId") or f"aws.cdk.s3deployment.{uuid.uuid4()}",
            "Data": {"DestinationBucketArn": f"arn:{get_partition(region)}:s3:::{destination}"},
        }

    with mock.patch.object(LocalCloud, "run_custom_resource", run_custom_resource):
        yield


STACK_SET_GAP_FILLS = (
    settings_recorded,
    organization_targets,
    updates_reach_instances,
    automatic_deployment,
    stack_set_resource,
    bucket_deployments_copy,
)


@contextmanager
def stack_sets() -> Iterator[None]:
    """Every StackSet gap fill, for the life of the block."""
    with ExitStack() as stack:
        for gap_fill in STACK_SET_GAP_FILLS:
            stack.enter_context(gap_fill())
        yield

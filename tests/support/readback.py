"""Read-backs for the deploy test: what a deployed stack's resources look like through the AWS APIs (boto3 against the
local cloud), compared with the synthesized template's properties.

The template's intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, pseudo parameters) are resolved the way the
local CloudFormation resolved them when it created the stack, so a property is compared with the value the resource
was created from, in the account and region the stack was deployed to. For each type with a reader below, the
important properties are read back; a type without a reader is not counted as verified.
"""

from __future__ import annotations

import copy
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing as cfn_parsing

from tests.support.local_cloud import LocalCloud, service_setting

Clients = Callable[[str], Any]  # service name -> boto3 client in the stack's account and region


@dataclass
class Check:
    """One property of one resource, as the template says and as read back."""

    logical_id: str
    resource_type: str
    prop: str
    expected: Any
    actual: Any

    @property
    def ok(self) -> bool:
        return bool(_normal(self.expected) == _normal(self.actual))


@dataclass
class StackReadBack:
    """What was read back for one stack."""

    stack: str
    checks: list[Check] = field(default_factory=list)
    unread_types: set[str] = field(default_factory=set)  # types with no reader here
    unverified: set[str] = field(default_factory=set)  # Type.Property that moto drops (DROPPED_PROPERTIES)

    @property
    def differences(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    @property
    def verified_resources(self) -> int:
        return len({check.logical_id for check in self.checks})


def _normal(value: Any) -> Any:
    """Policy documents and JSON strings compare as data; URL-encoded documents are decoded."""
    if isinstance(value, str):
        text = value
        if text.startswith("%7B"):
            text = urllib.parse.unquote(text)
        if text.startswith("{") or text.startswith("["):
            try:
                return _normal(json.loads(text))
            except ValueError:
                return value
        return value
    if isinstance(value, dict):
        return {key: _normal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normal(item) for item in value]
    if isinstance(value, bool | int | float):
        return str(value).lower() if isinstance(value, bool) else str(value)
    return value


def resolved_properties(account: str, region: str, stack_name: str, template: dict[str, Any]) -> dict[str, Any]:
    """Each resource's properties with intrinsics resolved by the local CloudFormation's view of the stack."""
    stack = cfn_models.cloudformation_backends[account][region].get_stack(stack_name)
    resolved = {}
    for logical_id, resource in template["Resources"].items():
        properties = copy.deepcopy(resource.get("Properties", {}))
        resolved[logical_id] = cfn_parsing.clean_json(properties, stack.resource_map)
    return resolved


def physical_ids(account: str, region: str, stack_name: str) -> dict[str, Any]:
    """The local CloudFormation's resources of the stack by logical ID (the models it created)."""
    stack = cfn_models.cloudformation_backends[account][region].get_stack(stack_name)
    return dict(stack.resource_map._parsed_resources)


# --- readers: (clients, physical resource, resolved properties) -> [(property, expected, actual)] ---------------

Reader = Callable[[Clients, Any, dict[str, Any], str], list[tuple[str, Any, Any]]]


def _iam_role(c: Clients, model: Any, p: dict[str, Any], account: str) -> list[tuple[str, Any, Any]]:
    iam = c("iam")
    role = iam.get_role(RoleName=model.name)["Role"]
    out: list[tuple[str, Any, Any]] = [
        ("RoleName", p.get("RoleName", model.name), role["RoleName"]),
        ("AssumeRolePolicyDocument", p["AssumeRolePolicyDocument"], role["AssumeRolePolicyDocument"]),
        ("Path", p.get("Path", "/"), role["Path"]),
        ("MaxSessionDuration", p.get("MaxSessionDuration", 3600), role["MaxSessionDuration"]),
    ]
    if "PermissionsBoundary" in p:
        out.append(
            (
                "PermissionsBoundary",
                p["PermissionsBoundary"],
                role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
            )
        )
    attached = iam.list_attached_role_policies(RoleName=model.name)["AttachedPolicies"]
    # The stack's managed policies that name this role in their Roles: moto attaches those (the role's own
    # ManagedPolicyArns it drops, see DROPPED_PROPERTIES).
    out.append(
        (
            "attached managed policies",
            sorted(p.get("_policies_naming_this_role", [])),
            sorted(a["PolicyArn"] for a in attached),
        )
    )
    for policy in p.get("Policies", []):
        document = iam.get_role_policy(RoleName=model.name, PolicyName=policy["PolicyName"])["PolicyDocument"]
        out.append((f"Policies[{policy['PolicyName']}]", policy["PolicyDocument"], document))
    return out


def _iam_managed_policy(c: Clients, model: Any, p: dict[str, Any], account: str) -> list[tuple[str, Any, Any]]:
    iam = c("iam")
    policy = iam.get_policy(PolicyArn=model.arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=model.arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    out: list[tuple[str, Any, Any]] = [("PolicyDocument", p["PolicyDocument"], version["Document"])]
    if "ManagedPolicyName" in p:
        out.append(("ManagedPolicyName", p["ManagedPolicyName"], policy["PolicyName"]))
    for key, lister, field_name in (("Roles", "list_entities_for_policy", "PolicyRoles"),):
        if key in p:
            entities = getattr(iam, lister)(PolicyArn=model.arn)[field_name]
            out.append((key, sorted(p[key]), sorted(e["RoleName"] for e in entities)))
    return out


def _iam_instance_profile(c: Clients, model: Any, p: dict[str, Any], account: str) -> list[tuple[str, Any, Any]]:
    profile = c("iam").get_instance_profile(InstanceProfileName=model.name)["InstanceProfile"]
    return [("Roles", sorted(p["Roles"]), sorted(r["RoleName"] for r in profile["Roles"]))]


def _ssm_parameter(c: Clients, model: Any, p: dict[str, Any], account: str) -> list[tuple[str, Any, Any]]:
    parameter = c("ssm").get_parameter(Name=model.name)["Parameter"]
    return [
        ("Name", p.get("Name", model.name), parameter["Name"]),
        ("Value", p["Value"], parameter["Value"]),
        ("Type", p["Type"], parameter["Type"]),
    ]


def _ssm_document(c: Clients, model: Any, p: dict[str, Any], account: str) -> list[tuple[str, Any, Any]]:
    ssm = c("ssm")
    name = p.get("Name", model.name)
    document = ssm.get_document(Name=name, DocumentFormat=p.get("DocumentFormat", "JSON"))
    return [
        ("Name", name, document["Name"]),
        ("Content", p["Content"], document["Content"]),
        ("DocumentType", p.get("DocumentType", "Command"), document["DocumentType"]),
    ]


def _events_rule(c: Clients, model: Any, p: dict[str, Any], account: str) -> list[tuple[str, Any, Any]]:
    events = c("events")
    bus = p.get("EventBusName", "default")
    rule = events.describe_rule(Name=model.name, EventBusName=bus)
    targets = events.list_targets_by_rule(Rule=model.name, EventBusName=bus)["Targets"]
    out: list[tuple[str, Any, Any]] = [
        ("State", p.get("State", "ENABLED"), rule["State"]),
        ("EventPattern", p.get("EventPattern"), rule.get("EventPattern")),
        ("Targets", sorted(t["Arn"] for t in p.get("Targets", [])), sorted(t["Arn"] for t in targets)),
    ]
    if "ScheduleExpression" in p:
        out.append(("ScheduleExpression", p["ScheduleExpression"], rule.get("ScheduleExpression")))
    return out


def _events_bus(c: Clients, model: Any, p: dict[str, Any], account: str) -> list[tuple[str, Any, Any]]:
    bus = c("events").describe_event_bus(Name=p["Name"])
    return [("Name", p["Name"], bus["Name"])]


def _kms_key(c: Clients, model: Any, p: dict[str, Any], account: str) -> list[tuple[str, Any, Any]]:
    kms = c("kms")
    key = kms.describe_key(KeyId=model.id)["KeyMetadata"]
    policy = kms.get_key_policy(KeyId=model.id, PolicyName="default")["Policy"]
    out: list[tuple[str, Any, Any]] = [
        ("KeyPolicy", p["KeyPolicy"], policy),
        ("KeySpec", p.get("KeySpec", "SYMMETRIC_DEFAULT"), key["KeySpec"]),
        ("KeyUsage", p.get("KeyUsage", "ENCRYPT_DECRYPT"), key["KeyUsage"]),
        ("Enabled", p.get("Enabled", True), key["Enabled"]),
    ]
    if "EnableKeyRotation" in p:
        rotation = kms.get_key_rotation_status(KeyId=model.id)["KeyRotationEnabled"]
        out.append(("EnableKeyRotation", p["EnableKeyRotation"], rotation))
    return out


def _kms_alias(c: Clients, model: Any, p: dict[str, Any], account: str) -> list[tuple[str, Any, Any]]:
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in c("kms").list_aliases()["Aliases"]}
    target = p["TargetKeyId"]
    key_id = target.rsplit("/", 1)[-1] if isinstance(target, str) else target
    return [("TargetKeyId", key_id, aliases.get(p["AliasName"]))]


def _lambda_function(c: Clients, model: Any, p: dict[str, Any], account: str) -> list[tuple[str, Any, Any]]:
    config = c("lambda").get_function_configuration(FunctionName=model.function_name)
    return [
        ("Runtime", p["Runtime"], config["Runtime"]),
        ("Handler", p["Handler"], config["Handler"]),
        ("Role", p["Role"], config["Role"]),
        ("Timeout", p.get("Timeout", 3), config["Timeout"]),
        (
            "Environment",
            p.get("Environment", {}).get("Variables", {}),
            config.get("Environment", {}).get("Variables", {}),
        ),
    ]


def _log_group(c: Clients, model: Any, p: dict[str, Any], account: str) -> list[tuple[str, Any, Any]]:
    groups = c("logs").describe_log_groups(logGroupNamePrefix=model.name)["logGroups"]
    group = next(g for g in groups if g["logGroupName"] == model.name)
    return [("RetentionInDays", p.get("RetentionInDays"), group.get("retentionInDays"))]


def _sns_topic(c: Clients, model: Any, p: dict[str, Any], account: str) -> list[tuple[str, Any, Any]]:
    attributes = c("sns").get_topic_attributes(TopicArn=model.arn)["Attributes"]
    out: list[tuple[str, Any, Any]] = []
    if "KmsMasterKeyId" in p:
        out.append(("KmsMasterKeyId", p["KmsMasterKeyId"], attributes.get("KmsMasterKeyId")))
    if "TopicName" in p:
        out.append(("TopicName", p["TopicName"], attributes["TopicArn"].rsplit(":", 1)[-1]))
    return out


def _s3_bucket(c: Clients, model: Any, p: dict[str, Any], account: str) -> list[tuple[str, Any, Any]]:
    s3 = c("s3")
    name = model.name
    out: list[tuple[str, Any, Any]] = [("BucketName", p.get("BucketName", name), name)]
    s3.head_bucket(Bucket=name)
    if "BucketEncryption" in p:
        rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        expected = p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        out.append(
            (
                "BucketEncryption.SSEAlgorithm",
                [r["ServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in expected],
                [r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules],
            )
        )
    return out


# Properties moto's CloudFormation drops when it creates the resource: not read back, listed as unverified.
DROPPED_PROPERTIES: dict[str, tuple[str, ...]] = {
    "AWS::IAM::Role": ("ManagedPolicyArns",),
    "AWS::Logs::LogGroup": ("KmsKeyId",),
    "AWS::S3::Bucket": (
        "PublicAccessBlockConfiguration",
        "VersioningConfiguration",
        "LifecycleConfiguration",
        "ObjectLockConfiguration",
        "LoggingConfiguration",
        "OwnershipControls",
    ),
}

READERS: dict[str, Reader] = {
    "AWS::IAM::Role": _iam_role,
    "AWS::IAM::ManagedPolicy": _iam_managed_policy,
    "AWS::IAM::InstanceProfile": _iam_instance_profile,
    "AWS::SSM::Parameter": _ssm_parameter,
    "AWS::SSM::Document": _ssm_document,
    "AWS::Events::Rule": _events_rule,
    "AWS::Events::EventBus": _events_bus,
    "AWS::KMS::Key": _kms_key,
    "AWS::KMS::Alias": _kms_alias,
    "AWS::Lambda::Function": _lambda_function,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::SNS::Topic": _sns_topic,
    "AWS::S3::Bucket": _s3_bucket,
}


# --- custom resources: read back their effect, not the local CloudFormation's record ------------------------------


def _document_share(cloud: LocalCloud, partition: str, region: str, p: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """The documents are shared with the account, read in the security account that owns them."""
    security = p["SharerRoleArn"].split(":")[4]
    ssm = cloud.client("ssm", security, partition, region)
    return [
        (
            f"shared {name}",
            True,
            p["AccountId"] in ssm.describe_document_permission(Name=name, PermissionType="Share").get("AccountIds", []),
        )
        for name in p["DocumentNames"]
    ]


def _public_sharing_blocked(
    cloud: LocalCloud, partition: str, region: str, p: dict[str, Any], account: str
) -> list[tuple[str, Any, Any]]:
    return [(p["Setting"], "Disable", service_setting(account, region, p["Setting"]))]


def _ebs_encryption_by_default(c: Clients) -> list[tuple[str, Any, Any]]:
    """EBS encryption by default is on in the stack's account and region (read with the account's credentials)."""
    return [("EbsEncryptionByDefault", True, c("ec2").get_ebs_encryption_by_default()["EbsEncryptionByDefault"])]


def _account_public_access_block(c: Clients, p: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """S3 Block Public Access is on, all four settings, for the whole account."""
    block = c("s3control").get_public_access_block(AccountId=p["AccountId"])["PublicAccessBlockConfiguration"]
    every = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    return [(name, True, block.get(name)) for name in every]


def read_back(
    cloud: LocalCloud, stack_name: str, template: dict[str, Any], account: str, region: str, partition: str
) -> StackReadBack:
    """Read back every resource of the deployed stack that has a reader; compare with the template."""
    result = StackReadBack(stack_name)
    properties = resolved_properties(account, region, stack_name, template)
    models = physical_ids(account, region, stack_name)

    def client(service: str) -> Any:
        return cloud.client(service, account, partition, region)

    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::ManagedPolicy" and logical_id in models:
            for role in properties[logical_id].get("Roles", []):
                for other_id, other in template["Resources"].items():
                    if other["Type"] == "AWS::IAM::Role" and getattr(models.get(other_id), "name", None) == role:
                        properties[other_id].setdefault("_policies_naming_this_role", []).append(models[logical_id].arn)
    for logical_id, resource in template["Resources"].items():
        resource_type = resource["Type"]
        p = properties[logical_id]
        for prop in DROPPED_PROPERTIES.get(resource_type, ()):
            if prop in p:
                result.unverified.add(f"{resource_type}.{prop}")
        found: list[tuple[str, Any, Any]]
        if resource_type == "Custom::ApprovedDocumentShare":
            found = _document_share(cloud, partition, region, p)
        elif resource_type == "Custom::BlockPublicDocumentSharing":
            found = _public_sharing_blocked(cloud, partition, region, p, account)
        elif resource_type == "Custom::EbsEncryptionByDefault":
            found = _ebs_encryption_by_default(client)
        elif resource_type == "Custom::AccountPublicAccessBlock":
            found = _account_public_access_block(client, p)
        elif resource_type in READERS:
            model = models.get(logical_id)
            if model is None:
                found = [("exists", True, False)]
            else:
                try:
                    found = READERS[resource_type](client, model, p, account)
                except Exception as err:  # a read that fails is a difference, reported with the others
                    found = [("read", "readable", f"{type(err).__name__}: {err}")]
        else:
            result.unread_types.add(resource_type)
            continue
        result.checks.extend(Check(logical_id, resource_type, prop, want, got) for prop, want, got in found)
    return result

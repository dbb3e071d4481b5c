"""Reading synthesized CloudFormation templates (JSON dicts) in assertions: find resources, statements and roles.

Each finder that promises one result unpacks `(found,) = ...`, so a second or a missing match fails the test
where it happens. Resources are returned as the template holds them (`{"Type": ..., "Properties": ...}`) by
`of_type` and `only`; the finders that look a resource up by its name return `(logical ID, Properties)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RETAINED = {"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"}
"""What a stateful resource carries: kept on update and delete, deleted only when its own create rolls back (so a
failed first deploy can be retried). Compare with `{k: r[k] for k in RETAINED}`."""


def of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """The resources of one type, by logical ID."""
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def only(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    """The one resource of a type in the template."""
    (resource,) = of_type(template, resource_type).values()
    return resource


def by_name(template: dict[str, Any], resource_type: str, name_key: str = "Name") -> dict[str, dict[str, Any]]:
    """The Properties of each resource of a type, by its `name_key` property (every one must have it)."""
    return {v["Properties"][name_key]: v["Properties"] for v in of_type(template, resource_type).values()}


def named(template: dict[str, Any], resource_type: str, name_key: str, name: str) -> tuple[str, dict[str, Any]]:
    """The one resource of a type whose `name_key` property is `name`: (logical ID, Properties)."""
    (found,) = [
        (k, v["Properties"])
        for k, v in of_type(template, resource_type).items()
        if v["Properties"].get(name_key) == name
    ]
    return found


def role_named(template: dict[str, Any], name: str) -> tuple[str, dict[str, Any]]:
    """The IAM role with this RoleName: (logical ID, Properties)."""
    return named(template, "AWS::IAM::Role", "RoleName", name)


def managed_policy_of(template: dict[str, Any], role_logical_id: str) -> tuple[str, dict[str, Any]]:
    """The one managed policy attached to exactly this role (its `Roles` list): (logical ID, Properties)."""
    (found,) = [
        (k, v["Properties"])
        for k, v in of_type(template, "AWS::IAM::ManagedPolicy").items()
        if v["Properties"].get("Roles") == [{"Ref": role_logical_id}]
    ]
    return found


def statement(document: Mapping[str, Any], sid: str) -> dict[str, Any]:
    """The one statement with this Sid in a policy document."""
    matching: list[dict[str, Any]] = [s for s in document["Statement"] if s.get("Sid") == sid]
    (found,) = matching
    return found


def resolved(value: Any, account_id: str, region: str) -> Any:
    """`value` with AWS::AccountId and AWS::Region put in, as CloudFormation does at deploy time: `Ref`s to them
    become the literals, and an `Fn::Join` (with no separator, as CDK writes them) or `Fn::Sub` that is then all
    text becomes one string; in a join that also holds references, adjacent text joins into one piece."""
    pseudo = {"AWS::AccountId": account_id, "AWS::Region": region}
    if isinstance(value, list):
        return [resolved(v, account_id, region) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and value["Ref"] in pseudo:
        return pseudo[value["Ref"]]
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        text = value["Fn::Sub"]
        for name, literal in pseudo.items():
            text = text.replace("${" + name + "}", literal)
        return text if "${" not in text else {"Fn::Sub": text}
    inner = {k: resolved(v, account_id, region) for k, v in value.items()}
    if set(inner) == {"Fn::Join"} and inner["Fn::Join"][0] == "":
        merged: list[Any] = []
        for part in inner["Fn::Join"][1]:  # adjacent text joins into one piece
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            else:
                merged.append(part)
        return merged[0] if len(merged) == 1 and isinstance(merged[0], str) else {"Fn::Join": ["", merged]}
    return inner


BLOCK_ALL_PUBLIC_ACCESS = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


def assert_archived_log_bucket(template: dict[str, Any], logical_id: str, key_logical_id: str, name: str) -> None:
    """The central log bucket `logical_id` (pinned) is named `name`, retained, SSE-KMS with its own retained, rotating
    key `key_logical_id`, versioned, private and access-logged under its name."""
    bucket = template["Resources"][logical_id]
    assert {k: bucket[k] for k in RETAINED} == RETAINED
    props = bucket["Properties"]
    assert props["BucketName"] == name
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": [key_logical_id, "Arn"]},
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == BLOCK_ALL_PUBLIC_ACCESS
    assert props["LoggingConfiguration"]["LogFilePrefix"] == f"{name}/"
    key = template["Resources"][key_logical_id]
    assert {k: key[k] for k in RETAINED} == RETAINED
    assert key["Properties"]["EnableKeyRotation"] is True

"""Small builders for IAM policy documents, so policy code reads like the policy it writes.

Keys come out in one order (Sid, Effect, Principal, Action/NotAction, Resource/NotResource, Condition), the order
every document of the baseline is written in: a template changes only when a policy does.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict, Unpack

VERSION = "2012-10-17"

Statement = dict[str, Any]
PolicyDocument = dict[str, Any]
Values = str | list[str]
Condition = dict[str, dict[str, Any]]

_ORDER = ("Sid", "Effect", "Principal", "Action", "NotAction", "Resource", "NotResource", "Condition")


class StatementFields(TypedDict, total=False):
    sid: str
    principal: dict[str, Any] | str  # "*" in RCPs
    action: Values
    not_action: Values
    resource: Values
    not_resource: Values
    condition: Condition


def document(*statements: Statement) -> PolicyDocument:
    return {"Version": VERSION, "Statement": list(statements)}


def statement(effect: Literal["Allow", "Deny"], **fields: Unpack[StatementFields]) -> Statement:
    keyed: dict[str, Any] = {"Effect": effect}
    for name, value in fields.items():
        keyed["".join(part.capitalize() for part in name.split("_"))] = value
    return {key: keyed[key] for key in _ORDER if keyed.get(key) is not None}


def allow(**fields: Unpack[StatementFields]) -> Statement:
    return statement("Allow", **fields)


def deny(**fields: Unpack[StatementFields]) -> Statement:
    return statement("Deny", **fields)


def resources_of(statement: Statement) -> list[str]:
    """A statement's Resource as a list (IAM takes one string or a list)."""
    resource = statement.get("Resource", [])
    return [resource] if isinstance(resource, str) else list(resource)


def service(name: str) -> dict[str, str]:
    """The principal of an AWS service, e.g. `service("events.amazonaws.com")`."""
    return {"Service": name}


def aws(principals: Values) -> dict[str, Values]:
    """IAM identities by ARN (or "*", then narrowed by conditions)."""
    return {"AWS": principals}


def service_trust(service_name: str, *, sid: str | None = None, condition: Condition | None = None) -> PolicyDocument:
    """A role trust policy: `service_name` may assume the role, under `condition` if given."""
    fields: StatementFields = {"principal": service(service_name), "action": "sts:AssumeRole"}
    if sid is not None:
        fields["sid"] = sid
    if condition is not None:
        fields["condition"] = condition
    return document(allow(**fields))

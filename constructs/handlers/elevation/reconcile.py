"""Scheduled check: user assignments of the eligible permission sets, in the rules' accounts, that no active grant
explains. The configuration assigns only groups (`identity_center.assignments`), so every USER assignment of those
sets there must belong to an active request; any other was made by hand or outlived its grant (a failed removal).
Each one is an event on the alert hub, and it is removed when the config says so (`REMOVE_UNEXPLAINED=true`).

ListAccountAssignments takes one account and one permission set
(https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_ListAccountAssignments.html): the check makes one
call per account and eligible set of each rule.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)


def rules() -> list[dict[str, Any]]:
    path = os.environ.get("RULES_FILE") or str(Path(__file__).with_name("rules.json"))
    loaded: list[dict[str, Any]] = json.loads(Path(path).read_text())
    return loaded


def permission_set_arn(name: str) -> str:
    parameter = os.environ["PERMISSION_SET_PARAMETER_PREFIX"] + name
    return str(boto3.client("ssm").get_parameter(Name=parameter)["Parameter"]["Value"])


def explained() -> set[tuple[str, str, str]]:
    """(account, permission set, user ID) of every grant being made or in force."""
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    out = set()
    for status in ("approved", "active"):
        kwargs: dict[str, Any] = {"IndexName": "by-status", "KeyConditionExpression": Key("status").eq(status)}
        while True:
            page = table.query(**kwargs)
            out |= {(i["account_id"], i["permission_set"], i["requester_id"]) for i in page["Items"]}
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return out


def unexplained() -> list[dict[str, str]]:
    sso = boto3.client("sso-admin")
    known = explained()
    pairs = sorted({(account, r["permission_set"]) for r in rules() for account in r["accounts"]})
    arns = {pset: permission_set_arn(pset) for pset in {pset for _, pset in pairs}}
    found = []
    for account, pset in pairs:
        kwargs = {"InstanceArn": os.environ["INSTANCE_ARN"], "AccountId": account, "PermissionSetArn": arns[pset]}
        while True:
            page = sso.list_account_assignments(**kwargs)
            for assignment in page["AccountAssignments"]:
                user = assignment["PrincipalId"]
                if assignment["PrincipalType"] == "USER" and (account, pset, user) not in known:
                    found.append({"account_id": account, "permission_set": pset, "user_id": user})
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
    return found


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    remove = os.environ.get("REMOVE_UNEXPLAINED") == "true"
    found = unexplained()
    sso = boto3.client("sso-admin")
    events = boto3.client("events")
    for entry in found:
        removed = False
        if remove:
            sso.delete_account_assignment(
                InstanceArn=os.environ["INSTANCE_ARN"],
                TargetId=entry["account_id"],
                TargetType="AWS_ACCOUNT",
                PermissionSetArn=permission_set_arn(entry["permission_set"]),
                PrincipalType="USER",
                PrincipalId=entry["user_id"],
            )
            removed = True
        events.put_events(
            Entries=[
                {
                    "Source": os.environ["EVENT_SOURCE"],
                    "DetailType": "Elevation unexplained assignment",
                    "Detail": json.dumps({**entry, "removed": removed}),
                    "EventBusName": os.environ["EVENT_BUS_ARN"],
                }
            ]
        )
        LOG.warning("unexplained assignment %s (removed: %s)", entry, removed)
    return {"unexplained": found, "removed": remove}

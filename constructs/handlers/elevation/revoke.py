"""Ends a request: removes the user's assignment when its time is up (`end`, from the state machine's Wait state or
the one-time schedule), on early revoke (`revoke`, from the API), or marks a pending request `expired` when the
state machine's approval wait times out (`expire`).

DeleteAccountAssignment is asynchronous like its creation, and Identity Center answers ConflictException while
another operation on the same account and permission set is under way, and ThrottlingException under load
(https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_DeleteAccountAssignment.html#API_DeleteAccountAssignment_Errors):
both are retried with growing delays. An assignment that is already gone counts as removed, so `end` arriving twice
(state machine and schedule) is harmless.

The requester is emailed the outcome (expired, revoked, ended) through the decisions topic, with the message
attribute `requester` their subscription's filter policy selects (api.py says how they subscribe); only the call
that made the transition emails, so a second `end` sends nothing.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)
RETRY_SECONDS = (1, 2, 4, 8, 16, 30, 30)  # about 1.5 minutes of retries, under the function's timeout
RETRIED = ("ConflictException", "ThrottlingException")
PUBLIC = (
    "id",
    "requester",
    "account_id",
    "permission_set",
    "duration_minutes",
    "reason",
    "ticket",
    "rule",
    "status",
    "approver",
    "decision_comment",
    "created_at",
    "decision_at",
    "starts_at",
    "ends_at",
    "pending_until",
)


def now() -> datetime:
    """The clock (tests move it)."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def publish(kind: str, item: dict[str, Any]) -> None:
    detail = {key: item.get(key) for key in PUBLIC} | {"duration_minutes": int(item["duration_minutes"])}
    boto3.client("events").put_events(
        Entries=[
            {
                "Source": os.environ["EVENT_SOURCE"],
                "DetailType": f"Elevation {kind}",
                "Detail": json.dumps(detail),
                "EventBusName": os.environ["EVENT_BUS_ARN"],
            }
        ]
    )


OUTCOMES = {
    "expired": "expired: no approver decided before {pending_until} (UTC). Nothing was granted.",
    "revoked": "was revoked early by {revoked_by}; the access is removed.",
    "ended": "ended at {ended_at} (UTC); the access is removed. Sessions already open last until they expire.",
}


def email_requester(item: dict[str, Any]) -> None:
    """The outcome, to the requester only; a failed email never undoes the transition."""
    what = f"{item['permission_set']} in account {item['account_id']}"
    text = f"Your request {item['id']} for {what} " + OUTCOMES[item["status"]].format(**item) + "\n"
    try:
        boto3.client("sns").publish(
            TopicArn=os.environ["DECISION_TOPIC_ARN"],
            Subject=f"Elevation {item['status']}: {what}"[:100],
            Message=text,
            MessageAttributes={"requester": {"DataType": "String", "StringValue": item["requester_id"]}},
        )
    except ClientError:
        LOG.exception("could not email the requester of %s", item["id"])


def permission_set_arn(name: str) -> str:
    parameter = os.environ["PERMISSION_SET_PARAMETER_PREFIX"] + name
    return str(boto3.client("ssm").get_parameter(Name=parameter)["Parameter"]["Value"])


def unassign(account_id: str, permission_set: str, user_id: str) -> None:
    """Delete the USER assignment and wait for Identity Center to finish; gone already counts as done."""
    sso = boto3.client("sso-admin")
    arguments = {"InstanceArn": os.environ["INSTANCE_ARN"], "TargetId": account_id, "TargetType": "AWS_ACCOUNT",
                 "PermissionSetArn": permission_set_arn(permission_set), "PrincipalType": "USER",
                 "PrincipalId": user_id}  # fmt: skip
    for attempt, delay in enumerate((0, *RETRY_SECONDS)):
        sleep(delay)
        try:
            status = sso.delete_account_assignment(**arguments)["AccountAssignmentDeletionStatus"]
            break
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "ResourceNotFoundException":
                return
            if code not in RETRIED or attempt == len(RETRY_SECONDS):
                raise
            LOG.info("%s; retrying", code)
    for delay in (0, *RETRY_SECONDS):
        sleep(delay)
        status = sso.describe_account_assignment_deletion_status(
            InstanceArn=os.environ["INSTANCE_ARN"], AccountAssignmentDeletionRequestId=status["RequestId"]
        )["AccountAssignmentDeletionStatus"]
        if status["Status"] == "SUCCEEDED":
            return
        if status["Status"] == "FAILED":
            raise RuntimeError(f"Identity Center could not remove: {status.get('FailureReason', 'no reason given')}")
    raise RuntimeError("Identity Center did not finish removing the assignment in time")


def _set(table: Any, item: dict[str, Any], expected: str, changes: dict[str, Any]) -> bool:
    names = {f"#k{i}": key for i, key in enumerate(changes)}
    values = {f":v{i}": value for i, value in enumerate(changes.values())}
    try:
        table.update_item(
            Key={"id": item["id"]},
            UpdateExpression="SET " + ", ".join(f"#k{i} = :v{i}" for i in range(len(changes))),
            ConditionExpression="#status = :expected",
            ExpressionAttributeNames={**names, "#status": "status"},
            ExpressionAttributeValues={**values, ":expected": expected},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    item = dict(table.get_item(Key={"id": event["request_id"]}, ConsistentRead=True)["Item"])
    action = event.get("action", "end")
    if action == "expire":
        changes = {"status": "expired", "decision_at": iso(now())}
        if _set(table, item, "pending", changes):
            publish("expired", {**item, **changes})
            email_requester({**item, **changes})
        return {"request_id": item["id"], "status": "expired" if item["status"] == "pending" else item["status"]}
    if item["status"] != "active":
        LOG.info("request %s is %s; nothing to remove", item["id"], item["status"])
        return {"request_id": item["id"], "status": item["status"]}
    unassign(item["account_id"], item["permission_set"], item["requester_id"])
    status = "revoked" if action == "revoke" else "ended"
    changes = {"status": status, "ended_at": iso(now())}
    if action == "revoke":
        changes["revoked_by"] = event.get("by") or "unknown"
    if _set(table, item, "active", changes):
        publish(status, {**item, **changes})
        email_requester({**item, **changes})
    if action == "revoke":
        try:  # the backstop schedule has nothing left to do
            boto3.client("scheduler").delete_schedule(
                Name=f"revoke-{item['id']}", GroupName=os.environ["SCHEDULE_GROUP"]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
    return {"request_id": item["id"], "status": status}

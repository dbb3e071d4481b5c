"""The state machine's grant step: assign the permission set to the requesting user (a USER principal, never a
group) in the account, wait until Identity Center reports the assignment done, then schedule its removal.

CreateAccountAssignment is asynchronous: it returns a request whose status (IN_PROGRESS, FAILED, SUCCEEDED)
DescribeAccountAssignmentCreationStatus reports
(https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreateAccountAssignment.html,
https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_DescribeAccountAssignmentCreationStatus.html).
The removal is scheduled twice on purpose: the state machine waits until the end and calls the revoke function,
and an EventBridge Scheduler one-time schedule (`at(...)`, deleted after it runs) calls it too, so a stopped or
failed execution cannot leave the grant in place
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time). Revoking twice is harmless.

The requester is emailed that the access is active (or could not be granted) through the decisions topic, with
the message attribute `requester` their subscription's filter policy selects (api.py says how they subscribe).

Input `{"request_id"}`; output `{"request_id", "ends_at"}` for the state machine's Wait state.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)
POLL_SECONDS = (1, 2, 3, 5, 8, 13, 21, 30, 30, 30)  # about 2.5 minutes, under the function's timeout
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


def permission_set_arn(name: str) -> str:
    """Identity Center generates the ARN; the IdentityCenter stack publishes it as a parameter."""
    parameter = os.environ["PERMISSION_SET_PARAMETER_PREFIX"] + name
    return str(boto3.client("ssm").get_parameter(Name=parameter)["Parameter"]["Value"])


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


def email_requester(item: dict[str, Any], failure: str | None = None) -> None:
    """`granted` with how to use it, or `grant failed` with the reason; a failed email never undoes the grant."""
    what = f"{item['permission_set']} in account {item['account_id']}"
    if failure is None:
        subject = f"Elevation granted: {what}"
        text = (
            f"Your request {item['id']} is active: {what} until {item['ends_at']} (UTC).\n"
            f"Sign in through the AWS access portal, or `aws sso login`, and choose account {item['account_id']} "
            f"with {item['permission_set']}. A new session is needed to see the new assignment.\n"
        )
    else:
        subject = f"Elevation grant failed: {what}"
        text = f"Your request {item['id']} was approved, but Identity Center could not grant it: {failure}\n"
    try:
        boto3.client("sns").publish(
            TopicArn=os.environ["DECISION_TOPIC_ARN"],
            Subject=subject[:100],
            Message=text,
            MessageAttributes={"requester": {"DataType": "String", "StringValue": item["requester_id"]}},
        )
    except ClientError:
        LOG.exception("could not email the requester of %s", item["id"])


def assign(item: dict[str, Any]) -> None:
    sso = boto3.client("sso-admin")
    request = sso.create_account_assignment(
        InstanceArn=os.environ["INSTANCE_ARN"],
        TargetId=item["account_id"],
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set_arn(item["permission_set"]),
        PrincipalType="USER",
        PrincipalId=item["requester_id"],
    )["AccountAssignmentCreationStatus"]
    for delay in (0, *POLL_SECONDS):
        sleep(delay)
        status = sso.describe_account_assignment_creation_status(
            InstanceArn=os.environ["INSTANCE_ARN"], AccountAssignmentCreationRequestId=request["RequestId"]
        )["AccountAssignmentCreationStatus"]
        if status["Status"] == "SUCCEEDED":
            return
        if status["Status"] == "FAILED":
            raise RuntimeError(f"Identity Center could not assign: {status.get('FailureReason', 'no reason given')}")
    raise RuntimeError("Identity Center did not finish the assignment in time")


def schedule_revoke(item: dict[str, Any], ends: datetime) -> None:
    boto3.client("scheduler").create_schedule(
        Name=f"revoke-{item['id']}",
        GroupName=os.environ["SCHEDULE_GROUP"],
        ScheduleExpression=f"at({ends.strftime('%Y-%m-%dT%H:%M:%S')})",
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
        Target={
            "Arn": os.environ["REVOKE_FUNCTION_ARN"],
            "RoleArn": os.environ["SCHEDULER_ROLE_ARN"],
            "Input": json.dumps({"request_id": item["id"], "action": "end"}),
        },
    )


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    item = dict(table.get_item(Key={"id": event["request_id"]}, ConsistentRead=True)["Item"])
    if item["status"] != "approved":  # revoked or expired in between: nothing to grant
        LOG.info("request %s is %s; not granting", item["id"], item["status"])
        return {"request_id": item["id"], "ends_at": iso(now())}
    try:
        assign(item)
        starts = now()
        ends = starts + timedelta(minutes=int(item["duration_minutes"]))
        schedule_revoke(item, ends)
    except Exception as error:
        table.update_item(
            Key={"id": item["id"]},
            UpdateExpression="SET #s = :s, failure = :f",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": "failed", ":f": str(error)[:500]},
        )
        publish("grant failed", {**item, "status": "failed"})
        email_requester(item, failure=str(error)[:500])
        raise
    changes = {"status": "active", "starts_at": iso(starts), "ends_at": iso(ends)}
    table.update_item(
        Key={"id": item["id"]},
        UpdateExpression="SET #s = :s, starts_at = :b, ends_at = :e",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": "active", ":b": changes["starts_at"], ":e": changes["ends_at"]},
    )
    publish("granted", {**item, **changes})
    email_requester({**item, **changes})
    return {"request_id": item["id"], "ends_at": changes["ends_at"]}

"""CloudFormation custom resources for account settings that have no CloudFormation resource type
(aws-cloudformation/cloudformation-coverage-roadmap issues #168 and #158):

- `Custom::AccountPublicAccessBlock`: turns on all four settings of S3 Block Public Access for the account (the
  S3 Control API; one setting per account, so only the home-region stack has this resource).
- `Custom::EbsEncryptionByDefault`: turns on EBS encryption by default in this region (one setting per region).
- `Custom::ConfigServiceLinkedRole`: creates AWS Config's service-linked role AWSServiceRoleForConfig when the
  account has none (home region; IAM is global). `AWS::IAM::ServiceLinkedRole` would fail in every account where
  AWS Config was ever turned on, as the role then exists already. Delete leaves it: recorders use it.

Both read before they write, so a repeated event (a CloudFormation retry, a stack update, a replacement) changes
nothing that is already right. Delete leaves the settings on: removing or replacing the baseline must not open the
account, a replacement deletes the old resource after creating the new one (turning off there would undo the new
one), and the service control policy `protect-account-settings` denies turning them off anyway. Whoever really
wants them off does it by hand, through the deployment role. The response goes to CloudFormation's pre-signed URL;
a failure is reported with its reason.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

MAX_REASON = 1000  # CloudFormation rejects responses over 4 KB
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
# The role's policy is created in the same deployment, seconds before the first call: IAM is eventually consistent,
# so a denial is retried for about a minute before it counts (the function's timeout is two minutes).
DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")
RETRY_DELAYS = (2.0, 4.0, 8.0, 16.0, 30.0)

Event = dict[str, Any]
Result = tuple[str, dict[str, str]]


class HandlerError(Exception):
    """A failure with a message meant for the person reading the stack events."""


def handler(event: Event, context: Any) -> None:
    physical_id = event.get("PhysicalResourceId") or event["LogicalResourceId"]
    try:
        action = ACTIONS.get(event["ResourceType"])
        if action is None:
            raise HandlerError(f"unknown resource type {event['ResourceType']!r} (known: {', '.join(sorted(ACTIONS))})")
        physical_id, data = with_retries(action, event)
        send(event, "SUCCESS", physical_id, data=data)
    except Exception as err:  # every failure must reach CloudFormation, or the stack waits for an hour
        LOG.exception("%s %s failed", event.get("RequestType"), event.get("LogicalResourceId"))
        send(event, "FAILED", physical_id, reason=f"{type(err).__name__}: {err}")


def with_retries(action: Callable[[Event], Result], event: Event) -> Result:
    """`action(event)`, again after each of RETRY_DELAYS while AWS denies it (a just-created policy); safe because
    every action reads before it writes."""
    for delay in RETRY_DELAYS:
        try:
            return action(event)
        except ClientError as err:
            if err.response["Error"]["Code"] not in DENIED:
                raise
            LOG.warning("denied (%s), retrying in %s s: IAM may not have propagated the role's policy yet", err, delay)
            time.sleep(delay)
    return action(event)


def block_public_access(event: Event) -> Result:
    account = str(event["ResourceProperties"]["AccountId"])
    physical_id = f"s3-account-public-access-block-{account}"
    if event["RequestType"] == "Delete":
        return physical_id, {}
    s3control = boto3.client("s3control")
    current = account_public_access_block(s3control, account)
    if current != BLOCK_ALL:
        s3control.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration=BLOCK_ALL)
        LOG.info("S3 Block Public Access turned on for account %s (was %s)", account, current)
    return physical_id, {name: "true" for name in BLOCK_ALL}


def account_public_access_block(s3control: Any, account: str) -> dict[str, bool]:
    """The account's current settings; all off when none were ever set."""
    try:
        found: dict[str, bool] = s3control.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"]
    except ClientError as err:
        if err.response["Error"]["Code"] != "NoSuchPublicAccessBlockConfiguration":
            raise
        return {name: False for name in BLOCK_ALL}
    return {name: bool(found.get(name, False)) for name in BLOCK_ALL}


def ebs_encryption_by_default(event: Event) -> Result:
    ec2 = boto3.client("ec2")
    region = str(ec2.meta.region_name)
    physical_id = f"ebs-encryption-by-default-{region}"
    if event["RequestType"] == "Delete":
        return physical_id, {}
    if not ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"]:
        ec2.enable_ebs_encryption_by_default()
        LOG.info("EBS encryption by default turned on in %s", region)
    return physical_id, {"EbsEncryptionByDefault": "true"}


CONFIG_SERVICE_LINKED_ROLE = "AWSServiceRoleForConfig"


def config_service_linked_role(event: Event) -> Result:
    physical_id = "config-service-linked-role"
    if event["RequestType"] == "Delete":
        return physical_id, {}
    iam = boto3.client("iam")
    try:
        arn = str(iam.get_role(RoleName=CONFIG_SERVICE_LINKED_ROLE)["Role"]["Arn"])
    except ClientError as err:
        if err.response["Error"]["Code"] != "NoSuchEntity":
            raise
        arn = str(iam.create_service_linked_role(AWSServiceName="config.amazonaws.com")["Role"]["Arn"])
        LOG.info("AWS Config's service-linked role created: %s", arn)
    return physical_id, {"Arn": arn}


def send(event: Event, status: str, physical_id: str, *, data: dict[str, str] | None = None, reason: str = "") -> None:
    function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
    body = json.dumps(
        {
            "Status": status,
            "Reason": (reason or f"See CloudWatch Logs group /aws/lambda/{function}")[:MAX_REASON],
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "NoEcho": False,
            "Data": data or {},
        }
    ).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        LOG.info("CloudFormation response %s: %s", status, response.status)


ACTIONS: dict[str, Callable[[Event], Result]] = {
    "Custom::AccountPublicAccessBlock": block_public_access,
    "Custom::EbsEncryptionByDefault": ebs_encryption_by_default,
    "Custom::ConfigServiceLinkedRole": config_service_linked_role,
}

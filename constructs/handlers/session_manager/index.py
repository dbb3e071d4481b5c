"""CloudFormation custom resources of the Session Manager baseline (no CloudFormation resource type exists):

- `Custom::BlockPublicDocumentSharing`: turns off public sharing of SSM documents in this account and region
  (service setting /ssm/documents/console/public-sharing-permission = Disable). On delete the setting stays
  disabled: removing the baseline must not reopen public sharing; an administrator who really wants it back
  resets the setting by hand.
- `Custom::ApprovedDocumentShare`: adds this account to the share list of the approved session documents in
  the security account (through the document-sharer role there) on create and update, removes it from
  documents an update no longer names, and from all of them on delete. A document that is already gone
  counts as unshared.

Every operation reads before it writes, so repeating an event (CloudFormation retries, a stack update) is
harmless. The response goes to CloudFormation's pre-signed URL; a failure is reported with its reason.

IAM is eventually consistent: on a first deploy the stack has just created this function's role and policy,
and STS or SSM may answer AccessDenied for a while
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
The share is therefore retried on AccessDenied with growing delays, 90 seconds in all, inside the function's
120-second timeout; a denial that outlasts them is reported as the failure it then is.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

import boto3
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

PUBLIC_SHARING_SETTING = "/ssm/documents/console/public-sharing-permission"
MAX_REASON = 1000  # CloudFormation rejects responses over 4 KB
RETRY_DELAYS = (2.0, 4.0, 8.0, 16.0, 30.0, 30.0)  # seconds between attempts: 90 in all, under the 120 s timeout
# What STS (AssumeRole) and SSM answer while a new role, its trust or its policy has not propagated yet.
PROPAGATION_ERRORS = frozenset({"AccessDenied", "AccessDeniedException"})
T = TypeVar("T")


class HandlerError(Exception):
    """A failure with a message meant for the person reading the stack events."""


def handler(event: dict[str, Any], context: Any) -> None:
    physical_id = event.get("PhysicalResourceId") or event["LogicalResourceId"]
    try:
        action = ACTIONS.get(event["ResourceType"])
        if action is None:
            raise HandlerError(f"unknown resource type {event['ResourceType']!r} (known: {', '.join(sorted(ACTIONS))})")
        physical_id, data = action(event)
        send(event, "SUCCESS", physical_id, data=data)
    except Exception as err:  # every failure must reach CloudFormation, or the stack waits for an hour
        LOG.exception("%s %s failed", event.get("RequestType"), event.get("LogicalResourceId"))
        send(event, "FAILED", physical_id, reason=f"{type(err).__name__}: {err}")


def block_public_sharing(event: dict[str, Any]) -> tuple[str, dict[str, str]]:
    ssm = boto3.client("ssm")
    region = ssm.meta.region_name
    if event["RequestType"] != "Delete":
        current = ssm.get_service_setting(SettingId=PUBLIC_SHARING_SETTING)["ServiceSetting"]["SettingValue"]
        if current != "Disable":
            ssm.update_service_setting(SettingId=PUBLIC_SHARING_SETTING, SettingValue="Disable")
            LOG.info("public document sharing disabled in %s (was %s)", region, current)
    return f"public-document-sharing-{region}", {"SettingValue": "Disable"}


def share_documents(event: dict[str, Any]) -> tuple[str, dict[str, str]]:
    return while_iam_propagates(lambda: _share_documents(event))


def while_iam_propagates(operation: Callable[[], T]) -> T:
    """Run `operation`, again after each of RETRY_DELAYS while it fails with a propagation error."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return operation()
        except ClientError as err:
            if err.response["Error"]["Code"] not in PROPAGATION_ERRORS or delay is None:
                raise
            LOG.warning("%s; IAM may still be propagating, trying again in %s s", err, delay)
            time.sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _share_documents(event: dict[str, Any]) -> tuple[str, dict[str, str]]:
    props = event["ResourceProperties"]
    account = props["AccountId"]
    documents = sorted(props["DocumentNames"])
    ssm = _sharer_ssm(props["SharerRoleArn"], account)
    if event["RequestType"] == "Delete":
        for name in documents:
            unshare(ssm, name, account)
    else:
        for name in documents:
            share(ssm, name, account)
        # Documents dropped by an update are unshared here, not by a replacement: a replacement's delete of the
        # old resource would also unshare the documents both versions name.
        old = event.get("OldResourceProperties", {})
        if old.get("AccountId") == account:
            for name in sorted(set(old.get("DocumentNames", [])) - set(documents)):
                unshare(ssm, name, account)
    # One resource per account: only a different account replaces it (and the old account's delete unshares).
    return f"approved-document-share-{account}", {"AccountId": account}


def share(ssm: Any, name: str, account: str) -> bool:
    """Add `account` to the document's share list; False if it was already there."""
    if account in _shared_with(ssm, name, missing_ok=False):
        return False
    ssm.modify_document_permission(Name=name, PermissionType="Share", AccountIdsToAdd=[account])
    LOG.info("shared %s with %s", name, account)
    return True


def unshare(ssm: Any, name: str, account: str) -> bool:
    """Remove `account` from the document's share list; False if it was not there (or the document is gone)."""
    if account not in _shared_with(ssm, name, missing_ok=True):
        return False
    ssm.modify_document_permission(Name=name, PermissionType="Share", AccountIdsToRemove=[account])
    LOG.info("stopped sharing %s with %s", name, account)
    return True


def _shared_with(ssm: Any, name: str, *, missing_ok: bool) -> list[str]:
    try:
        return ssm.describe_document_permission(Name=name, PermissionType="Share").get("AccountIds", [])
    except ClientError as err:
        if err.response["Error"]["Code"] != "InvalidDocument":
            raise
        if missing_ok:
            return []
        raise HandlerError(
            f"approved session document {name!r} does not exist in {ssm.meta.region_name} of the security "
            "account: deploy the security stacks (Security-*, SessionDocuments-*) before the account baselines"
        ) from None


def _sharer_ssm(role_arn: str, account: str) -> Any:
    sts = boto3.client("sts")
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=f"share-session-documents-{account}")["Credentials"]
    return boto3.client(
        "ssm",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def send(event: dict[str, Any], status: str, physical_id: str, *, data: dict | None = None, reason: str = "") -> None:
    body = json.dumps({
        "Status": status,
        "Reason": (reason or f"See CloudWatch Logs group /aws/lambda/{os.environ.get('AWS_LAMBDA_FUNCTION_NAME', '')}")[
            :MAX_REASON
        ],
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": False,
        "Data": data or {},
    }).encode()  # fmt: skip
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        LOG.info("CloudFormation response %s: %s", status, response.status)


ACTIONS = {
    "Custom::BlockPublicDocumentSharing": block_public_sharing,
    "Custom::ApprovedDocumentShare": share_documents,
}

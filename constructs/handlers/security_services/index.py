"""CloudFormation custom resources for the organization's security services where CloudFormation has no resource
type (cfn-lint's provider schemas list no GuardDuty admin or organization-configuration type, and no Organizations
delegated-administrator type, in any region of either partition):

- `Custom::DelegatedAdministrators` (management account, home region): enables trusted access for each service
  principal in `TrustedAccess`, registers `AdminAccountId` as delegated administrator of each principal in
  `Register` (organizations:RegisterDelegatedAdministrator, global), and designates it GuardDuty's delegated
  administrator in each region of `GuardDutyRegions` (guardduty:EnableOrganizationAdminAccount is regional:
  https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html).
- `Custom::GuardDutyOrganization` (security account, each allowed region): the detector's protection plans
  (`Features`) and the organization configuration: every member account, existing and new, gets a detector with
  the same plans (AutoEnableOrganizationMembers ALL,
  https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html).
- `Custom::CentralizedRootAccess` (management account, home region, commercial partition): trusted access for
  iam.amazonaws.com, then IAM's two organization features, root credentials management and root sessions
  (iam:EnableOrganizationsRootCredentialsManagement and iam:EnableOrganizationsRootSessions, which need that
  trusted access first: https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableOrganizationsRootSessions.html).
- `Custom::KeyOfAlias` (security account, each allowed region): the ARN (`KeyArn`) of the KMS key that `AliasArn`
  names, in another account and region (kms:DescribeKey takes an alias ARN for a key of another account:
  https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html); the GuardDuty findings export names the
  log-archive key by it (docs/decisions/0019-guardduty-findings-key-found-by-alias.md).

Each reads before it writes, so a repeated event changes nothing that is already right. Delete leaves everything
on: deregistering the administrator, turning detection off across the organization or giving member accounts their
root credentials management back is a decision made by hand (docs/security-services.md), never a side effect of a
stack change. The response goes to CloudFormation's
pre-signed URL; a failure is reported with its reason.
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
# The role's policy is created in the same deployment, seconds before the first call: IAM is eventually consistent,
# so a denial is retried for about a minute before it counts (the function's timeout is two minutes).
DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")
RETRY_DELAYS = (2.0, 4.0, 8.0, 16.0, 30.0)
# Runtime Monitoring's agents, managed by GuardDuty for each compute type it covers.
AGENT_MANAGEMENT = ("EKS_ADDON_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT")
# Every plan the baseline manages: the ones not asked for are turned off, so config is the only switch.
PLANS = (
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "RUNTIME_MONITORING",
)

IAM = "iam.amazonaws.com"  # trusted access that centralized root access needs

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
    """`action(event)`, again after each of RETRY_DELAYS while AWS denies it (a just-created policy)."""
    for delay in RETRY_DELAYS:
        try:
            return action(event)
        except ClientError as err:
            if err.response["Error"]["Code"] not in DENIED:
                raise
            LOG.warning("denied (%s), retrying in %s s: IAM may not have propagated the role's policy yet", err, delay)
            time.sleep(delay)
    return action(event)


def trusted_services(organizations: Any) -> set[str]:
    """The service principals with trusted access in the organization."""
    return {
        s["ServicePrincipal"]
        for page in organizations.get_paginator("list_aws_service_access_for_organization").paginate()
        for s in page["EnabledServicePrincipals"]
    }


def delegated_administrators(event: Event) -> Result:
    props = event["ResourceProperties"]
    admin = str(props["AdminAccountId"])
    physical_id = f"delegated-administrators-{admin}"
    if event["RequestType"] == "Delete":
        return physical_id, {}
    organizations = boto3.client("organizations")
    enabled = trusted_services(organizations)
    for principal in props.get("TrustedAccess", []):
        if principal not in enabled:
            organizations.enable_aws_service_access(ServicePrincipal=principal)
            LOG.info("trusted access enabled for %s", principal)
    for principal in props.get("Register", []):
        registered = {
            a["Id"]
            for page in organizations.get_paginator("list_delegated_administrators").paginate(
                ServicePrincipal=principal
            )
            for a in page["DelegatedAdministrators"]
        }
        if registered - {admin}:
            raise HandlerError(
                f"{principal} already has another delegated administrator ({', '.join(sorted(registered))}): "
                "deregister it by hand first (docs/security-services.md)"
            )
        if admin not in registered:
            organizations.register_delegated_administrator(AccountId=admin, ServicePrincipal=principal)
            LOG.info("%s registered as delegated administrator of %s", admin, principal)
    for region in props.get("GuardDutyRegions", []):
        guardduty = boto3.client("guardduty", region_name=region)
        admins = {
            a["AdminAccountId"]
            for page in guardduty.get_paginator("list_organization_admin_accounts").paginate()
            for a in page["AdminAccounts"]
        }
        if admins - {admin}:
            raise HandlerError(
                f"GuardDuty in {region} already has another delegated administrator ({', '.join(sorted(admins))}): "
                "disable it by hand first (docs/security-services.md)"
            )
        if admin not in admins:
            guardduty.enable_organization_admin_account(AdminAccountId=admin)
            LOG.info("%s designated GuardDuty administrator in %s", admin, region)
    return physical_id, {"AdminAccountId": admin}


def guardduty_organization(event: Event) -> Result:
    guardduty = boto3.client("guardduty")
    region = str(guardduty.meta.region_name)
    physical_id = f"guardduty-organization-{region}"
    if event["RequestType"] == "Delete":
        return physical_id, {}
    wanted = set(event["ResourceProperties"].get("Features", []))
    unknown = wanted - set(PLANS)
    if unknown:
        raise HandlerError(f"unknown GuardDuty feature(s) {', '.join(sorted(unknown))} (known: {', '.join(PLANS)})")
    # Designating the administrator enables GuardDuty there, so the detector normally exists already
    # (https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html).
    detectors = guardduty.list_detectors()["DetectorIds"]
    detector = detectors[0] if detectors else guardduty.create_detector(Enable=True)["DetectorId"]
    features = []
    org_features = []
    for name in PLANS:
        on = name in wanted
        feature: dict[str, Any] = {"Name": name, "Status": "ENABLED" if on else "DISABLED"}
        org_feature: dict[str, Any] = {"Name": name, "AutoEnable": "ALL" if on else "NONE"}
        if name == "RUNTIME_MONITORING":
            feature["AdditionalConfiguration"] = [
                {"Name": extra, "Status": feature["Status"]} for extra in AGENT_MANAGEMENT
            ]
            org_feature["AdditionalConfiguration"] = [
                {"Name": extra, "AutoEnable": org_feature["AutoEnable"]} for extra in AGENT_MANAGEMENT
            ]
        features.append(feature)
        org_features.append(org_feature)
    guardduty.update_detector(
        DetectorId=detector, Enable=True, FindingPublishingFrequency="FIFTEEN_MINUTES", Features=features
    )
    guardduty.update_organization_configuration(
        DetectorId=detector, AutoEnableOrganizationMembers="ALL", Features=org_features
    )
    LOG.info("GuardDuty in %s: detector %s, plans %s, every member auto-enabled", region, detector, sorted(wanted))
    return physical_id, {"DetectorId": detector}


def centralized_root_access(event: Event) -> Result:
    physical_id = "centralized-root-access"
    if event["RequestType"] == "Delete":
        return physical_id, {}
    organizations = boto3.client("organizations")
    enabled = trusted_services(organizations)
    if IAM not in enabled:
        organizations.enable_aws_service_access(ServicePrincipal=IAM)
        LOG.info("trusted access enabled for %s", IAM)
    iam = boto3.client("iam")
    features = set(iam.list_organizations_features().get("EnabledFeatures", []))
    if "RootCredentialsManagement" not in features:
        features = set(iam.enable_organizations_root_credentials_management()["EnabledFeatures"])
        LOG.info("root credentials management enabled")
    if "RootSessions" not in features:
        features = set(iam.enable_organizations_root_sessions()["EnabledFeatures"])
        LOG.info("root sessions enabled")
    return physical_id, {"EnabledFeatures": ",".join(sorted(features))}


def key_of_alias(event: Event) -> Result:
    alias_arn = str(event["ResourceProperties"]["AliasArn"])
    physical_id = f"key-of-{alias_arn}"
    if event["RequestType"] == "Delete":
        return physical_id, {}
    parts = alias_arn.split(":")
    if len(parts) != 6 or parts[2] != "kms" or not parts[5].startswith("alias/"):
        raise HandlerError(
            f"AliasArn {alias_arn!r} is not a KMS alias ARN (arn:<partition>:kms:<region>:<account>:alias/<name>)"
        )
    kms = boto3.client("kms", region_name=parts[3])
    key_arn = str(kms.describe_key(KeyId=alias_arn)["KeyMetadata"]["Arn"])
    LOG.info("%s names the key %s", alias_arn, key_arn)
    return physical_id, {"KeyArn": key_arn}


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
    "Custom::DelegatedAdministrators": delegated_administrators,
    "Custom::GuardDutyOrganization": guardduty_organization,
    "Custom::KeyOfAlias": key_of_alias,
    "Custom::CentralizedRootAccess": centralized_root_access,
}

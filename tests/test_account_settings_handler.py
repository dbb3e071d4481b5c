"""The account-settings custom resource handler against a real local AWS API: moto in server mode on 127.0.0.1.

CloudFormation's side is a tiny HTTP server on 127.0.0.1 that receives the handler's PUT response, as the
pre-signed S3 URL would. Nothing is mocked inside the handler: it runs boto3 against the moto endpoint
(`tests/support/local_aws.py`). moto 5.2.5 implements S3 Control's Get/PutPublicAccessBlock and EC2's
Get/EnableEbsEncryptionByDefault, per account and region.
"""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import Synthesized
from tests.support.local_aws import MOTO_ACCOUNT, ResponseReceiver, custom_resource_event
from tests.support.project import ROOT
from tests.support.templates import of_type

HANDLER = ROOT / "constructs" / "handlers" / "account_settings" / "index.py"
ALL_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
               "RestrictPublicBuckets": True}  # fmt: skip
STACK = f"arn:aws:cloudformation:us-east-1:{MOTO_ACCOUNT}:stack/Baseline-web-prod-us-east-1/guid"


@pytest.fixture(scope="module")
def handler_module() -> ModuleType:
    """The handler loaded from its file, as Lambda loads it (not through the `constructs` package)."""
    spec = importlib.util.spec_from_file_location("account_settings_handler", HANDLER)
    assert spec is not None and spec.loader is not None, HANDLER
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _event(cloudformation: ResponseReceiver, request: str, resource_type: str, **extra: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {"ServiceToken": "arn"}
    if resource_type == "Custom::AccountPublicAccessBlock":
        properties["AccountId"] = MOTO_ACCOUNT
    return custom_resource_event(
        cloudformation,
        request,
        resource_type=resource_type,
        logical_id=resource_type.removeprefix("Custom::"),
        stack_id=STACK,
        properties=properties,
        **extra,
    )


def _run(handler_module: ModuleType, cloudformation: ResponseReceiver, event: dict[str, Any]) -> dict[str, Any]:
    handler_module.handler(event, None)
    return cloudformation.received[-1]


def _account_block() -> dict[str, bool] | None:
    try:
        found: dict[str, bool] = boto3.client("s3control").get_public_access_block(AccountId=MOTO_ACCOUNT)[
            "PublicAccessBlockConfiguration"
        ]
    except ClientError as err:
        assert err.response["Error"]["Code"] == "NoSuchPublicAccessBlockConfiguration"
        return None
    return found


def _ebs_default(region: str) -> bool:
    return bool(boto3.client("ec2", region_name=region).get_ebs_encryption_by_default()["EbsEncryptionByDefault"])


# --- S3 Block Public Access for the account --------------------------------------------------------------


def test_create_turns_on_every_account_public_access_block_setting(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    assert _account_block() is None
    response = _run(
        handler_module, cloudformation, _event(cloudformation, "Create", "Custom::AccountPublicAccessBlock")
    )
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["PhysicalResourceId"] == f"s3-account-public-access-block-{MOTO_ACCOUNT}"
    assert (response["RequestId"], response["StackId"]) == ("request-Create", STACK)
    assert _account_block() == ALL_BLOCKED


def test_a_partly_open_account_is_closed_and_repeats_change_nothing(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    s3control = boto3.client("s3control")
    partly = {**ALL_BLOCKED, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}
    s3control.put_public_access_block(AccountId=MOTO_ACCOUNT, PublicAccessBlockConfiguration=partly)
    physical = f"s3-account-public-access-block-{MOTO_ACCOUNT}"
    for request in ("Create", "Create", "Update", "Update"):  # a retried create, then stack updates
        extra = {"PhysicalResourceId": physical} if request == "Update" else {}
        event = _event(cloudformation, request, "Custom::AccountPublicAccessBlock", **extra)
        response = _run(handler_module, cloudformation, event)
        assert response["Status"] == "SUCCESS", response["Reason"]
        assert response["PhysicalResourceId"] == physical
        assert _account_block() == ALL_BLOCKED


def test_delete_leaves_the_account_blocked(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    _run(handler_module, cloudformation, _event(cloudformation, "Create", "Custom::AccountPublicAccessBlock"))
    physical = f"s3-account-public-access-block-{MOTO_ACCOUNT}"
    for _ in range(2):
        event = _event(cloudformation, "Delete", "Custom::AccountPublicAccessBlock", PhysicalResourceId=physical)
        response = _run(handler_module, cloudformation, event)
        assert response["Status"] == "SUCCESS", response["Reason"]
        assert response["PhysicalResourceId"] == physical
    assert _account_block() == ALL_BLOCKED


# --- EBS encryption by default, per region -----------------------------------------------------------------


@pytest.mark.parametrize("region", ["us-east-1", "us-west-2"])
def test_create_turns_on_ebs_encryption_by_default_in_its_region_only(
    handler_module: ModuleType,
    cloudformation: ResponseReceiver,
    aws: None,
    monkeypatch: pytest.MonkeyPatch,
    region: str,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)  # Lambda runs in the stack's region
    other = "us-west-2" if region == "us-east-1" else "us-east-1"
    assert not _ebs_default(region)
    for request in ("Create", "Create", "Update"):
        extra = {"PhysicalResourceId": f"ebs-encryption-by-default-{region}"} if request == "Update" else {}
        event = _event(cloudformation, request, "Custom::EbsEncryptionByDefault", **extra)
        response = _run(handler_module, cloudformation, event)
        assert response["Status"] == "SUCCESS", response["Reason"]
        assert response["PhysicalResourceId"] == f"ebs-encryption-by-default-{region}"
        assert response["Data"] == {"EbsEncryptionByDefault": "true"}
        assert _ebs_default(region)
    assert not _ebs_default(other)  # each region's stack turns on its own region


def test_delete_leaves_ebs_encryption_by_default_on(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    _run(handler_module, cloudformation, _event(cloudformation, "Create", "Custom::EbsEncryptionByDefault"))
    event = _event(
        cloudformation,
        "Delete",
        "Custom::EbsEncryptionByDefault",
        PhysicalResourceId="ebs-encryption-by-default-us-east-1",
    )
    response = _run(handler_module, cloudformation, event)
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert _ebs_default("us-east-1")


# --- AWS Config's service-linked role -----------------------------------------------------------------------

CONFIG_SLR = f"arn:aws:iam::{MOTO_ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def _config_slr_arns() -> list[str]:
    roles = boto3.client("iam").list_roles(PathPrefix="/aws-service-role/config.amazonaws.com/")["Roles"]
    return [role["Arn"] for role in roles]


def _existing_config_service_linked_role() -> None:
    """Stands in for an account where AWS Config was turned on before the baseline. moto's
    CreateServiceLinkedRole names the role `AWSServiceRoleForconfig`, not AWS's `AWSServiceRoleForConfig`
    (https://docs.aws.amazon.com/config/latest/developerguide/using-service-linked-roles-config.html), so the role
    is made here with AWS's path and name."""
    boto3.client("iam").create_role(
        Path="/aws-service-role/config.amazonaws.com/",
        RoleName="AWSServiceRoleForConfig",
        AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}',
    )


def test_create_makes_the_config_service_linked_role_when_missing(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    assert _config_slr_arns() == []
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create", "Custom::ConfigServiceLinkedRole"))
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["PhysicalResourceId"] == "config-service-linked-role"
    assert _config_slr_arns() == [response["Data"]["Arn"]]  # the one service-linked role of config.amazonaws.com


def test_an_existing_config_service_linked_role_is_used_and_delete_keeps_it(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    """Creating the role again would fail (it exists): the handler reads it instead, on every repeat."""
    _existing_config_service_linked_role()
    for request in ("Create", "Create", "Update"):
        extra = {"PhysicalResourceId": "config-service-linked-role"} if request == "Update" else {}
        event = _event(cloudformation, request, "Custom::ConfigServiceLinkedRole", **extra)
        response = _run(handler_module, cloudformation, event)
        assert response["Status"] == "SUCCESS", response["Reason"]
        assert response["Data"] == {"Arn": CONFIG_SLR}
    event = _event(
        cloudformation, "Delete", "Custom::ConfigServiceLinkedRole", PhysicalResourceId="config-service-linked-role"
    )
    assert _run(handler_module, cloudformation, event)["Status"] == "SUCCESS"
    assert _config_slr_arns() == [CONFIG_SLR]


# --- failures reach CloudFormation -----------------------------------------------------------------------


def test_unknown_resource_type_fails_with_a_reason(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create", "Custom::Nonsense"))
    assert response["Status"] == "FAILED"
    assert "unknown resource type 'Custom::Nonsense'" in response["Reason"]
    assert response["PhysicalResourceId"] == "Nonsense"


def test_a_denial_is_retried_then_reported(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A just-created role policy may not be in effect yet: denials are retried (here without waiting), and if
    they persist the stack gets the error instead of waiting an hour."""
    monkeypatch.setattr(handler_module, "RETRY_DELAYS", (0.0, 0.0))
    calls: list[str] = []
    denied = ClientError(
        {"Error": {"Code": "UnauthorizedOperation", "Message": "not yet"}}, "GetEbsEncryptionByDefault"
    )

    def flaky(event: dict[str, Any]) -> tuple[str, dict[str, str]]:
        calls.append(event["RequestType"])
        if len(calls) < 3:
            raise denied
        return "ebs-encryption-by-default-us-east-1", {}

    monkeypatch.setitem(handler_module.ACTIONS, "Custom::EbsEncryptionByDefault", flaky)
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create", "Custom::EbsEncryptionByDefault"))
    assert response["Status"] == "SUCCESS" and len(calls) == 3

    def always_denied(event: dict[str, Any]) -> tuple[str, dict[str, str]]:
        raise denied

    monkeypatch.setitem(handler_module.ACTIONS, "Custom::EbsEncryptionByDefault", always_denied)
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create", "Custom::EbsEncryptionByDefault"))
    assert response["Status"] == "FAILED" and "UnauthorizedOperation" in response["Reason"]


# --- the deployed function is this handler -------------------------------------------------------------


def test_every_baseline_function_runs_this_handler(synth: Synthesized) -> None:
    functions = [
        resource["Properties"]
        for info in synth.infos
        if info.kind == "baseline"
        for resource in of_type(synth.templates[info.stack_id], "AWS::Lambda::Function").values()
        if resource["Properties"]["FunctionName"] == "examplecorp-baseline-account-settings"
    ]
    assert len(functions) == len([i for i in synth.infos if i.kind == "baseline"])
    assert {f["Handler"] for f in functions} == {"index.handler"}

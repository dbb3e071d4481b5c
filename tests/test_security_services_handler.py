"""The security services' custom resource handler against a real local AWS API: moto in server mode on 127.0.0.1
(tests/support/local_aws.py). `Custom::DelegatedAdministrators` runs end to end: trusted access, Organizations'
delegated-administrator registrations and GuardDuty's administrator in each region, read back through the same
APIs. moto 5.2.5 has no GuardDuty UpdateOrganizationConfiguration, so `Custom::GuardDutyOrganization` is covered here
only where it must fail cleanly (an unknown feature); its calls are asserted in the template tests.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.support.local_aws import MOTO_ACCOUNT, ResponseReceiver, custom_resource_event, load_handler
from tests.support.project import ROOT

HANDLER = ROOT / "constructs" / "handlers" / "security_services" / "index.py"
STACK = f"arn:aws:cloudformation:us-east-1:{MOTO_ACCOUNT}:stack/Organization-management/guid"
TRUSTED = ["securityhub.amazonaws.com", "config.amazonaws.com", "access-analyzer.amazonaws.com"]
# What the Organization stack registers is config.amazonaws.com and access-analyzer.amazonaws.com (asserted in
# tests/test_security_services.py); moto 5.2.5's list of delegatable services lacks config.amazonaws.com (it has only
# config-multiaccountsetup), so the local run registers Access Analyzer alone.
REGISTERED = ["access-analyzer.amazonaws.com"]
REGIONS = ["us-east-1", "us-west-2"]


@pytest.fixture(scope="module")
def handler_module() -> ModuleType:
    return load_handler(HANDLER, "security_services_handler")


@pytest.fixture
def security_account(aws: None) -> str:
    """An organization whose management account is moto's, with a security account in it."""
    organizations = boto3.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    created = organizations.create_account(AccountName="security", Email="aws-security@example.com")
    account_id: str = created["CreateAccountStatus"]["AccountId"]
    return account_id


def _event(
    receiver: ResponseReceiver, request: str, resource_type: str, properties: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return custom_resource_event(
        receiver,
        request,
        resource_type=resource_type,
        logical_id=resource_type.removeprefix("Custom::"),
        stack_id=STACK,
        properties={"ServiceToken": "arn", **properties},
        **extra,
    )


def _registration(admin: str) -> dict[str, Any]:
    return {"AdminAccountId": admin, "TrustedAccess": TRUSTED, "Register": REGISTERED, "GuardDutyRegions": REGIONS}


def _run(handler_module: ModuleType, receiver: ResponseReceiver, event: dict[str, Any]) -> dict[str, Any]:
    handler_module.handler(event, None)
    return receiver.received[-1]


def _state() -> tuple[set[str], dict[str, set[str]], dict[str, list[str]]]:
    organizations = boto3.client("organizations")
    enabled = organizations.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    trusted = {service["ServicePrincipal"] for service in enabled}
    registered = {}
    for principal in REGISTERED:
        admins = organizations.list_delegated_administrators(ServicePrincipal=principal)["DelegatedAdministrators"]
        registered[principal] = {admin["Id"] for admin in admins}
    guardduty = {}
    for region in REGIONS:
        admins = boto3.client("guardduty", region_name=region).list_organization_admin_accounts()["AdminAccounts"]
        guardduty[region] = [admin["AdminAccountId"] for admin in admins]
    return trusted, registered, guardduty


def test_create_enables_trusted_access_and_registers_the_security_account_everywhere(
    handler_module: ModuleType, cloudformation: ResponseReceiver, security_account: str
) -> None:
    response = _run(
        handler_module,
        cloudformation,
        _event(cloudformation, "Create", "Custom::DelegatedAdministrators", _registration(security_account)),
    )
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["PhysicalResourceId"] == f"delegated-administrators-{security_account}"
    trusted, registered, guardduty = _state()
    assert trusted >= set(TRUSTED)
    assert registered == {principal: {security_account} for principal in REGISTERED}
    assert guardduty == {region: [security_account] for region in REGIONS}


def test_repeats_change_nothing_and_delete_leaves_the_registrations(
    handler_module: ModuleType, cloudformation: ResponseReceiver, security_account: str
) -> None:
    physical = f"delegated-administrators-{security_account}"
    for request in ("Create", "Create", "Update", "Delete", "Delete"):
        extra = {} if request == "Create" else {"PhysicalResourceId": physical}
        event = _event(
            cloudformation, request, "Custom::DelegatedAdministrators", _registration(security_account), **extra
        )
        response = _run(handler_module, cloudformation, event)
        assert response["Status"] == "SUCCESS", response["Reason"]
        assert response["PhysicalResourceId"] == physical
    _, registered, guardduty = _state()
    assert registered == {principal: {security_account} for principal in REGISTERED}
    assert guardduty == {region: [security_account] for region in REGIONS}  # once each, however often it ran


def test_another_guardduty_administrator_is_reported_not_replaced(
    handler_module: ModuleType, cloudformation: ResponseReceiver, security_account: str
) -> None:
    other = boto3.client("organizations").create_account(AccountName="other", Email="other@example.com")
    other_id = other["CreateAccountStatus"]["AccountId"]
    boto3.client("guardduty", region_name="us-west-2").enable_organization_admin_account(AdminAccountId=other_id)
    response = _run(
        handler_module,
        cloudformation,
        _event(cloudformation, "Create", "Custom::DelegatedAdministrators", _registration(security_account)),
    )
    assert response["Status"] == "FAILED"
    assert f"GuardDuty in us-west-2 already has another delegated administrator ({other_id})" in response["Reason"]


def test_an_unknown_guardduty_feature_fails_with_its_name(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    event = _event(
        cloudformation, "Create", "Custom::GuardDutyOrganization", {"Features": ["S3_DATA_EVENTS", "KUBERNETES"]}
    )
    response = _run(handler_module, cloudformation, event)
    assert response["Status"] == "FAILED"
    assert "unknown GuardDuty feature(s) KUBERNETES" in response["Reason"]

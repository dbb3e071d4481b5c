"""The Session Manager custom resource handler against a real local AWS API: moto in server mode on 127.0.0.1.

CloudFormation's side is a tiny HTTP server on 127.0.0.1 that receives the handler's PUT response, as the
pre-signed S3 URL would. Nothing is mocked inside the handler: it runs boto3 against the moto endpoint. Both
come from the local AWS API harness, `tests/support/local_aws.py`.

moto 5.2.5 implements DescribeDocumentPermission, ModifyDocumentPermission and STS AssumeRole, but not
GetServiceSetting/UpdateServiceSetting (it answers 500 NotImplementedError). The public-sharing block is
therefore tested only for what moto allows: that a failing API still produces a FAILED response with the
error for CloudFormation (instead of a stack that hangs for an hour).
"""

from __future__ import annotations

import importlib.util
import json
import re
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.conftest import Synthesized
from tests.support.local_aws import MOTO_ACCOUNT, PropagatingIam, ResponseReceiver, custom_resource_event
from tests.support.project import ROOT
from tests.support.templates import named, only

HANDLER = ROOT / "constructs" / "handlers" / "session_manager" / "index.py"
SECURITY = MOTO_ACCOUNT  # moto's default account plays the security account that owns the documents
MEMBER = "111122223333"
OTHER_MEMBER = "444455556666"
SHARER_ROLE = f"arn:aws:iam::{SECURITY}:role/examplecorp-baseline-document-sharer"
DOCUMENTS = ["examplecorp-baseline-InteractiveShell", "examplecorp-baseline-PortForwarding"]


@pytest.fixture(scope="module")
def handler_module() -> ModuleType:
    """The handler loaded from its file, as Lambda loads it (not through the `constructs` package)."""
    spec = importlib.util.spec_from_file_location("session_manager_handler", HANDLER)
    assert spec is not None and spec.loader is not None, HANDLER
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def documents(aws: None) -> Any:
    """The approved documents in the security account, and the sharer role the handler assumes; returns the SSM
    client (typed Any: boto3 publishes no types)."""
    boto3.client("iam").create_role(RoleName="examplecorp-baseline-document-sharer", AssumeRolePolicyDocument="{}")
    ssm = boto3.client("ssm")
    content = json.dumps({"schemaVersion": "1.0", "sessionType": "Standard_Stream", "inputs": {}})
    for name in DOCUMENTS:
        ssm.create_document(Name=name, Content=content, DocumentType="Session", DocumentFormat="JSON")
    return ssm


def _event(
    cloudformation: ResponseReceiver, request: str, resource_type: str = "Custom::ApprovedDocumentShare", **extra: Any
) -> dict[str, Any]:
    properties = {"ServiceToken": "arn", "AccountId": MEMBER, "DocumentNames": DOCUMENTS, "SharerRoleArn": SHARER_ROLE}
    return custom_resource_event(
        cloudformation,
        request,
        resource_type=resource_type,
        logical_id="SessionCustomResourcesApprovedDocumentShare",
        stack_id=f"arn:aws:cloudformation:us-east-1:{MEMBER}:stack/Baseline-web-prod-us-east-1/guid",
        properties=properties,
        **extra,
    )


def _run(handler_module: ModuleType, cloudformation: ResponseReceiver, event: dict[str, Any]) -> dict[str, Any]:
    handler_module.handler(event, None)
    return cloudformation.received[-1]


def _shared_with(ssm: Any, name: str) -> list[str]:
    return sorted(ssm.describe_document_permission(Name=name, PermissionType="Share").get("AccountIds", []))


# --- sharing the approved documents --------------------------------------------------------------------


def test_create_shares_every_approved_document_with_the_account(
    handler_module: ModuleType, cloudformation: ResponseReceiver, documents: Any
) -> None:
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create"))
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["PhysicalResourceId"] == f"approved-document-share-{MEMBER}"
    assert response["RequestId"] == "request-Create"
    assert response["LogicalResourceId"] == "SessionCustomResourcesApprovedDocumentShare"
    for name in DOCUMENTS:
        assert _shared_with(documents, name) == [MEMBER]


def test_create_and_update_are_idempotent(
    handler_module: ModuleType, cloudformation: ResponseReceiver, documents: Any
) -> None:
    physical = f"approved-document-share-{MEMBER}"
    for request in ("Create", "Create", "Update", "Update"):
        extra = {"PhysicalResourceId": physical} if request == "Update" else {}
        response = _run(handler_module, cloudformation, _event(cloudformation, request, **extra))
        assert response["Status"] == "SUCCESS", response["Reason"]
        assert response["PhysicalResourceId"] == physical
    for name in DOCUMENTS:
        assert _shared_with(documents, name) == [MEMBER]


def test_update_unshares_documents_no_longer_named_and_keeps_the_rest(
    handler_module: ModuleType, cloudformation: ResponseReceiver, documents: Any
) -> None:
    physical = f"approved-document-share-{MEMBER}"
    old = _event(cloudformation, "Create")["ResourceProperties"]
    _run(handler_module, cloudformation, _event(cloudformation, "Create"))
    new = {**old, "DocumentNames": DOCUMENTS[:1]}
    response = _run(
        handler_module,
        cloudformation,
        _event(
            cloudformation, "Update", PhysicalResourceId=physical, ResourceProperties=new, OldResourceProperties=old
        ),
    )
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["PhysicalResourceId"] == physical  # no replacement, so no delete that would unshare all
    assert _shared_with(documents, DOCUMENTS[0]) == [MEMBER]
    assert _shared_with(documents, DOCUMENTS[1]) == []


def test_delete_unshares_only_the_account_and_is_idempotent(
    handler_module: ModuleType, cloudformation: ResponseReceiver, documents: Any
) -> None:
    documents.modify_document_permission(Name=DOCUMENTS[0], PermissionType="Share", AccountIdsToAdd=[OTHER_MEMBER])
    _run(handler_module, cloudformation, _event(cloudformation, "Create"))
    assert _shared_with(documents, DOCUMENTS[0]) == sorted([MEMBER, OTHER_MEMBER])

    physical = f"approved-document-share-{MEMBER}"
    for _ in range(2):
        response = _run(handler_module, cloudformation, _event(cloudformation, "Delete", PhysicalResourceId=physical))
        assert response["Status"] == "SUCCESS", response["Reason"]
        assert response["PhysicalResourceId"] == physical
    assert _shared_with(documents, DOCUMENTS[0]) == [OTHER_MEMBER]  # the other account keeps its share
    assert _shared_with(documents, DOCUMENTS[1]) == []


def test_create_fails_clearly_when_an_approved_document_is_missing(
    handler_module: ModuleType, cloudformation: ResponseReceiver, documents: Any
) -> None:
    documents.delete_document(Name=DOCUMENTS[1])
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create"))
    assert response["Status"] == "FAILED"
    assert f"approved session document {DOCUMENTS[1]!r} does not exist in us-east-1" in response["Reason"]
    assert "deploy the security stacks" in response["Reason"]


def test_delete_succeeds_when_the_documents_are_already_gone(
    handler_module: ModuleType, cloudformation: ResponseReceiver, documents: Any
) -> None:
    for name in DOCUMENTS:
        documents.delete_document(Name=name)
    event = _event(cloudformation, "Delete", PhysicalResourceId=f"approved-document-share-{MEMBER}")
    response = _run(handler_module, cloudformation, event)
    assert response["Status"] == "SUCCESS", response["Reason"]


def test_share_and_unshare_write_only_when_something_changes(handler_module: ModuleType, documents: Any) -> None:
    name = DOCUMENTS[0]
    assert handler_module.share(documents, name, MEMBER) is True
    assert handler_module.share(documents, name, MEMBER) is False  # already shared: no ModifyDocumentPermission
    assert _shared_with(documents, name) == [MEMBER]
    assert handler_module.unshare(documents, name, MEMBER) is True
    assert handler_module.unshare(documents, name, MEMBER) is False
    assert _shared_with(documents, name) == []


def test_the_handler_uses_the_sharer_role(handler_module: ModuleType, aws: None) -> None:
    ssm = handler_module._sharer_ssm(SHARER_ROLE, MEMBER)
    sts = boto3.client(
        "sts",
        aws_access_key_id=ssm._request_signer._credentials.access_key,
        aws_secret_access_key=ssm._request_signer._credentials.secret_key,
        aws_session_token=ssm._request_signer._credentials.token,
    )
    assert sts.get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{SECURITY}:assumed-role/examplecorp-baseline-document-sharer/share-session-documents-{MEMBER}"
    )


# --- a role that is still propagating ----------------------------------------------------------------------


@pytest.fixture
def no_waiting(handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """The handler's retry schedule without the waits: as many attempts, no sleeping in tests."""
    monkeypatch.setattr(handler_module, "RETRY_DELAYS", (0.0,) * len(handler_module.RETRY_DELAYS))


def test_share_retries_while_the_new_role_propagates(
    handler_module: ModuleType,
    cloudformation: ResponseReceiver,
    documents: Any,
    iam_propagation: Callable[[int], PropagatingIam],
    no_waiting: None,
) -> None:
    sts = iam_propagation(3)  # AssumeRole is denied three times, as right after the stack created the role
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create"))
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert sts.assume_role_calls == 4
    for name in DOCUMENTS:
        assert _shared_with(documents, name) == [MEMBER]


def test_share_gives_up_after_a_bounded_number_of_attempts(
    handler_module: ModuleType,
    cloudformation: ResponseReceiver,
    documents: Any,
    iam_propagation: Callable[[int], PropagatingIam],
    no_waiting: None,
) -> None:
    sts = iam_propagation(1000)  # a denial that never ends is a real one
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create"))
    assert response["Status"] == "FAILED"
    assert "AccessDenied" in response["Reason"] and "AssumeRole" in response["Reason"]
    assert sts.assume_role_calls == 7  # the first attempt and six retries
    assert _shared_with(documents, DOCUMENTS[0]) == []


def test_other_failures_are_not_retried(
    handler_module: ModuleType,
    cloudformation: ResponseReceiver,
    documents: Any,
    iam_propagation: Callable[[int], PropagatingIam],
    no_waiting: None,
) -> None:
    sts = iam_propagation(0)
    documents.delete_document(Name=DOCUMENTS[0])  # InvalidDocument: waiting would not help
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create"))
    assert response["Status"] == "FAILED"
    assert sts.assume_role_calls == 1


def test_retries_end_within_the_function_timeout(synth: Synthesized, handler_module: ModuleType) -> None:
    # Waiting 90 s leaves 30 s of the 120 s timeout for the calls themselves and the response to CloudFormation.
    _, function = named(
        synth.templates["Baseline-web-prod-us-east-1"],
        "AWS::Lambda::Function",
        "FunctionName",
        "examplecorp-baseline-session-handler",
    )
    assert function["Timeout"] == 120
    assert sum(handler_module.RETRY_DELAYS) == 90
    assert len(handler_module.RETRY_DELAYS) == 6


# --- blocking public sharing, and failures in general ----------------------------------------------------


def test_block_public_sharing_reports_api_failures_to_cloudformation(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    # moto lacks GetServiceSetting: the handler must still answer, FAILED, with the error as the reason.
    event = _event(cloudformation, "Create", resource_type="Custom::BlockPublicDocumentSharing")
    response = _run(handler_module, cloudformation, event)
    assert response["Status"] == "FAILED"
    assert "GetServiceSetting" in response["Reason"]
    assert response["PhysicalResourceId"] == event["LogicalResourceId"]


def test_block_public_sharing_delete_leaves_the_setting_alone(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    event = _event(
        cloudformation,
        "Delete",
        resource_type="Custom::BlockPublicDocumentSharing",
        PhysicalResourceId="public-document-sharing-us-east-1",
    )
    response = _run(handler_module, cloudformation, event)
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["PhysicalResourceId"] == "public-document-sharing-us-east-1"


def test_unknown_resource_type_fails_with_a_clear_reason(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create", resource_type="Custom::Nope"))
    assert response["Status"] == "FAILED"
    assert "unknown resource type 'Custom::Nope'" in response["Reason"]


# --- end to end: the security stack's own template, deployed by moto's CloudFormation ----------------------


def test_documents_deployed_from_the_security_template_are_shared(
    synth: Synthesized, handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    # moto's CloudFormation creates the sharer role and the approved documents from the synthesized template.
    boto3.client("ssm").put_parameter(Name="/cdk-bootstrap/hnb659fds/version", Value="30", Type="String")
    stack = boto3.client("cloudformation")
    # moto only records the types it cannot create (it warns about each): none of them is what this test reads.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stack.create_stack(
            StackName="Security-security",
            TemplateBody=json.dumps(synth.templates["Security-security"]),
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
    recorded_only = {
        m.group(1) for w in caught if (m := re.search(r"parse (\S+) but it's not supported", str(w.message)))
    }
    assert recorded_only == {
        "AWS::Chatbot::SlackChannelConfiguration",
        "AWS::Events::EventBusPolicy",
        "AWS::SNS::Subscription",
        "AWS::SNS::TopicPolicy",
    }
    assert stack.describe_stacks(StackName="Security-security")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    share = only(synth.deployed("Baseline-web-prod-us-east-1"), "Custom::ApprovedDocumentShare")
    properties = {**share["Properties"], "SharerRoleArn": SHARER_ROLE}  # moto runs everything in one account
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create", ResourceProperties=properties))
    assert response["Status"] == "SUCCESS", response["Reason"]
    ssm = boto3.client("ssm")
    for name in properties["DocumentNames"]:
        assert _shared_with(ssm, name) == [properties["AccountId"]]

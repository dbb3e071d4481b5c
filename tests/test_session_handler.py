"""The Session Manager custom resource handler against a real local AWS API: moto in server mode on 127.0.0.1.

CloudFormation's side is a tiny HTTP server on 127.0.0.1 that receives the handler's PUT response, as the
pre-signed S3 URL would. Nothing is mocked inside the handler: it runs boto3 against the moto endpoint.

moto 5.2.5 implements DescribeDocumentPermission, ModifyDocumentPermission and STS AssumeRole, but not
GetServiceSetting/UpdateServiceSetting (it answers 500 NotImplementedError). The public-sharing block is
therefore tested only for what moto allows: that a failing API still produces a FAILED response with the
error for CloudFormation (instead of a stack that hangs for an hour).
"""

from __future__ import annotations

import importlib.util
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parent.parent
HANDLER = ROOT / "constructs" / "handlers" / "session_manager" / "index.py"
SECURITY = "123456789012"  # moto's default account plays the security account that owns the documents
MEMBER = "111122223333"
OTHER_MEMBER = "444455556666"
SHARER_ROLE = f"arn:aws:iam::{SECURITY}:role/examplecorp-baseline-document-sharer"
DOCUMENTS = ["examplecorp-baseline-InteractiveShell", "examplecorp-baseline-PortForwarding"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws(moto_endpoint, monkeypatch) -> Iterator[None]:
    """Every boto3 client of the test and of the handler talks to the local moto server, fresh for each test."""
    for key, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)
    boto3.DEFAULT_SESSION = None
    yield
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST"), timeout=10)
    boto3.DEFAULT_SESSION = None


class _Responses(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(json.loads(body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def cloudformation() -> Iterator[HTTPServer]:
    """Stands in for CloudFormation's pre-signed response URL; `.received` holds the responses."""
    server = HTTPServer(("127.0.0.1", 0), _Responses)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def handler_module():
    spec = importlib.util.spec_from_file_location("session_manager_handler", HANDLER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def documents(aws) -> Any:
    """The approved documents in the security account, and the sharer role the handler assumes."""
    boto3.client("iam").create_role(RoleName="examplecorp-baseline-document-sharer", AssumeRolePolicyDocument="{}")
    ssm = boto3.client("ssm")
    content = json.dumps({"schemaVersion": "1.0", "sessionType": "Standard_Stream", "inputs": {}})
    for name in DOCUMENTS:
        ssm.create_document(Name=name, Content=content, DocumentType="Session", DocumentFormat="JSON")
    return ssm


def _event(cloudformation, request: str, resource_type: str = "Custom::ApprovedDocumentShare", **extra) -> dict:
    host, port = cloudformation.server_address
    return {
        "RequestType": request,
        "ResponseURL": f"http://{host}:{port}/response",
        "StackId": f"arn:aws:cloudformation:us-east-1:{MEMBER}:stack/Baseline-web-prod-us-east-1/guid",
        "RequestId": f"request-{request}",
        "ResourceType": resource_type,
        "LogicalResourceId": "SessionCustomResourcesApprovedDocumentShare",
        "ResourceProperties": {"ServiceToken": "arn", "AccountId": MEMBER, "DocumentNames": DOCUMENTS,
                               "SharerRoleArn": SHARER_ROLE},
        **extra,
    }  # fmt: skip


def _run(handler_module, cloudformation, event: dict) -> dict:
    handler_module.handler(event, None)
    return cloudformation.received[-1]


def _shared_with(ssm, name: str) -> list[str]:
    return sorted(ssm.describe_document_permission(Name=name, PermissionType="Share").get("AccountIds", []))


# --- sharing the approved documents --------------------------------------------------------------------


def test_create_shares_every_approved_document_with_the_account(handler_module, cloudformation, documents):
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create"))
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["PhysicalResourceId"] == f"approved-document-share-{MEMBER}"
    assert response["RequestId"] == "request-Create"
    assert response["LogicalResourceId"] == "SessionCustomResourcesApprovedDocumentShare"
    for name in DOCUMENTS:
        assert _shared_with(documents, name) == [MEMBER]


def test_create_and_update_are_idempotent(handler_module, cloudformation, documents):
    physical = f"approved-document-share-{MEMBER}"
    for request in ("Create", "Create", "Update", "Update"):
        extra = {"PhysicalResourceId": physical} if request == "Update" else {}
        response = _run(handler_module, cloudformation, _event(cloudformation, request, **extra))
        assert response["Status"] == "SUCCESS", response["Reason"]
        assert response["PhysicalResourceId"] == physical
    for name in DOCUMENTS:
        assert _shared_with(documents, name) == [MEMBER]


def test_update_unshares_documents_no_longer_named_and_keeps_the_rest(handler_module, cloudformation, documents):
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


def test_delete_unshares_only_the_account_and_is_idempotent(handler_module, cloudformation, documents):
    documents.modify_document_permission(Name=DOCUMENTS[0], PermissionType="Share", AccountIdsToAdd=[OTHER_MEMBER])
    _run(handler_module, cloudformation, _event(cloudformation, "Create"))
    assert _shared_with(documents, DOCUMENTS[0]) == sorted([MEMBER, OTHER_MEMBER])

    physical = f"approved-document-share-{MEMBER}"
    for _ in range(2):
        response = _run(handler_module, cloudformation,
                        _event(cloudformation, "Delete", PhysicalResourceId=physical))  # fmt: skip
        assert response["Status"] == "SUCCESS", response["Reason"]
        assert response["PhysicalResourceId"] == physical
    assert _shared_with(documents, DOCUMENTS[0]) == [OTHER_MEMBER]  # the other account keeps its share
    assert _shared_with(documents, DOCUMENTS[1]) == []


def test_create_fails_clearly_when_an_approved_document_is_missing(handler_module, cloudformation, documents):
    documents.delete_document(Name=DOCUMENTS[1])
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create"))
    assert response["Status"] == "FAILED"
    assert f"approved session document {DOCUMENTS[1]!r} does not exist in us-east-1" in response["Reason"]
    assert "deploy the security stacks" in response["Reason"]


def test_delete_succeeds_when_the_documents_are_already_gone(handler_module, cloudformation, documents):
    for name in DOCUMENTS:
        documents.delete_document(Name=name)
    response = _run(handler_module, cloudformation,
                    _event(cloudformation, "Delete", PhysicalResourceId=f"approved-document-share-{MEMBER}"))  # fmt: skip
    assert response["Status"] == "SUCCESS", response["Reason"]


def test_share_and_unshare_write_only_when_something_changes(handler_module, documents):
    name = DOCUMENTS[0]
    assert handler_module.share(documents, name, MEMBER) is True
    assert handler_module.share(documents, name, MEMBER) is False  # already shared: no ModifyDocumentPermission
    assert _shared_with(documents, name) == [MEMBER]
    assert handler_module.unshare(documents, name, MEMBER) is True
    assert handler_module.unshare(documents, name, MEMBER) is False
    assert _shared_with(documents, name) == []


def test_the_handler_uses_the_sharer_role(handler_module, aws):
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


# --- blocking public sharing, and failures in general ----------------------------------------------------


def test_block_public_sharing_reports_api_failures_to_cloudformation(handler_module, cloudformation, aws):
    # moto lacks GetServiceSetting: the handler must still answer, FAILED, with the error as the reason.
    event = _event(cloudformation, "Create", resource_type="Custom::BlockPublicDocumentSharing")
    response = _run(handler_module, cloudformation, event)
    assert response["Status"] == "FAILED"
    assert "GetServiceSetting" in response["Reason"]
    assert response["PhysicalResourceId"] == event["LogicalResourceId"]


def test_block_public_sharing_delete_leaves_the_setting_alone(handler_module, cloudformation, aws):
    event = _event(cloudformation, "Delete", resource_type="Custom::BlockPublicDocumentSharing",
                   PhysicalResourceId="public-document-sharing-us-east-1")  # fmt: skip
    response = _run(handler_module, cloudformation, event)
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["PhysicalResourceId"] == "public-document-sharing-us-east-1"


def test_unknown_resource_type_fails_with_a_clear_reason(handler_module, cloudformation, aws):
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create", resource_type="Custom::Nope"))
    assert response["Status"] == "FAILED"
    assert "unknown resource type 'Custom::Nope'" in response["Reason"]


# --- end to end: the security stack's own template, deployed by moto's CloudFormation ----------------------


def test_documents_deployed_from_the_security_template_are_shared(synth, handler_module, cloudformation, aws):
    # moto's CloudFormation creates the sharer role and the approved documents from the synthesized template.
    boto3.client("ssm").put_parameter(Name="/cdk-bootstrap/hnb659fds/version", Value="30", Type="String")
    stack = boto3.client("cloudformation")
    stack.create_stack(StackName="Security-security", TemplateBody=json.dumps(synth.templates["Security-security"]),
                       Capabilities=["CAPABILITY_NAMED_IAM"])  # fmt: skip
    assert stack.describe_stacks(StackName="Security-security")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    share = next(r for r in synth.templates["Baseline-web-prod-us-east-1"]["Resources"].values()
                 if r["Type"] == "Custom::ApprovedDocumentShare")  # fmt: skip
    properties = {**share["Properties"], "SharerRoleArn": SHARER_ROLE}  # moto runs everything in one account
    response = _run(handler_module, cloudformation, _event(cloudformation, "Create", ResourceProperties=properties))
    assert response["Status"] == "SUCCESS", response["Reason"]
    ssm = boto3.client("ssm")
    for name in properties["DocumentNames"]:
        assert _shared_with(ssm, name) == [properties["AccountId"]]

"""A local AWS cloud for the deploy test: moto in server mode on 127.0.0.1, an account per credential, the real CDK
CLI pointed at it, and the gaps of stock moto filled by small named functions.

What stands in for what:

- `LocalCloud.start()`: a moto server (the pinned moto, in a thread of this process so that the gap fills below can
  reach its backends) on a free port of 127.0.0.1. moto's STS `AssumeRole` returns credentials for the account of
  the role ARN, and every later call with them lands in that account: `credentials(account)` is an operator of that
  account, and the CDK CLI's own assumption of the bootstrap roles gives the same per-account separation as AWS.
- `cli_environment()`: the shell of the operator who runs the CDK CLI: the endpoint, test keys, region, and
  `AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION=http://localhost:PORT` (CloudFormation fetches the template from an S3 URL;
  with the 127.0.0.1 host moto would read the host as a bucket name).
- `GAP_FILLS`: one function per behaviour stock moto 5.2.5 lacks, each with a sentence on the AWS behaviour it
  stands in for. Custom resources are the important one: moto would invoke their Lambda function in Docker and mark
  the change set complete before the function answers, so a failing custom resource would show green. Here the
  function's code (the zip the CDK CLI uploaded) runs in a Python subprocess with its role's credentials and its
  environment, the event goes to it as CloudFormation sends it, its response comes back over HTTP to the
  ResponseURL, and a FAILED response fails the resource and the stack, as in CloudFormation.
- Resource types moto's CloudFormation only records (it creates nothing behind them) are listed by
  `recorded_only_types()`; the deploy test never counts them as verified.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from unittest import mock

import boto3
import yaml
from moto.awslambda.utils import get_backend as get_lambda_backend
from moto.cloudformation import exceptions as cfn_exceptions
from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing as cfn_parsing
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation.custom_model import CustomModel
from moto.cloudtrail import responses as cloudtrail_responses
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult
from moto.guardduty import responses as guardduty_responses
from moto.guardduty import urls as guardduty_urls
from moto.iam import exceptions as iam_exceptions
from moto.iam import responses as iam_responses
from moto.iam.models import iam_backends
from moto.kms import models as kms_models
from moto.kms import responses as kms_responses
from moto.organizations import models as org_models
from moto.ssm import models as ssm_models
from moto.ssm import responses as ssm_responses
from moto.utilities.utils import get_partition

from tests.support.local_aws import LOCALHOST, LocalMotoServer, free_port, serving

OPERATOR_ROLE = "local-cloud-operator"  # any name: moto's AssumeRole does not check that the role exists
TEST_KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# Would point the CLI or boto3 at a real account, or change what the test sees.
CLEARED_ENVIRONMENT = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "CDK_DEFAULT_ACCOUNT",
    "CDK_DEFAULT_REGION",
)
HANDLER_TIMEOUT_SECONDS = 60  # a custom resource function longer than this fails, as a Lambda timeout would


class CustomResourceFailed(Exception):
    """A custom resource's function answered FAILED, did not answer, or could not run."""


@dataclass
class FailedResource:
    """The resource a stack operation stopped at, and why: what CloudFormation shows in the stack's events."""

    logical_id: str
    resource_type: str
    reason: str


@dataclass
class CustomResourceCall:
    """One custom resource request the harness ran: where, what, and the answer."""

    account: str
    region: str
    stack_id: str
    logical_id: str
    resource_type: str
    request_type: str
    status: str
    reason: str = ""


@dataclass
class LocalCloud:
    """The moto server, its gap fills and the response receiver, for one test session."""

    port: int = 0
    calls: list[CustomResourceCall] = field(default_factory=list)
    _server: LocalMotoServer | None = None
    _patches: ExitStack = field(default_factory=ExitStack)
    _receiver: _ResponseReceiver | None = None
    _clients: dict[tuple[str, str, str, str], Any] = field(default_factory=dict)
    # Custom resource functions run one at a time (a Lambda function per request would run in parallel in AWS).
    _one_handler_at_a_time: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> str:
        return f"http://{LOCALHOST}:{self.port}"

    def start(self) -> LocalCloud:
        self.port = free_port()
        self._patches.enter_context(mock.patch.object(socket, "getaddrinfo", _local_getaddrinfo))
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request lines
        logging.getLogger("moto").setLevel(logging.ERROR)  # unsupported types: see recorded_only_types()
        warnings.filterwarnings("ignore", message="Tried to parse .* not supported by moto")
        self._receiver = _ResponseReceiver()
        self._patches.enter_context(serving(self._receiver))
        for gap_fill in GAP_FILLS:
            self._patches.enter_context(gap_fill(self))
        self._server = LocalMotoServer(ip_address=LOCALHOST, port=self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        self._patches.close()  # the patches, and the receiver

    # --- credentials ------------------------------------------------------------------------------------------

    def base_environment(self, region: str) -> dict[str, str]:
        """An environment with this process's variables minus AWS profile settings, pointed at the server."""
        env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENVIRONMENT}
        env.update(TEST_KEYS)
        env.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_DEFAULT_REGION": region,
                "AWS_REGION": region,
                "AWS_MAX_ATTEMPTS": "2",
                "AWS_EC2_METADATA_DISABLED": "true",
            }
        )
        return env

    def credentials(self, role_arn: str, region: str) -> dict[str, str]:
        """Credentials of `role_arn`'s account, from STS AssumeRole on the local server (as environment variables)."""
        sts = boto3.client("sts", endpoint_url=self.endpoint, region_name=region, **_keys(TEST_KEYS))
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="local-cloud")["Credentials"]
        return {
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
        }

    def operator(self, account: str, partition: str, region: str) -> dict[str, str]:
        """Credentials of an operator in `account`."""
        return self.credentials(f"arn:{partition}:iam::{account}:role/{OPERATOR_ROLE}", region)

    def session(self, account: str, partition: str, region: str) -> boto3.Session:
        """A boto3 session of an operator in `account` and `region`; its clients need `endpoint_url=cloud.endpoint`."""
        creds = self.operator(account, partition, region)
        return boto3.Session(
            aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=creds["AWS_SESSION_TOKEN"],
            region_name=region,
        )

    def client(self, service: str, account: str, partition: str, region: str) -> Any:
        """A boto3 client (typed Any: boto3 publishes no types) of an operator in `account` and `region` (cached)."""
        key = (service, account, partition, region)
        if key not in self._clients:
            self._clients[key] = self.session(account, partition, region).client(service, endpoint_url=self.endpoint)
        return self._clients[key]

    def cli_environment(self, region: str, credentials: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of the CDK CLI: the local endpoint (and the S3 URL host CloudFormation reads templates
        from), test keys or `credentials`, no telemetry or version check."""
        env = self.base_environment(region)
        env["AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION"] = f"http://localhost:{self.port}"
        env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
        env["CDK_DISABLE_VERSION_CHECK"] = "true"
        env.update(credentials or {})
        return env

    # --- custom resources -------------------------------------------------------------------------------------

    def run_custom_resource(
        self, account: str, region: str, service_token: str, event: dict[str, Any]
    ) -> dict[str, Any]:
        """Run the custom resource's Lambda function once for `event`; the response it PUT to the ResponseURL."""
        assert self._receiver is not None
        function = get_lambda_backend(account, region).get_function(service_token)
        request_id = str(uuid.uuid4())
        event = {**event, "RequestId": request_id, "ResponseURL": f"{self._receiver.url}/{request_id}"}
        if not str(function.run_time).startswith("python"):
            raise CustomResourceFailed(
                f"runtime {function.run_time} of {function.function_name} cannot run locally (only Python handlers run)"
            )
        partition = function.function_arn.split(":")[1]
        env = self.base_environment(region)
        env.update(self.credentials(function.role, region))
        env.update({str(k): str(v) for k, v in function.environment_vars.items()})
        env.update({"AWS_LAMBDA_FUNCTION_NAME": function.function_name, "AWS_PARTITION_HINT": partition})
        with tempfile.TemporaryDirectory(prefix="lambda-") as code:
            with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
                archive.extractall(code)
            module, _, attribute = str(function.handler).rpartition(".")
            timeout = min(int(function.timeout or 3), HANDLER_TIMEOUT_SECONDS)
            try:
                with self._one_handler_at_a_time:
                    run = subprocess.run(
                        [sys.executable, "-c", _LAMBDA_RUNNER, module, attribute],
                        input=json.dumps(event),
                        cwd=code,
                        env=env,
                        capture_output=True,
                        text=True,
                        timeout=timeout,
                    )
            except subprocess.TimeoutExpired as err:
                raise CustomResourceFailed(f"{function.function_name} timed out after {timeout} s") from err
        response = self._receiver.responses.pop(request_id, None)
        if response is None:
            raise CustomResourceFailed(
                f"{function.function_name} sent no response (exit {run.returncode}): {run.stderr.strip()[-800:]}"
            )
        return response


# Loads the handler as Lambda does (module from the code directory, attribute by name) and calls it once. S3
# Control puts the account ID in front of the endpoint's host ("<account>.127.0.0.1"), which resolves in AWS but
# not here: the runner resolves such names to 127.0.0.1 (moto routes /v20180820/ paths to S3 Control).
_LAMBDA_RUNNER = """
import importlib, json, socket, sys
_getaddrinfo = socket.getaddrinfo
def getaddrinfo(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".127.0.0.1"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = getaddrinfo
sys.path.insert(0, ".")
handler = getattr(importlib.import_module(sys.argv[1]), sys.argv[2])
handler(json.loads(sys.stdin.read()), None)
"""


_getaddrinfo = socket.getaddrinfo


def _local_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    """S3 Control's "<account>.127.0.0.1" host is 127.0.0.1 (in AWS the account-prefixed name resolves)."""
    if isinstance(host, str) and host.endswith(".127.0.0.1"):
        host = LOCALHOST
    return _getaddrinfo(host, *args, **kwargs)


def _keys(env: Mapping[str, str]) -> dict[str, str]:
    return {"aws_access_key_id": env["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"]}


class _ResponseReceiver(HTTPServer):
    """Stands in for CloudFormation's pre-signed response URL: keeps each PUT body by the request ID in its path."""

    def __init__(self) -> None:
        super().__init__((LOCALHOST, 0), _ResponseHandler)
        self.responses: dict[str, dict[str, Any]] = {}

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.server_port}/response"


class _ResponseHandler(BaseHTTPRequestHandler):
    server: _ResponseReceiver

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.responses[self.path.rsplit("/", 1)[-1]] = json.loads(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


# --- gap fills ----------------------------------------------------------------------------------------------------
# Each is a context manager that patches the in-process moto server for the life of the LocalCloud.

GapFill = Callable[[LocalCloud], Any]


@contextmanager
def termination_protection(cloud: LocalCloud) -> Iterator[None]:
    """CloudFormation's UpdateTerminationProtection, which the CDK CLI calls for stacks with termination protection."""

    def update_termination_protection(self: Any) -> ActionResult:
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        stack.enable_termination_protection = self._get_param("EnableTerminationProtection") in (True, "true")
        return ActionResult({"StackId": stack.stack_id})

    with mock.patch.object(
        cfn_responses.CloudFormationResponse,
        "update_termination_protection",
        update_termination_protection,
        create=True,
    ):
        yield


@contextmanager
def custom_resources_run_their_functions(cloud: LocalCloud) -> Iterator[None]:
    """CloudFormation sending Create/Update/Delete to a custom resource's Lambda function and waiting for its answer
    (moto invokes the function in Docker, only on Create, from the default account, and does not wait)."""

    def request(
        request_type: str,
        account: str,
        region: str,
        stack_id: str,
        logical_id: str,
        resource_type: str,
        properties: dict[str, Any],
        **extra: Any,
    ) -> dict[str, Any]:
        event = {
            "RequestType": request_type,
            "ServiceToken": properties["ServiceToken"],
            "StackId": stack_id,
            "LogicalResourceId": logical_id,
            "ResourceType": resource_type,
            "ResourceProperties": properties,
            **extra,
        }
        call = CustomResourceCall(account, region, stack_id, logical_id, resource_type, request_type, "FAILED")
        cloud.calls.append(call)
        try:
            response = cloud.run_custom_resource(account, region, properties["ServiceToken"], event)
        except CustomResourceFailed as err:
            call.reason = str(err)
            raise
        call.status, call.reason = response.get("Status", ""), response.get("Reason", "")
        if call.status != "SUCCESS":
            raise CustomResourceFailed(
                f"Received response status [FAILED] from custom resource. Message returned: {call.reason}"
            )
        return response

    def create(
        cls: Any,
        /,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kw: Any,
    ) -> CustomModel:
        properties = cloudformation_json["Properties"]
        response = request(
            "Create", account_id, region_name, kw["StackId"], kw["LogicalId"], kw["ResourceType"], properties
        )
        resource: CustomModel = cls(region_name, response["RequestId"], kw["LogicalId"], response["PhysicalResourceId"])
        resource.set_data(response.get("Data") or {})
        resource.stack_id = kw["StackId"]  # type: ignore[attr-defined]
        resource.properties = properties  # type: ignore[attr-defined]
        return resource

    def update(
        cls: Any,
        /,
        original_resource: CustomModel,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CustomModel:
        properties = cloudformation_json["Properties"]
        response = request(
            "Update",
            account_id,
            region_name,
            original_resource.stack_id,  # type: ignore[attr-defined]
            original_resource.logical_id,
            cloudformation_json["Type"],
            properties,
            PhysicalResourceId=original_resource.physical_resource_id,
            OldResourceProperties=original_resource.properties,  # type: ignore[attr-defined]
        )
        resource: CustomModel = cls(
            region_name, response["RequestId"], original_resource.logical_id, response["PhysicalResourceId"]
        )
        resource.set_data(response.get("Data") or {})
        resource.stack_id = original_resource.stack_id  # type: ignore[attr-defined]
        resource.properties = properties  # type: ignore[attr-defined]
        return resource

    def delete(
        cls: Any, /, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        pass  # a removed custom resource: not exercised by the deploy test (nothing is removed)

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(CustomModel, "create_from_cloudformation_json", classmethod(create)))
        stack.enter_context(
            mock.patch.object(CustomModel, "update_from_cloudformation_json", classmethod(update), create=True)
        )
        stack.enter_context(
            mock.patch.object(CustomModel, "delete_from_cloudformation_json", classmethod(delete), create=True)
        )
        yield


class _ResourceError(Exception):
    def __init__(self, failed: FailedResource) -> None:
        super().__init__(failed.reason)
        self.failed = failed


@contextmanager
def failed_resources_fail_the_stack(cloud: LocalCloud) -> Iterator[None]:
    """A resource that fails to create or update fails its stack operation, which rolls back with an event naming the
    resource and the reason (moto answers the ExecuteChangeSet call with a server error instead)."""
    create_resource = cfn_parsing.parse_and_create_resource
    update_resource = _keep_what_moto_cannot_update(cfn_parsing.parse_and_update_resource)
    execute = cfn_models.CloudFormationBackend.execute_change_set

    def named(call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            try:
                return call(logical_id, resource_json, *args, **kwargs)
            except _ResourceError:
                raise
            except Exception as err:
                reason = getattr(err, "message", None) or str(err) or type(err).__name__
                raise _ResourceError(FailedResource(logical_id, resource_json["Type"], reason)) from err

        return wrapper

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        try:
            execute(self, change_set_name, stack_name)
        except _ResourceError as err:
            stack = self.stacks[change_set.stack_id]
            verb = change_set.change_set_type  # CREATE or UPDATE
            stack.events.append(
                cfn_models.Event(
                    stack_id=stack.stack_id,
                    stack_name=stack.name,
                    logical_resource_id=err.failed.logical_id,
                    physical_resource_id="",
                    resource_type=err.failed.resource_type,
                    resource_status=f"{verb}_FAILED",
                    resource_status_reason=err.failed.reason,
                    resource_properties=None,
                )
            )
            _roll_back(stack, verb)
            reason = f"The following resource(s) failed to {verb.lower()}: [{err.failed.logical_id}]. "
            stack._add_stack_event(f"{'ROLLBACK' if verb == 'CREATE' else 'UPDATE_ROLLBACK'}_IN_PROGRESS", reason)
            final = "ROLLBACK_COMPLETE" if verb == "CREATE" else "UPDATE_ROLLBACK_COMPLETE"
            stack._add_stack_event(final)
            stack.status = final
            change_set.execution_status = "EXECUTE_FAILED"

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(cfn_parsing, "parse_and_create_resource", named(create_resource)))
        stack.enter_context(mock.patch.object(cfn_parsing, "parse_and_update_resource", named(update_resource)))
        stack.enter_context(
            mock.patch.object(cfn_models.CloudFormationBackend, "execute_change_set", execute_change_set)
        )
        yield


def _keep_what_moto_cannot_update(update: Callable[..., Any]) -> Callable[..., Any]:
    """moto replaces a modified resource of a type it cannot update (AWS::KMS::Key, ...) with None, and every later
    reference to it fails the stack: keep the resource as it was. The update is not applied, so a read-back of the
    changed property shows the difference."""

    def wrapper(logical_id: str, resource_json: dict[str, Any], resources_map: Any, *args: Any, **kwargs: Any) -> Any:
        original = resources_map._parsed_resources.get(logical_id)
        updated = update(logical_id, resource_json, resources_map, *args, **kwargs)
        return original if updated is None else updated

    return wrapper


def _roll_back(stack: Any, verb: str) -> None:
    """CloudFormation's rollback of a failed create: delete what it made, newest first, except DeletionPolicy Retain
    (moto leaves everything), and stop moto from creating the rest lazily when the stack's resources are listed
    (moto's resource map creates a resource on its first read). A failed update keeps what it had."""
    resource_map = stack.resource_map
    templates = resource_map._resource_json_map
    if verb == "CREATE":
        created = [
            (logical_id, model)
            for logical_id, model in resource_map._parsed_resources.items()
            if isinstance(model, CloudFormationModel) and logical_id in templates
        ]
        for _ in range(2):  # a second pass for what a dependent resource held (a role with a policy attached)
            for logical_id, model in reversed(created):
                resource_json = templates[logical_id]
                if logical_id not in resource_map._parsed_resources or resource_json.get("DeletionPolicy") == "Retain":
                    continue
                try:
                    _delete_model(model, resource_json, resource_map._account_id, resource_map._region_name)
                except Exception:  # what cannot be deleted stays, as a DELETE_FAILED would leave it
                    continue
                del resource_map._parsed_resources[logical_id]
    resource_map._resource_json_map = {k: v for k, v in templates.items() if k in resource_map._parsed_resources}


def _delete_managed_policy(model: Any, account: str, region: str) -> None:
    """moto's CloudFormation cannot delete an AWS::IAM::ManagedPolicy: detach it, then delete it."""
    iam = iam_backends[account][get_partition(region)]
    for role in list(iam.roles.values()):
        if model.arn in role.managed_policies:
            iam.detach_role_policy(model.arn, role.name)
    iam.delete_policy(model.arn)


def _delete_model(model: Any, resource_json: dict[str, Any], account: str, region: str) -> None:
    if resource_json["Type"] == "AWS::IAM::ManagedPolicy":
        _delete_managed_policy(model, account, region)
        return
    resource_class = type(model)
    deleter = getattr(resource_class, "delete_from_cloudformation_json", None)
    if deleter is not None and not hasattr(deleter, "__isabstractmethod__"):
        deleter(model.physical_resource_id, resource_json, account, region)
    else:
        model.delete(account, region)


class RecordedOnly(CloudFormationModel):
    """A resource of a type moto's CloudFormation does not implement: recorded in the stack, nothing behind it."""

    def __init__(self, name: str, resource_type: str, account: str = "", region: str = "") -> None:
        self.name = name
        self.resource_type = resource_type
        self.account, self.region = account, region

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "recorded-only"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if not attribute_name.endswith("Arn"):
            return f"{self.name}.{attribute_name}"
        # In ARN form, so that a policy naming it (through a parameter, say) parses as it would in AWS.
        service = self.resource_type.split("::")[1].lower()
        partition = get_partition(self.region)
        return f"arn:{partition}:{service}:{self.region}:{self.account}:{attribute_name}/{self.name}"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kw: Any
    ) -> RecordedOnly:
        return cls(resource_name, cloudformation_json["Type"], account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: RecordedOnly,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> RecordedOnly:
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        pass

    def is_created(self) -> bool:
        return True


@contextmanager
def recorded_only_resources_have_ids(cloud: LocalCloud) -> Iterator[None]:
    """CloudFormation giving every resource a physical ID and attributes (moto leaves a type it does not implement
    out of the stack, and a Ref or Fn::GetAtt to it fails the stack); values are placeholders, never verified."""
    original = cfn_parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str) -> Any:
        return original(resource_type) or RecordedOnly

    with mock.patch.object(cfn_parsing, "resource_class_from_type", resource_class_from_type):
        yield


@contextmanager
def partition_from_region(cloud: LocalCloud) -> Iterator[None]:
    """The AWS::Partition pseudo parameter of the stack's region (moto resolves it to aws everywhere)."""
    original = cfn_parsing.ResourceMap.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._parsed_resources["AWS::Partition"] = get_partition(self._region_name)

    with mock.patch.object(cfn_parsing.ResourceMap, "__init__", init):
        yield


_SERVICE_SETTINGS: dict[tuple[str, str, str], str] = {}


@contextmanager
def ssm_service_settings(cloud: LocalCloud) -> Iterator[None]:
    """SSM GetServiceSetting/UpdateServiceSetting, per account and region (moto answers NotImplemented); a setting
    never updated has AWS's default for public document sharing, Enable."""

    def setting_of(self: Any) -> tuple[tuple[str, str, str], str]:
        setting_id = self._get_param("SettingId")
        return (self.current_account, self.region, setting_id), setting_id

    def get_service_setting(self: Any) -> str:
        key, setting_id = setting_of(self)
        value = _SERVICE_SETTINGS.get(key, "Enable")
        return json.dumps({"ServiceSetting": {"SettingId": setting_id, "SettingValue": value, "Status": "Customized"}})

    def update_service_setting(self: Any) -> str:
        key, _ = setting_of(self)
        _SERVICE_SETTINGS[key] = self._get_param("SettingValue")
        return "{}"

    with ExitStack() as stack:
        for name, method in (
            ("get_service_setting", get_service_setting),
            ("update_service_setting", update_service_setting),
        ):
            stack.enter_context(mock.patch.object(ssm_responses.SimpleSystemManagerResponse, name, method, create=True))
        yield
    _SERVICE_SETTINGS.clear()


def service_setting(account: str, region: str, setting_id: str) -> str | None:
    """The value a handler set with UpdateServiceSetting, or None if it never did."""
    return _SERVICE_SETTINGS.get((account, region, setting_id))


@contextmanager
def cloudtrail_lookup_events(cloud: LocalCloud) -> Iterator[None]:
    """CloudTrail LookupEvents, which the CDK CLI calls after a failed deploy to explain it; the local API records
    no management events, so it answers none."""

    def lookup_events(self: Any) -> str:
        return json.dumps({"Events": []})

    with mock.patch.object(cloudtrail_responses.CloudTrailResponse, "lookup_events", lookup_events, create=True):
        yield


@contextmanager
def kms_key_policy_as_text(cloud: LocalCloud) -> Iterator[None]:
    """A KMS key created by CloudFormation keeps its key policy as JSON text, as KMS does (moto keeps the template's
    object, and DescribeKey and GetKeyPolicy then fail with a server error)."""
    original = kms_models.Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: Any, *args: Any, **kwargs: Any) -> Any:
        key = original(cls, *args, **kwargs)
        if not isinstance(key.policy, str):
            key.policy = json.dumps(key.policy)
        return key

    with mock.patch.object(kms_models.Key, "create_from_cloudformation_json", classmethod(create)):
        yield


@contextmanager
def kms_describe_key_in_another_account(cloud: LocalCloud) -> Iterator[None]:
    """KMS DescribeKey given the key ARN or alias ARN of a key in another account or Region describes that key, as KMS
    does when the key's policy lets the caller (https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html);
    moto looks every ID up in the caller's own account and Region. The key policy is not evaluated here: the GuardDuty
    findings key's policy is proved by tests/test_guardduty_export.py."""
    original = kms_responses.KmsResponse.describe_key

    def describe_key(self: Any) -> str:
        key_id = str(self._get_param("KeyId"))
        parts = key_id.split(":")
        if key_id.startswith("arn:") and len(parts) == 6:
            backend = kms_models.kms_backends[parts[4]][parts[3]]
            if backend is not self.kms_backend:
                return json.dumps(backend.describe_key(backend.any_id_to_key_id(key_id)).to_dict())
        return str(original(self))

    with mock.patch.object(kms_responses.KmsResponse, "describe_key", describe_key):
        yield


@contextmanager
def ssm_document_content_as_json(cloud: LocalCloud) -> Iterator[None]:
    """An SSM document created by CloudFormation from a JSON object holds that object as JSON text, as SSM does (moto
    stores the Python repr of the object)."""
    original = ssm_models.Document.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: Any, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any) -> Any:
        properties = cloudformation_json["Properties"]
        if isinstance(properties.get("Content"), dict):
            text = properties["Content"]
            if properties.get("DocumentFormat", "JSON") == "JSON":
                properties = {**properties, "Content": json.dumps(text), "DocumentFormat": "JSON"}
            else:
                properties = {**properties, "Content": yaml.safe_dump(text)}
            cloudformation_json = {**cloudformation_json, "Properties": properties}
        return original(cls, resource_name, cloudformation_json, *args, **kwargs)

    with mock.patch.object(ssm_models.Document, "create_from_cloudformation_json", classmethod(create)):
        yield


@contextmanager
def deleting_a_missing_change_set_succeeds(cloud: LocalCloud) -> Iterator[None]:
    """DeleteChangeSet of a change set that does not exist succeeds while its stack exists, and DescribeChangeSet of
    one answers ChangeSetNotFound: the CDK CLI deletes its last change set before every update and waits for that
    answer (moto fails the delete with a server error and answers ValidationError)."""
    original = cfn_models.CloudFormationBackend.delete_change_set

    def delete_change_set(self: Any, change_set_name: str) -> None:
        known = change_set_name in self.change_sets or any(
            change_set.change_set_name == change_set_name for change_set in self.change_sets.values()
        )
        if known:
            original(self, change_set_name)

    original_describe = cfn_models.CloudFormationBackend.describe_change_set

    def describe_change_set(self: Any, change_set_name: str) -> Any:
        try:
            return original_describe(self, change_set_name)
        except cfn_exceptions.ValidationError:
            raise _ChangeSetNotFound(f"ChangeSet [{change_set_name}] does not exist") from None

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(cfn_models.CloudFormationBackend, "delete_change_set", delete_change_set))
        stack.enter_context(
            mock.patch.object(cfn_models.CloudFormationBackend, "describe_change_set", describe_change_set)
        )
        yield


class _ChangeSetNotFound(cfn_exceptions.CloudFormationError):
    """CloudFormation's answer to DescribeChangeSet of a deleted change set, which the CLI waits for."""

    code = "ChangeSetNotFound"


@contextmanager
def previous_ssm_parameter_values_resolve(cloud: LocalCloud) -> Iterator[None]:
    """An update that keeps a template parameter of an SSM parameter type (the CDK's BootstrapVersion, passed with
    UsePreviousValue) resolves it again from its SSM parameter name; moto substitutes the already resolved value
    and fails to look that up as a name, so a resolved value is kept as it is."""
    original = cfn_parsing.ResourceMap.parse_ssm_parameter

    def parse_ssm_parameter(self: Any, value: str, value_type: str) -> Any:
        if ssm_models.ssm_backends[self._account_id][self._region_name].get_parameter(value) is None:
            return value
        return original(self, value, value_type)

    with mock.patch.object(cfn_parsing.ResourceMap, "parse_ssm_parameter", parse_ssm_parameter):
        yield


_DYNAMIC_SSM = re.compile(r"\{\{resolve:ssm:([^:}]+)(?::\d+)?\}\}")


@contextmanager
def ssm_dynamic_references_resolve(cloud: LocalCloud) -> Iterator[None]:
    """CloudFormation replaces `{{resolve:ssm:NAME}}` in resource properties with the parameter's value at deploy
    time (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm.html); moto keeps
    the text, and IAM then refuses a policy that names it as a resource. A parameter holding a recorded-only resource's
    `...Arn` attribute resolves to that resource's ARN-shaped placeholder (never verified)."""
    original_clean = cfn_parsing.clean_json

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        value = original_clean(resource_json, resources_map)
        if not isinstance(value, str) or "{{resolve:ssm:" not in value:
            return value
        backend = ssm_models.ssm_backends[resources_map._account_id][resources_map._region_name]

        def resolved(match: re.Match[str]) -> str:
            parameter = backend.get_parameter(match.group(1))
            return parameter.value if parameter is not None else match.group(0)

        return _DYNAMIC_SSM.sub(resolved, value)

    with mock.patch.object(cfn_parsing, "clean_json", clean_json):
        yield


@contextmanager
def config_delegated_administrator(cloud: LocalCloud) -> Iterator[None]:
    """Organizations accepts `config.amazonaws.com` as a service principal with a delegated administrator
    (https://docs.aws.amazon.com/organizations/latest/userguide/services-that-can-integrate-config.html); moto knows
    only `config-multiaccountsetup.amazonaws.com`. Registration is recorded, not evaluated by any service."""
    supported = [*org_models.FakeDelegatedAdministrator.SUPPORTED_SERVICES, "config.amazonaws.com"]
    with mock.patch.object(org_models.FakeDelegatedAdministrator, "SUPPORTED_SERVICES", supported):
        yield


@contextmanager
def iam_trusted_access(cloud: LocalCloud | None = None) -> Iterator[None]:
    """Organizations accepting `iam.amazonaws.com` for trusted access, which centralized root access needs
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableOrganizationsRootSessions.html); moto's list of
    trusted services lacks it. Recorded; nothing evaluates it but the gap fill below."""
    trusted = [*org_models.FakeServiceAccess.TRUSTED_SERVICES, "iam.amazonaws.com"]
    with mock.patch.object(org_models.FakeServiceAccess, "TRUSTED_SERVICES", trusted):
        yield


IAM_ORGANIZATION_FEATURES: dict[str, set[str]] = {}  # management account -> enabled IAM organization features


@contextmanager
def iam_organization_features(cloud: LocalCloud | None = None) -> Iterator[None]:
    """IAM ListOrganizationsFeatures, EnableOrganizationsRootCredentialsManagement and EnableOrganizationsRootSessions
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableOrganizationsRootSessions.html), which moto lacks:
    recorded per calling account; an Enable call before trusted access for iam.amazonaws.com fails, as documented
    (the error code is a stand-in). Nothing else in moto acts on the features."""

    def trusted(account: str) -> bool:
        backend = org_models.organizations_backends[account]["aws"]
        return any(s["ServicePrincipal"] == "iam.amazonaws.com" for s in getattr(backend, "services", []))

    def answer(action: str, features: set[str]) -> str:
        members = "".join(f"<member>{f}</member>" for f in sorted(features))
        return (
            f'<{action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><{action}Result>'
            f"<OrganizationId>o-exampleorg1</OrganizationId><EnabledFeatures>{members}</EnabledFeatures>"
            f"</{action}Result><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></{action}Response>"
        )

    def features(self: Any) -> str:
        return answer("ListOrganizationsFeatures", IAM_ORGANIZATION_FEATURES.get(self.current_account, set()))

    def enable(action: str, feature: str) -> Callable[[Any], str]:
        def call(self: Any) -> str:
            if not trusted(self.current_account):
                raise iam_exceptions.NotFoundException("trusted access for iam.amazonaws.com is not enabled")
            IAM_ORGANIZATION_FEATURES.setdefault(self.current_account, set()).add(feature)
            return answer(action, IAM_ORGANIZATION_FEATURES[self.current_account])

        return call

    calls = {
        "list_organizations_features": features,
        "enable_organizations_root_credentials_management": enable(
            "EnableOrganizationsRootCredentialsManagement", "RootCredentialsManagement"
        ),
        "enable_organizations_root_sessions": enable("EnableOrganizationsRootSessions", "RootSessions"),
    }
    with mock.patch.multiple(iam_responses.IamResponse, create=True, **calls):  # type: ignore[call-overload]
        yield
    IAM_ORGANIZATION_FEATURES.clear()


GUARDDUTY_ORGANIZATION_CONFIGURATIONS: dict[tuple[str, str, str], dict[str, Any]] = {}


@contextmanager
def guardduty_organization_configuration(cloud: LocalCloud) -> Iterator[None]:
    """GuardDuty UpdateOrganizationConfiguration (`POST /detector/{id}/admin`) on the administrator's detector
    (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html), which moto
    lacks: the detector must exist; the settings are recorded (no member is enabled by it)."""

    def update_organization_configuration(self: Any) -> str:
        detector_id = self.path.split("/")[-2]
        self.guardduty_backend.get_detector(detector_id)  # an unknown detector fails as in AWS
        key = (self.current_account, self.region, detector_id)
        GUARDDUTY_ORGANIZATION_CONFIGURATIONS[key] = json.loads(self.body or "{}")
        return "{}"

    with ExitStack() as stack:
        paths = {"{0}/detector/(?P<detector_id>[^/]+)/admin$": guardduty_responses.GuardDutyResponse.dispatch}
        stack.enter_context(mock.patch.dict(guardduty_urls.url_paths, paths))
        stack.enter_context(
            mock.patch.object(
                guardduty_responses.GuardDutyResponse,
                "update_organization_configuration",
                update_organization_configuration,
                create=True,
            )
        )
        yield
    GUARDDUTY_ORGANIZATION_CONFIGURATIONS.clear()


@contextmanager
def depends_on_before_references(cloud: LocalCloud) -> Iterator[None]:
    """CloudFormation creates a resource's `DependsOn` resources before it, however it is reached
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html); moto creates a
    resource the first time a `Ref` or `Fn::GetAtt` names it, skipping its `DependsOn` (an API Gateway stage then
    creates its deployment before the methods, and the deployment fails)."""
    original = cfn_parsing.ResourceMap.__getitem__

    def getitem(self: Any, key: str) -> Any:
        if key not in self._parsed_resources and key in self._resource_json_map:
            depends_on = self._resource_json_map[key].get("DependsOn", [])
            for dependency in [depends_on] if isinstance(depends_on, str) else depends_on:
                getitem(self, dependency)
        return original(self, key)

    with mock.patch.object(cfn_parsing.ResourceMap, "__getitem__", getitem):
        yield


def organization_with_accounts(
    cloud: LocalCloud, management: str, partition: str, region: str, members: Mapping[str, str]
) -> None:
    """The partition's organization, run from `management`, with the member accounts of the config (name: ID). In AWS
    accounts keep their IDs when they join an organization; moto's CreateAccount draws a random ID, so each created
    account takes its config ID afterwards. Delegated-administrator registrations then find their account."""
    organizations = cloud.client("organizations", management, partition, region)
    organizations.create_organization(FeatureSet="ALL")
    backend = org_models.organizations_backends[management][partition]
    for name, account_id in members.items():
        if account_id == management:
            continue
        created = organizations.create_account(AccountName=name, Email=f"{name}@example.invalid")
        drawn = created["CreateAccountStatus"]["AccountId"]
        account = backend.get_account_by_id(drawn)
        account.id = account_id
        org_models.organizations_backends.master_accounts[account_id] = (
            org_models.organizations_backends.master_accounts.pop(drawn)
        )


GAP_FILLS: tuple[GapFill, ...] = (
    termination_protection,
    custom_resources_run_their_functions,
    failed_resources_fail_the_stack,
    ssm_service_settings,
    recorded_only_resources_have_ids,
    partition_from_region,
    cloudtrail_lookup_events,
    kms_key_policy_as_text,
    kms_describe_key_in_another_account,
    ssm_document_content_as_json,
    deleting_a_missing_change_set_succeeds,
    previous_ssm_parameter_values_resolve,
    ssm_dynamic_references_resolve,
    config_delegated_administrator,
    iam_trusted_access,
    iam_organization_features,
    guardduty_organization_configuration,
    depends_on_before_references,
)


def recorded_only_types(resource_types: set[str]) -> list[str]:
    """The resource types moto's CloudFormation accepts without creating anything behind them."""
    model_map = cfn_parsing.get_model_map()
    return sorted(t for t in resource_types if not t.startswith("Custom::") and t not in model_map)

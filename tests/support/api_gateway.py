"""A gap fill for the elevation CLI's end-to-end tests: `api_gateway_iam_proxy`, an API Gateway REST API with
AWS_IAM authorization and a Lambda proxy integration, on 127.0.0.1 in front of the moto server.

moto has no API Gateway data plane for IAM-authorized REST APIs (it does not invoke Lambda functions outside Docker,
nor verify Signature Version 4), so this stands in for the three things the CLI relies on:

- The AWS_IAM authorizer: a request without an `Authorization` header, or to a resource or method the API does not
  have, is answered 403 `{"message": "Missing Authentication Token"}`, as a REST API does
  (https://repost.aws/knowledge-center/api-gateway-authentication-token-errors). A signed request must be scoped
  to the service `execute-api` and the API's region, and its SigV4 signature is recomputed with the secret key
  moto issued for its access key (`AssumeRole`, or an IAM user's key); a mismatch or an unknown key is a 403.
  Signing for API Gateway: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
- Who the caller is: moto's STS `GetCallerIdentity` with the request's access key and session token, as IAM
  authorization identifies the caller, into `requestContext.identity` (`userArn`, `caller`, `accountId`,
  `accessKey`, ...), where the engine reads it.
- The Lambda proxy integration: the event a REST API sends the function (`resource`, `path` without the stage,
  `httpMethod`, headers, query string and path parameters, `requestContext`, `body`), the handler called in this
  process (so its boto3 clients talk to the moto server of the test), and its `statusCode`/`headers`/`body`
  returned as the HTTP answer; a handler that raises or answers something else is a 502
  `{"message": "Internal server error"}`, as API Gateway answers.
  Formats: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html

What it does not stand in for: IAM policy evaluation of `execute-api:Invoke` (every verified caller may call every
route; the permission sets that grant it are tested where they are built), resource policies, throttling.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import threading
import traceback
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from tests.support.local_aws import LOCALHOST, QuietHandler, serving

Handler = Callable[[dict[str, Any], Any], Any]

# The engine's routes (constructs/handlers/elevation/api.py): (method, resource) with `{id}` a path parameter.
ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "/requests"),
    ("GET", "/requests"),
    ("POST", "/requests/{id}/approve"),
    ("POST", "/requests/{id}/deny"),
    ("POST", "/requests/{id}/revoke"),
)
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)
MISSING_TOKEN = "Missing Authentication Token"
INVALID_TOKEN = "The security token included in the request is invalid."
BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method."
)


@dataclass
class LambdaContext:
    """The parts of the Lambda context object a handler may read."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    memory_limit_in_mb: int = 256

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


class ApiGatewayStandIn(ThreadingHTTPServer):
    """The REST API's stage at `url`; `events` holds each event passed to the handler, `errors` each traceback of
    a handler that raised (the 502s), for the test to show."""

    def __init__(self, handler: Handler, moto_endpoint: str, region: str, account: str, stage: str) -> None:
        super().__init__((LOCALHOST, 0), _Handler)
        self.handler = handler
        self.moto_endpoint = moto_endpoint
        self.region = region
        self.account = account
        self.stage = stage
        self.events: list[dict[str, Any]] = []
        self.errors: list[str] = []
        # One invocation at a time: the handler runs in this process, and tests may change its environment.
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.server_port}/{self.stage}"

    def route(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        """(resource, path parameters) of a path below the stage, or None when the API has no such method."""
        segments = path.strip("/").split("/")
        for route_method, resource in ROUTES:
            pattern = resource.strip("/").split("/")
            if route_method != method or len(pattern) != len(segments):
                continue
            parameters = {}
            for want, got in zip(pattern, segments, strict=True):
                if want.startswith("{"):
                    if not got:
                        break
                    parameters[want.strip("{}")] = urllib.parse.unquote(got)
                elif want != got:
                    break
            else:
                return resource, parameters
        return None

    def secret_of(self, access_key: str, account: str, partition: str) -> str | None:
        """The secret key moto issued with `access_key` (AssumeRole, or an IAM user's access key)."""
        assumed = sts_backends[account][partition].get_assumed_role_from_access_key(access_key)
        if assumed is not None:
            return str(assumed.secret_access_key)
        user = iam_backends[account][partition].get_user_from_access_key_id(access_key)
        for key in getattr(user, "access_keys", []):
            if key.access_key_id == access_key:
                return str(key.secret_access_key)
        return None

    def identify(self, access_key: str, token: str | None) -> dict[str, Any] | None:
        """STS GetCallerIdentity with the request's key (moto does not check the secret: the signature check
        below does), or None for a key moto never issued."""
        sts = boto3.client(
            "sts",
            region_name=self.region,
            endpoint_url=self.moto_endpoint,
            aws_access_key_id=access_key,
            aws_secret_access_key="not-needed",
            aws_session_token=token,
        )
        identity: dict[str, Any] = sts.get_caller_identity()
        if identity["Arn"].endswith(":user/moto"):  # moto's answer for a key it does not know
            return None
        return identity


def signature_matches(
    method: str, url: str, headers: Mapping[str, str], body: bytes, fields: Mapping[str, str], secret: str, token: str
) -> bool:
    """Recompute the SigV4 signature of the request over its signed headers, as AWS does."""
    signed = fields["headers"].split(";")
    request = AWSRequest(method=method, url=url, data=body, headers={name: headers.get(name, "") for name in signed})
    request.context["timestamp"] = headers.get("x-amz-date", "")
    auth = SigV4Auth(Credentials(fields["key"], secret, token or None), fields["service"], fields["region"])
    string_to_sign = auth.string_to_sign(request, auth.canonical_request(request))
    return hmac.compare_digest(auth.signature(string_to_sign, request), fields["signature"])


class _Handler(QuietHandler):
    server: ApiGatewayStandIn

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        parts = urllib.parse.urlsplit(self.path)
        stage_prefix = f"/{self.server.stage}/"
        found = (
            self.server.route(method, parts.path[len(stage_prefix) - 1 :])
            if parts.path.startswith(stage_prefix)
            else None
        )
        fields = _AUTHORIZATION.fullmatch(self.headers.get("Authorization", "").strip())
        if found is None or fields is None:
            self._answer(403, {"message": MISSING_TOKEN})
            return
        if fields["service"] != "execute-api":
            self._answer(403, {"message": "Credential should be scoped to correct service: 'execute-api'."})
            return
        if fields["region"] != self.server.region:
            self._answer(403, {"message": f"Credential should be scoped to a valid region, not '{fields['region']}'."})
            return
        token = self.headers.get("X-Amz-Security-Token")
        identity = self.server.identify(fields["key"], token)
        partition = get_partition(self.server.region)
        secret = identity and self.server.secret_of(fields["key"], identity["Account"], partition)
        if identity is None or not secret:
            self._answer(403, {"message": INVALID_TOKEN})
            return
        headers = {name.lower(): " ".join(value.split()) for name, value in self.headers.items()}
        url = f"http://{self.headers.get('Host', '')}{self.path}"
        if not signature_matches(method, url, headers, body, fields.groupdict(), secret, token or ""):
            self._answer(403, {"message": BAD_SIGNATURE})
            return
        resource, parameters = found
        event = self._event(method, resource, parameters, parts, body, identity, fields["key"])
        with self.server.lock:
            self.server.events.append(event)
            status, answer_headers, answer = self._invoke(event)
        self.reply(status, answer_headers, answer)

    def _event(
        self,
        method: str,
        resource: str,
        parameters: dict[str, str],
        parts: urllib.parse.SplitResult,
        body: bytes,
        identity: Mapping[str, Any],
        access_key: str,
    ) -> dict[str, Any]:
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        path = parts.path[len(self.server.stage) + 1 :]
        request_id = str(uuid.uuid4())
        return {
            "resource": resource,
            "path": path,
            "httpMethod": method,
            "headers": dict(self.headers.items()),
            "multiValueHeaders": {name: self.headers.get_all(name) or [] for name in self.headers},
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": parameters or None,
            "stageVariables": None,
            "requestContext": {
                "accountId": self.server.account,
                "apiId": "standin",
                "resourcePath": resource,
                "httpMethod": method,
                "path": parts.path,
                "stage": self.server.stage,
                "requestId": request_id,
                "identity": {
                    "accessKey": access_key,
                    "accountId": identity["Account"],
                    "caller": identity["UserId"],
                    "user": identity["UserId"],
                    "userArn": identity["Arn"],
                    "sourceIp": self.client_address[0],
                    "userAgent": self.headers.get("User-Agent", ""),
                    "cognitoIdentityId": None,
                    "cognitoIdentityPoolId": None,
                    "cognitoAuthenticationType": None,
                    "cognitoAuthenticationProvider": None,
                    "apiKey": None,
                },
            },
            "body": body.decode() if body else None,
            "isBase64Encoded": False,
        }

    def _invoke(self, event: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        partition = get_partition(self.server.region)
        context = LambdaContext(
            function_name="elevation-api",
            invoked_function_arn=f"arn:{partition}:lambda:{self.server.region}:{self.server.account}:function:"
            "elevation-api",
            aws_request_id=event["requestContext"]["requestId"],
        )
        try:
            result = self.server.handler(event, context)
            status = int(result["statusCode"])
            headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
            raw = result.get("body") or ""
            body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
        except Exception:
            self.server.errors.append(traceback.format_exc())
            return 502, {"Content-Type": "application/json"}, json.dumps({"message": "Internal server error"}).encode()
        return status, headers, body

    def _answer(self, status: int, document: dict[str, Any]) -> None:
        self.reply(status, {"Content-Type": "application/json"}, json.dumps(document).encode())


@contextmanager
def api_gateway_iam_proxy(
    handler: Handler, *, moto_endpoint: str, region: str, account: str, stage: str = "v1"
) -> Iterator[ApiGatewayStandIn]:
    """Serve `handler` (the engine's `api.handler`) as the REST API of `account` in `region`, stage `stage`, on
    127.0.0.1 for the `with` block; `.url` is the stage's invoke URL (what the engine writes to SSM)."""
    server = ApiGatewayStandIn(handler, moto_endpoint, region, account, stage)
    with serving(server):
        yield server

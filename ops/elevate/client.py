"""The AWS side of `elevate`: the caller's own credentials, who they are, where the engine's API is, and the
SigV4-signed HTTP calls to it.

- Credentials: the profile's (`--profile`) or boto3's default chain. The CLI never takes an identity as an
  argument: the engine reads the caller from API Gateway's verified request context.
- Identity: STS `GetCallerIdentity` in the engine's region, to say early and clearly when the credentials belong
  to another partition or account than the engine's (the API would refuse them with a less helpful message).
- The API URL: the SSM parameter the engine writes (`/<name_prefix>/elevation/api-url`, config/elevation.py),
  read with the caller's credentials; `--api-url` overrides it.
- Calls: API Gateway REST APIs with AWS_IAM authorization take requests signed with Signature Version 4 for the
  service `execute-api` in the API's region
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html).
  botocore signs; urllib sends (no other HTTP library needed for a few JSON calls).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from ops.elevate.inputs import ElevateError, Engine

TIMEOUT_SECONDS = 30
SERVICE = "execute-api"
# A regional API's invoke URL: https://<api id>.execute-api.<region>.<dns suffix>/<stage>.
_INVOKE_HOST = re.compile(r"[a-z0-9]+\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com")
# STS error codes for credentials AWS does not know in this partition (keys of the other partition, or deleted).
_UNKNOWN_CREDENTIALS = {"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch"}
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired"}


@dataclass(frozen=True)
class Caller:
    arn: str
    account: str


@dataclass(frozen=True)
class Connection:
    """The caller's session, checked against the engine."""

    session: Any  # boto3.Session
    engine: Engine
    caller: Caller


def open_session(profile: str | None) -> Any:
    try:
        return boto3.Session(profile_name=profile)
    except ProfileNotFound:
        raise ElevateError(
            f"--profile {profile}: no such profile in your AWS config (see `aws configure list-profiles`; "
            "docs/elevation.md has the profile to add)"
        ) from None


def profile_region(session: Any) -> str | None:
    region: str | None = session.region_name
    return region


def _login_hint(session: Any) -> str:
    profile = session.profile_name if session.profile_name != "default" else None
    return f"aws sso login{f' --profile {profile}' if profile else ''}"


def connect(session: Any, engine: Engine) -> Connection:
    """Check the caller's credentials against the engine: valid in its partition, in its account."""
    sts = session.client("sts", region_name=engine.region, config=Config(retries={"max_attempts": 2}))
    try:
        identity = sts.get_caller_identity()
    except NoCredentialsError:
        raise ElevateError(
            f"no AWS credentials found: sign in with `{_login_hint(session)}` (or pass --profile) with the "
            f"Requester or Approver permission set in {engine.account_name} ({engine.account_id})"
        ) from None
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in _EXPIRED:
            raise ElevateError(f"your AWS session has expired: sign in again with `{_login_hint(session)}`") from None
        if code in _UNKNOWN_CREDENTIALS:
            raise ElevateError(
                f"your AWS credentials are not valid in partition {engine.partition} (STS in {engine.region} "
                f"answered {code}): use a profile of that partition's Identity Center, e.g. with --profile"
            ) from None
        raise ElevateError(f"cannot check your AWS credentials with STS in {engine.region}: {err}") from None
    except BotoCoreError as err:  # SSO token missing or expired, unreachable endpoint, broken profile
        raise ElevateError(f"cannot use your AWS credentials: {err} (sign in with `{_login_hint(session)}`)") from None
    caller = Caller(arn=str(identity["Arn"]), account=str(identity["Account"]))
    check_caller(caller, engine)
    return Connection(session, engine, caller)


def check_caller(caller: Caller, engine: Engine) -> None:
    """The caller's credentials are of the engine's partition and account."""
    parts = caller.arn.split(":")
    partition = parts[1] if len(parts) >= 6 and parts[0] == "arn" else ""
    if not partition:
        raise ElevateError(f"STS named your identity {caller.arn!r}, which is not an ARN")
    if partition != engine.partition:
        raise ElevateError(
            f"your AWS credentials ({caller.arn}) are of partition {partition}, but the request goes to partition "
            f"{engine.partition}: use a profile of {engine.partition} (--profile), or pass --partition {partition}"
        )
    if caller.account != engine.account_id:
        raise ElevateError(
            f"your AWS credentials are for account {caller.account}, but elevation requests go to "
            f"{engine.account_name} ({engine.account_id}), where Identity Center is administered: sign in there "
            "with the Requester or Approver permission set (--profile)"
        )


def api_url(connection: Connection, override: str | None) -> str:
    """The invoke URL of the engine's API stage: --api-url, else the engine's SSM parameter."""
    if override:
        return _checked_url(override, "--api-url")
    engine = connection.engine
    ssm = connection.session.client("ssm", region_name=engine.region, config=Config(retries={"max_attempts": 2}))
    try:
        value = ssm.get_parameter(Name=engine.url_parameter)["Parameter"]["Value"]
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code == "ParameterNotFound":
            raise ElevateError(
                f"the elevation engine is not deployed in partition {engine.partition}: no SSM parameter "
                f"{engine.url_parameter} in {engine.account_name} ({engine.account_id}), {engine.region} "
                f"(deploy the Elevation-{engine.account_name} stack, or pass --api-url)"
            ) from None
        raise ElevateError(f"cannot read the API URL from SSM {engine.url_parameter}: {_client_message(err)}") from None
    except BotoCoreError as err:
        raise ElevateError(f"cannot read the API URL from SSM {engine.url_parameter}: {err}") from None
    return _checked_url(str(value), f"SSM parameter {engine.url_parameter}")


def _checked_url(value: str, source: str) -> str:
    """An http(s) URL with a host (urllib would also open file: and ftp: URLs), without its final slash."""
    parts = urllib.parse.urlsplit(value.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ElevateError(f"{source}: {value!r} is not an http(s) URL of the elevation API")
    return value.strip().rstrip("/")


def signing_region(url: str, engine: Engine) -> str:
    """The region of the API: in its invoke URL's host, else the engine's (a custom domain or a local stand-in)."""
    match = _INVOKE_HOST.fullmatch(urllib.parse.urlsplit(url).hostname or "")
    return match.group("region") if match else engine.region


def call(connection: Connection, url: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """One signed call to the engine's API; the JSON answer, or an ElevateError with the API's message."""
    target = url + path
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = AWSRequest(method=method, url=target, data=data, headers=headers)
    try:
        credentials = connection.session.get_credentials().get_frozen_credentials()
    except BotoCoreError as err:
        raise ElevateError(f"cannot use your AWS credentials: {err}") from None
    SigV4Auth(credentials, SERVICE, signing_region(url, connection.engine)).add_auth(request)
    sent = urllib.request.Request(target, data=data, headers=dict(request.headers.items()), method=method)
    try:
        with urllib.request.urlopen(sent, timeout=TIMEOUT_SECONDS) as response:
            return _json(response.read(), response.status)
    except urllib.error.HTTPError as err:
        raise ElevateError(_refusal(err.code, err.read())) from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise ElevateError(f"cannot reach the elevation API at {url}: {reason}") from None


def _json(raw: bytes, status: int) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise ElevateError(f"the elevation API answered HTTP {status} with something that is not JSON") from None


def _refusal(status: int, raw: bytes) -> str:
    """The message for an error answer: the engine's (`error`, `message`), or API Gateway's own (`message`)."""
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return f"the elevation API answered HTTP {status}"
    message = str(answer.get("message") or answer.get("Message") or "").strip()
    code = answer.get("error")
    if code:
        return f"{message or 'refused'} ({code})"
    if status == 403:
        # API Gateway itself refused: unsigned, wrong signature, or no execute-api:Invoke for this identity.
        return (
            f"the elevation API refused the call (HTTP 403: {message or 'forbidden'}); your permission set must "
            "allow execute-api:Invoke on it (Requester or Approver)"
        )
    if status >= 500:
        return f"the elevation API failed (HTTP {status}: {message or 'no message'}); try again, or see its logs"
    return f"the elevation API answered HTTP {status}: {message or 'no message'}"


def _client_message(err: ClientError) -> str:
    error = err.response.get("Error", {})
    return f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")

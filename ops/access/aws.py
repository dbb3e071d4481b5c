"""AWS sessions for the live access commands (audit, parity): the operator's credentials, the auditor role, the audit
role of each account, retries on throttling, and errors as one sentence.

Every client is made with `RETRY`: botocore's adaptive retry mode, which backs off on throttling errors and also
rate-limits the client's own requests (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
`AWS_MAX_ATTEMPTS` in the environment sets the attempts (default 10). A call still throttled after them is an
`AwsProblem` that says so, and the command reports it for that account or check and goes on.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from config.naming import Organization

DEFAULT_MAX_ATTEMPTS = 10
SESSION_NAME = "org-baseline-access-audit"
# Error codes AWS services use for throttling (botocore's retry handler treats these as throttling too).
THROTTLING_CODES = frozenset(
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "RequestLimitExceeded", "Rate exceeded", "SlowDown",
    }
)  # fmt: skip


def retry_config() -> Config:
    attempts = int(os.environ.get("AWS_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
    return Config(retries={"mode": "adaptive", "max_attempts": attempts}, user_agent_extra="org-baseline-access")


class AwsProblem(Exception):
    """An AWS call failed in a way the operator must see: one sentence, no traceback."""


def error_code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def explain(err: Exception, what: str) -> str:
    """`what` failed: why, in one sentence."""
    if isinstance(err, NoCredentialsError):
        return f"{what}: no AWS credentials (set AWS_PROFILE or the AWS_* variables for the management account)"
    if isinstance(err, ClientError):
        code = error_code(err)
        message = err.response.get("Error", {}).get("Message", "")
        if code in THROTTLING_CODES:
            attempts = retry_config().retries["max_attempts"]
            return (
                f"{what}: still throttled by AWS after {attempts} attempts ({code}); run again later, with a lower "
                "--concurrency, or with a higher AWS_MAX_ATTEMPTS"
            )
        return f"{what}: {code}: {message}".rstrip(": ")
    if isinstance(err, BotoCoreError):
        return f"{what}: {err}"
    return f"{what}: {type(err).__name__}: {err}"


def client(session: boto3.Session, service: str, region: str) -> Any:
    return session.client(service, region_name=region, config=retry_config())


def assume(sts: Any, role_arn: str) -> boto3.Session:
    """A session of `role_arn`, assumed through the STS client `sts` (AwsProblem if it cannot be assumed). Clients
    are thread-safe and sessions are not, so threads share an STS client and each gets its own session."""
    try:
        answer = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)
    except (ClientError, BotoCoreError) as err:
        raise AwsProblem(explain(err, f"cannot assume {role_arn}")) from None
    credentials = answer["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def auditor_session(org: Organization) -> boto3.Session:
    """The auditor role's session: the caller's own if it already is that role, otherwise assumed from the caller's
    credentials. AwsProblem without credentials or when the role cannot be assumed."""
    base = boto3.Session()
    sts = client(base, "sts", org.home_region)
    try:
        caller = sts.get_caller_identity()["Arn"]
    except (ClientError, BotoCoreError) as err:
        raise AwsProblem(explain(err, "cannot tell who the credentials belong to (sts GetCallerIdentity)")) from None
    own = f"arn:{org.partition}:sts::{org.management_account_id}:assumed-role/{org.access_auditor_role}/"
    if caller.startswith(own):
        return base
    try:
        return assume(sts, org.access_auditor_role_arn)
    except AwsProblem as err:
        raise AwsProblem(
            f"{err} (as {caller}); deploy the management account's baseline, which creates the auditor role, and "
            "use credentials of the management account that may assume it"
        ) from None

"""The command line of `elevate`: arguments, the five commands, and the one-message-exit-1 rule.

Everything that can be checked without AWS is checked first (config, partition, account, permission set,
duration), so a typo costs no sign-in and makes no call.
"""

from __future__ import annotations

import argparse
import sys
import urllib.parse
from collections.abc import Sequence
from typing import Any, NoReturn

from config.loader import load_config
from config.models import OrgConfig
from config.problems import ConfigError
from ops.elevate import client, render, wait
from ops.elevate.inputs import (
    ElevateError,
    account_of,
    chosen_partition,
    engine_of,
    parse_duration,
    permission_set_of,
)

PROG = "elevate"
DEFAULT_CONFIG = "config/org.yaml"
SCOPES = {"pending": "pending", "active": "active"}  # list --pending / --active; neither: the caller's own


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ElevateError(f"{message}\n{self.format_usage().rstrip()}")


def _common(parser: argparse.ArgumentParser, *, repeated: bool) -> None:
    """Options every command takes, before or after the command's name (`repeated`: the copy after it, which sets
    a value only when given, so that one given before the command is kept)."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if repeated else value

    parser.add_argument("--partition", default=default(None), help="aws or aws-us-gov (default: the account's)")
    parser.add_argument("--profile", default=default(None), help="the AWS profile to use (default: boto3's chain)")
    parser.add_argument(
        "--config", default=default(DEFAULT_CONFIG), help=f"the organization config (default {DEFAULT_CONFIG})"
    )
    parser.add_argument("--api-url", default=default(None), help="the API's invoke URL (default: read from SSM)")
    parser.add_argument("--json", action="store_true", default=default(False), help="print JSON, for scripts")


def _arguments() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description="Request, approve and revoke time-bound elevated access through IAM Identity Center "
        "(docs/elevation.md).",
    )
    _common(parser, repeated=False)
    shared = _Parser(add_help=False)
    _common(shared, repeated=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    request = commands.add_parser("request", parents=[shared], help="ask for a permission set on an account")
    request.add_argument("--account", required=True, help="account name from the config, or its 12-digit ID")
    request.add_argument("--permission-set", required=True, help="permission set name, e.g. Administrator")
    request.add_argument("--for", dest="duration", required=True, metavar="DURATION", help="1h, 30m, PT1H (max 12h)")
    request.add_argument("--reason", required=True, help="why, for the approver and the record")
    request.add_argument("--ticket", help="ticket or incident reference (required by some rules)")
    request.add_argument(
        "--wait", action="store_true", help="wait until access is granted, denied or expired, showing each change"
    )
    request.add_argument("--timeout", default="1h", metavar="DURATION", help="how long --wait waits (default 1h)")

    listing = commands.add_parser("list", parents=[shared], help="your requests, or those awaiting you, or all active")
    which = listing.add_mutually_exclusive_group()
    which.add_argument("--pending", action="store_true", help="requests awaiting your approval")
    which.add_argument("--active", action="store_true", help="every active grant (approvers)")

    approve = commands.add_parser("approve", parents=[shared], help="approve a pending request (approvers)")
    approve.add_argument("id", help="the request ID")
    approve.add_argument("--comment", help="a note for the requester and the record")

    deny = commands.add_parser("deny", parents=[shared], help="deny a pending request (approvers)")
    deny.add_argument("id", help="the request ID")
    deny.add_argument("--comment", required=True, help="why, for the requester and the record")

    revoke = commands.add_parser("revoke", parents=[shared], help="end a grant early (requester or approver)")
    revoke.add_argument("id", help="the request ID")
    return parser


def _load(path: str) -> OrgConfig:
    try:
        return load_config(path)
    except ConfigError as err:
        raise ElevateError(str(err)) from None


def _request_id(value: str) -> str:
    text = value.strip()
    if not text or not text.isprintable():
        raise ElevateError(f"{value!r} is not a request ID (see `{PROG} list`)")
    return urllib.parse.quote(text, safe="")  # one path segment, whatever it holds


def _text(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not text:
        raise ElevateError(f"{option} is empty")
    return text


def run(args: argparse.Namespace) -> str:
    """Carry out the command; what to print on success."""
    config = _load(args.config)
    body: dict[str, Any] | None = None
    partition = None
    timeout = 0
    if args.command == "request":
        account = account_of(config, args.account, args.partition)
        partition = chosen_partition(config, args.partition or account.partition, None)
        body = {
            "account_id": account.id,
            "permission_set": permission_set_of(config, args.permission_set, partition),
            "duration_minutes": parse_duration(args.duration),
            "reason": _text(args.reason, "--reason"),
            "ticket": _text(args.ticket, "--ticket"),
        }
        timeout = parse_duration(args.timeout, "--timeout")
    elif args.command in ("approve", "deny"):
        body = {"comment": _text(args.comment, "--comment")} if args.comment is not None else {}
    request_id = _request_id(args.id) if args.command in ("approve", "deny", "revoke") else ""
    session = client.open_session(args.profile)
    if partition is None:  # not a request: the profile's region may tell which partition
        partition = chosen_partition(config, args.partition, client.profile_region(session))

    connection = client.connect(session, engine_of(config, partition))
    url = client.api_url(connection, args.api_url)
    names = {a.id: a.name for a in config.accounts}
    if args.command == "list":
        scope = "pending" if args.pending else "active" if args.active else "mine"
        answer = client.call(connection, url, "GET", f"/requests?scope={scope}")
        records = answer.get("requests") if isinstance(answer, dict) else None
        if not isinstance(records, list):
            raise ElevateError("the elevation API answered without a list of requests")
        return render.as_json(answer) if args.json else render.table(records, names, scope)
    if args.command == "request":
        answer = client.call(connection, url, "POST", "/requests", body)
    elif args.command == "revoke":
        answer = client.call(connection, url, "POST", f"/requests/{request_id}/revoke", {})
    else:
        answer = client.call(connection, url, "POST", f"/requests/{request_id}/{args.command}", body)
    record = answer.get("request") if isinstance(answer, dict) else None
    if not isinstance(record, dict):
        raise ElevateError("the elevation API answered without the request")
    notice = render.decision_email(answer.get("decision_email")) if args.command == "request" else None
    if args.command == "request" and args.wait:
        if notice and not args.json:
            _say(notice.strip())
        record = wait.wait(connection, url, record, timeout, _say)
        answer = {**answer, "request": record}
        notice = None
    if args.json:
        return render.as_json(answer)
    return render.one(record, names) + (f"\n{notice}" if notice else "")


def _say(line: str) -> None:
    """Progress of `request --wait`, on stderr: stdout keeps the result alone."""
    print(f"{PROG}: {line}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _arguments().parse_args(argv)
        print(run(args))
        return 0
    except ElevateError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 1

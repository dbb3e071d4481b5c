"""Audit and delete the root user credentials of member accounts through centralized root access.

    python -m ops.root_credentials audit  [--accounts web-prod,web-dev] [--config config/org.yaml]
    python -m ops.root_credentials delete [--accounts ...] [--apply]

Run from the management account of the commercial partition, with centralized root access on (the organization stack
turns it on: `security_services.centralized_root_access`). For each member account (all of the partition's but the
management account, or those named) it starts a root session with `sts:AssumeRoot` scoped by an AWS managed task
policy, then reads or deletes the root user's console password (login profile), access keys, signing certificates
and MFA devices:
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html (the task policies
`arn:<partition>:iam::aws:policy/root-task/IAMAuditRootUserCredentials` and `.../IAMDeleteRootUserCredentials`,
sessions of at most 900 seconds, a Regional STS endpoint only) and
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html#id_root-user-access-management. IAM calls without
a user name act on the caller, here the member account's root user
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteSigningCertificate.html).

`delete` is a dry run unless `--apply` is given: it audits and prints what it would delete. Each account is reported
on its own; an account that fails (no root session, a denied call) is named with the reason and the others go on.
Exit status: 0 when every account was handled, 1 when one failed, 2 for a usage or config error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from config.loader import load_config
from config.models import OrgConfig
from config.problems import ConfigError
from config.regions import PartitionName

DEFAULT_CONFIG = "config/org.yaml"
PARTITION: PartitionName = (
    "aws"  # centralized root access is turned on in the commercial partition only (docs/security-services.md)
)
AUDIT = "IAMAuditRootUserCredentials"
DELETE = "IAMDeleteRootUserCredentials"
SESSION_SECONDS = 900  # AssumeRoot's maximum

ClientFor = Callable[[str, str, str], Any]  # (account ID, task policy name, region) -> an IAM client of a root session


@dataclass
class RootCredentials:
    """What the root user of one account has: each item named as the delete calls need it."""

    login_profile: bool = False
    access_keys: list[str] = field(default_factory=list)
    signing_certificates: list[str] = field(default_factory=list)
    mfa_devices: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.login_profile or self.access_keys or self.signing_certificates or self.mfa_devices)

    def describe(self) -> str:
        if self.empty():
            return "no root credentials"
        parts = [
            *(["console password"] if self.login_profile else []),
            *(f"access key {key}" for key in self.access_keys),
            *(f"signing certificate {cert}" for cert in self.signing_certificates),
            *(f"MFA device {serial}" for serial in self.mfa_devices),
        ]
        return ", ".join(parts)


def root_session_client(account_id: str, task_policy: str, region: str) -> Any:
    """An IAM client with the credentials of a root session in `account_id`, scoped by the AWS managed task policy."""
    sts = boto3.client("sts", region_name=region)  # a Regional endpoint: AssumeRoot has no global one
    credentials = sts.assume_root(
        TargetPrincipal=account_id,
        TaskPolicyArn={"arn": f"arn:{PARTITION}:iam::aws:policy/root-task/{task_policy}"},
        DurationSeconds=SESSION_SECONDS,
    )["Credentials"]
    return boto3.client(
        "iam",
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def read(iam: Any) -> RootCredentials:
    """The root user's credentials, read in a root session (no user name: the caller, the root user)."""
    found = RootCredentials()
    try:
        iam.get_login_profile()
        found.login_profile = True
    except ClientError as err:
        if err.response["Error"]["Code"] != "NoSuchEntity":
            raise
    found.access_keys = [key["AccessKeyId"] for key in iam.list_access_keys()["AccessKeyMetadata"]]
    found.signing_certificates = [cert["CertificateId"] for cert in iam.list_signing_certificates()["Certificates"]]
    found.mfa_devices = [device["SerialNumber"] for device in iam.list_mfa_devices()["MFADevices"]]
    return found


def delete(iam: Any, found: RootCredentials) -> None:
    """Delete what `read` found, in a root session scoped by IAMDeleteRootUserCredentials."""
    if found.login_profile:
        iam.delete_login_profile()
    for key in found.access_keys:
        iam.delete_access_key(AccessKeyId=key)
    for cert in found.signing_certificates:
        iam.delete_signing_certificate(CertificateId=cert)
    for serial in found.mfa_devices:
        iam.deactivate_mfa_device(SerialNumber=serial)


def member_accounts(config: OrgConfig, names: Sequence[str] | None) -> list[tuple[str, str]]:
    """(name, ID) of the commercial partition's member accounts (not the management account), or of those named."""
    part = config.partitions.get(PARTITION)
    if part is None:
        raise ValueError(f"the config has no {PARTITION} partition: centralized root access is turned on there only")
    members = [
        (a.name, a.id) for a in config.accounts if a.partition == PARTITION and a.name != part.management_account
    ]
    if names is None:
        return members
    known = dict(members)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(
            f"not a member account of the {PARTITION} partition: {', '.join(unknown)} (the management account has no "
            f"root session; members: {', '.join(sorted(known))})"
        )
    return [(name, known[name]) for name in names]


def run(
    command: str,
    accounts: list[tuple[str, str]],
    *,
    region: str,
    apply: bool,
    client_for: ClientFor = root_session_client,
    out: TextIO = sys.stdout,
) -> int:
    """Audit (or delete) each account's root credentials, reporting each account as it goes; 1 if any failed."""
    failed = 0
    for number, (name, account_id) in enumerate(accounts, start=1):
        prefix = f"[{number}/{len(accounts)}] {name} ({account_id})"
        try:
            found = read(client_for(account_id, AUDIT, region))
            if command == "audit" or found.empty():
                print(f"{prefix}: {found.describe()}", file=out, flush=True)
                continue
            if not apply:
                print(f"{prefix}: would delete {found.describe()} (dry run; --apply deletes)", file=out, flush=True)
                continue
            delete(client_for(account_id, DELETE, region), found)
            print(f"{prefix}: deleted {found.describe()}", file=out, flush=True)
        except (ClientError, BotoCoreError) as err:
            failed += 1
            print(f"{prefix}: FAILED: {_reason(err)}", file=out, flush=True)
    done = len(accounts) - failed
    print(f"{command}: {done} of {len(accounts)} account(s) done, {failed} failed", file=out)
    return 1 if failed else 0


def _reason(err: Exception) -> str:
    if isinstance(err, ClientError):
        error = err.response.get("Error", {})
        reason = f"{error.get('Code', '')}: {error.get('Message', '')}"
        operation = getattr(err, "operation_name", "")
        return f"{operation}: {reason}" if operation else reason
    return str(err)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.root_credentials", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["audit", "delete"])
    parser.add_argument("--accounts", help="comma-separated member account names (default: every member account)")
    parser.add_argument("--config", default=DEFAULT_CONFIG, help=f"the organization config (default {DEFAULT_CONFIG})")
    parser.add_argument("--apply", action="store_true", help="delete: really delete (without it, a dry run)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        names = [n.strip() for n in args.accounts.split(",") if n.strip()] if args.accounts else None
        accounts = member_accounts(config, names)
    except (ConfigError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    region = config.partitions[PARTITION].home_region
    return run(args.command, accounts, region=region, apply=args.apply, out=out)


if __name__ == "__main__":
    sys.exit(main())

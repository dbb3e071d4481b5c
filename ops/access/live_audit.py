"""The live access audit behind `python -m ops.access audit` (ops/access/audit.py has what it checks and its exit
status). boto3 is imported here, not by the command module, so that the offline commands never load it."""

from __future__ import annotations

import argparse
import csv
import json
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from config.assignments import assignments_by_account
from config.loader import load_config
from config.models import Account, OrgConfig
from config.naming import LEGACY_BOT_TAG, Organization, breakglass_principals, organization
from config.policies.service_control import partition_budget
from config.problems import ConfigError
from config.regions import PartitionName
from ops.access.aws import AwsProblem, assume, auditor_session, client, error_code, explain

EXIT_CLEAN, EXIT_INPUT, EXIT_FINDINGS = 0, 1, 2
FINDING, ERROR, INFO = "finding", "error", "info"
ORGANIZATION = "organization"
FULL_AWS_ACCESS = "FullAWSAccess"
IAM_SERVICE_PRINCIPAL = "iam.amazonaws.com"
ROOT_CREDENTIALS_MANAGEMENT = "RootCredentialsManagement"
# GetAccountSummary keys that are 1 while the root user has that credential
# (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html).
ROOT_CREDENTIAL_KEYS = ("AccountPasswordPresent", "AccountAccessKeysPresent", "AccountSigningCertificatesPresent")


@dataclass(frozen=True, order=True)
class Row:
    """One line of the report: where, which check, about what, what was found, and how bad."""

    account: str  # account name, or "organization"
    check: str
    subject: str
    detail: str
    severity: str  # finding | error | info


class InputError(Exception):
    """Bad input: one message, exit 1."""


def run(args: argparse.Namespace) -> int:
    """`python -m ops.access audit` (ops/access/audit.py)."""
    try:
        config = load(args.config)
        partition: PartitionName = args.partition
        if partition not in config.partitions:
            raise InputError(f"partition {partition} is not in {args.config}")
        accounts = select(config, partition, args.accounts)
        org = organization(config, partition)
        auditor = auditor_session(org)
    except (InputError, AwsProblem) as err:
        print(f"access audit: {err}", file=sys.stderr)
        return EXIT_INPUT
    rows = audit(config, org, auditor, accounts, concurrency=max(1, args.concurrency))
    print(table(rows))
    written = write_reports(rows, Path(args.out), partition, accounts)
    problems = [r for r in rows if r.severity in (FINDING, ERROR)]
    print(f"\n{len(problems)} findings or errors in {len(accounts)} accounts; reports: {', '.join(written)}")
    return EXIT_FINDINGS if problems else EXIT_CLEAN


def load(path: str) -> OrgConfig:
    try:
        return load_config(path)
    except ConfigError as err:
        raise InputError(str(err)) from None
    except OSError as err:
        raise InputError(f"cannot read the config {path}: {err.strerror}") from None


def select(config: OrgConfig, partition: str, names: str | None) -> list[Account]:
    """The accounts to audit: the named ones (each must be of the partition), or every account of the partition."""
    mine = [a for a in config.accounts if a.partition == partition]
    if not names:
        return mine
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    by_name = {a.name: a for a in mine}
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise InputError(f"unknown accounts in partition {partition}: {', '.join(unknown)} (--accounts)")
    return [by_name[n] for n in dict.fromkeys(wanted)]


# --- the audit ------------------------------------------------------------------------------------------------


def audit(
    config: OrgConfig, org: Organization, auditor: boto3.Session, accounts: list[Account], *, concurrency: int
) -> list[Row]:
    """Every row of the report, sorted: organization checks, then each account's."""
    home = org.home_region
    # Clients are thread-safe, sessions are not: the auditor's clients are made here, once.
    clients = {name: client(auditor, name, home) for name in ("sts", "organizations", "sso-admin", "cloudtrail", "iam")}
    rows: list[Row] = []
    rows += _guarded(ORGANIZATION, "org-trail", lambda: trail_rows(clients["cloudtrail"], org))
    rows += _guarded(ORGANIZATION, "scp-attachments", lambda: scp_rows(clients["organizations"], config, org))
    root_access = RootAccess(clients["organizations"], clients["iam"])
    rows += _guarded(ORGANIZATION, "root-access-management", root_access.load)
    assignments = IdentityCenter(clients["sso-admin"], config, org)
    rows += _guarded(ORGANIZATION, "identity-center", assignments.load)

    progress = Progress(len(accounts))
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = {
            pool.submit(account_rows, clients["sts"], config, org, account, assignments, root_access): account
            for account in accounts
        }
        for future in as_completed(futures):
            rows += future.result()
            progress.done(futures[future].name)
    progress.close()
    return sorted(rows, key=lambda r: (r.account != ORGANIZATION, r.account, r.check, r.subject))


def _guarded(account: str, check: str, work: Callable[[], list[Row]]) -> list[Row]:
    """Run one check; an AWS error becomes one error row, and the audit goes on."""
    try:
        return work()
    except AwsProblem as err:
        return [Row(account, check, "-", str(err), ERROR)]
    except (ClientError, BotoCoreError) as err:
        return [Row(account, check, "-", explain(err, f"{check} could not be read"), ERROR)]


class Progress:
    """`audited 3/9 accounts (web-prod)` on stderr: rewritten in place on a terminal, one line each otherwise."""

    def __init__(self, total: int) -> None:
        self.total, self.count, self.lock = total, 0, threading.Lock()
        self.tty = sys.stderr.isatty()

    def done(self, name: str) -> None:
        with self.lock:
            self.count += 1
            line = f"audited {self.count}/{self.total} accounts ({name})"
            print(f"\r{line:<70}" if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def trail_rows(cloudtrail: Any, org: Organization) -> list[Row]:
    try:
        status = cloudtrail.get_trail_status(Name=org.trail_arn)
    except ClientError as err:
        if error_code(err) == "TrailNotFoundException":
            return [Row(ORGANIZATION, "org-trail", org.trail_name, "the organization trail does not exist", FINDING)]
        raise
    if not status.get("IsLogging"):
        return [Row(ORGANIZATION, "org-trail", org.trail_name, "the organization trail is not logging", FINDING)]
    return []


def scp_rows(organizations: Any, config: OrgConfig, org: Organization) -> list[Row]:
    """Each configured SCP on each of its targets; a baseline SCP (`<prefix>-scp-*`) anywhere else is a finding,
    other SCPs (FullAWSAccess, your own) are info."""
    expected: dict[str, set[str]] = {}  # target ID -> SCP names
    labels: dict[str, str] = {}
    for scp in partition_budget(config, org.partition, org).scps:
        for target in scp.targets:
            if target.id:
                expected.setdefault(target.id, set()).add(scp.name)
                labels[target.id] = target.label
    rows = []
    ours = org.scp_name("")
    for target_id, names in sorted(expected.items()):
        attached = set()
        paginator = organizations.get_paginator("list_policies_for_target")
        for page in paginator.paginate(TargetId=target_id, Filter="SERVICE_CONTROL_POLICY"):
            attached |= {p["Name"] for p in page["Policies"]}
        where = f"{labels[target_id]} ({target_id})"
        for name in sorted(names - attached):
            rows.append(Row(ORGANIZATION, "scp-not-attached", name, f"configured on {where}, not attached", FINDING))
        for name in sorted(attached - names - {FULL_AWS_ACCESS}):
            if name.startswith(ours):
                rows.append(
                    Row(ORGANIZATION, "scp-unexpected", name, f"attached to {where}, not configured there", FINDING)
                )
            else:
                rows.append(Row(ORGANIZATION, "scp-other", name, f"attached to {where}; not managed here", INFO))
    return rows


class IdentityCenter:
    """The instance's permission sets (name by ARN), read once; then each account's assignments against the config."""

    def __init__(self, sso: Any, config: OrgConfig, org: Organization) -> None:
        self.sso, self.config, self.org = sso, config, org
        instance_id = config.partitions[org.partition].identity_center.instance_id
        self.instance_arn = org.identity_center_instance_arn(instance_id) if instance_id else None
        self.sets: dict[str, str] | None = None  # ARN -> name
        self.expected = assignments_by_account(config)

    def load(self) -> list[Row]:
        if self.instance_arn is None:
            return [Row(ORGANIZATION, "identity-center", "-", "no instance_id in the config: not checked", INFO)]
        sets = {}
        for page in self.sso.get_paginator("list_permission_sets").paginate(InstanceArn=self.instance_arn):
            for arn in page["PermissionSets"]:
                described = self.sso.describe_permission_set(InstanceArn=self.instance_arn, PermissionSetArn=arn)
                sets[arn] = described["PermissionSet"]["Name"]
        self.sets = sets
        return []

    def rows(self, account: Account) -> list[Row]:
        if self.instance_arn is None or self.sets is None:
            return []  # not configured, or the instance could not be read (one organization error row says so)
        actual: set[tuple[str, str, str]] = set()  # (set name, principal type, principal ID)
        for arn, name in self.sets.items():
            paginator = self.sso.get_paginator("list_account_assignments")
            for page in paginator.paginate(InstanceArn=self.instance_arn, AccountId=account.id, PermissionSetArn=arn):
                actual |= {(name, a["PrincipalType"], a["PrincipalId"]) for a in page["AccountAssignments"]}
        wanted = {(a.permission_set, "GROUP", a.group_id): a.group_name for a in self.expected.get(account.name, [])}
        rows = []
        for set_name, kind, principal in sorted(actual - wanted.keys()):
            detail = f"{kind.lower()} {principal} has {set_name}; the config does not explain it"
            rows.append(Row(account.name, "assignment-unexplained", f"{set_name}/{principal}", detail, FINDING))
        for key in sorted(wanted.keys() - actual):
            set_name, _, principal = key
            detail = f"group {wanted[key]} ({principal}) should have {set_name}; not assigned"
            rows.append(Row(account.name, "assignment-missing", f"{set_name}/{wanted[key]}", detail, FINDING))
        return rows


class RootAccess:
    """Whether the organization manages its member accounts' root credentials centrally: IAM's trusted access is on
    in Organizations and IAM's RootCredentialsManagement feature is enabled. Then the management account can delete a
    member's root password, access keys and signing certificates (which also deactivates its MFA), and such an
    account has no root sign-in to protect with MFA
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableOrganizationsRootCredentialsManagement.html,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html#id_root-user-access-management,
    https://repost.aws/knowledge-center/set-up-centralized-root-access-iam). Unread (an error row says why), it
    counts as off: root MFA is then required everywhere."""

    def __init__(self, organizations: Any, iam: Any) -> None:
        self.organizations, self.iam = organizations, iam
        self.centralized = False

    def load(self) -> list[Row]:
        trusted: set[str] = set()
        for page in self.organizations.get_paginator("list_aws_service_access_for_organization").paginate():
            trusted |= {s["ServicePrincipal"] for s in page["EnabledServicePrincipals"]}
        if IAM_SERVICE_PRINCIPAL not in trusted:
            return []  # ListOrganizationsFeatures would refuse: ServiceAccessNotEnabledException
        features = self.iam.list_organizations_features().get("EnabledFeatures", [])
        self.centralized = ROOT_CREDENTIALS_MANAGEMENT in features
        if not self.centralized:
            return []
        detail = "centralized root access: a member account without root credentials needs no root MFA"
        return [Row(ORGANIZATION, "root-access-management", ROOT_CREDENTIALS_MANAGEMENT, detail, INFO)]


def account_rows(
    sts: Any, config: OrgConfig, org: Organization, account: Account, sso: IdentityCenter, root_access: RootAccess
) -> list[Row]:
    rows = _guarded(account.name, "identity-center", lambda: sso.rows(account))
    try:
        session = assume(sts, org.access_audit_role_arn(account.id))
    except AwsProblem as err:
        return [*rows, Row(account.name, "account-not-audited", org.access_audit_role, str(err), ERROR)]
    iam = client(session, "iam", org.home_region)
    breakglass = breakglass_principals(config, org.partition)
    expected_users = set(breakglass.user_names(account.id)) if breakglass else set()
    member = account.id != org.management_account_id
    rows += _guarded(
        account.name, "root-credentials", lambda: root_rows(iam, account, root_access.centralized and member)
    )
    rows += _guarded(account.name, "iam-users", lambda: user_rows(iam, account, expected_users))
    regions = account.regions or config.partitions[org.partition].allowed_regions
    for region in regions:
        backup = client(session, "backup", region)
        rows += _guarded(account.name, "vault-lock", lambda: vault_rows(backup, org, account, region))  # noqa: B023
    return rows


def root_rows(iam: Any, account: Account, centrally_managed: bool) -> list[Row]:
    """Root access keys, and root MFA. `centrally_managed`: a member account of an organization with centralized root
    access (RootAccess): with no root password, access keys or signing certificates (each key present and 0; a
    missing key is not read as 0) there is nothing to sign in with, so no MFA is needed."""
    summary = iam.get_account_summary()["SummaryMap"]
    rows = []
    if summary.get("AccountAccessKeysPresent", 0):
        rows.append(Row(account.name, "root-access-keys", "root", "the root user has access keys", FINDING))
    if summary.get("AccountMFAEnabled", 0):
        return rows
    if centrally_managed and all(summary.get(key) == 0 for key in ROOT_CREDENTIAL_KEYS):
        detail = "no root password, access keys or signing certificates (centralized root access)"
        return [*rows, Row(account.name, "root-credentials-removed", "root", detail, INFO)]
    detail = "the root user has no MFA device"
    if centrally_managed:
        present = [_credential(key, summary) for key in ROOT_CREDENTIAL_KEYS if summary.get(key) != 0]
        detail += f" and may sign in ({', '.join(present)}): delete its root credentials (centralized root access)"
    return [*rows, Row(account.name, "root-no-mfa", "root", detail, FINDING)]


def _credential(key: str, summary: dict[str, Any]) -> str:
    name = key.removeprefix("Account").removesuffix("Present")
    return name if key in summary else f"{name} not reported"


def user_rows(iam: Any, account: Account, breakglass: set[str]) -> list[Row]:
    rows = []
    now = datetime.now(UTC)
    for page in iam.get_paginator("list_users").paginate():
        for user in page["Users"]:
            name = user["UserName"]
            tags = {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=name)["Tags"]}
            legacy = tags.get(LEGACY_BOT_TAG) == "true"
            kind = "breakglass user" if name in breakglass else "legacy bot user" if legacy else "IAM user"
            severity = INFO if name in breakglass else FINDING
            password = _has_password(iam, name)
            mfa = bool(iam.list_mfa_devices(UserName=name)["MFADevices"])
            if password:
                rows.append(
                    Row(account.name, "iam-user-console-password", name, f"{kind} with a console password", severity)
                )
                if not mfa:
                    detail = f"{kind} with a console password and no MFA device"
                    rows.append(Row(account.name, "iam-user-no-mfa", name, detail, FINDING))
            for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
                rows.append(Row(account.name, "iam-user-access-key", name, _key_detail(iam, key, kind, now), severity))
    return rows


def _has_password(iam: Any, name: str) -> bool:
    try:
        iam.get_login_profile(UserName=name)
    except ClientError as err:
        if error_code(err) == "NoSuchEntity":
            return False
        raise
    return True


def _key_detail(iam: Any, key: dict[str, Any], kind: str, now: datetime) -> str:
    age = (now - key["CreateDate"]).days
    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    when = used.get("LastUsedDate")
    last = f"last used {when:%Y-%m-%d} ({used.get('ServiceName', '?')})" if when else "never used"
    return f"{kind}: {key['Status'].lower()} key {key['AccessKeyId']}, {age} days old, {last}"


def vault_rows(backup: Any, org: Organization, account: Account, region: str) -> list[Row]:
    try:
        vault = backup.describe_backup_vault(BackupVaultName=org.backup_vault)
    except ClientError as err:
        if error_code(err) == "ResourceNotFoundException":
            return [Row(account.name, "vault-missing", f"{org.backup_vault} in {region}", explain(err, "vault"),
                        FINDING)]  # fmt: skip
        raise
    if not vault.get("Locked"):
        return [Row(account.name, "vault-not-locked", f"{org.backup_vault} in {region}", "no vault lock", FINDING)]
    return []


# --- output ---------------------------------------------------------------------------------------------------

COLUMNS = ("account", "check", "subject", "detail", "severity")


def table(rows: Iterable[Row]) -> str:
    lines = [tuple(str(v) for v in (r.account, r.check, r.subject, r.severity, r.detail)) for r in rows]
    if not lines:
        return "Nothing found: every audited account matches the config."
    header = ("ACCOUNT", "CHECK", "SUBJECT", "SEVERITY", "DETAIL")
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header[:-1])]
    out = []
    for line in [header, *lines]:
        out.append("  ".join(v.ljust(w) for v, w in zip(line[:-1], widths, strict=True)) + "  " + line[-1])
    return "\n".join(out)


def write_reports(rows: list[Row], out: Path, partition: str, accounts: list[Account]) -> list[str]:
    """`access-audit-<partition>.json` (schema in docs/access.md) and `.csv` (one row per line, COLUMNS)."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, csv_path = out / f"access-audit-{partition}.json", out / f"access-audit-{partition}.csv"
    report = {
        "partition": partition,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accounts": [{"name": a.name, "id": a.id} for a in accounts],
        "findings": sum(r.severity == FINDING for r in rows),
        "errors": sum(r.severity == ERROR for r in rows),
        "rows": [asdict(r) for r in rows],
    }
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(asdict(r) for r in rows)
    return [str(json_path), str(csv_path)]

"""Which stacks the config asks for, and where: decided from the config alone, without CDK.

The plan is the flow of a deployment: every stack's ID, kind, partition, account and region, in deploy order
within each partition, with the stacks each one must follow. `stacks/assembly.py` turns it into CDK stacks;
the summary at the end of `make synth`, the snapshot list and the tests read it directly.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from config.assignments import assignments_by_account, identity_center_admin
from config.models import OrgConfig
from config.regions import GLOBAL_EVENTS_REGION, PartitionName


class StackKind(StrEnum):
    """What a stack holds. Each kind has exactly one builder in `stacks/assembly.py`."""

    LOG_ARCHIVE = "log-archive"  # trail and session log buckets (log-archive account)
    ORGANIZATION = "organization"  # organization trail, CIS alarms (management account)
    BACKUP_POLICY = "backup-policy"  # Organizations backup policy (management account), when configured
    GUARDRAILS = "guardrails"  # service control policies (management account)
    IDENTITY_CENTER = "identity-center"  # permission sets (Identity Center admin account)
    SECURITY = "security"  # alert hub, approved session documents, their sharer (security account, home region)
    SESSION_DOCUMENTS = "session-documents"  # approved session documents (security account, other regions)
    BASELINE = "baseline"  # the account baseline, one per account and region
    ALERTS = "alerts"  # access alert rules only, where global events land outside an account's regions
    ACCESS = "access"  # Identity Center assignments into one account (Identity Center admin account)


@dataclass(frozen=True)
class PlannedStack:
    """One stack the config asks for: what it is and where it goes."""

    stack_id: str
    kind: StackKind
    partition: PartitionName
    account_name: str  # in the config (for ACCESS: the account whose access it grants)
    region: str
    after: tuple[str, ...] = ()  # stack IDs that must be deployed first (when they are planned too)


class UnknownAccounts(ValueError):
    """`-c accounts=...` names accounts the config does not have."""


def plan(config: OrgConfig, accounts: Iterable[str] | None = None) -> list[PlannedStack]:
    """Every stack of the organization (or of the named accounts), in deploy order within each partition.

    Stack IDs come from account names, never positions, so adding an account touches no other stack. Access-<account>
    (Identity Center assignments into that account) comes after the account's home-region baseline, which creates
    the customer-managed policies its permission sets reference: they must exist before assignment.
    """
    selected = select_accounts(config, accounts)
    with_access = set(assignments_by_account(config))
    return [
        stack for partition in config.partitions for stack in _plan_partition(config, partition, selected, with_access)
    ]


def _plan_partition(
    config: OrgConfig, partition: PartitionName, selected: set[str], with_access: set[str]
) -> list[PlannedStack]:
    part = config.partitions[partition]
    home = part.home_region
    planned: list[PlannedStack] = []

    def add(stack_id: str, kind: StackKind, account_name: str, region: str = home, after: tuple[str, ...] = ()) -> None:
        planned.append(PlannedStack(stack_id, kind, partition, account_name, region, after))

    if part.log_archive_account in selected:
        add(f"LogArchive-{part.log_archive_account}", StackKind.LOG_ARCHIVE, part.log_archive_account)
    if part.management_account in selected:
        account = part.management_account
        add(f"Organization-{account}", StackKind.ORGANIZATION, account)
        if config.backup.organization_policy:
            add(f"BackupPolicy-{account}", StackKind.BACKUP_POLICY, account)
        add(f"Guardrails-{account}", StackKind.GUARDRAILS, account)
    admin = identity_center_admin(config, partition)
    if admin in selected:
        add(f"IdentityCenter-{admin}", StackKind.IDENTITY_CENTER, admin)
    if part.security_account in selected:
        account = part.security_account
        add(f"Security-{account}", StackKind.SECURITY, account)
        for region in part.allowed_regions:
            if region != home:
                add(f"SessionDocuments-{account}-{region}", StackKind.SESSION_DOCUMENTS, account, region)
    global_region = GLOBAL_EVENTS_REGION[partition]
    members = [a for a in config.accounts if a.partition == partition and a.name in selected]
    for member in members:
        regions = member.regions or part.allowed_regions
        for region in regions:
            add(f"Baseline-{member.name}-{region}", StackKind.BASELINE, member.name, region)
        if global_region not in regions:
            add(f"Alerts-{member.name}-{global_region}", StackKind.ALERTS, member.name, global_region)
    for member in members:
        if member.name in with_access:
            add(f"Access-{member.name}", StackKind.ACCESS, member.name, after=(f"Baseline-{member.name}-{home}",))
    return planned


def select_accounts(config: OrgConfig, accounts: Iterable[str] | None) -> set[str]:
    """The account names to synthesize: all of them, or those named (blank names ignored), each checked."""
    known = {account.name for account in config.accounts}
    if accounts is None:
        return known
    wanted = {name.strip() for name in accounts if name.strip()}
    unknown = sorted(wanted - known)
    if unknown:
        described = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            described.append(f"{name} (did you mean {close[0]}?)" if close else name)
        raise UnknownAccounts(
            f"unknown account name(s) in -c accounts=...: {', '.join(described)} (known: {', '.join(sorted(known))})"
        )
    return wanted


def summary(planned: Iterable[PlannedStack]) -> str:
    """A few lines for the end of `make synth`: stacks per partition and account."""
    stacks = list(planned)
    lines = []
    for partition in sorted({stack.partition for stack in stacks}):
        in_partition = [stack for stack in stacks if stack.partition == partition]
        accounts = sorted({stack.account_name for stack in in_partition})
        lines.append(f"  {partition}: {len(in_partition)} stacks in {len(accounts)} accounts")
        for account in accounts:
            of_account = [stack for stack in in_partition if stack.account_name == account]
            regions = sorted({stack.region for stack in of_account if stack.kind is StackKind.BASELINE})
            others = sorted(
                f"alerts in {stack.region}" if stack.kind is StackKind.ALERTS else str(stack.kind)
                for stack in of_account
                if stack.kind is not StackKind.BASELINE
            )
            lines.append(
                f"    {account:<24} baseline in {', '.join(regions) or '-'}"
                + (f"; {', '.join(dict.fromkeys(others))}" if others else "")
            )
    return "\n".join(lines)

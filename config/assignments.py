"""Who gets which permission set where: the config's group assignments expanded to accounts, and the account
Identity Center is administered from. Plain Python (no CDK); the plan and the Access stacks use it."""

from __future__ import annotations

from dataclasses import dataclass

from config.models import OrgConfig
from config.regions import PartitionName
from config.targets import accounts_of


@dataclass(frozen=True, order=True)
class AccountAssignment:
    """One group getting one permission set in one account (the account is the Access stack's)."""

    permission_set: str
    group_id: str
    group_name: str


def identity_center_admin(config: OrgConfig, partition: PartitionName) -> str:
    """Name of the account Identity Center is administered from: the delegated admin, or the management account."""
    part = config.partitions[partition]
    return part.identity_center.delegated_admin_account or part.management_account


def assignments_by_account(config: OrgConfig) -> dict[str, list[AccountAssignment]]:
    """Assignments expanded to accounts (OUs include their sub-OUs), deduplicated, by account name."""
    out: dict[str, set[AccountAssignment]] = {}
    for assignment in config.identity_center.assignments:
        if assignment.partition not in config.partitions:
            continue
        item = AccountAssignment(assignment.permission_set, assignment.group_id, assignment.group_name)
        for account in accounts_of(config, assignment.partition, assignment.targets):
            out.setdefault(account.name, set()).add(item)
    return {name: sorted(items) for name, items in out.items()}

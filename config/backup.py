"""Backup decisions computed from the config alone: which plans an account's stacks deploy, where copies go, and
which accounts the Organizations backup policy covers (its document: config/policies/backup_policy.py).

Plain Python (no CDK), so validation and synthesis use the same answers.
"""

from __future__ import annotations

from config.models import ROOT_OU, Account, BackupPlan, BackupRule, OrgConfig
from config.regions import PartitionName
from config.targets import ou_covers


def copy_region(rule: BackupRule, partition: PartitionName, region: str) -> str | None:
    """Where a recovery point made in `region` is copied to; None when the rule copies nowhere from there.

    In the copy region itself there is nothing to copy to: the recovery point already sits in that region.
    """
    target = (rule.copy_to_region or {}).get(partition)
    return target if target and target != region else None


def covered_by_organization_policy(config: OrgConfig, account: Account) -> bool:
    backup = config.backup
    if not backup.organization_policy:
        return False
    targets = backup.organization_policy_targets
    return (
        targets.root
        or account.name in targets.accounts
        or (account.ou != ROOT_OU and any(ou_covers(path, account.ou) for path in targets.organizational_units))
    )


def organization_policy_partitions(config: OrgConfig) -> list[PartitionName]:
    """The partitions that get the organization backup policy: those with an account it covers. A partition whose
    accounts it does not cover gets no policy (and need not offer the policy type)."""
    return [
        partition
        for partition in config.partitions
        if any(a.partition == partition and covered_by_organization_policy(config, a) for a in config.accounts)
    ]


def plans_for_account(config: OrgConfig, account: Account) -> list[BackupPlan]:
    """The plans the account's baseline stacks deploy: none where the organization policy delivers them."""
    if covered_by_organization_policy(config, account):
        return []
    wanted = account.backup_plans
    return [plan for plan in config.backup.plans if wanted is None or plan.name in wanted]

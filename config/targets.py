"""The one target shape (root, OUs, accounts, exclusions), resolved within a partition.

SCP attachments and Identity Center assignments both use `Targets`. An OU includes the OUs below it (for
assignments, which expand to accounts); SCPs attach to the OU itself and AWS applies them below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from config.models import ROOT_OU, Account, OrgConfig, Targets
from config.regions import PartitionName


@dataclass(frozen=True)
class Target:
    """One entity a policy attaches to."""

    kind: str  # "root", "ou" or "account"
    name: str  # "Root", the OU path or the account name
    id: str | None  # r-..., ou-... or the account ID; None when the config does not know it yet

    @property
    def label(self) -> str:
        return {"root": "the root", "ou": f"OU {self.name}", "account": f"account {self.name}"}[self.kind]


def targets_in(config: OrgConfig, partition: PartitionName, targets: Targets) -> list[Target]:
    """The root, OUs and accounts of `targets` that exist in `partition` (unknown names are left out)."""
    part = config.partitions[partition]
    out: list[Target] = []
    if targets.root:
        out.append(Target("root", ROOT_OU, part.root_id))
    ous = {ou.path: ou for ou in part.organizational_units}
    out += [Target("ou", path, ous[path].id) for path in dict.fromkeys(targets.organizational_units) if path in ous]
    out += [
        Target("account", a.name, a.id) for a in _accounts_named(config, targets.accounts) if a.partition == partition
    ]
    return out


def excluded_account_ids(config: OrgConfig, partition: str, targets: Targets) -> list[str]:
    return sorted(a.id for a in _accounts_named(config, targets.exclude_accounts) if a.partition == partition)


def accounts_of(config: OrgConfig, partition: str, targets: Targets) -> list[Account]:
    """Every account of `partition` the targets cover (OUs include their sub-OUs), minus the exclusions."""
    excluded = set(targets.exclude_accounts)
    named = set(targets.accounts)
    ous = targets.organizational_units
    return [
        account
        for account in config.accounts
        if account.partition == partition
        and account.name not in excluded
        and (targets.root or account.name in named or any(ou_covers(ou, account.ou) for ou in ous))
    ]


def ou_covers(ou_path: str, account_ou: str) -> bool:
    """An OU contains the accounts in it and in every OU below it (policies attached to it apply to them too)."""
    return account_ou == ou_path or account_ou.startswith(ou_path + "/")


def _accounts_named(config: OrgConfig, names: Iterable[str]) -> list[Account]:
    by_name = {a.name: a for a in config.accounts}
    return [by_name[name] for name in dict.fromkeys(names) if name in by_name]

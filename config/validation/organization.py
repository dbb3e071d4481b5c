"""Partitions and accounts: the organizations, their regions and OUs, and one entry per account."""

from __future__ import annotations

from collections.abc import Iterable

from config.models import ROOT_OU, OrgConfig
from config.problems import Problem
from config.quotas import MAX_OU_DEPTH
from config.regions import partition_of_region
from config.validation.common import duplicates, region_problems


def problems(config: OrgConfig) -> Iterable[Problem]:
    yield from _unique_accounts(config)
    yield from _partitions(config)
    yield from _accounts_in_partitions(config)


def _unique_accounts(config: OrgConfig) -> Iterable[Problem]:
    accounts = list(enumerate(config.accounts))
    yield from duplicates(((f"accounts[{i}].name", a.name) for i, a in accounts), "account name")
    yield from duplicates(((f"accounts[{i}].id", a.id) for i, a in accounts), "account ID")
    yield from duplicates(((f"accounts[{i}].email", a.email.lower()) for i, a in accounts), "email")


def _partitions(config: OrgConfig) -> Iterable[Problem]:
    by_name = {account.name: account for account in config.accounts}
    for name, part in config.partitions.items():
        base = f"partitions.{name}"
        yield from region_problems(f"{base}.allowed_regions", part.allowed_regions, name)
        if part.home_region not in part.allowed_regions:
            yield Problem(f"{base}.home_region", f"home region {part.home_region!r} is not in allowed_regions")
        special = {
            "management_account": part.management_account,
            "log_archive_account": part.log_archive_account,
            "security_account": part.security_account,
            "deployment_account": part.deployment_account,
        }
        for key, account_name in special.items():
            account = by_name.get(account_name)
            if account is None:
                yield Problem(f"{base}.{key}", f"no account named {account_name!r} in accounts")
            elif account.partition != name:
                yield Problem(
                    f"{base}.{key}", f"account {account_name!r} is in partition {account.partition!r}, not {name!r}"
                )
        if part.log_archive_account == part.management_account:
            yield Problem(
                f"{base}.log_archive_account",
                "the log archive must be a separate account from the management account, so that trail logs outlive it",
            )
        paths = [ou.path for ou in part.organizational_units]
        yield from duplicates(((f"{base}.organizational_units[{i}].path", p) for i, p in enumerate(paths)), "OU")
        yield from duplicates(
            (
                (f"{base}.organizational_units[{i}].id", ou.id)
                for i, ou in enumerate(part.organizational_units)
                if ou.id
            ),
            "OU ID",
        )
        for index, ou_path in enumerate(paths):
            where = f"{base}.organizational_units[{index}].path"
            segments = ou_path.split("/")
            if segments[0] == ROOT_OU:
                yield Problem(where, f"OU paths start below the root: write {'/'.join(segments[1:]) or '...'!r}")
            elif len(segments) > MAX_OU_DEPTH:
                yield Problem(where, f"OU {ou_path!r} is nested {len(segments)} levels deep; AWS allows {MAX_OU_DEPTH}")
            elif len(segments) > 1 and "/".join(segments[:-1]) not in paths:
                yield Problem(where, f"parent OU {'/'.join(segments[:-1])!r} is not listed")


def _accounts_in_partitions(config: OrgConfig) -> Iterable[Problem]:
    for index, account in enumerate(config.accounts):
        base = f"accounts[{index}]"
        part = config.partitions.get(account.partition)
        if part is None:
            yield Problem(
                f"{base}.partition",
                f"account {account.name!r} is in partition {account.partition!r}, which has no entry under partitions",
            )
            continue
        ous = {ou.path for ou in part.organizational_units}
        if account.ou != ROOT_OU and account.ou not in ous:
            known = ", ".join(sorted(ous)) or "none"
            yield Problem(
                f"{base}.ou",
                f"OU {account.ou!r} of account {account.name!r} is not listed under "
                f"partitions.{account.partition}.organizational_units (known: {known}, "
                f"or {ROOT_OU!r})",
            )
        if account.regions is not None:
            yield from region_problems(f"{base}.regions", account.regions, account.partition)
            for r_index, region in enumerate(account.regions):
                if partition_of_region(region) == account.partition and region not in part.allowed_regions:
                    yield Problem(
                        f"{base}.regions[{r_index}]",
                        f"region {region!r} is not in partitions.{account.partition}.allowed_regions",
                    )
            if part.home_region not in account.regions:
                yield Problem(
                    f"{base}.regions",
                    f"must include the partition's home region {part.home_region!r} (IAM resources live there)",
                )

"""Rules that relate parts of the config to each other. Each returns problems; none stops at the first."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING

from config.models import LOG_RETENTION_DAYS, ROOT_OU
from config.naming import bucket_names, terraform_state_bucket_names
from config.regions import PARTITIONS, partition_of_region

if TYPE_CHECKING:
    from config.loader import Problem
    from config.models import OrgConfig

MAX_OU_DEPTH = 5  # AWS Organizations nests OUs at most five levels below the root.


def semantic_problems(config: OrgConfig) -> list[Problem]:
    problems: list[Problem] = []
    for check in (_unique_accounts, _partitions, _accounts_in_partitions, _logging, _bucket_names, _networks,
                  _breakglass, _alerts, _atlantis):  # fmt: skip
        problems.extend(check(config))
    return problems


def _problem(path: str, message: str) -> Problem:
    from config.loader import Problem  # the loader imports this module; import late to avoid a cycle

    return Problem(path, message)


def _duplicates(paths_and_values: Iterable[tuple[str, str]], what: str) -> Iterable[Problem]:
    first: dict[str, str] = {}
    for path, value in paths_and_values:
        if value in first:
            yield _problem(path, f"{what} {value!r} is already used at {first[value]}")
        else:
            first[value] = path


def _unique_accounts(config: OrgConfig) -> Iterable[Problem]:
    accounts = list(enumerate(config.accounts))
    yield from _duplicates(((f"accounts[{i}].name", a.name) for i, a in accounts), "account name")
    yield from _duplicates(((f"accounts[{i}].id", a.id) for i, a in accounts), "account ID")
    yield from _duplicates(((f"accounts[{i}].email", a.email.lower()) for i, a in accounts), "email")


def _regions(path: str, regions: Iterable[str], partition: str) -> Iterable[Problem]:
    seen: set[str] = set()
    for index, region in enumerate(regions):
        home = partition_of_region(region)
        if home is None:
            yield _problem(
                f"{path}[{index}]",
                f"unknown region {region!r} (known in {partition}: {', '.join(sorted(PARTITIONS[partition]))})",
            )
        elif home != partition:
            yield _problem(f"{path}[{index}]", f"region {region!r} belongs to partition {home!r}, not {partition!r}")
        if region in seen:
            yield _problem(f"{path}[{index}]", f"region {region!r} is listed twice")
        seen.add(region)


def _partitions(config: OrgConfig) -> Iterable[Problem]:
    by_name = {account.name: account for account in config.accounts}
    for name, part in config.partitions.items():
        base = f"partitions.{name}"
        yield from _regions(f"{base}.allowed_regions", part.allowed_regions, name)
        if part.home_region not in part.allowed_regions:
            yield _problem(f"{base}.home_region", f"home region {part.home_region!r} is not in allowed_regions")
        special = {
            "management_account": part.management_account,
            "log_archive_account": part.log_archive_account,
            "security_account": part.security_account,
        }
        for key, account_name in special.items():
            account = by_name.get(account_name)
            if account is None:
                yield _problem(f"{base}.{key}", f"no account named {account_name!r} in accounts")
            elif account.partition != name:
                yield _problem(
                    f"{base}.{key}", f"account {account_name!r} is in partition {account.partition!r}, not {name!r}"
                )
        if part.log_archive_account == part.management_account:
            yield _problem(
                f"{base}.log_archive_account",
                "the log archive must be a separate account from the management account, so that trail logs outlive it",
            )
        paths = [ou.path for ou in part.organizational_units]
        yield from _duplicates(((f"{base}.organizational_units[{i}].path", p) for i, p in enumerate(paths)), "OU")
        yield from _duplicates(
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
                yield _problem(where, f"OU paths start below the root: write {'/'.join(segments[1:]) or '...'!r}")
            elif len(segments) > MAX_OU_DEPTH:
                yield _problem(
                    where, f"OU {ou_path!r} is nested {len(segments)} levels deep; AWS allows {MAX_OU_DEPTH}"
                )
            elif len(segments) > 1 and "/".join(segments[:-1]) not in paths:
                yield _problem(where, f"parent OU {'/'.join(segments[:-1])!r} is not listed")


def _accounts_in_partitions(config: OrgConfig) -> Iterable[Problem]:
    for index, account in enumerate(config.accounts):
        base = f"accounts[{index}]"
        part = config.partitions.get(account.partition)
        if part is None:
            yield _problem(
                f"{base}.partition",
                f"account {account.name!r} is in partition {account.partition!r}, which has no entry under partitions",
            )
            continue
        ous = {ou.path for ou in part.organizational_units}
        if account.ou != ROOT_OU and account.ou not in ous:
            known = ", ".join(sorted(ous)) or "none"
            yield _problem(
                f"{base}.ou",
                f"OU {account.ou!r} of account {account.name!r} is not listed under "
                f"partitions.{account.partition}.organizational_units (known: {known}, "
                f"or {ROOT_OU!r})",
            )
        if account.regions is not None:
            yield from _regions(f"{base}.regions", account.regions, account.partition)
            for r_index, region in enumerate(account.regions):
                if partition_of_region(region) == account.partition and region not in part.allowed_regions:
                    yield _problem(
                        f"{base}.regions[{r_index}]",
                        f"region {region!r} is not in partitions.{account.partition}.allowed_regions",
                    )
            if part.home_region not in account.regions:
                yield _problem(
                    f"{base}.regions",
                    f"must include the partition's home region {part.home_region!r} (IAM resources live there)",
                )


def _logging(config: OrgConfig) -> Iterable[Problem]:
    logging = config.logging
    if logging.cloudwatch_retention_days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in LOG_RETENTION_DAYS if d >= 365)
        yield _problem(
            "logging.cloudwatch_retention_days",
            f"{logging.cloudwatch_retention_days} is not a CloudWatch Logs retention; use one of {allowed}",
        )
    bucket = logging.trail_bucket
    if bucket.glacier_after_days >= bucket.expire_after_days:
        yield _problem(
            "logging.trail_bucket.glacier_after_days",
            f"{bucket.glacier_after_days} must be less than expire_after_days ({bucket.expire_after_days})",
        )
    elif bucket.expire_after_days - bucket.glacier_after_days < 90:
        yield _problem(
            "logging.trail_bucket.expire_after_days",
            "objects must stay in Glacier Flexible Retrieval at least 90 days before they expire "
            f"(glacier_after_days {bucket.glacier_after_days} + 90 > {bucket.expire_after_days})",
        )


def _bucket_names(config: OrgConfig) -> Iterable[Problem]:
    for part in config.partitions.values():
        log_archive = next((a for a in config.accounts if a.name == part.log_archive_account), None)
        if log_archive is None:
            continue  # reported by _partitions
        for bucket in bucket_names(config.name_prefix, log_archive.id, part.home_region).values():
            if len(bucket) > 63:
                yield _problem(
                    "name_prefix",
                    f"bucket name {bucket!r} would be {len(bucket)} characters; S3 allows 63: shorten name_prefix",
                )


def _networks(config: OrgConfig) -> Iterable[Problem]:
    if config.network_restriction is None:
        return
    for index, cidr in enumerate(config.network_restriction.allowed_cidrs):
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError as err:
            yield _problem(f"network_restriction.allowed_cidrs[{index}]", f"{cidr!r} is not a CIDR range: {err}")
            continue
        if network.prefixlen == 0:
            yield _problem(f"network_restriction.allowed_cidrs[{index}]",
                           f"{cidr!r} allows every address, which restricts nothing")  # fmt: skip


def _configured_partition(config: OrgConfig, path: str, partition: str) -> Iterable[Problem]:
    if partition not in config.partitions:
        yield _problem(path, f"partition {partition!r} has no entry under partitions")


def _account_in(config: OrgConfig, path: str, name: str, partition: str) -> Iterable[Problem]:
    account = next((a for a in config.accounts if a.name == name), None)
    if account is None:
        yield _problem(path, f"no account named {name!r} in accounts")
    elif account.partition != partition:
        yield _problem(path, f"account {name!r} is in partition {account.partition!r}, not {partition!r}")


def _breakglass(config: OrgConfig) -> Iterable[Problem]:
    for partition, entry in config.breakglass.items():
        base = f"breakglass.{partition}"
        yield from _configured_partition(config, base, partition)
        seen: dict[tuple[str, str, str], str] = {}
        for index, principal in enumerate(entry.principals):
            where = f"{base}.principals[{index}]"
            yield from _account_in(config, f"{where}.account", principal.account, partition)
            if (principal.user is None) == (principal.role is None):
                yield _problem(where, "give exactly one of user or role (the IAM identity allowed to break glass)")
                continue
            key = (principal.account, "user" if principal.user else "role", principal.user or principal.role or "")
            if key in seen:
                yield _problem(where, f"{key[1]} {key[2]!r} of account {key[0]!r} is already listed at {seen[key]}")
            seen.setdefault(key, where)


def _alerts(config: OrgConfig) -> Iterable[Problem]:
    for partition in config.alerts.slack:
        where = f"alerts.slack.{partition}"
        yield from _configured_partition(config, where, partition)
        if partition == "aws-us-gov":
            yield _problem(
                where,
                "AWS Chatbot is not available in GovCloud (us-gov-west-1, us-gov-east-1): remove this entry and "
                "subscribe emails (alerts.emails) or your own HTTPS endpoint to the GovCloud alert topic",
            )


def _atlantis(config: OrgConfig) -> Iterable[Problem]:
    ids = {account.name: account.id for account in config.accounts}
    for partition, entry in config.atlantis.items():
        base = f"atlantis.{partition}"
        yield from _configured_partition(config, base, partition)
        yield from _account_in(config, f"{base}.ci_account", entry.ci_account, partition)
        yield from _duplicates(
            ((f"{base}.server_roles[{i}]", r) for i, r in enumerate(entry.server_roles)), "server role"
        )
        for index, name in enumerate(entry.exclude_accounts):
            yield from _account_in(config, f"{base}.exclude_accounts[{index}]", name, partition)
        yield from _duplicates(
            ((f"{base}.exclude_accounts[{i}]", n) for i, n in enumerate(entry.exclude_accounts)), "account"
        )
        part = config.partitions.get(partition)
        if part is not None and entry.ci_account in ids:
            for bucket in terraform_state_bucket_names(
                config.name_prefix, ids[entry.ci_account], part.home_region
            ).values():
                if len(bucket) > 63:
                    yield _problem(
                        "name_prefix",
                        f"bucket name {bucket!r} would be {len(bucket)} characters; S3 allows 63: shorten name_prefix",
                    )

"""What the operator asks for, checked against the config before any AWS call: the partition, the account, the
permission set and the duration. Every problem is an `ElevateError` with one message."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from config.elevation import engine_account, engine_names
from config.models import Account, OrgConfig
from config.naming import organization
from config.policies.permission_sets import access_model
from config.regions import PartitionName, partition_of_region
from stacks.plan import SelectionError, partition_option

# The longest elevation any rule may allow (issue #12: durations over 12 h are config errors). The rule of the
# permission set may allow less; the engine enforces that one (`duration_over_limit`).
MAX_MINUTES = 12 * 60
_SHORT = re.compile(r"(?:(?P<h>\d{1,4})h)?(?:(?P<m>\d{1,5})m)?", re.IGNORECASE)
_ISO = re.compile(r"PT(?:(?P<h>\d{1,4})H)?(?:(?P<m>\d{1,5})M)?", re.IGNORECASE)
ACCOUNT_ID = re.compile(r"\d{12}")


class ElevateError(Exception):
    """Bad input, a refusal or a failure: one message on stderr, exit code 1."""


@dataclass(frozen=True)
class Engine:
    """Where one partition's elevation engine runs: the Identity Center administration account, home region."""

    partition: PartitionName
    account_name: str
    account_id: str
    region: str
    url_parameter: str  # the SSM parameter the engine's stack writes its API's invoke URL to


def engine_of(config: OrgConfig, partition: PartitionName) -> Engine:
    name = engine_account(config, partition)
    account_id = next(account.id for account in config.accounts if account.name == name)
    return Engine(
        partition=partition,
        account_name=name,
        account_id=account_id,
        region=config.partitions[partition].home_region,
        url_parameter=engine_names(config).api_url_parameter,
    )


def parse_duration(text: str, option: str = "--for") -> int:
    """`1h`, `30m`, `1h30m`, `PT1H`, `PT90M` -> minutes (1 to 12 hours)."""
    value = text.strip()
    match = (_ISO if value.upper().startswith("PT") else _SHORT).fullmatch(value)
    if not value or match is None or not (match.group("h") or match.group("m")):
        raise ElevateError(f"{option} {text!r}: not a duration; write it like 1h, 30m, 1h30m or PT1H")
    minutes = int(match.group("h") or 0) * 60 + int(match.group("m") or 0)
    if minutes < 1:
        raise ElevateError(f"{option} {text}: a duration must be at least one minute")
    if minutes > MAX_MINUTES and option != "--for":
        raise ElevateError(f"{option} {text}: at most 12 hours")
    if minutes > MAX_MINUTES:
        raise ElevateError(
            f"--for {text}: at most 12 hours (PT12H) can be requested, and the rule of the permission set may "
            "allow less (see `elevation` in the config)"
        )
    return minutes


def chosen_partition(config: OrgConfig, given: str | None, profile_region: str | None) -> PartitionName:
    """The partition to talk to: --partition, else the only one of the config, else the region of the profile."""
    try:
        partition = partition_option(given, "--partition")
    except SelectionError as err:
        raise ElevateError(str(err)) from None
    if partition is None:
        if len(config.partitions) == 1:
            partition = next(iter(config.partitions))
        elif profile_region and partition_of_region(profile_region):
            partition = partition_of_region(profile_region)
        else:
            raise ElevateError(
                f"which partition? The config has {' and '.join(config.partitions)}: pass --partition "
                f"{' or --partition '.join(config.partitions)} (or use a profile whose region is in it)"
            )
    assert partition is not None
    if partition not in config.partitions:
        raise ElevateError(
            f"--partition {partition}: the config has no organization in it (it has {', '.join(config.partitions)})"
        )
    return partition


def account_of(config: OrgConfig, given: str, partition: str | None) -> Account:
    """The config's account named `given` (or with that 12-digit ID), in `partition` when one was given."""
    value = given.strip()
    by_id = ACCOUNT_ID.fullmatch(value) is not None
    found = next((a for a in config.accounts if (a.id if by_id else a.name) == value), None)
    if found is None:
        names = [a.name for a in config.accounts if partition is None or a.partition == partition]
        close = [] if by_id else difflib.get_close_matches(value, names, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        what = "account ID" if by_id else "account"
        raise ElevateError(f"--account {given}: unknown {what}{hint}; the config's accounts: {', '.join(names)}")
    if partition is not None and found.partition != partition:
        raise ElevateError(
            f"--account {given}: {found.name} is an account of partition {found.partition}, not {partition}; "
            f"drop --partition or pass --partition {found.partition}"
        )
    return found


def permission_set_of(config: OrgConfig, given: str, partition: PartitionName) -> str:
    """`given`, checked to be a permission set of the partition (the catalog's or the config's)."""
    sets = sorted(access_model(config, organization(config, partition)).permission_sets)
    if given in sets:
        return given
    close = difflib.get_close_matches(given, sets, n=1) or [s for s in sets if s.lower().startswith(given.lower())]
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise ElevateError(
        f"--permission-set {given}: no such permission set in partition {partition}{hint}; known: {', '.join(sets)}"
    )

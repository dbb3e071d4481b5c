"""The app's inputs from the command line and cdk.json (`-c config=`, `-c accounts=`, `-c partition=`,
`-c representatives=`), checked
before anything is loaded or synthesized, with the same kind of message as the config: every problem at once,
each naming the option and the fix. No CDK here, so it is tested and reused without synthesizing.

Under the CDK CLI every `-c` value arrives as text; values in cdk.json's `context` keep their JSON type, so a list
or a number is possible there and is reported, not crashed on.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Final

from config.problems import shown
from config.regions import PARTITIONS, PartitionName

DEFAULT_CONFIG: Final = "config/org.yaml"
_ACCOUNT_NAME: Final = re.compile(r"[a-z][a-z0-9-]{0,38}[a-z0-9]")  # config.models.AccountName


@dataclass(frozen=True)
class Settings:
    config: str  # path of the organization config
    accounts: list[str] | None  # only these accounts' stacks; None: all
    partition: PartitionName | None  # only this partition's stacks; None: both
    representatives: bool = False  # for verification: one baseline stack per profile (decision 0020)


class ContextError(Exception):
    """Bad `-c` options or cdk.json context; `str()` lists every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        count = len(problems)
        lines = [f"CDK context (-c options, cdk.json): {count} problem{'s' if count != 1 else ''}:"]
        super().__init__("\n".join(lines + [f"  {problem}" for problem in problems]))


def settings(config: Any, accounts: Any, partition: Any = None, representatives: Any = None) -> Settings:
    """The validated settings from the raw context values (None where not given)."""
    problems: list[str] = []
    path = _config(config, problems)
    names = _accounts(accounts, problems)
    chosen = _partition(partition, problems)
    reduced = _switch(representatives, "representatives", problems)
    if problems:
        raise ContextError(problems)
    return Settings(path, names, chosen, reduced)


_ON: Final = {"1": True, "true": True, "0": False, "false": False}


def _switch(value: Any, option: str, problems: list[str]) -> bool:
    """An on/off option: `-c option=1` (or true) on, 0 (or false) or left out off; JSON booleans from cdk.json."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if str(value).strip().lower() in _ON:
        return _ON[str(value).strip().lower()]
    problems.append(f"-c {option}={shown(value)}: expected 1 (on) or 0 (off)")
    return False


def _config(value: Any, problems: list[str]) -> str:
    if value is None:
        return DEFAULT_CONFIG
    if not isinstance(value, str):
        problems.append(f"config: expected the path of a config file as text, got {shown(value)}")
        return DEFAULT_CONFIG
    if not value.strip():
        problems.append(
            f"-c config= is empty: give the path of your config, or leave the option out to use {DEFAULT_CONFIG}"
        )
    return value.strip()


def _accounts(value: Any, problems: list[str]) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(
            f"accounts: expected account names separated by commas, e.g. web-prod,ci, got {shown(value)} "
            "(in cdk.json write it as one string)"
        )
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        problems.append(
            f"-c accounts={value} names no account: give names separated by commas (e.g. -c accounts=web-prod,ci), "
            "or leave the option out to synthesize every account"
        )
        return None
    for name in names:
        if not _ACCOUNT_NAME.fullmatch(name):
            problems.append(f"-c accounts: {shown(name)} is not an account name (lowercase letters, digits, hyphens)")
    return names


def _partition(value: Any, problems: list[str]) -> PartitionName | None:
    chosen, problem = partition_choice(value)
    if problem:
        problems.append(problem)
    return chosen


def partition_choice(value: object, option: str = "-c partition") -> tuple[PartitionName | None, str | None]:
    """(the partition a `-c partition=` or `--partition` value selects, None) or (None, the problem with it).

    None selects both partitions. Anything but `aws` or `aws-us-gov` is a problem naming the option, the value and
    the closest partition name.
    """
    if value is None:
        return None, None
    text = str(value).strip()
    for name in PARTITIONS:
        if text == name:
            return name, None
    close = difflib.get_close_matches(text.lower(), list(PARTITIONS), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    expected = " or ".join(PARTITIONS)
    if not isinstance(value, str):  # from cdk.json, which keeps JSON types
        return None, f"{option}: expected {expected}, got {shown(value)}"
    return None, f"{option}={shown(value)}{hint}: expected {expected}"

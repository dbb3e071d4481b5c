"""`breakglass`: who may assume the breakglass role, per partition."""

from __future__ import annotations

from collections.abc import Iterable

from config.models import OrgConfig
from config.problems import Problem
from config.validation.common import account_in_partition, configured_partition


def problems(config: OrgConfig) -> Iterable[Problem]:
    for partition, entry in config.breakglass.items():
        base = f"breakglass.{partition}"
        yield from configured_partition(config, base, partition)
        seen: dict[tuple[str, str, str], str] = {}
        for index, principal in enumerate(entry.principals):
            where = f"{base}.principals[{index}]"
            yield from account_in_partition(config, f"{where}.account", principal.account, partition)
            if (principal.user is None) == (principal.role is None):
                yield Problem(where, "give exactly one of user or role (the IAM identity allowed to break glass)")
                continue
            key = (principal.account, "user" if principal.user else "role", principal.user or principal.role or "")
            if key in seen:
                yield Problem(where, f"{key[1]} {key[2]!r} of account {key[0]!r} is already listed at {seen[key]}")
            seen.setdefault(key, where)

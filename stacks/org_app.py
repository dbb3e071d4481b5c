"""Turns the organization config into stacks. Used by `app.py` and by the tests, so both build the same thing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import aws_cdk as cdk

from config.models import OrgConfig
from config.naming import partition_names
from stacks.account_baseline import AccountBaselineStack
from stacks.checks import add_checks
from stacks.log_archive import LogArchiveStack
from stacks.organization import OrganizationStack


@dataclass(frozen=True)
class StackInfo:
    stack: cdk.Stack
    kind: str  # "log-archive", "organization" or "baseline"
    partition: str
    account: str  # the account's name in the config
    region: str


class UnknownAccounts(ValueError):
    pass


def build_org(
    app: cdk.App, config: OrgConfig, *, accounts: Iterable[str] | None = None, checks: bool = True
) -> list[StackInfo]:
    """Add every stack of the organization to `app` (or only those of `accounts`, by name).

    Stack IDs come from account names, never positions, so adding an account touches no other stack.
    """
    selected = _select(config, accounts)
    built: list[StackInfo] = []
    for partition, part in config.partitions.items():
        names = partition_names(config, partition)
        if part.log_archive_account in selected:
            stack = LogArchiveStack(app, f"LogArchive-{part.log_archive_account}", names=names, logging=config.logging)
            built.append(StackInfo(stack, "log-archive", partition, part.log_archive_account, names.home_region))
        if part.management_account in selected:
            stack = OrganizationStack(
                app, f"Organization-{part.management_account}", names=names, logging=config.logging
            )
            built.append(StackInfo(stack, "organization", partition, part.management_account, names.home_region))
        for account in config.accounts:
            if account.partition != partition or account.name not in selected:
                continue
            for region in account.regions or part.allowed_regions:
                stack = AccountBaselineStack(
                    app,
                    f"Baseline-{account.name}-{region}",
                    account=account,
                    region=region,
                    names=names,
                    prefix=config.name_prefix,
                )
                built.append(StackInfo(stack, "baseline", partition, account.name, region))
    if checks:
        add_checks(app, {info.stack.template_file: info.partition for info in built})
    return built


def _select(config: OrgConfig, accounts: Iterable[str] | None) -> set[str]:
    known = {account.name for account in config.accounts}
    if accounts is None:
        return known
    wanted = {name.strip() for name in accounts if name.strip()}
    unknown = sorted(wanted - known)
    if unknown:
        raise UnknownAccounts(
            f"unknown account name(s) in -c accounts=...: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    return wanted


def summary(built: list[StackInfo]) -> str:
    """A few lines for the end of `make synth`: stacks per partition and account."""
    lines = []
    for partition in sorted({info.partition for info in built}):
        infos = [info for info in built if info.partition == partition]
        accounts = sorted({info.account for info in infos})
        lines.append(f"  {partition}: {len(infos)} stacks in {len(accounts)} accounts")
        for account in accounts:
            kinds = [info for info in infos if info.account == account]
            regions = sorted({info.region for info in kinds if info.kind == "baseline"})
            extra = sorted({info.kind for info in kinds if info.kind != "baseline"})
            lines.append(
                f"    {account:<24} baseline in {', '.join(regions) or '-'}"
                + (f"; {', '.join(extra)}" if extra else "")
            )
    return "\n".join(lines)

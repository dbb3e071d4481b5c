"""Turns the organization config into stacks. Used by `app.py` and by the tests, so both build the same thing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import aws_cdk as cdk

from config.assignments import assignments_by_account, identity_center_admin
from config.backup import plans_for_account
from config.models import OrgConfig
from config.naming import atlantis_names, breakglass_principals, partition_names
from config.policies.permission_sets import access_model
from config.policies.service_control import partition_budget
from config.regions import GLOBAL_EVENTS_REGION
from stacks.access import AccessStack
from stacks.account_baseline import AccountBaselineStack
from stacks.backup_policy import BackupPolicyStack
from stacks.checks import add_checks
from stacks.global_alerts import GlobalEventAlertsStack
from stacks.guardrails import GuardrailsStack
from stacks.identity_center import IdentityCenterStack
from stacks.log_archive import LogArchiveStack
from stacks.organization import OrganizationStack
from stacks.security import SecurityStack, SessionDocumentsStack


@dataclass(frozen=True)
class PlannedStack:
    """One stack the config asks for: what it is and where it goes, decided without touching CDK."""

    stack_id: str
    # "log-archive", "organization", "backup-policy", "guardrails", "identity-center", "security",
    # "session-documents", "baseline", "alerts" or "access"
    kind: str
    partition: str
    account: str  # the account's name in the config (for "access": the account whose access it grants)
    region: str


@dataclass(frozen=True)
class StackInfo(PlannedStack):
    stack: cdk.Stack


class UnknownAccounts(ValueError):
    pass


def plan(config: OrgConfig, accounts: Iterable[str] | None = None) -> list[PlannedStack]:
    """Every stack of the organization (or of the named accounts), in deploy order within each partition.

    Stack IDs come from account names, never positions, so adding an account touches no other stack. Access-<account>
    (Identity Center assignments into that account) comes after the account's baselines: the home-region baseline
    creates the customer-managed policies its permission sets reference, which must exist before assignment.
    """
    selected = _select(config, accounts)
    with_access = assignments_by_account(config)
    planned: list[PlannedStack] = []
    for partition, part in config.partitions.items():
        home = part.home_region
        if part.log_archive_account in selected:
            account = part.log_archive_account
            planned.append(PlannedStack(f"LogArchive-{account}", "log-archive", partition, account, home))
        if part.management_account in selected:
            account = part.management_account
            planned.append(PlannedStack(f"Organization-{account}", "organization", partition, account, home))
            if config.backup.organization_policy:
                planned.append(PlannedStack(f"BackupPolicy-{account}", "backup-policy", partition, account, home))
            planned.append(PlannedStack(f"Guardrails-{account}", "guardrails", partition, account, home))
        admin = identity_center_admin(config, partition)
        if admin in selected:
            planned.append(PlannedStack(f"IdentityCenter-{admin}", "identity-center", partition, admin, home))
        if part.security_account in selected:
            account = part.security_account
            planned.append(PlannedStack(f"Security-{account}", "security", partition, account, home))
            for region in part.allowed_regions:
                if region != home:
                    stack_id = f"SessionDocuments-{account}-{region}"
                    planned.append(PlannedStack(stack_id, "session-documents", partition, account, region))
        global_region = GLOBAL_EVENTS_REGION[partition]
        for acct in config.accounts:
            if acct.partition == partition and acct.name in selected:
                regions = acct.regions or part.allowed_regions
                for region in regions:
                    planned.append(
                        PlannedStack(f"Baseline-{acct.name}-{region}", "baseline", partition, acct.name, region)
                    )
                if global_region not in regions:
                    planned.append(
                        PlannedStack(f"Alerts-{acct.name}-{global_region}", "alerts", partition, acct.name,
                                     global_region)
                    )  # fmt: skip
        for acct in config.accounts:
            if acct.partition == partition and acct.name in selected and acct.name in with_access:
                planned.append(PlannedStack(f"Access-{acct.name}", "access", partition, acct.name, home))
    return planned


def build_org(
    app: cdk.App, config: OrgConfig, *, accounts: Iterable[str] | None = None, checks: bool = True
) -> list[StackInfo]:
    """Add the planned stacks to `app`, and the synth-time checks unless `checks` is False."""
    by_name = {account.name: account for account in config.accounts}
    names = {partition: partition_names(config, partition) for partition in config.partitions}
    breakglass = {partition: breakglass_principals(config, partition) for partition in config.partitions}
    atlantis = {partition: atlantis_names(config, partition) for partition in config.partitions}
    access = {partition: access_model(config, names[partition]) for partition in config.partitions}
    assignments = assignments_by_account(config)
    built: list[StackInfo] = []
    home_baselines: dict[str, cdk.Stack] = {}
    for item in plan(config, accounts):
        stack: cdk.Stack
        part = config.partitions[item.partition]
        p_names = names[item.partition]
        instance_arn = p_names.identity_center_instance_arn(part.identity_center.instance_id)
        admin_id = by_name[identity_center_admin(config, item.partition)].id
        if item.kind == "log-archive":
            stack = LogArchiveStack(app, item.stack_id, names=names[item.partition], logging=config.logging,
                                    session_manager=config.session_manager)  # fmt: skip
        elif item.kind == "organization":
            stack = OrganizationStack(app, item.stack_id, names=names[item.partition], logging=config.logging)
        elif item.kind == "backup-policy":
            stack = BackupPolicyStack(app, item.stack_id, config=config, names=names[item.partition])
        elif item.kind == "guardrails":
            scps = partition_budget(config, item.partition, p_names).scps
            stack = GuardrailsStack(app, item.stack_id, names=p_names, scps=scps)
        elif item.kind == "identity-center":
            sets = list(access[item.partition].permission_sets.values())
            stack = IdentityCenterStack(app, item.stack_id, names=p_names, admin_account_id=admin_id,
                                        instance_arn=instance_arn, permission_sets=sets)  # fmt: skip
        elif item.kind == "access":
            account = by_name[item.account]
            stack = AccessStack(app, item.stack_id, names=p_names, admin_account_id=admin_id,
                                instance_arn=instance_arn, account_name=account.name, account_id=account.id,
                                assignments=assignments[account.name])  # fmt: skip
            if account.name in home_baselines:  # ordering for `cdk deploy` only; no values cross stacks
                stack.add_stack_dependency(home_baselines[account.name])
        elif item.kind == "security":
            stack = SecurityStack(app, item.stack_id, names=names[item.partition], regions=part.allowed_regions,
                                  session_manager=config.session_manager, alerts=config.alerts)  # fmt: skip
        elif item.kind == "session-documents":
            stack = SessionDocumentsStack(app, item.stack_id, names=names[item.partition], region=item.region,
                                          session_manager=config.session_manager)  # fmt: skip
        elif item.kind == "alerts":
            stack = GlobalEventAlertsStack(app, item.stack_id, account=by_name[item.account], region=item.region,
                                           names=names[item.partition],
                                           breakglass=breakglass[item.partition])  # fmt: skip
        else:
            account = by_name[item.account]
            model = access[item.partition]
            policies = [] if item.region != part.home_region else [
                model.customer_managed_policies[name]
                for name in dict.fromkeys(
                    policy for a in assignments.get(item.account, []) for policy in model.policies_of(a.permission_set)
                )
            ]  # fmt: skip
            stack = AccountBaselineStack(app, item.stack_id, account=account, region=item.region,
                                         regions=account.regions or part.allowed_regions, names=names[item.partition],
                                         prefix=config.name_prefix, session_manager=config.session_manager,
                                         vault_lock=config.backup.vault_lock,
                                         backup_plans=plans_for_account(config, account),
                                         network=config.network_restriction,
                                         breakglass=breakglass[item.partition],
                                         atlantis=atlantis[item.partition],
                                         customer_managed_policies=policies)  # fmt: skip
            if item.region == part.home_region:
                home_baselines[item.account] = stack
        built.append(StackInfo(**vars(item), stack=stack))
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
            extra = sorted({info.kind if info.kind != "alerts" else f"alerts in {info.region}"
                            for info in kinds if info.kind != "baseline"})  # fmt: skip
            lines.append(
                f"    {account:<24} baseline in {', '.join(regions) or '-'}"
                + (f"; {', '.join(extra)}" if extra else "")
            )
    return "\n".join(lines)

"""`backup`: Vault Lock, plans and their rules, per-account plans and the organization backup policy."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from config.backup import covered_by_organization_policy, organization_policy_partitions, plans_for_account
from config.models import ROOT_OU, OrgConfig
from config.naming import organization
from config.policies.backup_policy import organization_backup_policy
from config.problems import Problem
from config.quotas import BACKUP_POLICY_MAX_CHARS, COLD_STORAGE_MIN_DAYS, MIN_CHANGEABLE_DAYS
from config.regions import PARTITIONS, partition_of_region
from config.validation.common import duplicates

CRON_FIELD = re.compile(r"^[0-9A-Za-z*?/,#L-]+$")


def problems(config: OrgConfig) -> Iterable[Problem]:
    yield from _vault_lock(config)
    yield from _backup_plans(config)
    yield from _backup_accounts(config)
    yield from _backup_policy(config)
    yield from _air_gapped_vaults(config)
    yield from _restore_testing(config)


def _vault_lock(config: OrgConfig) -> Iterable[Problem]:
    lock = config.backup.vault_lock
    base = "backup.vault_lock"
    if lock.min_retention_days > lock.max_retention_days:
        yield Problem(
            f"{base}.min_retention_days",
            f"min_retention_days ({lock.min_retention_days}) is greater than max_retention_days "
            f"({lock.max_retention_days}); no retention would satisfy the lock",
        )
    if lock.mode == "governance" and lock.changeable_for_days is not None:
        yield Problem(
            f"{base}.changeable_for_days",
            "only compliance mode takes changeable_for_days (AWS turns a lock with it into compliance mode, "
            "immutable after the cooling-off period); remove it, or set mode: compliance if that is what you want",
        )
    if lock.mode == "compliance":
        if lock.changeable_for_days is None:
            yield Problem(
                f"{base}.changeable_for_days",
                f"compliance mode needs changeable_for_days (at least {MIN_CHANGEABLE_DAYS}): the cooling-off "
                "period during which the lock can still be removed",
            )
        elif lock.changeable_for_days < MIN_CHANGEABLE_DAYS:
            yield Problem(
                f"{base}.changeable_for_days",
                f"{lock.changeable_for_days} is too short: compliance mode needs at least {MIN_CHANGEABLE_DAYS} days "
                "of cooling-off; after it nobody, root included, can remove the lock, shorten retention or delete "
                "the vault",
            )


def _cron_problem(expression: str) -> str | None:
    fields = expression[len("cron(") : -1].split(" ")
    if not all(CRON_FIELD.match(f) for f in fields):
        return "has characters a cron field cannot contain"
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        return "needs '?' in exactly one of day-of-month (3rd field) and day-of-week (5th field)"
    return None


def _backup_plans(config: OrgConfig) -> Iterable[Problem]:
    backup = config.backup
    lock = backup.vault_lock
    plans = list(enumerate(backup.plans))
    yield from duplicates(((f"backup.plans[{i}].name", p.name) for i, p in plans), "plan name")
    for p_index, plan in plans:
        base = f"backup.plans[{p_index}]"
        yield from duplicates(((f"{base}.rules[{i}].name", r.name) for i, r in enumerate(plan.rules)), "rule name")
        for r_index, rule in enumerate(plan.rules):
            where = f"{base}.rules[{r_index}]"
            cron = _cron_problem(rule.schedule)
            if cron:
                yield Problem(f"{where}.schedule", f"{rule.schedule!r} {cron}, e.g. 'cron(0 5 ? * * *)'")
            if rule.completion_window_minutes < rule.start_window_minutes + 60:
                yield Problem(
                    f"{where}.completion_window_minutes",
                    f"{rule.completion_window_minutes} must be at least 60 minutes more than start_window_minutes "
                    f"({rule.start_window_minutes})",
                )
            days = rule.delete_after_days
            if not lock.min_retention_days <= days <= lock.max_retention_days:
                yield Problem(
                    f"{where}.delete_after_days",
                    f"retention {days} days is outside the vault lock's bounds [{lock.min_retention_days}, "
                    f"{lock.max_retention_days}] (backup.vault_lock); AWS Backup would accept the plan and fail "
                    "every backup and copy job later",
                )
            cold = rule.move_to_cold_storage_after_days
            if cold is not None and days < cold + COLD_STORAGE_MIN_DAYS:
                yield Problem(
                    f"{where}.delete_after_days",
                    f"{days} is too early: recovery points must stay at least {COLD_STORAGE_MIN_DAYS} days in cold "
                    f"storage (move_to_cold_storage_after_days {cold} + {COLD_STORAGE_MIN_DAYS} = "
                    f"{cold + COLD_STORAGE_MIN_DAYS})",
                )
            for partition, region in sorted((rule.copy_to_region or {}).items()):
                path = f"{where}.copy_to_region.{partition}"
                home = partition_of_region(region)
                if partition not in config.partitions:
                    yield Problem(path, f"partition {partition!r} has no entry under partitions")
                elif home is None:
                    known = ", ".join(sorted(PARTITIONS[partition]))
                    yield Problem(path, f"unknown region {region!r} (known in {partition}: {known})")
                elif home != partition:
                    yield Problem(
                        path,
                        f"region {region!r} belongs to partition {home!r}, not {partition!r}: copies stay in "
                        "their partition",
                    )
                elif region not in config.partitions[partition].allowed_regions:
                    yield Problem(
                        path,
                        f"region {region!r} is not in partitions.{partition}.allowed_regions, so no baseline "
                        "vault receives the copies",
                    )


def _backup_accounts(config: OrgConfig) -> Iterable[Problem]:
    known = {plan.name for plan in config.backup.plans}
    for index, account in enumerate(config.accounts):
        base = f"accounts[{index}]"
        for p_index, name in enumerate(account.backup_plans or []):
            if name not in known:
                yield Problem(
                    f"{base}.backup_plans[{p_index}]",
                    f"no plan named {name!r} in backup.plans (known: {', '.join(sorted(known)) or 'none'})",
                )
        part = config.partitions.get(account.partition)
        if part is None:
            continue  # reported by _accounts_in_partitions
        regions = account.regions or part.allowed_regions
        if covered_by_organization_policy(config, account):
            missing = [r for r in part.allowed_regions if r not in regions]
            if missing:
                yield Problem(
                    f"{base}.regions",
                    f"account {account.name!r} is targeted by the organization backup policy, which applies the "
                    f"plans in every allowed region, but has no baseline vault in {', '.join(missing)}",
                )
            continue
        for plan in plans_for_account(config, account):
            missing_targets: dict[str, list[str]] = {}
            for rule in plan.rules:
                target = (rule.copy_to_region or {}).get(account.partition)
                if target and target in part.allowed_regions and target not in regions:
                    missing_targets.setdefault(target, []).append(rule.name)
            for target, rules in missing_targets.items():
                yield Problem(
                    f"{base}.regions",
                    f"plan {plan.name!r} (rules {', '.join(rules)}) copies to {target}, where account "
                    f"{account.name!r} has no baseline vault: add the region, or leave the plan out with "
                    "backup_plans",
                )


def _backup_policy(config: OrgConfig) -> Iterable[Problem]:
    backup = config.backup
    targets = backup.organization_policy_targets
    base = "backup.organization_policy_targets"
    if backup.organization_policy and not (targets.root or targets.organizational_units or targets.accounts):
        yield Problem(base, "organization_policy is on but targets nothing: set root, organizational_units or accounts")
    if backup.organization_policy and targets.root:
        for name, part in config.partitions.items():
            if part.root_id is None:
                yield Problem(f"partitions.{name}.root_id", "needed to attach the backup policy to the root (r-...)")
    for index, path in enumerate(targets.organizational_units):
        where = f"{base}.organizational_units[{index}]"
        found = False
        for name, part in config.partitions.items():
            for ou in part.organizational_units:
                if ou.path == path:
                    found = True
                    if ou.id is None and backup.organization_policy:
                        yield Problem(where, f"OU {path!r} of partition {name!r} has no id; policies attach by ID")
        if path == ROOT_OU:
            yield Problem(where, "to target the root, set root: true")
        elif not found:
            yield Problem(where, f"OU {path!r} is not listed under any partition's organizational_units")
    known_accounts = {account.name for account in config.accounts}
    for index, account_name in enumerate(targets.accounts):
        if account_name not in known_accounts:
            yield Problem(f"{base}.accounts[{index}]", f"no account named {account_name!r} in accounts")
    if not backup.organization_policy:
        return
    for name in organization_policy_partitions(config):  # the partitions that get the policy
        try:
            document = organization_backup_policy(config, organization(config, name))
        except KeyError:
            continue  # special accounts missing: reported by _partitions
        size = len(json.dumps(document, separators=(",", ":")))
        if size > BACKUP_POLICY_MAX_CHARS:
            yield Problem(
                "backup.plans",
                f"the organization backup policy for {name} would be {size} characters; Organizations allows "
                f"{BACKUP_POLICY_MAX_CHARS}: use fewer plans, rules or regions, or deploy plans with the stacks",
            )


def _air_gapped_vaults(config: OrgConfig) -> Iterable[Problem]:
    """The vault's bounds, and every rule's retention within them: each rule copies to the vault, and AWS Backup
    fails a copy job whose retention lies outside the target vault's lock."""
    for partition, vault in sorted(config.backup.logically_air_gapped_vault.items()):
        base = f"backup.logically_air_gapped_vault.{partition}"
        if partition not in config.partitions:
            yield Problem(base, f"partition {partition!r} has no entry under partitions")
        if vault.min_retention_days > vault.max_retention_days:
            yield Problem(
                f"{base}.min_retention_days",
                f"min_retention_days ({vault.min_retention_days}) is greater than max_retention_days "
                f"({vault.max_retention_days}); no retention would satisfy the vault",
            )
            continue
        for p_index, plan in enumerate(config.backup.plans):
            for r_index, rule in enumerate(plan.rules):
                if not vault.min_retention_days <= rule.delete_after_days <= vault.max_retention_days:
                    yield Problem(
                        f"backup.plans[{p_index}].rules[{r_index}].delete_after_days",
                        f"retention {rule.delete_after_days} days is outside the logically air-gapped vault's bounds "
                        f"[{vault.min_retention_days}, {vault.max_retention_days}] ({base}); every copy job to it "
                        "would fail",
                    )
        team = vault.mpa_approval_team_arn
        if team is not None:
            # arn:partition:service:region:account:resource (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html)
            parts = team.split(":", 5)
            if len(parts) != 6 or parts[0] != "arn" or parts[2] != "mpa" or not parts[5]:
                yield Problem(
                    f"{base}.mpa_approval_team_arn",
                    f"{team!r} is not the ARN of a multi-party approval team: expected arn:{partition}:mpa:...",
                )
            elif parts[1] != partition:
                yield Problem(
                    f"{base}.mpa_approval_team_arn",
                    f"{team!r} is an ARN of partition {parts[1]!r}, not {partition!r}: the team must be in the "
                    "vault's partition",
                )


def _restore_testing(config: OrgConfig) -> Iterable[Problem]:
    for partition, testing in sorted(config.backup.restore_testing.items()):
        base = f"backup.restore_testing.{partition}"
        if partition not in config.partitions:
            yield Problem(base, f"partition {partition!r} has no entry under partitions")
        cron = _cron_problem(testing.schedule)
        if cron:
            yield Problem(f"{base}.schedule", f"{testing.schedule!r} {cron}, e.g. 'cron(0 5 ? * * *)'")
        yield from duplicates(
            ((f"{base}.resource_types[{i}]", t) for i, t in enumerate(testing.resource_types)), "resource type"
        )

"""The backup plans as an AWS Organizations BACKUP_POLICY document, one per partition, and where it attaches.

Built from the same plans as the stacks' `AWS::Backup::BackupPlan`s (constructs/data/backup_plans.py), and
measured by validation against the 10,000-character quota before anything is deployed.
"""

from __future__ import annotations

from typing import Any

from config.backup import copy_region
from config.models import BackupRule, OrgConfig
from config.naming import Organization
from config.regions import PartitionName


def organization_policy_target_ids(config: OrgConfig, partition: PartitionName) -> list[str]:
    """IDs (root, OUs, accounts) of the partition the backup policy attaches to; unknown ones are left out
    here and reported by semantic validation."""
    part = config.partitions[partition]
    targets = config.backup.organization_policy_targets
    ids: list[str] = []
    if targets.root and part.root_id:
        ids.append(part.root_id)
    ou_ids = {ou.path: ou.id for ou in part.organizational_units if ou.id}
    ids.extend(ou_ids[path] for path in targets.organizational_units if path in ou_ids)
    account_ids = {a.name: a.id for a in config.accounts if a.partition == partition}
    ids.extend(account_ids[name] for name in targets.accounts if name in account_ids)
    return ids


def _assign(value: Any) -> dict[str, Any]:
    return {"@@assign": value}


def _policy_lifecycle(rule: BackupRule) -> dict[str, Any]:
    lifecycle = {"delete_after_days": _assign(str(rule.delete_after_days))}
    if rule.move_to_cold_storage_after_days is not None:
        lifecycle["move_to_cold_storage_after_days"] = _assign(str(rule.move_to_cold_storage_after_days))
    return lifecycle


def _policy_rule(rule: BackupRule, org: Organization, region: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schedule_expression": _assign(rule.schedule),
        "start_backup_window_minutes": _assign(str(rule.start_window_minutes)),
        "complete_backup_window_minutes": _assign(str(rule.completion_window_minutes)),
        "lifecycle": _policy_lifecycle(rule),
        "target_backup_vault_name": _assign(org.backup_vault),
    }
    target = copy_region(rule, org.partition, region)
    if target:
        # `$account` is the policy language's variable for the account the effective policy applies to.
        arn = org.backup_vault_arn("$account", target)
        body["copy_actions"] = {arn: {"target_backup_vault_arn": _assign(arn), "lifecycle": _policy_lifecycle(rule)}}
    return body


def organization_backup_policy(config: OrgConfig, org: Organization) -> dict[str, Any]:
    """The Organizations BACKUP_POLICY document for one partition, built from the same plans as the stacks.

    A policy plan applies the same rules in all of its regions, but no rule may copy into its own region;
    regions whose rules differ (the copy regions) get their own policy plan, named `<plan>-<region>`.
    """
    regions = config.partitions[org.partition].allowed_regions
    role_arn = org.backup_role_arn("$account")
    plans: dict[str, Any] = {}
    for plan in config.backup.plans:
        groups: dict[str, tuple[list[str], dict[str, Any]]] = {}
        for region in regions:
            rules = {rule.name: _policy_rule(rule, org, region) for rule in plan.rules}
            key = repr(rules)
            groups.setdefault(key, ([], rules))[0].append(region)
        by_tag: dict[str, list[str]] = {}
        for condition in plan.selection.tags:
            by_tag.setdefault(condition.key, []).append(condition.value)
        selections = {
            f"{plan.name}-{index}": {
                "iam_role_arn": _assign(role_arn),
                "tag_key": _assign(key),
                "tag_value": _assign(values),
            }
            for index, (key, values) in enumerate(by_tag.items())
        }
        for group_regions, rules in groups.values():
            name = org.backup_plan(plan.name)
            if len(groups) > 1:
                name = f"{name}-{group_regions[0]}"
            plans[name] = {
                "regions": _assign(group_regions),
                "rules": rules,
                "selections": {"tags": selections},
            }
    return {"plans": plans}

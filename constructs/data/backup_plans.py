"""Backup plans from the config, each with a tag-based selection, targeting the account's baseline vault."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_backup as backup

from config.backup import copy_region
from config.models import BackupPlan, BackupRule
from config.naming import Organization
from constructs import Construct


def _lifecycle(rule: BackupRule) -> backup.CfnBackupPlan.LifecycleResourceTypeProperty:
    return backup.CfnBackupPlan.LifecycleResourceTypeProperty(
        delete_after_days=rule.delete_after_days,
        move_to_cold_storage_after_days=rule.move_to_cold_storage_after_days,
    )


class BackupPlans(Construct):
    """One `AWS::Backup::BackupPlan` and one `AWS::Backup::BackupSelection` per configured plan.

    Copies go to the vault of the same name in the copy region (same account, same partition); the lock there
    has the same bounds, so the copy's retention (the rule's) is valid there too. With an air-gapped vault, every
    rule also copies to it (validation keeps each rule's retention within that vault's bounds).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        account_id: str,
        region: str,
        plans: list[BackupPlan],
        vault: backup.CfnBackupVault,
        role: cdk.CfnResource | None = None,
        air_gapped_vault: backup.CfnLogicallyAirGappedBackupVault | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        role_arn = org.backup_role_arn(account_id)
        for plan in plans:
            rules = []
            for rule in plan.rules:
                target = copy_region(rule, org.partition, region)
                destinations = [org.backup_vault_arn(account_id, target)] if target else []
                if air_gapped_vault is not None:  # the same region's air-gapped vault, with the rule's lifecycle
                    destinations.append(air_gapped_vault.attr_backup_vault_arn)
                copies = [
                    backup.CfnBackupPlan.CopyActionResourceTypeProperty(
                        destination_backup_vault_arn=destination, lifecycle=_lifecycle(rule)
                    )
                    for destination in destinations
                ]
                rules.append(
                    backup.CfnBackupPlan.BackupRuleResourceTypeProperty(
                        rule_name=rule.name,
                        target_backup_vault=vault.attr_backup_vault_name,
                        schedule_expression=rule.schedule,
                        start_window_minutes=rule.start_window_minutes,
                        completion_window_minutes=rule.completion_window_minutes,
                        lifecycle=_lifecycle(rule),
                        copy_actions=copies or None,
                    )
                )
            cfn_plan = backup.CfnBackupPlan(
                self,
                plan.name,
                backup_plan=backup.CfnBackupPlan.BackupPlanResourceTypeProperty(
                    backup_plan_name=org.backup_plan(plan.name), backup_plan_rule=rules
                ),
            )
            # Tags in ListOfTags are alternatives: a resource with any of them is selected.
            selection = backup.CfnBackupSelection(
                self,
                f"{plan.name}-selection",
                backup_plan_id=cfn_plan.attr_backup_plan_id,
                backup_selection=backup.CfnBackupSelection.BackupSelectionResourceTypeProperty(
                    selection_name=org.backup_selection(plan.name),  # at most 50 characters
                    iam_role_arn=role_arn,
                    list_of_tags=[
                        backup.CfnBackupSelection.ConditionResourceTypeProperty(
                            condition_type="STRINGEQUALS", condition_key=tag.key, condition_value=tag.value
                        )
                        for tag in plan.selection.tags
                    ],
                ),
            )
            # The role is named by its ARN (regional stacks cannot reference it); in its own stack it must exist
            # before AWS Backup accepts a selection that passes it.
            if role is not None:
                selection.add_resource_dependency(role)

"""Forward changes to the backup vault's protection (lock, access policy, deletion) to the central alert hub."""

from __future__ import annotations

from aws_cdk import aws_events as events

from config.naming import Organization
from constructs import Construct

# CloudTrail events of AWS Backup that weaken or test a vault's protection; failed attempts are recorded too.
BACKUP_PROTECTION_EVENTS = (
    "DeleteBackupVault",
    "DeleteBackupVaultAccessPolicy",
    "DeleteBackupVaultLockConfiguration",
    "DeleteRecoveryPoint",
    "PutBackupVaultAccessPolicy",
    "PutBackupVaultLockConfiguration",
    "UpdateRecoveryPointLifecycle",
)


class BackupChangeAlerts(Construct):
    """An EventBridge rule in this region; its target is the alert hub's bus in the security account."""

    def __init__(self, scope: Construct, construct_id: str, *, org: Organization, account_id: str) -> None:
        super().__init__(scope, construct_id)
        self.rule = events.CfnRule(
            self,
            "Rule",
            name=org.backup_alert_rule,
            description="Backup vault lock, access policy or deletion changes and recovery point deletion "
            "attempts, to the central alert hub",
            # Every event matched changes something (Delete*, Put*, Update*): none is read-only, so ENABLED sees them
            # all (read-only events need ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, see access_alerts.py).
            state="ENABLED",
            event_pattern={
                "source": ["aws.backup"],
                "detail-type": ["AWS API Call via CloudTrail"],
                "detail": {"eventSource": ["backup.amazonaws.com"], "eventName": list(BACKUP_PROTECTION_EVENTS)},
            },
            targets=[
                events.CfnRule.TargetProperty(
                    id="AlertHub",
                    arn=org.alert_bus_arn,
                    # The hub's bus sits in the home region; cross-region and cross-account bus targets need a role.
                    role_arn=org.alert_forwarder_role_arn(account_id),
                )
            ],
        )

"""The management account's own protection of the organization trail, its key and the CIS alarms.

Service control policies never apply to the management account
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html: "SCPs don't affect
users or roles in the management account"), so `protect-baseline` cannot stop an administrator there from
stopping the trail, rewriting its key policy or deleting the alarms that would report it. What protects them
instead:

- the trail's logs land in the log-archive account's bucket, which the management account cannot delete or
  rewrite (the bucket policy admits only CloudTrail's writes, and the SCP binds the log-archive account);
- the CIS alarms (constructs/logging/cis_alarms.py) watch the trail's log group for trail and key changes;
- this rule, which sends each such change the moment it is made to the alert hub in the security account,
  where the management account's administrators cannot delete the record (the SCP binds the security account).
  Removing the rule itself is one of the changes it reports.

Detective, not preventive: it tells the security account, it does not stop the change. All events are write
calls, which EventBridge delivers to rules in state ENABLED; every one is made in the trail's home region, where
the trail, its key, its log group and the alarms live.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_events as events

from config.naming import Organization
from constructs import Construct

API_CALL = "AWS API Call via CloudTrail"

# By CloudTrail eventSource: the calls that stop, blind or unprotect the trail and its monitoring.
WATCHED_CALLS: dict[str, list[str]] = {
    "cloudtrail.amazonaws.com": [
        "DeleteTrail",
        "PutEventSelectors",
        "PutInsightSelectors",
        "StopLogging",
        "UpdateTrail",
    ],
    "kms.amazonaws.com": ["DeleteAlias", "DisableKey", "PutKeyPolicy", "ScheduleKeyDeletion", "UpdateAlias"],
    "logs.amazonaws.com": ["DeleteLogGroup", "DeleteMetricFilter", "DeleteSubscriptionFilter", "PutRetentionPolicy"],
    "monitoring.amazonaws.com": ["DeleteAlarms", "DisableAlarmActions"],
    "sns.amazonaws.com": ["DeleteTopic", "SetTopicAttributes", "Unsubscribe"],
    "events.amazonaws.com": ["DeleteRule", "DisableRule", "RemoveTargets"],
}


def tamper_pattern() -> dict[str, Any]:
    return {
        "detail-type": [API_CALL],
        "$or": [{"detail": {"eventSource": [source], "eventName": names}} for source, names in WATCHED_CALLS.items()],
    }


class ManagementTamperAlerts(Construct):
    """One rule on the management account's default bus, targeting the hub's bus through the account's alert
    forwarder role (created by the management account's home-region baseline)."""

    def __init__(self, scope: Construct, construct_id: str, *, org: Organization) -> None:
        super().__init__(scope, construct_id)
        account_id = org.management_account_id
        self.rule = events.CfnRule(
            self,
            "Rule",
            name=org.management_tamper_rule,
            description="org-baseline: alert the security account when the management account changes the "
            "organization trail, its key, or the monitoring on it (SCPs do not bind the management account)",
            event_pattern=tamper_pattern(),
            state="ENABLED",
            targets=[
                events.CfnRule.TargetProperty(
                    id="CentralAlertBus", arn=org.alert_bus_arn, role_arn=org.alert_forwarder_role_arn(account_id)
                )
            ],
        )

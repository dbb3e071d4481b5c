"""Findings that reach people: one EventBridge rule per allowed region of the security account, forwarding findings
at or above the configured severity to the central alert hub.

- GuardDuty: the administrator account receives its members' findings on its own event bus, as `GuardDuty Finding`
  events with a numeric `detail.severity` (high 7.0-8.9, critical 9.0 and up, medium 4.0-6.9:
  https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_cloudwatch.html,
  https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html).
- Security Hub: `Security Hub Findings - Imported` events with `detail.findings.Severity.Label`; with cross-region
  aggregation the home region receives the linked regions' findings too, so only the home-region rule matches them
  (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-integration-types.html). GuardDuty's and
  Access Analyzer's findings, which Security Hub also imports, are left to their own patterns (one alert each).
- IAM Access Analyzer: `Access Analyzer Finding` events for active findings; external access findings carry no
  severity, so every active one is forwarded
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-eventbridge.html).

The target is the hub's bus, reached through the security account's alert forwarder role (its home baseline).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_events as events

from config.models import FindingSeverity
from config.naming import Organization
from constructs import Construct

GUARDDUTY_MIN_SCORE: dict[FindingSeverity, float] = {"medium": 4, "high": 7, "critical": 9}
SECURITY_HUB_LABELS: dict[FindingSeverity, list[str]] = {
    "medium": ["MEDIUM", "HIGH", "CRITICAL"],
    "high": ["HIGH", "CRITICAL"],
    "critical": ["CRITICAL"],
}
# Security Hub's product names for the findings the other patterns already forward.
FORWARDED_ELSEWHERE = ["GuardDuty", "IAM Access Analyzer"]


def findings_pattern(
    severity: FindingSeverity, *, guardduty: bool, security_hub: bool, access_analyzer: bool
) -> dict[str, Any]:
    """One pattern for the services that are on; `security_hub` only in the aggregation (home) region."""
    alternatives: list[dict[str, Any]] = []
    if guardduty:
        alternatives.append(
            {
                "source": ["aws.guardduty"],
                "detail-type": ["GuardDuty Finding"],
                "detail": {"severity": [{"numeric": [">=", GUARDDUTY_MIN_SCORE[severity]]}]},
            }
        )
    if security_hub:
        alternatives.append(
            {
                "source": ["aws.securityhub"],
                "detail-type": ["Security Hub Findings - Imported"],
                "detail": {
                    "findings": {
                        "Severity": {"Label": SECURITY_HUB_LABELS[severity]},
                        "Workflow": {"Status": ["NEW"]},
                        "RecordState": ["ACTIVE"],
                        "ProductName": [{"anything-but": FORWARDED_ELSEWHERE}],
                    }
                },
            }
        )
    if access_analyzer:
        alternatives.append(
            {
                "source": ["aws.access-analyzer"],
                "detail-type": ["Access Analyzer Finding"],
                "detail": {"status": ["ACTIVE"]},
            }
        )
    return alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}


class FindingsAlerts(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, org: Organization, pattern: dict[str, Any]) -> None:
        super().__init__(scope, construct_id)
        account_id = org.security_account_id
        self.rule = events.CfnRule(
            self,
            "Rule",
            name=org.security_findings_rule,
            description="org-baseline: forward GuardDuty, Security Hub and Access Analyzer findings at or above the "
            "configured severity to the alert hub",
            event_pattern=pattern,
            state="ENABLED",
            targets=[
                events.CfnRule.TargetProperty(
                    id="CentralAlertBus", arn=org.alert_bus_arn, role_arn=org.alert_forwarder_role_arn(account_id)
                )
            ],
        )

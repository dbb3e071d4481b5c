"""The partition's security account: the central alert hub (and later other security tooling)."""

from __future__ import annotations

import aws_cdk as cdk

from config.models import Alerts
from config.naming import PartitionNames
from constructs import Construct
from constructs.alert_hub import AlertHub


class SecurityStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, names: PartitionNames, alerts: Alerts) -> None:
        super().__init__(
            scope,
            construct_id,
            env=cdk.Environment(account=names.security_account_id, region=names.home_region),
            description=f"org-baseline: security account hub for partition {names.partition} (alert bus and topic; "
            "deploy before the account baselines)",
            termination_protection=True,
        )
        self.alert_hub = AlertHub(
            self, "AlertHub", names=names, emails=alerts.emails, slack=alerts.slack.get(names.partition)
        )

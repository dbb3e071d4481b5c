"""The partition's management account: the organization trail and the CIS monitoring on it."""

from __future__ import annotations

from config.models import Logging
from config.naming import PartitionNames
from constructs import Construct
from constructs.breakglass.backstop import BreakglassBackstop
from constructs.logging.cis_alarms import CisAlarms
from constructs.logging.org_trail import OrganizationTrail
from stacks.base import OrgBaselineStack


class OrganizationStack(OrgBaselineStack):
    def __init__(self, scope: Construct, construct_id: str, *, names: PartitionNames, logging: Logging) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=names.management_account_id,
            region=names.home_region,
            description=f"organization trail and CIS alarms for partition {names.partition} "
            "(stateful, retained; deploy after the log-archive stack)",
        )
        self.trail = OrganizationTrail(
            self, "OrganizationTrail", names=names, retention_days=logging.cloudwatch_retention_days
        )
        self.alarms = CisAlarms(
            self, "CisAlarms", names=names, log_group=self.trail.log_group, emails=logging.alarm_emails
        )
        self.breakglass_backstop = BreakglassBackstop(
            self,
            "BreakglassBackstop",
            names=names,
            log_group=self.trail.log_group,
            topic_arn=self.alarms.topic.topic_arn,
        )

"""The partition's management account: the organization trail and the CIS monitoring on it, and the security
services' delegated administrator registrations."""

from __future__ import annotations

from config.models import Logging, SecurityServices
from config.naming import Organization
from constructs import Construct
from constructs.breakglass.backstop import BreakglassBackstop
from constructs.logging.cis_alarms import CisAlarms
from constructs.logging.management_watch import ManagementTamperAlerts
from constructs.logging.org_trail import OrganizationTrail
from constructs.security.delegated_admins import DelegatedAdministrators, centralized_root_access, registrations
from stacks.base import OrgBaselineStack


class OrganizationStack(OrgBaselineStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        logging: Logging,
        regions: list[str],
        security_services: SecurityServices,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=org.management_account_id,
            region=org.home_region,
            description=f"organization trail and CIS alarms for partition {org.partition} "
            "(stateful, retained; deploy after the log-archive stack)",
        )
        self.trail = OrganizationTrail(
            self, "OrganizationTrail", org=org, retention_days=logging.cloudwatch_retention_days
        )
        self.alarms = CisAlarms(self, "CisAlarms", org=org, log_group=self.trail.log_group, emails=logging.alarm_emails)
        self.breakglass_backstop = BreakglassBackstop(
            self,
            "BreakglassBackstop",
            org=org,
            log_group=self.trail.log_group,
            topic_arn=self.alarms.topic.topic_arn,
        )
        self.tamper_alerts = ManagementTamperAlerts(self, "ManagementTamperAlerts", org=org)
        wanted = registrations(security_services)
        if (
            security_services.guardduty.enabled
            or wanted["TrustedAccess"]
            or centralized_root_access(org, security_services)
        ):
            self.delegated_administrators = DelegatedAdministrators(
                self,
                "SecurityDelegatedAdmins",
                org=org,
                regions=regions,
                services=security_services,
                retention_days=logging.cloudwatch_retention_days,
            )

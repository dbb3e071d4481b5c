"""The security account's part of the organization's security services, one stack per allowed region (it is the
delegated administrator of each; the registrations are in the management account's organization stack).

Every region: GuardDuty's organization configuration, the organization's external access analyzer, the findings
rule. The home region also: the handler's role (IAM is global), Security Hub central configuration with its finding
aggregator, the AWS Config organization aggregator and the optional unused access analyzer.
"""

from __future__ import annotations

from config.models import SecurityServices
from config.naming import Organization
from constructs import Construct
from constructs.security.access_analyzer import OrganizationAnalyzers
from constructs.security.config_aggregator import OrganizationAggregator
from constructs.security.findings_alerts import FindingsAlerts, findings_pattern
from constructs.security.guardduty import GuardDutyOrganization, guardduty_acknowledgments, guardduty_statements
from constructs.security.handler import HandlerFunction, HandlerRole
from constructs.security.security_hub import SecurityHubCentralConfiguration
from stacks.base import OrgBaselineStack


class SecurityServicesStack(OrgBaselineStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        region: str,
        regions: list[str],
        root_id: str | None,
        services: SecurityServices,
        retention_days: int,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=org.security_account_id,
            region=region,
            description=f"security services of partition {org.partition} in {region}, run from the security account "
            "(delegated administrator): GuardDuty, Security Hub, AWS Config aggregator, IAM Access Analyzer, "
            "findings to the alert hub (deploy after the organization stack registers the administrator)",
        )
        home = region == org.home_region
        account_id = org.security_account_id
        if services.guardduty.enabled:
            export = services.guardduty.export_findings
            if home:
                self.handler_role = HandlerRole(
                    self,
                    "HandlerRole",
                    org=org,
                    account_id=account_id,
                    regions=regions,
                    name=org.security_services_handler,
                    description="org-baseline: sets GuardDuty's organization configuration",
                    statements=guardduty_statements(org, account_id, regions, export_findings=export),
                    acknowledgments=guardduty_acknowledgments(org, account_id, regions, export_findings=export),
                )
            self.handler = HandlerFunction(
                self,
                "Handler",
                org=org,
                account_id=account_id,
                region=region,
                name=org.security_services_handler,
                description="org-baseline: GuardDuty organization configuration",
                retention_days=retention_days,
                apis="GuardDuty and Organizations APIs",
                logical_prefix="SecurityServicesHandler",
            )
            if home:
                self.handler.function.add_resource_dependency(self.handler_role.policy)
            self.guardduty = GuardDutyOrganization(
                self, "GuardDuty", org=org, handler=self.handler, settings=services.guardduty
            )
        if services.access_analyzer.enabled:
            self.analyzers = OrganizationAnalyzers(
                self, "AccessAnalyzer", org=org, settings=services.access_analyzer, home=home
            )
        if home and services.security_hub.enabled:
            assert root_id is not None, "validation requires partitions.<p>.root_id for Security Hub"
            self.security_hub = SecurityHubCentralConfiguration(
                self, "SecurityHub", org=org, regions=regions, root_id=root_id, settings=services.security_hub
            )
        if home and services.config.enabled:
            self.config_aggregator = OrganizationAggregator(self, "ConfigAggregator", org=org, regions=regions)
        on = {
            "guardduty": services.guardduty.enabled,
            "security_hub": home and services.security_hub.enabled,
            "access_analyzer": services.access_analyzer.enabled,
        }
        if any(on.values()):
            FindingsAlerts(self, "FindingsAlerts", org=org, pattern=findings_pattern(services.alert_severity, **on))

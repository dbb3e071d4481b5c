"""The management account's part of the organization's security services: trusted access and the security account
as delegated administrator of each service that is on (home-region stack of the management account).

- Security Hub: `AWS::SecurityHub::DelegatedAdmin`, after trusted access for securityhub.amazonaws.com ("You must
  enable the integration between Security Hub and AWS Organizations before you can designate a delegated Security
  Hub administrator":
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-securityhub-delegatedadmin.html).
  Central configuration then runs from the administrator's home region.
- GuardDuty: guardduty:EnableOrganizationAdminAccount in every allowed region; it also enables GuardDuty as a trusted
  service and in the administrator account
  (https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html).
- AWS Config (the organization aggregator) and IAM Access Analyzer (organization analyzers): trusted access and
  organizations:RegisterDelegatedAdministrator for config.amazonaws.com and access-analyzer.amazonaws.com.

CloudFormation has no resource type for the last two kinds (cfn-lint's provider schemas), so the custom resource
`Custom::DelegatedAdministrators` does them (decision 0006's pattern).

Centralized root access (commercial partition, `security_services.centralized_root_access`): trusted access for
iam.amazonaws.com and IAM's root credentials management and root sessions features, by the same function
(`Custom::CentralizedRootAccess`; no resource type either). The role may turn them on and read them, not off, and
may not start a root session itself (sts:AssumeRoot is the operator's, `python -m ops.root_credentials`):
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_securityhub as securityhub

from config.models import SecurityServices
from config.naming import Organization
from config.policies.statements import allow
from constructs import Construct
from constructs.security.handler import HandlerFunction, HandlerRole
from constructs.shared.checkov import skip_checkov

SECURITY_HUB = "securityhub.amazonaws.com"
CONFIG = "config.amazonaws.com"
ACCESS_ANALYZER = "access-analyzer.amazonaws.com"
GUARDDUTY = "guardduty.amazonaws.com"


def registrations(services: SecurityServices) -> dict[str, list[str]]:
    """What the custom resource enables: trusted access, and registrations through Organizations."""
    trusted = []
    register = []
    if services.security_hub.enabled:
        trusted.append(SECURITY_HUB)
    if services.config.enabled:
        trusted.append(CONFIG)
        register.append(CONFIG)
    if services.access_analyzer.enabled:
        trusted.append(ACCESS_ANALYZER)
        register.append(ACCESS_ANALYZER)
    return {"TrustedAccess": trusted, "Register": register}


# IAM's organization features: read them, turn them on (no resource type: Service Authorization Reference, IAM).
ROOT_ACCESS_STATEMENT = allow(
    sid="TurnOnCentralizedRootAccess",
    action=[
        "iam:ListOrganizationsFeatures",
        "iam:EnableOrganizationsRootCredentialsManagement",
        "iam:EnableOrganizationsRootSessions",
    ],
    resource="*",
)


def centralized_root_access(org: Organization, services: SecurityServices) -> bool:
    """Whether the management account turns centralized root access on: asked for, and in the commercial partition
    (docs/security-services.md, "Centralized root access", says why not in GovCloud)."""
    return services.centralized_root_access and org.partition == "aws"


class DelegatedAdministrators(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        regions: list[str],
        services: SecurityServices,
        retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        p, account_id, name = org.partition, org.management_account_id, org.delegated_admin_handler
        root_access = centralized_root_access(org, services)
        self.role = HandlerRole(
            self,
            "Role",
            org=org,
            account_id=account_id,
            regions=[org.home_region],
            name=name,
            description="org-baseline: registers the security account as the security services' delegated "
            "administrator",
            statements=[
                # Calls with no resource type (Service Authorization Reference, AWS Organizations and GuardDuty).
                allow(
                    sid="TrustedAccessAndAdministrators",
                    action=[
                        "organizations:DescribeOrganization",
                        "organizations:ListAWSServiceAccessForOrganization",
                        "organizations:EnableAWSServiceAccess",
                        "organizations:ListDelegatedAdministrators",
                        "organizations:ListAccounts",
                        "guardduty:EnableOrganizationAdminAccount",
                        "guardduty:ListOrganizationAdminAccounts",
                    ],
                    resource="*",
                    condition={"StringEquals": {"aws:RequestedRegion": sorted(regions)}},
                ),
                # Only the security account may be registered, or described (the GuardDuty user guide's statement
                # for designating the administrator:
                # https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html).
                allow(
                    sid="RegisterTheSecurityAccountOnly",
                    action=["organizations:RegisterDelegatedAdministrator", "organizations:DescribeAccount"],
                    resource=f"arn:{p}:organizations::{account_id}:account/{org.organization_id}/"
                    f"{org.security_account_id}",
                ),
                allow(
                    sid="DescribeOrganizationalUnits",
                    action="organizations:DescribeOrganizationalUnit",
                    resource=f"arn:{p}:organizations::{account_id}:ou/{org.organization_id}/*",
                ),
                *([ROOT_ACCESS_STATEMENT] if root_access else []),
                allow(
                    sid="ServiceLinkedRolesOfTheSecurityServices",
                    action="iam:CreateServiceLinkedRole",
                    resource=f"arn:{p}:iam::{account_id}:role/aws-service-role/*",
                    condition={
                        "StringEquals": {"iam:AWSServiceName": [GUARDDUTY, SECURITY_HUB, CONFIG, ACCESS_ANALYZER]}
                    },
                ),
            ],
            acknowledgments=[
                cdk.Acknowledgment(
                    id="AwsSolutions-IAM5[Resource::*]",
                    reason="Organizations' service-access and organization-wide list calls and GuardDuty's "
                    "organization admin calls have no resource type (Service Authorization Reference).",
                ),
                cdk.Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::arn:{p}:organizations::{account_id}:ou/{org.organization_id}/*]",
                    reason="GuardDuty's designation reads the organization's OUs; read-only, this organization only.",
                ),
                cdk.Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::arn:{p}:iam::{account_id}:role/aws-service-role/*]",
                    reason="Service-linked role names are chosen by each service; iam:AWSServiceName limits the "
                    "call to the four security services.",
                ),
            ],
        )
        self.handler = HandlerFunction(
            self,
            "Handler",
            org=org,
            account_id=account_id,
            region=org.home_region,
            name=name,
            description="org-baseline: trusted access and delegated administrators of the security services",
            retention_days=retention_days,
            apis="Organizations and GuardDuty APIs",
            logical_prefix="DelegatedAdminHandler",
        )
        self.handler.function.add_resource_dependency(self.role.policy)
        skip_checkov(
            self.role.policy,
            (
                "CKV_AWS_111",
                "organizations:EnableAWSServiceAccess and guardduty:EnableOrganizationAdminAccount have no resource "
                "type to constrain; registration is limited to the security account's ARN.",
            ),
        )
        self.registration = self.handler.resource(
            "Registration",
            "Custom::DelegatedAdministrators",
            {
                "AdminAccountId": org.security_account_id,
                **registrations(services),
                "GuardDutyRegions": sorted(regions) if services.guardduty.enabled else [],
            },
        )
        self.root_access: cdk.CustomResource | None = None
        if root_access:
            self.root_access = self.handler.resource("CentralizedRootAccess", "Custom::CentralizedRootAccess", {})
        self.security_hub: securityhub.CfnDelegatedAdmin | None = None
        if services.security_hub.enabled:
            self.security_hub = securityhub.CfnDelegatedAdmin(
                self, "SecurityHubAdmin", admin_account_id=org.security_account_id
            )
            self.security_hub.node.add_dependency(self.registration)

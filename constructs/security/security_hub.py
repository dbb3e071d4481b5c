"""Security Hub CSPM central configuration from the security account's home region (its delegated administrator).

Central configuration needs a finding aggregator in the home region (the linked regions are the other allowed
regions: cross-region aggregation), then `AWS::SecurityHub::OrganizationConfiguration` with ConfigurationType CENTRAL,
then a configuration policy associated with the organization root, which turns Security Hub on in every account and
linked region with the configured standards and disabled controls
(https://docs.aws.amazon.com/securityhub/latest/userguide/central-configuration-intro.html).
"""

from __future__ import annotations

from aws_cdk import aws_securityhub as securityhub

from config.models import SecurityHub
from config.naming import Organization
from constructs import Construct

# Standard ARNs by config name. Region-specific, with the partition and region of the policy's home region
# (the ARN formats: https://docs.aws.amazon.com/securityhub/latest/userguide/standards-reference.html). CIS v3.0.0:
# the newest CIS version whose regional ARN we could confirm for both partitions.
STANDARD_PATHS = {
    "aws_foundational_security_best_practices": "standards/aws-foundational-security-best-practices/v/1.0.0",
    "cis_aws_foundations": "standards/cis-aws-foundations-benchmark/v/3.0.0",
    "nist_800_53": "standards/nist-800-53/v/5.0.0",
}


def standard_arns(org: Organization, settings: SecurityHub) -> list[str]:
    return [f"arn:{org.partition}:securityhub:{org.home_region}::{STANDARD_PATHS[s]}" for s in settings.standards]


class SecurityHubCentralConfiguration(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        regions: list[str],
        root_id: str,
        settings: SecurityHub,
    ) -> None:
        super().__init__(scope, construct_id)
        linked = [r for r in regions if r != org.home_region]
        self.aggregator = securityhub.CfnFindingAggregator(
            self,
            "FindingAggregator",
            region_linking_mode="SPECIFIED_REGIONS" if linked else "NO_REGIONS",
            regions=linked or None,
        )
        self.organization = securityhub.CfnOrganizationConfiguration(
            self,
            "OrganizationConfiguration",
            auto_enable=False,
            auto_enable_standards="NONE",
            configuration_type="CENTRAL",
        )
        self.organization.add_resource_dependency(self.aggregator)
        disabled = [c.control for c in settings.disabled_controls]
        self.policy = securityhub.CfnConfigurationPolicy(
            self,
            "Policy",
            name=org.security_hub_policy,
            description="org-baseline: Security Hub on in every account and allowed region, with the configured "
            "standards; controls disabled only through security_services.security_hub.disabled_controls",
            configuration_policy=securityhub.CfnConfigurationPolicy.PolicyProperty(
                security_hub=securityhub.CfnConfigurationPolicy.SecurityHubPolicyProperty(
                    service_enabled=True,
                    enabled_standard_identifiers=standard_arns(org, settings),
                    security_controls_configuration=securityhub.CfnConfigurationPolicy.SecurityControlsConfigurationProperty(
                        disabled_security_control_identifiers=disabled
                    ),
                )
            ),
        )
        self.policy.add_resource_dependency(self.organization)
        self.association = securityhub.CfnPolicyAssociation(
            self,
            "RootAssociation",
            configuration_policy_id=self.policy.attr_id,
            target_type="ROOT",
            target_id=root_id,
        )

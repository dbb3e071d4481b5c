"""The AWS Config organization aggregator in the security account's home region (Config's delegated administrator):
configuration and compliance data of every account in the allowed regions, in one place.

The aggregator's role is assumed by AWS Config and carries the AWS managed policy AWSConfigRoleForOrganizations,
which lets it read the organization's accounts
(https://docs.aws.amazon.com/config/latest/developerguide/aggregated-register-delegated-administrator.html).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_config as config
from aws_cdk import aws_iam as iam

from config.naming import Organization
from config.policies.statements import service_trust
from constructs import Construct


class OrganizationAggregator(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, org: Organization, regions: list[str]) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.CfnRole(
            self,
            "Role",
            role_name=org.config_aggregator_role,
            description="org-baseline: AWS Config reads the organization's accounts for the organization aggregator",
            max_session_duration=3600,
            managed_policy_arns=[org.aws_managed_policy_arn("service-role/AWSConfigRoleForOrganizations")],
            assume_role_policy_document=service_trust(
                "config.amazonaws.com", condition={"StringEquals": {"aws:SourceAccount": org.security_account_id}}
            ),
        )
        policy = org.aws_managed_policy_arn("service-role/AWSConfigRoleForOrganizations")
        cdk.Validations.of(self.role).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::{policy}]",
                reason="The AWS managed policy AWS Config documents for organization aggregators: read-only "
                "Organizations calls, kept current by AWS as Config needs more of them.",
            )
        )
        self.aggregator = config.CfnConfigurationAggregator(
            self,
            "Aggregator",
            configuration_aggregator_name=org.config_aggregator,
            organization_aggregation_source=config.CfnConfigurationAggregator.OrganizationAggregationSourceProperty(
                role_arn=self.role.attr_arn, all_aws_regions=False, aws_regions=sorted(regions)
            ),
        )

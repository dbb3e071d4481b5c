"""GuardDuty's organization configuration in one region of the security account (its delegated administrator).

CloudFormation cannot do this part: the administrator's detector is created when the management account designates
it (https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html), so an `AWS::GuardDuty::Detector`
here would fail as a second detector, and no resource type sets the organization configuration (cfn-lint's provider
schemas). The custom resource `Custom::GuardDutyOrganization` sets the detector's protection plans and auto-enables
every member account, existing and new, with the same plans; member accounts therefore get their detectors from
GuardDuty, not from their baseline stacks.
"""

from __future__ import annotations

import aws_cdk as cdk

from config.models import GUARDDUTY_PLANS, GuardDuty
from config.naming import Organization
from config.policies.statements import Statement, allow
from constructs import Construct
from constructs.security.handler import HandlerFunction


def detector_features(settings: GuardDuty) -> list[str]:
    """The detector feature names of the plans in the config, in the config's order."""
    return [GUARDDUTY_PLANS[plan] for plan in settings.protection_plans]


def guardduty_statements(org: Organization, account_id: str, regions: list[str]) -> list[Statement]:
    """What the security account's handler role may do for GuardDuty, in the allowed regions only."""
    return [
        allow(
            sid="GuardDutyOrganizationConfiguration",
            action=[
                "guardduty:ListDetectors",
                "guardduty:CreateDetector",
                "guardduty:DescribeOrganizationConfiguration",
                "guardduty:UpdateOrganizationConfiguration",
                "organizations:DescribeOrganization",
                "organizations:ListAccounts",
                "organizations:ListDelegatedAdministrators",
            ],
            resource="*",
            condition={"StringEquals": {"aws:RequestedRegion": sorted(regions)}},
        ),
        allow(
            sid="ConfigureTheDetectors",
            action=[
                "guardduty:GetDetector",
                "guardduty:UpdateDetector",
            ],
            resource=[f"arn:{org.partition}:guardduty:{r}:{account_id}:detector/*" for r in sorted(regions)],
        ),
        allow(
            sid="GuardDutyServiceLinkedRoles",
            action="iam:CreateServiceLinkedRole",
            resource=f"arn:{org.partition}:iam::{account_id}:role/aws-service-role/*guardduty.amazonaws.com/*",
            condition={
                "StringEquals": {
                    "iam:AWSServiceName": ["guardduty.amazonaws.com", "malware-protection.guardduty.amazonaws.com"]
                }
            },
        ),
    ]


def guardduty_acknowledgments(org: Organization, account_id: str, regions: list[str]) -> list[cdk.Acknowledgment]:
    """cdk-nag's wildcard findings on `guardduty_statements`, each written out with why AWS leaves no narrower one."""
    p = org.partition
    return [
        cdk.Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason="ListDetectors, CreateDetector, the organization configuration calls and Organizations' reads "
            "name no detector (Service Authorization Reference); limited to the allowed regions by "
            "aws:RequestedRegion.",
        ),
        *(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::arn:{p}:guardduty:{region}:{account_id}:detector/*]",
                reason="GuardDuty names the detector when it enables the administrator account; only this account's "
                "detectors in this region.",
            )
            for region in sorted(regions)
        ),
        cdk.Acknowledgment(
            id=f"AwsSolutions-IAM5[Resource::arn:{p}:iam::{account_id}:role/aws-service-role/*guardduty.amazonaws.com/*]",
            reason="GuardDuty's service-linked roles, named by GuardDuty; iam:AWSServiceName names the two GuardDuty "
            "services.",
        ),
    ]


class GuardDutyOrganization(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, handler: HandlerFunction, settings: GuardDuty) -> None:
        super().__init__(scope, construct_id)
        self.configuration: cdk.CustomResource = handler.resource(
            "Configuration", "Custom::GuardDutyOrganization", {"Features": detector_features(settings)}
        )

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
from aws_cdk import aws_guardduty as guardduty

from config.models import GUARDDUTY_PLANS, GuardDuty
from config.naming import Organization
from config.policies.statements import Statement, allow
from constructs import Construct
from constructs.security.handler import HandlerFunction


def detector_features(settings: GuardDuty) -> list[str]:
    """The detector feature names of the plans in the config, in the config's order."""
    return [GUARDDUTY_PLANS[plan] for plan in settings.protection_plans]


def guardduty_statements(
    org: Organization, account_id: str, regions: list[str], *, export_findings: bool
) -> list[Statement]:
    """What the security account's handler role may do for GuardDuty, in the allowed regions only; with findings
    exported, also read the findings key's ARN through its alias (the key policy names this role)."""
    find_key = allow(
        sid="FindTheFindingsKey",
        action="kms:DescribeKey",
        resource=f"arn:{org.partition}:kms:{org.home_region}:{org.log_archive_account_id}:key/*",
    )
    return [
        *([find_key] if export_findings else []),
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


def guardduty_acknowledgments(
    org: Organization, account_id: str, regions: list[str], *, export_findings: bool
) -> list[cdk.Acknowledgment]:
    """cdk-nag's wildcard findings on `guardduty_statements`, each written out with why AWS leaves no narrower one."""
    p = org.partition
    find_key = cdk.Acknowledgment(
        id=f"AwsSolutions-IAM5[Resource::arn:{p}:kms:{org.home_region}:{org.log_archive_account_id}:key/*]",
        reason="The findings key's ID is made by KMS in the log-archive stack; the role finds it by its alias, and "
        "the key policy lets only this role describe it.",
    )
    return [
        *([find_key] if export_findings else []),
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
    def __init__(
        self, scope: Construct, construct_id: str, *, org: Organization, handler: HandlerFunction, settings: GuardDuty
    ) -> None:
        super().__init__(scope, construct_id)
        self.configuration: cdk.CustomResource = handler.resource(
            "Configuration", "Custom::GuardDutyOrganization", {"Features": detector_features(settings)}
        )
        if settings.export_findings:
            self.findings_export = FindingsExport(
                self,
                "FindingsExport",
                org=org,
                handler=handler,
                detector_id=self.configuration.get_att_string("DetectorId"),
            )


class FindingsExport(Construct):
    """This region's detector exports its findings, and with them those of every member account in the region, to the
    log-archive account's findings bucket (home region), encrypted with the bucket's key.

    The destination needs the key's ARN, which KMS makes when the log-archive stack creates the key; this stack finds
    it by the key's deterministic alias ARN (`Custom::KeyOfAlias`, kms:DescribeKey, which accepts an alias ARN for a
    key of another account: https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html). Decision 0019.
    A bucket and key in the home region serve every allowed region: "Your Amazon S3 bucket or object, and AWS KMS
    key must belong to the same AWS Region", and findings of a commercial Region may go to a bucket in any commercial
    Region (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html).
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, org: Organization, handler: HandlerFunction, detector_id: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = handler.resource(
            "FindingsKey", "Custom::KeyOfAlias", {"AliasArn": org.guardduty_findings_key_alias_arn}
        )
        self.destination = guardduty.CfnPublishingDestination(
            self,
            "Destination",
            detector_id=detector_id,
            destination_type="S3",
            destination_properties=guardduty.CfnPublishingDestination.CFNDestinationPropertiesProperty(
                destination_arn=org.guardduty_findings_bucket_arn,
                kms_key_arn=self.key.get_att_string("KeyArn"),
            ),
        )

"""CIS AWS Foundations Benchmark v5.0 section 4 monitoring: metric filters and alarms on the org trail log group."""

from __future__ import annotations

from typing import NamedTuple

from aws_cdk import aws_logs as logs

from config.naming import Organization
from constructs import Construct
from constructs.alerting.encrypted_topic import encrypted_topic
from constructs.alerting.log_alarm import log_metric_alarm

METRIC_NAMESPACE = "OrgBaseline/CIS"


class CisControl(NamedTuple):
    number: str  # CIS v5.0 control number
    name: str  # metric and construct name
    title: str
    pattern: str  # CloudWatch Logs filter pattern, as the benchmark gives it


def _any_event(*event_names: str) -> str:
    return "{ " + " || ".join(f"($.eventName = {name})" for name in event_names) + " }"


def _source_events(source: str, *event_names: str, quote: bool = False) -> str:
    events = " || ".join(f'($.eventName = "{n}")' if quote else f"($.eventName = {n})" for n in event_names)
    return f"{{ ($.eventSource = {source}) && ({events}) }}"


CIS_CONTROLS: tuple[CisControl, ...] = (
    CisControl("4.1", "UnauthorizedApiCalls", "Unauthorized API calls",
               '{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && '
               '($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }'),
    CisControl("4.2", "ConsoleSignInWithoutMfa", "Management console sign-in without MFA",
               '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
               '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }'),
    CisControl("4.3", "RootAccountUsage", "Usage of the root user",
               '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
               '$.eventType != "AwsServiceEvent" }'),
    CisControl("4.4", "IamPolicyChanges", "IAM policy changes",
               "{" + "||".join(f"($.eventName={n})" for n in (
                   "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
                   "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
                   "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy",
                   "AttachGroupPolicy", "DetachGroupPolicy")) + "}"),
    CisControl("4.5", "CloudTrailChanges", "CloudTrail configuration changes",
               _any_event("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging")),
    CisControl("4.6", "ConsoleAuthenticationFailures", "Management console authentication failures",
               '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'),
    CisControl("4.7", "CmkDisableOrScheduledDeletion", "Disabling or scheduled deletion of customer managed keys",
               _source_events("kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion")),
    CisControl("4.8", "S3BucketPolicyChanges", "S3 bucket policy changes",
               _source_events("s3.amazonaws.com", "PutBucketAcl", "PutBucketPolicy", "PutBucketCors",
                              "PutBucketLifecycle", "PutBucketReplication", "DeleteBucketPolicy", "DeleteBucketCors",
                              "DeleteBucketLifecycle", "DeleteBucketReplication")),
    CisControl("4.9", "AwsConfigChanges", "AWS Config configuration changes",
               _source_events("config.amazonaws.com", "StopConfigurationRecorder", "DeleteDeliveryChannel",
                              "PutDeliveryChannel", "PutConfigurationRecorder")),
    CisControl("4.10", "SecurityGroupChanges", "Security group changes",
               _any_event("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
                          "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateSecurityGroup",
                          "DeleteSecurityGroup", "ModifySecurityGroupRules")),
    CisControl("4.11", "NetworkAclChanges", "Network ACL changes",
               _any_event("CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
                          "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation")),
    CisControl("4.12", "NetworkGatewayChanges", "Network gateway changes",
               _any_event("CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway",
                          "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway")),
    CisControl("4.13", "RouteTableChanges", "Route table changes",
               _any_event("CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation",
                          "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable")),
    CisControl("4.14", "VpcChanges", "VPC changes",
               _any_event("CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
                          "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection",
                          "AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink",
                          "EnableVpcClassicLink")),
    CisControl("4.15", "OrganizationsChanges", "AWS Organizations changes",
               _source_events("organizations.amazonaws.com", "AcceptHandshake", "AttachPolicy", "CreateAccount",
                              "CreateOrganizationalUnit", "CreatePolicy", "DeclineHandshake", "DeleteOrganization",
                              "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy", "DisablePolicyType",
                              "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization", "MoveAccount",
                              "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit",
                              quote=True)),
)  # fmt: skip


class CisAlarms(Construct):
    """One metric filter and one alarm per CIS control, alarming to an encrypted, TLS-only SNS topic."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        log_group: logs.CfnLogGroup,
        emails: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        account_id, region, p = org.management_account_id, org.home_region, org.partition
        alarm_arns = f"arn:{p}:cloudwatch:{region}:{account_id}:alarm:*"
        from_our_alarms = {"StringEquals": {"aws:SourceAccount": account_id}, "ArnLike": {"aws:SourceArn": alarm_arns}}

        self.key, self.topic = encrypted_topic(
            self,
            partition=p,
            account_id=account_id,
            region=region,
            name=org.alarm_topic,
            display_name="Security alarms",
            what="security alarm topic",
            key_logical_id="SecurityAlarmTopicKey",
            topic_logical_id="SecurityAlarmTopic",
            publisher="cloudwatch.amazonaws.com",
            publish_sid="AllowCloudWatchAlarmsToPublish",
            # CloudWatch alarms may carry aws:SourceAccount/aws:SourceArn in both policies: the SNS developer guide
            # recommends them in the key policy for event sources and excepts only EventBridge
            # (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
            topic_condition=from_our_alarms,
            key_condition=from_our_alarms,
            emails=emails,
        )

        for control in CIS_CONTROLS:
            log_metric_alarm(
                self,
                filter_id=f"{control.name}Filter",
                alarm_id=f"{control.name}Alarm",
                name=f"CIS-{control.number}-{control.name}",
                log_group=log_group,
                pattern=control.pattern,
                namespace=METRIC_NAMESPACE,
                metric=control.name,
                description=f"CIS AWS Foundations {control.number}: {control.title}",
                topic_arn=self.topic.topic_arn,
            )

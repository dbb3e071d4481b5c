"""Security properties of central logging, asserted resource by resource in both partitions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk.assertions import Capture, Match, Template

from config.models import OrgConfig
from config.naming import Organization
from config.policies.evaluator import Request, evaluate
from config.regions import PartitionName
from tests.conftest import Synthesized
from tests.support.templates import RETAINED, statement

# Every test runs in both partitions: each takes the `partition` fixture, directly or through `org`.


@pytest.fixture
def log_archive(synth: Synthesized, partition: PartitionName) -> Template:
    return synth.template(synth.only("log-archive", partition))


@pytest.fixture
def management(synth: Synthesized, partition: PartitionName) -> Template:
    return synth.template(synth.only("organization", partition))


def resource(template: Template, logical_id: str) -> dict[str, Any]:
    """One resource of the template, by logical ID (pinned IDs of stateful resources)."""
    found: dict[str, Any] = template.to_json()["Resources"][logical_id]
    return found


# --- log-archive account --------------------------------------------------------------------------


def test_trail_bucket_is_private_versioned_kms_encrypted_and_retained(
    log_archive: Template, org: Organization, example_config: OrgConfig
) -> None:
    lifecycle = example_config.logging.trail_bucket
    bucket = {
        **RETAINED,
        "Properties": {
            "BucketName": org.trail_bucket,
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                "BucketKeyEnabled": False,
                "ServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["OrgTrailBucketKey", "Arn"]}},
            }]},
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "LoggingConfiguration": {"DestinationBucketName": {"Ref": "AccessLogBucket"},
                                     "LogFilePrefix": f"{org.trail_bucket}/"},
            "LifecycleConfiguration": {"Rules": [Match.object_like({
                "Status": "Enabled",
                "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": lifecycle.glacier_after_days}],
                "ExpirationInDays": lifecycle.expire_after_days,
                "NoncurrentVersionExpiration": {"NoncurrentDays": lifecycle.noncurrent_expire_after_days},
            })]},
        },
    }  # fmt: skip
    log_archive.has_resource("AWS::S3::Bucket", bucket)


def test_trail_bucket_key_rotates_is_retained_and_administrable(log_archive: Template, org: Organization) -> None:
    key = resource(log_archive, "OrgTrailBucketKey")
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert {k: key[k] for k in RETAINED} == RETAINED
    admin = statement(key["Properties"]["KeyPolicy"], "AllowAccountIamToAdministerKey")
    assert admin["Principal"] == {"AWS": f"arn:{org.partition}:iam::{org.log_archive_account_id}:root"}
    cloudtrail = statement(key["Properties"]["KeyPolicy"], "AllowOrgTrailToEncryptWithBucketDefault")
    assert cloudtrail["Condition"] == {"StringEquals": {"aws:SourceArn": org.trail_arn}}


def test_trail_bucket_policy_is_tls_only_and_admits_only_our_trail(log_archive: Template, org: Organization) -> None:
    policy = Capture()
    log_archive.has_resource_properties(
        "AWS::S3::BucketPolicy", {"Bucket": {"Ref": "OrgTrailBucket"}, "PolicyDocument": policy}
    )
    statements = policy.as_object()["Statement"]
    tls = [s for s in statements if s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
    assert len(tls) == 1 and tls[0]["Effect"] == "Deny" and tls[0]["Action"] == "s3:*"
    assert tls[0]["Principal"] == {"AWS": "*"}

    trail_arn = f"arn:{org.partition}:cloudtrail:{org.home_region}:{org.management_account_id}:trail/" \
                f"{org.trail_name}"  # fmt: skip
    bucket_arn = f"arn:{org.partition}:s3:::{org.trail_bucket}"
    cloudtrail = [s for s in statements if s.get("Principal") == {"Service": "cloudtrail.amazonaws.com"}]
    assert sorted(cloudtrail, key=lambda s: s["Sid"]) == [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": bucket_arn,
         "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}},
        {"Sid": "AWSCloudTrailWriteManagementAccount", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"{bucket_arn}/AWSLogs/{org.management_account_id}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}}},
        {"Sid": "AWSCloudTrailWriteOrganization", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"{bucket_arn}/AWSLogs/{org.organization_id}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}}},
    ]  # fmt: skip
    # Nothing else is allowed in but the security account's reading (next test): every other statement denies.
    security_root = {"AWS": f"arn:{org.partition}:iam::{org.security_account_id}:root"}
    assert all(s["Effect"] == "Deny" for s in statements if s not in cloudtrail and s["Principal"] != security_root)


def test_the_security_account_can_read_the_trail_logs_it_may_decrypt(
    log_archive: Template, management: Template, org: Organization, partition: PartitionName
) -> None:
    # The trail key lets the security account decrypt trail logs; reading them across accounts also takes the
    # bucket policy (S3 checks both: bucket owner's policy and the caller's IAM).
    key_policy = resource(management, "OrgTrailKey")["Properties"]["KeyPolicy"]
    readers = statement(key_policy, "AllowLogReadersToDecryptTrailLogs")["Principal"]["AWS"]
    assert f"arn:{partition}:iam::{org.security_account_id}:root" in readers
    policy = Capture()
    log_archive.has_resource_properties(
        "AWS::S3::BucketPolicy", {"Bucket": {"Ref": "OrgTrailBucket"}, "PolicyDocument": policy}
    )
    bucket_arn = f"arn:{partition}:s3:::{org.trail_bucket}"
    security_root = {"AWS": f"arn:{partition}:iam::{org.security_account_id}:root"}
    granted = [s for s in policy.as_object()["Statement"] if s["Principal"] == security_root]
    if org.security_account_id == org.log_archive_account_id:
        # GovCloud's example: the log-archive account is the security account and reads through its own IAM.
        assert partition == "aws-us-gov" and granted == []
        return
    assert partition == "aws"
    assert sorted(granted, key=lambda s: s["Sid"]) == [
        {"Sid": "SecurityAccountListsTrailLogs", "Effect": "Allow", "Principal": security_root,
         "Action": "s3:ListBucket", "Resource": bucket_arn,
         "Condition": {"StringLike": {"s3:prefix": ["AWSLogs/", "AWSLogs/*"]}}},
        {"Sid": "SecurityAccountReadsTrailLogs", "Effect": "Allow", "Principal": security_root,
         "Action": "s3:GetObject", "Resource": f"{bucket_arn}/AWSLogs/*"},
    ]  # fmt: skip
    documents = [{"Statement": granted}]
    log = f"{bucket_arn}/AWSLogs/{org.organization_id}/{org.management_account_id}/CloudTrail/x.json.gz"
    assert evaluate(documents, Request("s3:GetObject", log)) == "Allow"
    assert evaluate(documents, Request("s3:ListBucket", bucket_arn, {"s3:prefix": "AWSLogs/o-1/"})) == "Allow"
    for action, target in [
        ("s3:PutObject", log),
        ("s3:DeleteObject", log),
        ("s3:GetObject", f"{bucket_arn}/other/x"),
        ("s3:GetBucketPolicy", bucket_arn),
    ]:
        assert evaluate(documents, Request(action, target)) == "ImplicitDeny", action
    assert evaluate(documents, Request("s3:ListBucket", bucket_arn)) == "ImplicitDeny"  # no prefix: not listed


def test_access_log_bucket_is_private_retained_and_written_only_by_s3_logging(
    log_archive: Template, org: Organization, example_config: OrgConfig
) -> None:
    bucket = resource(log_archive, "AccessLogBucket")
    assert {k: bucket[k] for k in RETAINED} == RETAINED
    props = bucket["Properties"]
    assert props["BucketName"] == org.access_log_bucket
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    assert all(props["PublicAccessBlockConfiguration"].values()) and len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert (
        props["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"]
        == example_config.logging.access_log_expire_after_days
    )
    policy = Capture()
    log_archive.has_resource_properties(
        "AWS::S3::BucketPolicy", {"Bucket": {"Ref": "AccessLogBucket"}, "PolicyDocument": policy}
    )
    allows = [s for s in policy.as_object()["Statement"] if s["Effect"] == "Allow"]
    # One statement per bucket that logs here: the trail, Session Manager log, AWS Config and GuardDuty findings
    # buckets.
    assert len(allows) == 4
    sources = []
    for allow in allows:
        assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"}
        assert allow["Action"] == "s3:PutObject"
        assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": org.log_archive_account_id}
        sources.append(allow["Condition"]["ArnLike"]["aws:SourceArn"])
    assert sorted(s["Fn::GetAtt"][0] for s in sources) == [
        "ConfigBucket",
        "GuardDutyFindingsBucket",
        "OrgTrailBucket",
        "SessionLogBucket",
    ]


def test_log_archive_stack_is_termination_protected_in_the_log_archive_account(
    synth: Synthesized, partition: PartitionName, org: Organization
) -> None:
    info = synth.one("log-archive", partition)
    assert info.stack.termination_protection is True
    assert (info.stack.account, info.stack.region) == (org.log_archive_account_id, org.home_region)


# --- management account ---------------------------------------------------------------------------


def test_organization_trail_covers_everything_and_is_encrypted(management: Template, org: Organization) -> None:
    trail = {
        **RETAINED,
        "Properties": {
            "TrailName": org.trail_name,
            "IsLogging": True,
            "IsOrganizationTrail": True,
            "IsMultiRegionTrail": True,
            "IncludeGlobalServiceEvents": True,
            "EnableLogFileValidation": True,
            "EventSelectors": [{"IncludeManagementEvents": True, "ReadWriteType": "All"}],
            "S3BucketName": org.trail_bucket,
            "KMSKeyId": {"Fn::GetAtt": ["OrgTrailKey", "Arn"]},
            "CloudWatchLogsLogGroupArn": {"Fn::GetAtt": ["OrgTrailLogGroup", "Arn"]},
            "CloudWatchLogsRoleArn": {"Fn::GetAtt": [Match.string_like_regexp("LogsDeliveryRole"), "Arn"]},
        },
    }  # fmt: skip
    management.has_resource("AWS::CloudTrail::Trail", trail)
    assert "DataResources" not in str(resource(management, "OrgTrail"))  # management events, no data events


def test_trail_log_group_is_kms_encrypted_and_kept_a_year(
    management: Template, org: Organization, example_config: OrgConfig
) -> None:
    group = resource(management, "OrgTrailLogGroup")
    assert {k: group[k] for k in RETAINED} == RETAINED
    assert group["Properties"]["LogGroupName"] == org.trail_log_group
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["OrgTrailKey", "Arn"]}
    assert group["Properties"]["RetentionInDays"] == example_config.logging.cloudwatch_retention_days >= 365


def test_trail_key_policy(management: Template, org: Organization) -> None:
    key = resource(management, "OrgTrailKey")
    assert key["Properties"]["EnableKeyRotation"] is True
    assert {k: key[k] for k in RETAINED} == RETAINED
    policy = key["Properties"]["KeyPolicy"]
    p, account, region = org.partition, org.management_account_id, org.home_region
    trail_context = f"arn:{p}:cloudtrail:*:{account}:trail/*"

    encrypt = statement(policy, "AllowCloudTrailToEncrypt")
    assert encrypt["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert encrypt["Action"] == "kms:GenerateDataKey*"
    assert encrypt["Condition"] == {
        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trail_context},
        "StringEquals": {"aws:SourceArn": org.trail_arn},
    }
    describe = statement(policy, "AllowCloudTrailToDescribeKey")
    assert describe["Action"] == "kms:DescribeKey"
    assert describe["Condition"] == {"StringEquals": {"aws:SourceArn": org.trail_arn}}

    readers = statement(policy, "AllowLogReadersToDecryptTrailLogs")
    reader_ids = sorted({org.log_archive_account_id, org.security_account_id, account})
    assert readers["Principal"] == {"AWS": [f"arn:{p}:iam::{i}:root" for i in reader_ids]}
    assert readers["Action"] == ["kms:Decrypt", "kms:ReEncryptFrom"]
    assert readers["Condition"] == {
        "StringEquals": {"kms:CallerAccount": reader_ids},
        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trail_context},
    }

    logs = statement(policy, "AllowCloudWatchLogsForTrailLogGroup")
    assert logs["Principal"] == {"Service": f"logs.{region}.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnEquals": {
            "kms:EncryptionContext:aws:logs:arn": f"arn:{p}:logs:{region}:{account}:log-group:{org.trail_log_group}"
        }
    }

    admin = statement(policy, "AllowAccountIamToAdministerKey")
    assert admin["Principal"] == {"AWS": f"arn:{p}:iam::{account}:root"}
    assert len(policy["Statement"]) == 5, "unexpected extra statement in the trail key policy"


def test_logs_delivery_role_is_trusted_only_by_our_trail_and_only_writes_streams(
    management: Template, org: Organization
) -> None:
    p, account, region = org.partition, org.management_account_id, org.home_region
    # The organization stack's other role is the security services' registration function's (its own tests).
    role = [
        r for k, r in management.find_resources("AWS::IAM::Role").items() if not k.startswith("SecurityDelegatedAdmins")
    ]
    assert len(role) == 1
    assert role[0]["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceArn": org.trail_arn}}}]  # fmt: skip
    assert "Policies" not in role[0]["Properties"], "no inline policies"
    (policy,) = [
        v for k, v in management.find_resources("AWS::IAM::ManagedPolicy").items()
        if not k.startswith("SecurityDelegatedAdmins")
    ]  # fmt: skip
    group = f"arn:{p}:logs:{region}:{account}:log-group:{org.trail_log_group}"
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [{
        "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [f"{group}:log-stream:{account}_CloudTrail_{region}*",
                     f"{group}:log-stream:{org.organization_id}_*"]}]  # fmt: skip


def test_organization_stack_is_termination_protected_in_the_management_account(
    synth: Synthesized, partition: PartitionName, org: Organization
) -> None:
    info = synth.one("organization", partition)
    assert info.stack.termination_protection is True
    assert (info.stack.account, info.stack.region) == (org.management_account_id, org.home_region)


# --- CIS monitoring --------------------------------------------------------------------------------

# Copied from the CIS AWS Foundations Benchmark v5.0 (REFERENCE.md section 4), independently of the code.
CIS_PATTERNS = {
    "4.1": '{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
    "4.2": '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    "4.3": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    "4.4": "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}",
    "4.5": "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    "4.6": '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    "4.7": "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
    "4.8": "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
    "4.9": "{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel) || ($.eventName = PutConfigurationRecorder)) }",
    "4.10": "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }",
    "4.11": "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
    "4.12": "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }",
    "4.13": "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }",
    "4.14": "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
    "4.15": '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }',
}  # fmt: skip


def cis_only(resources: Mapping[str, Mapping[str, Any]], name_key: str) -> dict[str, Mapping[str, Any]]:
    # The organization stack also holds the breakglass backstop alarm (tests/test_access_alerts.py).
    return {k: v for k, v in resources.items() if v["Properties"][name_key].startswith("CIS-")}


def test_every_cis_control_has_its_exact_filter_on_the_trail_log_group(management: Template) -> None:
    filters = cis_only(management.find_resources("AWS::Logs::MetricFilter"), "FilterName")
    by_control = {f["Properties"]["FilterName"].split("-")[1]: f["Properties"] for f in filters.values()}
    assert sorted(by_control) == sorted(CIS_PATTERNS)
    for control, pattern in CIS_PATTERNS.items():
        props = by_control[control]
        assert props["FilterPattern"] == pattern, control
        assert props["LogGroupName"] == {"Ref": "OrgTrailLogGroup"}
        (transformation,) = props["MetricTransformations"]
        assert transformation["MetricValue"] == "1"


def test_every_cis_filter_has_an_alarm_to_the_security_topic(management: Template) -> None:
    filters = cis_only(management.find_resources("AWS::Logs::MetricFilter"), "FilterName")
    alarms = cis_only(management.find_resources("AWS::CloudWatch::Alarm"), "AlarmName")
    assert len(alarms) == len(filters) == 15
    metrics = {
        (f["Properties"]["MetricTransformations"][0]["MetricNamespace"],
         f["Properties"]["MetricTransformations"][0]["MetricName"]) for f in filters.values()
    }  # fmt: skip
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert (props["Namespace"], props["MetricName"]) in metrics
        assert props["Statistic"] == "Sum" and props["Period"] == 300 and props["EvaluationPeriods"] == 1
        assert props["Threshold"] == 1 and props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert props["ActionsEnabled"] is True
        assert props["AlarmActions"] == [{"Ref": "SecurityAlarmTopic"}]
    assert len({a["Properties"]["MetricName"] for a in alarms.values()}) == 15


def test_alarm_topic_is_kms_encrypted_tls_only_and_publishable_by_our_alarms(
    management: Template, org: Organization
) -> None:
    topic = resource(management, "SecurityAlarmTopic")
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["SecurityAlarmTopicKey", "Arn"]}
    assert topic["Properties"]["TopicName"] == org.alarm_topic
    policy = Capture()
    management.has_resource_properties(
        "AWS::SNS::TopicPolicy", {"Topics": [{"Ref": "SecurityAlarmTopic"}], "PolicyDocument": policy}
    )
    statements = policy.as_object()["Statement"]
    tls = [s for s in statements if s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
    assert len(tls) == 1 and tls[0]["Effect"] == "Deny"
    alarms_arn = f"arn:{org.partition}:cloudwatch:{org.home_region}:{org.management_account_id}:alarm:*"
    from_our_alarms = {"StringEquals": {"aws:SourceAccount": org.management_account_id},
                       "ArnLike": {"aws:SourceArn": alarms_arn}}  # fmt: skip
    publish = statement(policy.as_object(), "AllowCloudWatchAlarmsToPublish")
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert publish["Action"] == "sns:Publish" and publish["Condition"] == from_our_alarms

    key = resource(management, "SecurityAlarmTopicKey")
    assert key["Properties"]["EnableKeyRotation"] is True
    use = statement(key["Properties"]["KeyPolicy"], "AllowCloudWatchAlarmsToPublishEncrypted")
    assert use["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert use["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    # CloudWatch (unlike EventBridge) supports the source conditions in the key policy; and the topic only.
    topic_arn = f"arn:{org.partition}:sns:{org.home_region}:{org.management_account_id}:{org.alarm_topic}"
    assert use["Condition"] == {
        "StringEquals": {"aws:SourceAccount": org.management_account_id,
                         "kms:EncryptionContext:aws:sns:topicArn": topic_arn},
        "ArnLike": {"aws:SourceArn": alarms_arn},
    }  # fmt: skip


def test_alarm_emails_are_subscribed(management: Template, example_config: OrgConfig) -> None:
    subscriptions = management.find_resources("AWS::SNS::Subscription")
    assert sorted(s["Properties"]["Endpoint"] for s in subscriptions.values()) == example_config.logging.alarm_emails
    assert all(s["Properties"]["TopicArn"] == {"Ref": "SecurityAlarmTopic"} for s in subscriptions.values())


# --- stateful resources keep their logical IDs ------------------------------------------------------


def test_stateful_logical_ids_are_pinned(log_archive: Template, management: Template) -> None:
    assert resource(log_archive, "OrgTrailBucket")["Type"] == "AWS::S3::Bucket"
    assert resource(log_archive, "AccessLogBucket")["Type"] == "AWS::S3::Bucket"
    assert resource(log_archive, "OrgTrailBucketKey")["Type"] == "AWS::KMS::Key"
    assert resource(management, "OrgTrail")["Type"] == "AWS::CloudTrail::Trail"
    assert resource(management, "OrgTrailKey")["Type"] == "AWS::KMS::Key"
    assert resource(management, "OrgTrailLogGroup")["Type"] == "AWS::Logs::LogGroup"
    assert resource(management, "SecurityAlarmTopicKey")["Type"] == "AWS::KMS::Key"
    assert resource(management, "SecurityAlarmTopic")["Type"] == "AWS::SNS::Topic"


def test_every_stateful_resource_is_retained(synth: Synthesized, partition: PartitionName) -> None:
    stateful = {"AWS::S3::Bucket", "AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::CloudTrail::Trail"}
    for name in synth.stack_names("log-archive", partition) + synth.stack_names("organization", partition):
        for logical_id, res in synth.templates[name]["Resources"].items():
            if res["Type"] in stateful:
                assert res.get("DeletionPolicy") == "RetainExceptOnCreate", f"{name}/{logical_id}"


# --- the management account, which no SCP binds ------------------------------------------------------------


def test_changes_to_the_trail_its_key_and_alarms_in_the_management_account_reach_the_hub(
    management: Template, org: Organization, partition: PartitionName
) -> None:
    rules = [r for r in management.to_json()["Resources"].values() if r["Type"] == "AWS::Events::Rule"]
    (rule,) = [
        r["Properties"] for r in rules if r["Properties"]["Name"] == "examplecorp-baseline-management-trail-tamper"
    ]
    assert rule["State"] == "ENABLED"  # write calls only: ENABLED receives them
    assert rule["EventPattern"] == {
        "detail-type": ["AWS API Call via CloudTrail"],
        "$or": [
            {"detail": {"eventSource": ["cloudtrail.amazonaws.com"],
                        "eventName": ["DeleteTrail", "PutEventSelectors", "PutInsightSelectors", "StopLogging",
                                      "UpdateTrail"]}},
            {"detail": {"eventSource": ["kms.amazonaws.com"],
                        "eventName": ["DeleteAlias", "DisableKey", "PutKeyPolicy", "ScheduleKeyDeletion",
                                      "UpdateAlias"]}},
            {"detail": {"eventSource": ["logs.amazonaws.com"],
                        "eventName": ["DeleteLogGroup", "DeleteMetricFilter", "DeleteSubscriptionFilter",
                                      "PutRetentionPolicy"]}},
            {"detail": {"eventSource": ["monitoring.amazonaws.com"],
                        "eventName": ["DeleteAlarms", "DisableAlarmActions"]}},
            {"detail": {"eventSource": ["sns.amazonaws.com"],
                        "eventName": ["DeleteTopic", "SetTopicAttributes", "Unsubscribe"]}},
            {"detail": {"eventSource": ["events.amazonaws.com"],
                        "eventName": ["DeleteRule", "DisableRule", "RemoveTargets"]}},
        ],
    }  # fmt: skip
    home = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}[partition]
    assert rule["Targets"] == [
        {
            "Id": "CentralAlertBus",
            "Arn": f"arn:{partition}:events:{home}:{org.security_account_id}:event-bus/examplecorp-baseline-alerts",
            "RoleArn": f"arn:{partition}:iam::{org.management_account_id}:role/examplecorp-baseline-alert-forwarder",
        }
    ]

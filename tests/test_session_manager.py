"""Session Manager instead of SSH bastions, asserted resource by resource in both partitions."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from aws_cdk.assertions import Capture

from config.models import Account, OrgConfig, SessionManager
from config.naming import Organization
from config.policies.permission_sets import access_model, session_access
from config.problems import ConfigError
from config.regions import PartitionName
from stacks.plan import plan
from tests.conftest import WORKLOAD_OTHER_REGION, Synthesized
from tests.support.config_data import ConfigFrom
from tests.support.templates import RETAINED, by_name, managed_policy_of, named, of_type, only, role_named, statement

# Every test runs in both partitions: each takes the `partition` fixture, directly or through another fixture.
# The workload account (conftest) has baseline stacks in its home region (`workload_home`, with the IAM resources)
# and one other (`workload_other_region`).


@pytest.fixture
def settings(example_config: OrgConfig) -> SessionManager:
    return example_config.session_manager


@pytest.fixture
def regions(home_region: str, partition: PartitionName) -> list[str]:
    """The regions of the workload account's baseline stacks, the home region first."""
    return [home_region, WORKLOAD_OTHER_REGION[partition]]


# --- preferences, per account and region -----------------------------------------------------------------


def test_preferences_document_pins_logging_encryption_timeouts_run_as_and_shell(
    synth: Synthesized,
    partition: PartitionName,
    org: Organization,
    settings: SessionManager,
    workload: Account,
    regions: list[str],
) -> None:
    for region in regions:
        template = synth.deployed(f"Baseline-{workload.name}-{region}")
        document = template["Resources"]["SessionPreferencesDocument"]
        assert document["Type"] == "AWS::SSM::Document"
        props = document["Properties"]
        assert props["Name"] == "SSM-SessionManagerRunShell"
        assert props["DocumentType"] == "Session"
        assert props["DocumentFormat"] == "JSON"
        assert props["UpdateMethod"] == "NewVersion"
        content = props["Content"]
        assert content["schemaVersion"] == "1.0"
        assert content["sessionType"] == "Standard_Stream"
        assert content["inputs"] == {
            "s3BucketName": org.session_log_bucket,
            "s3KeyPrefix": f"{workload.id}/{region}",
            "s3EncryptionEnabled": True,
            "cloudWatchLogGroupName": org.session_log_group,
            "cloudWatchEncryptionEnabled": True,
            "cloudWatchStreamingEnabled": True,
            "kmsKeyId": org.session_key_alias,
            "idleSessionTimeout": str(settings.idle_session_timeout_minutes),
            "maxSessionDuration": str(settings.max_session_duration_minutes),
            "runAsEnabled": True,
            "runAsDefaultUser": settings.run_as.default_user,
            "shellProfile": {"linux": settings.shell_profile.linux, "windows": settings.shell_profile.windows},
        }
        # The example config sets its own values, so defaults leaking through would show here.
        assert (content["inputs"]["idleSessionTimeout"], content["inputs"]["maxSessionDuration"]) == ("15", "120")
        assert document["DependsOn"] == ["SessionLogGroup"]


def test_session_key_and_log_group_per_region(
    synth: Synthesized,
    partition: PartitionName,
    org: Organization,
    settings: SessionManager,
    workload: Account,
    regions: list[str],
) -> None:
    for region in regions:
        resources = synth.deployed(f"Baseline-{workload.name}-{region}")["Resources"]
        key = resources["SessionKey"]
        assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
        assert {k: key[k] for k in RETAINED} == RETAINED
        policy = key["Properties"]["KeyPolicy"]
        assert len(policy["Statement"]) == 2
        admin = statement(policy, "AllowAccountIamToAdministerKey")
        assert admin["Principal"] == {"AWS": f"arn:{partition}:iam::{workload.id}:root"}
        logs = statement(policy, "AllowCloudWatchLogsForSessionLogGroups")
        assert logs["Principal"] == {"Service": f"logs.{region}.amazonaws.com"}
        group = f"arn:{partition}:logs:{region}:{workload.id}:log-group:"
        assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [
            f"{group}{org.session_log_group}", f"{group}/aws/lambda/{org.session_handler}",
            f"{group}/aws/lambda/examplecorp-baseline-account-settings"]}}  # fmt: skip
        (alias,) = [r for r in resources.values() if r["Type"] == "AWS::KMS::Alias"
                    and r["Properties"]["TargetKeyId"] == {"Fn::GetAtt": ["SessionKey", "Arn"]}]  # fmt: skip
        assert alias["Properties"] == {"AliasName": org.session_key_alias,
                                       "TargetKeyId": {"Fn::GetAtt": ["SessionKey", "Arn"]}}  # fmt: skip

        log_groups = (("SessionLogGroup", org.session_log_group),
                      ("SessionHandlerLogGroup", f"/aws/lambda/{org.session_handler}"))  # fmt: skip
        for logical_id, name in log_groups:
            group_resource = resources[logical_id]
            assert {k: group_resource[k] for k in RETAINED} == RETAINED
            assert group_resource["Properties"] == {
                "LogGroupName": name,
                "KmsKeyId": {"Fn::GetAtt": ["SessionKey", "Arn"]},
                "RetentionInDays": settings.cloudwatch_retention_days,
            }


def test_public_document_sharing_is_blocked_in_every_baseline_stack(
    synth: Synthesized, partition: PartitionName
) -> None:
    for stack_id in synth.stack_names("baseline", partition):
        template = synth.deployed(stack_id)
        (block,) = of_type(template, "Custom::BlockPublicDocumentSharing").values()
        assert block["Properties"]["Setting"] == "/ssm/documents/console/public-sharing-permission"
        function_id, function = named(
            template, "AWS::Lambda::Function", "FunctionName", "examplecorp-baseline-session-handler"
        )
        assert block["Properties"]["ServiceToken"] == {"Fn::GetAtt": [function_id, "Arn"]}
        assert function["Runtime"] == "python3.13"


def test_every_function_uses_what_both_govcloud_regions_have(synth: Synthesized, partition: PartitionName) -> None:
    # https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-lambda.html: GovCloud lags new runtimes
    # and has no JSON log format. python3.13 on x86_64 (the default architecture), text logs.
    functions = [
        (info.stack.stack_name, resource["Properties"])
        for info in synth.infos
        if info.partition == partition
        for resource in of_type(synth.deployed(info.stack.stack_name), "AWS::Lambda::Function").values()
    ]
    assert functions
    for stack, props in functions:
        assert props["Runtime"] == "python3.13", stack
        assert props.get("Architectures", ["x86_64"]) == ["x86_64"], stack
        assert props.get("LoggingConfig", {}).get("LogFormat", "Text") == "Text", stack


def test_handler_function_runs_as_the_home_region_role(
    workload_home: dict[str, Any],
    workload_other_region: dict[str, Any],
    org: Organization,
    workload: Account,
    partition: PartitionName,
) -> None:
    for template in (workload_home, workload_other_region):
        _, props = named(template, "AWS::Lambda::Function", "FunctionName", org.session_handler)
        assert props["Role"] == f"arn:{partition}:iam::{workload.id}:role/{org.session_handler}"
        assert props["Handler"] == "index.handler"
        assert props["LoggingConfig"] == {"LogGroup": f"/aws/lambda/{org.session_handler}"}
    # In the home region the function waits for its role's permissions.
    role_id, _ = role_named(workload_home, org.session_handler)
    policy_id, _ = managed_policy_of(workload_home, role_id)
    function_id, _ = named(workload_home, "AWS::Lambda::Function", "FunctionName", org.session_handler)
    assert policy_id in workload_home["Resources"][function_id]["DependsOn"]


def test_every_account_but_the_owner_shares_the_approved_documents_with_itself(
    synth: Synthesized, partition: PartitionName, org: Organization, example_config: OrgConfig
) -> None:
    ids = {a.name: a.id for a in example_config.accounts}
    for info in (i for i in synth.infos if i.kind == "baseline" and i.partition == partition):
        shares = of_type(synth.deployed(info.stack_id), "Custom::ApprovedDocumentShare")
        if ids[info.account_name] == org.session_documents_account_id:
            assert shares == {}, info.stack_id
            continue
        (share,) = shares.values()
        props = dict(share["Properties"])
        props.pop("ServiceToken")
        assert props == {
            "AccountId": ids[info.account_name],
            "DocumentNames": sorted(org.session_documents.values()),
            "SharerRoleArn": f"arn:{partition}:iam::{org.security_account_id}:role/{org.document_sharer_role}",
        }


def test_iam_only_in_home_region_stacks(synth: Synthesized, partition: PartitionName, org: Organization) -> None:
    for info in (i for i in synth.infos if i.kind in ("baseline", "session-documents") and i.partition == partition):
        iam = [
            r["Type"] for r in synth.deployed(info.stack_id)["Resources"].values() if r["Type"].startswith("AWS::IAM")
        ]
        if info.region == org.home_region:
            assert iam, info.stack_id
        else:
            assert iam == [], info.stack_id


# --- instance role, per account ---------------------------------------------------------------------------


def test_instance_role_trusts_only_ec2_and_has_a_same_named_profile(
    workload_home: dict[str, Any], org: Organization
) -> None:
    role_id, role = role_named(workload_home, org.instance_role)
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    assert "Policies" not in role and "ManagedPolicyArns" not in role
    profile = only(workload_home, "AWS::IAM::InstanceProfile")
    assert profile["Properties"] == {"InstanceProfileName": org.instance_role, "Roles": [{"Ref": role_id}]}


def test_instance_role_policy_is_exactly_the_agent_and_session_logging(
    workload_home: dict[str, Any], org: Organization, partition: PartitionName, workload: Account, regions: list[str]
) -> None:
    role_id, _ = role_named(workload_home, org.instance_role)
    p, log_archive, home_region = partition, org.log_archive_account_id, org.home_region
    bucket = f"arn:{p}:s3:::{org.session_log_bucket}"
    alias = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": org.session_key_alias}}
    _, policy = managed_policy_of(workload_home, role_id)
    assert policy["PolicyDocument"]["Statement"] == [
        {"Sid": "RegisterWithSystemsManager", "Effect": "Allow", "Action": "ssm:UpdateInstanceInformation",
         "Resource": [f"arn:{p}:ec2:{r}:{workload.id}:instance/*" for r in regions]},
        {"Sid": "OpenSessionChannels", "Effect": "Allow",
         "Action": ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], "Resource": "*"},
        {"Sid": "DecryptSessionData", "Effect": "Allow", "Action": "kms:Decrypt",
         "Resource": [f"arn:{p}:kms:{r}:{workload.id}:key/*" for r in regions], "Condition": alias},
        {"Sid": "WriteSessionLogsToS3", "Effect": "Allow", "Action": "s3:PutObject",
         "Resource": [f"{bucket}/{workload.id}/*", f"{bucket}/approved-documents/*"]},
        {"Sid": "CheckSessionLogBucketEncryption", "Effect": "Allow", "Action": "s3:GetEncryptionConfiguration",
         "Resource": bucket},
        {"Sid": "EncryptSessionLogsThroughS3", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
         "Resource": f"arn:{p}:kms:{home_region}:{log_archive}:key/*",
         "Condition": {"StringEquals": {"kms:ViaService": f"s3.{home_region}.amazonaws.com"}}},
        {"Sid": "WriteSessionLogsToCloudWatch", "Effect": "Allow",
         "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
         "Resource": [f"arn:{p}:logs:{r}:{workload.id}:log-group:{org.session_log_group}:*" for r in regions]},
        {"Sid": "CheckSessionLogGroupEncryption", "Effect": "Allow", "Action": "logs:DescribeLogGroups",
         "Resource": "*"},
    ]  # fmt: skip


# --- session access, per account ----------------------------------------------------------------------------


def test_session_access_role_is_for_this_accounts_identity_center_users(
    workload_home: dict[str, Any], org: Organization, partition: PartitionName, workload: Account
) -> None:
    _, role = role_named(workload_home, org.session_access_role)
    assert role["MaxSessionDuration"] == 3600
    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Sid": "IdentityCenterUsersOfThisAccount", "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{workload.id}:root"}, "Action": "sts:AssumeRole",
        "Condition": {"ArnLike": {
            "aws:PrincipalArn": f"arn:{partition}:iam::{workload.id}:role/aws-reserved/sso.amazonaws.com/*"}},
    }]  # fmt: skip


def test_start_session_only_on_instances_with_approved_documents(
    workload_home: dict[str, Any], org: Organization, partition: PartitionName, workload: Account, regions: list[str]
) -> None:
    role_id, _ = role_named(workload_home, org.session_access_role)
    _, policy = managed_policy_of(workload_home, role_id)
    assert policy["ManagedPolicyName"] == org.session_access_role
    document = policy["PolicyDocument"]
    sec = org.security_account_id
    approved = [f"arn:{partition}:ssm:{r}:{sec}:document/{d}" for r in regions for d in org.session_documents.values()]
    start = statement(document, "StartSessionsOnInstancesWithApprovedDocumentsOnly")
    # Never an AWS-owned (account-less) document: every document the policy names is the security account's.
    security = {"aws": "410987654323", "aws-us-gov": "320987654331"}[partition]
    documents_named = [arn for arn in start["Resource"] if ":document/" in arn]
    assert len(documents_named) == 2 * len(regions)
    assert all(arn.split(":")[4] == security for arn in documents_named), documents_named
    assert start == {
        "Sid": "StartSessionsOnInstancesWithApprovedDocumentsOnly", "Effect": "Allow", "Action": "ssm:StartSession",
        "Resource": [*(f"arn:{partition}:ec2:{r}:{workload.id}:instance/*" for r in regions), *approved],
        "Condition": {"BoolIfExists": {"ssm:SessionDocumentAccessCheck": "true"}},
    }  # fmt: skip
    own = statement(document, "EndOrResumeOwnSessionsOnly")
    assert own["Action"] == ["ssm:TerminateSession", "ssm:ResumeSession"]
    assert own["Resource"] == [f"arn:{partition}:ssm:{r}:{workload.id}:session/${{aws:userid}}-*" for r in regions]
    assert "Condition" not in own
    assert statement(document, "ReadApprovedDocuments")["Resource"] == approved
    listing = statement(document, "ListInstancesAndSessions")
    assert listing["Resource"] == "*"
    assert all(a.split(":")[1].startswith(("Describe", "GetConnectionStatus")) for a in listing["Action"])
    encrypt = statement(document, "EncryptSessionData")
    assert encrypt["Action"] == "kms:GenerateDataKey"
    assert encrypt["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": org.session_key_alias}}
    # StartSession appears in no other statement, so nothing widens it.
    assert [s["Sid"] for s in document["Statement"] if "ssm:StartSession" in str(s["Action"])] == [start["Sid"]]
    assert all(s["Effect"] == "Allow" for s in document["Statement"]) and len(document["Statement"]) == 5


def test_session_handler_role_policy(
    workload_home: dict[str, Any], org: Organization, partition: PartitionName, workload: Account, regions: list[str]
) -> None:
    role_id, role = role_named(workload_home, org.session_handler)
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    _, policy = managed_policy_of(workload_home, role_id)
    assert policy["PolicyDocument"]["Statement"] == [
        {"Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [f"arn:{partition}:logs:{r}:{workload.id}:log-group:/aws/lambda/{org.session_handler}:*"
                      for r in regions]},
        {"Sid": "BlockPublicDocumentSharing", "Effect": "Allow",
         "Action": ["ssm:GetServiceSetting", "ssm:UpdateServiceSetting"],
         "Resource": [f"arn:{partition}:ssm:{r}:{workload.id}:servicesetting/ssm/documents/console/"
                      "public-sharing-permission" for r in regions]},
        {"Sid": "AssumeDocumentSharer", "Effect": "Allow", "Action": "sts:AssumeRole",
         "Resource": f"arn:{partition}:iam::{org.security_account_id}:role/{org.document_sharer_role}"},
    ]  # fmt: skip


# --- the security account: approved documents and the sharer role -----------------------------------------


def test_security_stacks_are_planned_after_the_organization_and_before_baselines(
    example_config: OrgConfig, partition: PartitionName, org: Organization
) -> None:
    items = [i for i in plan(example_config) if i.partition == partition]
    kinds: list[str] = [i.kind for i in items]  # StrEnum members: compare as text
    part = example_config.partitions[partition]
    security = [i for i in items if i.kind in ("security", "session-documents")]
    assert [(i.stack_id, i.region) for i in security] == [(f"Security-{part.security_account}", part.home_region)] + [
        (f"SessionDocuments-{part.security_account}-{r}", r) for r in part.allowed_regions if r != part.home_region
    ]
    assert kinds.index("organization") < kinds.index("security") < kinds.index("baseline")
    assert max(kinds.index(k) for k in ("session-documents",)) < kinds.index("baseline")


def test_approved_documents_in_every_allowed_region(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName, org: Organization, settings: SessionManager
) -> None:
    part = example_config.partitions[partition]
    stacks = {r: f"SessionDocuments-{part.security_account}-{r}" for r in part.allowed_regions}
    stacks[part.home_region] = f"Security-{part.security_account}"
    for region, stack_id in stacks.items():
        info = synth.info(stack_id)
        assert (info.stack.account, info.stack.region) == (org.security_account_id, region)
        assert info.stack.termination_protection is True
        documents = by_name(synth.deployed(stack_id), "AWS::SSM::Document")
        assert sorted(documents) == sorted(org.session_documents.values())
        for props in documents.values():
            assert (props["DocumentType"], props["DocumentFormat"], props["UpdateMethod"]) == (
                "Session", "JSON", "NewVersion")  # fmt: skip
        shell = documents[org.session_documents["shell"]]["Content"]
        assert shell["sessionType"] == "Standard_Stream"
        assert shell["inputs"] == {
            "s3BucketName": org.session_log_bucket, "s3KeyPrefix": "approved-documents",
            "s3EncryptionEnabled": True, "cloudWatchLogGroupName": org.session_log_group,
            "cloudWatchEncryptionEnabled": True, "cloudWatchStreamingEnabled": True,
            "kmsKeyId": org.session_key_alias, "idleSessionTimeout": "15", "maxSessionDuration": "120",
            "runAsEnabled": True, "runAsDefaultUser": settings.run_as.default_user,
            "shellProfile": {"linux": settings.shell_profile.linux, "windows": settings.shell_profile.windows},
        }  # fmt: skip
        port = documents[org.session_documents["port_forwarding"]]["Content"]
        assert port["sessionType"] == "Port"
        assert port["properties"]["type"] == "LocalPortForwarding"  # never to remote hosts
        assert "host" not in port["parameters"] and "host" not in port["properties"]
        assert port["inputs"] == {"kmsKeyId": org.session_key_alias, "idleSessionTimeout": "15",
                                  "maxSessionDuration": "120"}  # fmt: skip


def test_document_sharer_role_trust_and_permissions(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName, org: Organization
) -> None:
    part = example_config.partitions[partition]
    template = synth.deployed(f"Security-{part.security_account}")
    role_id, role = role_named(template, org.document_sharer_role)
    assert role["MaxSessionDuration"] == 3600
    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Sid": "OrganizationSessionHandlersOnly", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": org.organization_id},
                      "ArnLike": {"aws:PrincipalArn": f"arn:{partition}:iam::*:role/{org.session_handler}"}},
    }]  # fmt: skip
    _, policy = managed_policy_of(template, role_id)
    assert policy["PolicyDocument"]["Statement"] == [{
        "Sid": "ShareApprovedSessionDocuments", "Effect": "Allow",
        "Action": ["ssm:DescribeDocumentPermission", "ssm:ModifyDocumentPermission"],
        "Resource": [f"arn:{partition}:ssm:{r}:{org.security_account_id}:document/{d}"
                     for r in part.allowed_regions for d in org.session_documents.values()],
    }]  # fmt: skip


# --- the central session log bucket, in the log-archive account -----------------------------------------------


@pytest.fixture
def log_archive(synth: Synthesized, partition: PartitionName) -> dict[str, Any]:
    """The template of the partition's log-archive stack."""
    return synth.deployed(synth.only("log-archive", partition))


def test_session_log_bucket_is_private_versioned_kms_logged_and_retained(
    log_archive: dict[str, Any], org: Organization, settings: SessionManager
) -> None:
    bucket = log_archive["Resources"]["SessionLogBucket"]
    assert {k: bucket[k] for k in RETAINED} == RETAINED
    props = bucket["Properties"]
    assert props["BucketName"] == org.session_log_bucket
    assert props["BucketEncryption"] == {
        "ServerSideEncryptionConfiguration": [
            {
                "BucketKeyEnabled": True,
                "ServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": {"Fn::GetAtt": ["SessionLogBucketKey", "Arn"]},
                },
            }
        ]
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert props["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": "AccessLogBucket"},
        "LogFilePrefix": f"{org.session_log_bucket}/",
    }
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    lifecycle = settings.log_bucket
    assert rule["Transitions"] == [{"StorageClass": "GLACIER", "TransitionInDays": lifecycle.glacier_after_days}]
    assert rule["ExpirationInDays"] == lifecycle.expire_after_days
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": lifecycle.noncurrent_expire_after_days}


def test_session_log_bucket_policy_admits_only_the_orgs_instance_roles(
    synth: Synthesized, partition: PartitionName, log_archive: dict[str, Any], org: Organization
) -> None:
    policy = Capture()
    synth.template(synth.only("log-archive", partition)).has_resource_properties(
        "AWS::S3::BucketPolicy", {"Bucket": {"Ref": "SessionLogBucket"}, "PolicyDocument": policy}
    )
    statements = policy.as_object()["Statement"]
    bucket = f"arn:{partition}:s3:::{org.session_log_bucket}"
    from_instance_roles = {
        "StringEquals": {"aws:PrincipalOrgID": org.organization_id},
        "ArnLike": {"aws:PrincipalArn": f"arn:{partition}:iam::*:role/{org.instance_role}"},
    }
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert sorted(allows, key=lambda s: s["Sid"]) == [
        {"Sid": "AllowOrgInstanceRolesToCheckEncryption", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": "s3:GetEncryptionConfiguration", "Resource": bucket, "Condition": from_instance_roles},
        {"Sid": "AllowOrgInstanceRolesToWriteSessionLogs", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": "s3:PutObject",
         "Resource": [f"{bucket}/${{aws:PrincipalAccount}}/*", f"{bucket}/approved-documents/*"],
         "Condition": from_instance_roles},
    ]  # fmt: skip
    denies = sorted(json.dumps(s["Condition"]) for s in statements if s["Effect"] == "Deny")
    assert denies == [json.dumps({"Bool": {"aws:SecureTransport": "false"}}),
                      json.dumps({"NumericLessThan": {"s3:TlsVersion": 1.2}})]  # fmt: skip


def test_session_log_bucket_key_lets_only_the_orgs_instance_roles_encrypt_through_s3(
    log_archive: dict[str, Any], org: Organization, partition: PartitionName
) -> None:
    key = log_archive["Resources"]["SessionLogBucketKey"]
    assert key["Properties"]["EnableKeyRotation"] is True and {k: key[k] for k in RETAINED} == RETAINED
    policy = key["Properties"]["KeyPolicy"]
    assert len(policy["Statement"]) == 2
    admin = statement(policy, "AllowAccountIamToAdministerKey")
    assert admin["Principal"] == {"AWS": f"arn:{partition}:iam::{org.log_archive_account_id}:root"}
    assert statement(policy, "AllowOrgInstanceRolesToEncryptThroughS3") == {
        "Sid": "AllowOrgInstanceRolesToEncryptThroughS3", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:PrincipalOrgID": org.organization_id,
                             "kms:ViaService": f"s3.{org.home_region}.amazonaws.com"},
            "ArnLike": {"aws:PrincipalArn": f"arn:{partition}:iam::*:role/{org.instance_role}"},
        },
    }  # fmt: skip


def test_session_stateful_logical_ids_are_pinned(
    log_archive: dict[str, Any], workload_home: dict[str, Any], workload_other_region: dict[str, Any]
) -> None:
    assert log_archive["Resources"]["SessionLogBucket"]["Type"] == "AWS::S3::Bucket"
    assert log_archive["Resources"]["SessionLogBucketKey"]["Type"] == "AWS::KMS::Key"
    for template in (workload_home, workload_other_region):
        assert template["Resources"]["SessionKey"]["Type"] == "AWS::KMS::Key"
        assert template["Resources"]["SessionLogGroup"]["Type"] == "AWS::Logs::LogGroup"
        assert template["Resources"]["SessionHandlerLogGroup"]["Type"] == "AWS::Logs::LogGroup"
        assert template["Resources"]["SessionPreferencesDocument"]["Type"] == "AWS::SSM::Document"


# --- at most 1,000 accounts share a document -------------------------------------------------------------


def _with_aws_accounts(example_data: dict[str, Any], total: int) -> dict[str, Any]:
    """The example config with generated commercial accounts added until the partition has `total` accounts."""
    data = copy.deepcopy(example_data)
    existing = sum(1 for a in data["accounts"] if a["partition"] == "aws")
    for n in range(total - existing):
        name = f"extra-{n:04d}"
        data["accounts"].append(
            {"name": name, "id": f"8{n:011d}", "email": f"{name}@example.com", "partition": "aws", "ou": "Workloads"}
        )
    return data


def test_more_accounts_than_a_document_can_be_shared_with_is_a_config_error(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    # ModifyDocumentPermission: "By default, you can share a private document with a maximum of 1,000 accounts"
    # (https://docs.aws.amazon.com/botocore/latest/reference/services/ssm/client/exceptions/DocumentPermissionLimit.html).
    # The security account owns the documents; every other account of the partition shares them.
    config_from(_with_aws_accounts(example_data, 1001))  # 1,000 sharing accounts: allowed
    with pytest.raises(ConfigError) as caught:
        config_from(_with_aws_accounts(example_data, 1002))
    assert "partitions.aws" in str(caught.value)
    assert "1,001 accounts would share the approved session documents" in str(caught.value)
    assert "at most 1,000 accounts" in str(caught.value)


# --- who the document access check binds ----------------------------------------------------------------


def test_the_document_check_binds_only_the_session_manager_set(example_config: OrgConfig, org: Organization) -> None:
    # ssm:SessionDocumentAccessCheck limits only the statement that carries it; AdministratorAccess and
    # PowerUserAccess allow ssm:StartSession on any document besides.
    model = access_model(example_config, org)
    access = {name: session_access(pset, model, org) for name, pset in model.permission_sets.items()}
    bound = {name for name, a in access.items() if a.approved_documents_only}
    unbound = {name for name, a in access.items() if a.can_start and not a.approved_documents_only}
    cannot = {name for name, a in access.items() if not a.can_start}
    assert bound == {"SessionManager"}
    assert unbound == {"Administrator", "PowerUser", "DataEngineer"}
    assert cannot == {"ReadOnly", "Support", "OnCall", "Requester", "Approver"}
    assert access["Administrator"].broader == ("AdministratorAccess",)


def _session_set(example_data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data = copy.deepcopy(example_data)
    data["identity_center"]["permission_sets"].append(
        {
            "name": "Shell",
            "description": "Sessions",
            "session_duration": "PT1H",
            "customer_managed_policies": ["examplecorp-baseline-session-access"],
            **extra,
        }
    )
    return data


def test_a_set_with_the_session_policy_and_broader_start_session_is_a_config_error(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    config_from(_session_set(example_data))  # the session policy alone: bound
    checked = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ssm:StartSession",
                "Resource": "*",
                "Condition": {"BoolIfExists": {"ssm:SessionDocumentAccessCheck": "true"}},
            }
        ],
    }
    config_from(_session_set(example_data, inline_policy=checked))  # more, but with the check: still bound
    with pytest.raises(ConfigError) as caught:
        config_from(_session_set(example_data, aws_managed_policies=["AdministratorAccess"]))
    assert "Shell attaches examplecorp-baseline-session-access, but AdministratorAccess also allows" in str(
        caught.value
    )
    unchecked = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}]}
    with pytest.raises(ConfigError) as caught:
        config_from(_session_set(example_data, inline_policy=unchecked))
    assert "but inline policy also allows ssm:StartSession without ssm:SessionDocumentAccessCheck" in str(caught.value)

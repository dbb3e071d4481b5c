"""Account settings the guardrails protect and the baseline turns on: S3 Block Public Access for the account (once,
home region) and EBS encryption by default (every baseline region), through the account-settings custom resources,
asserted in both partitions."""

from __future__ import annotations

from typing import Any

from config.models import Account, OrgConfig
from config.regions import PartitionName
from tests.conftest import Synthesized
from tests.support.templates import RETAINED, managed_policy_of, named, of_type, role_named

NAME = "examplecorp-baseline-account-settings"


def custom_resources(template: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return list(of_type(template, resource_type).values())


# Where the organization's S3 policy sets Block Public Access instead (config/org.yaml: commercial only); the
# account-level call is refused there (docs/organization-policies.md).
S3_POLICY_COVERS: dict[PartitionName, bool] = {"aws": True, "aws-us-gov": False}


def test_every_account_turns_on_s3_block_public_access_once_and_ebs_encryption_in_every_region(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName
) -> None:
    home = example_config.partitions[partition].home_region
    accounts = [a for a in example_config.accounts if a.partition == partition]
    for account in accounts:
        stacks = [i for i in synth.infos if i.kind == "baseline" and i.account_name == account.name]
        assert {i.region for i in stacks} == set(
            account.regions or example_config.partitions[partition].allowed_regions
        )
        for info in stacks:
            template = synth.deployed(info.stack_id)
            function_arn = {"Fn::GetAtt": [_function_id(template), "Arn"]}
            (ebs,) = custom_resources(template, "Custom::EbsEncryptionByDefault")
            assert ebs["Properties"] == {"ServiceToken": function_arn}, info.stack_id
            blocks = custom_resources(template, "Custom::AccountPublicAccessBlock")
            if info.region != home or S3_POLICY_COVERS[partition]:
                assert blocks == [], info.stack_id  # an account-wide setting: once, in the home region
                continue
            (block,) = blocks
            assert block["Properties"] == {"ServiceToken": function_arn, "AccountId": account.id}, info.stack_id


def _function_id(template: dict[str, Any]) -> str:
    logical_id, _ = named(template, "AWS::Lambda::Function", "FunctionName", NAME)
    return logical_id


def test_account_settings_function_runs_as_its_baseline_role_and_logs_encrypted(
    synth: Synthesized, workload: Account, partition: PartitionName
) -> None:
    for info in [i for i in synth.infos if i.kind == "baseline" and i.account_name == workload.name]:
        template = synth.deployed(info.stack_id)
        function_id, function = named(template, "AWS::Lambda::Function", "FunctionName", NAME)
        assert function["Role"] == f"arn:{partition}:iam::{workload.id}:role/{NAME}"
        assert function["Handler"] == "index.handler" and function["Timeout"] == 120
        assert function["LoggingConfig"] == {"LogGroup": f"/aws/lambda/{NAME}"}
        group_id, group = named(template, "AWS::Logs::LogGroup", "LogGroupName", f"/aws/lambda/{NAME}")
        assert group_id == "AccountSettingsLogGroup"
        assert {k: template["Resources"][group_id][k] for k in RETAINED} == RETAINED
        assert group["KmsKeyId"] == {"Fn::GetAtt": ["SessionKey", "Arn"]}
        assert group_id in template["Resources"][function_id]["DependsOn"]


def test_account_settings_role_only_in_the_home_region_and_only_turns_settings_on(
    synth: Synthesized, example_config: OrgConfig, workload: Account, partition: PartitionName
) -> None:
    home = example_config.partitions[partition].home_region
    regions = sorted(workload.regions or example_config.partitions[partition].allowed_regions)
    for info in [i for i in synth.infos if i.kind == "baseline" and i.account_name == workload.name]:
        template = synth.deployed(info.stack_id)
        roles = [r for r in of_type(template, "AWS::IAM::Role").values() if r["Properties"]["RoleName"] == NAME]
        assert len(roles) == (1 if info.region == home else 0), info.stack_id
        if info.region != home:
            continue
        role_id, role = role_named(template, NAME)
        assert role["AssumeRolePolicyDocument"]["Statement"] == [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]
        assert role["MaxSessionDuration"] == 3600 and "ManagedPolicyArns" not in role and "Policies" not in role
        policy_id, policy = managed_policy_of(template, role_id)
        p, account = partition, workload.id
        slr = f"arn:{p}:iam::{account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
        assert policy["PolicyDocument"]["Statement"] == [
            {"Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": [f"arn:{p}:logs:{r}:{account}:log-group:/aws/lambda/{NAME}:*" for r in regions]},
            {"Sid": "TurnOnS3AccountPublicAccessBlock", "Effect": "Allow",
             "Action": ["s3:GetAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock"], "Resource": "*"},
            {"Sid": "TurnOnEbsEncryptionByDefault", "Effect": "Allow",
             "Action": ["ec2:GetEbsEncryptionByDefault", "ec2:EnableEbsEncryptionByDefault"], "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": regions}}},
            # AWS Config on (the default): create AWS Config's service-linked role, that one only.
            {"Sid": "CreateConfigServiceLinkedRole", "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole",
             "Resource": slr, "Condition": {"StringEquals": {"iam:AWSServiceName": "config.amazonaws.com"}}},
            {"Sid": "ReadConfigServiceLinkedRole", "Effect": "Allow", "Action": "iam:GetRole", "Resource": slr},
        ]  # fmt: skip
        # The function's first call must find the policy in place.
        assert policy_id in template["Resources"][_function_id(template)]["DependsOn"]


def test_the_session_key_lets_the_account_settings_log_group_use_it(
    workload_home: dict[str, Any], workload: Account, home_region: str, partition: PartitionName
) -> None:
    key = workload_home["Resources"]["SessionKey"]["Properties"]["KeyPolicy"]
    groups = [
        s["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
        for s in key["Statement"]
        if s.get("Principal") == {"Service": f"logs.{home_region}.amazonaws.com"}
    ]
    group = f"arn:{partition}:logs:{home_region}:{workload.id}:log-group:/aws/lambda/{NAME}"
    assert any(group in g for g in groups)

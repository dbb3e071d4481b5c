"""AWS Backup in every account and region: key, locked vault, access policy, plans, selections, service role,
change alerts, and the optional Organizations backup policy. Both partitions; both lock modes."""

from __future__ import annotations

import copy
import json
from typing import Any

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk import aws_backup as backup
from aws_cdk.assertions import Template

from config.loader import parse_config
from config.models import Account, OrgConfig
from config.naming import Organization, organization
from config.quotas import BACKUP_POLICY_MAX_CHARS
from config.regions import PartitionName
from constructs.data.backup_plans import BackupPlans
from stacks.assembly import BuiltStack
from tests.conftest import Synthesized, synthesize
from tests.support.templates import RETAINED, named, of_type, only, role_named

# The workload account (conftest.WORKLOAD) has a baseline in the region its backup plans copy to.
COPY_REGION: dict[PartitionName, str] = {"aws": "us-west-2", "aws-us-gov": "us-gov-east-1"}


@pytest.fixture
def copy_region_stack(synth: Synthesized, workload: Account, partition: PartitionName) -> dict[str, Any]:
    """The workload account's baseline template in the region its backup plans copy to."""
    return synth.deployed(f"Baseline-{workload.name}-{COPY_REGION[partition]}")


def baseline_templates(synth: Synthesized, partition: PartitionName) -> list[tuple[BuiltStack, dict[str, Any]]]:
    return [(i, synth.deployed(i.stack_id)) for i in synth.infos if i.kind == "baseline" and i.partition == partition]


# --- vault and key ----------------------------------------------------------------------------------


def test_every_baseline_stack_has_a_retained_locked_vault_with_its_own_key(
    synth: Synthesized, partition: PartitionName, org: Organization, example_config: OrgConfig
) -> None:
    lock = example_config.backup.vault_lock
    assert lock.mode == "governance"
    for info, template in baseline_templates(synth, partition):
        vault = template["Resources"]["BackupVault"]  # pinned logical ID
        assert vault["Type"] == "AWS::Backup::BackupVault"
        assert {k: vault[k] for k in RETAINED} == RETAINED, info.stack_id
        props = vault["Properties"]
        assert props["BackupVaultName"] == org.backup_vault == "examplecorp-baseline-vault"
        assert props["EncryptionKeyArn"] == {"Fn::GetAtt": ["BackupVaultKey", "Arn"]}
        # Governance mode: no ChangeableForDays (with it, AWS would make the lock compliance mode).
        assert props["LockConfiguration"] == {"MinRetentionDays": 7, "MaxRetentionDays": 3650}
        key = template["Resources"]["BackupVaultKey"]
        assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
        assert {k: key[k] for k in RETAINED} == RETAINED, info.stack_id
        (alias,) = [a["Properties"] for a in of_type(template, "AWS::KMS::Alias").values()
                    if a["Properties"]["TargetKeyId"] == {"Fn::GetAtt": ["BackupVaultKey", "Arn"]}]  # fmt: skip
        assert alias == {
            "AliasName": "alias/examplecorp-baseline-backup",
            "TargetKeyId": {"Fn::GetAtt": ["BackupVaultKey", "Arn"]},
        }


def test_baseline_stacks_are_termination_protected(synth: Synthesized, partition: PartitionName) -> None:
    for info, _ in baseline_templates(synth, partition):
        assert info.stack.termination_protection is True, info.stack_id


def test_vault_access_policy_denies_recovery_point_deletion_to_everyone(
    synth: Synthesized, partition: PartitionName
) -> None:
    for info, template in baseline_templates(synth, partition):
        p, account, region = partition, info.stack.account, info.region
        policy = template["Resources"]["BackupVault"]["Properties"]["AccessPolicy"]
        assert policy == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyDeletingRecoveryPointsOrChangingTheirLifecycle",
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
                    "Resource": "*",
                },
                {
                    "Sid": "DenyChangingVaultProtectionOutsideCloudFormation",
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "backup:DeleteBackupVault",
                        "backup:DeleteBackupVaultAccessPolicy",
                        "backup:DeleteBackupVaultLockConfiguration",
                        "backup:PutBackupVaultAccessPolicy",
                        "backup:PutBackupVaultLockConfiguration",
                    ],
                    "Resource": "*",
                    "Condition": {"ArnNotEquals": {
                        "aws:PrincipalArn": f"arn:{p}:iam::{account}:role/cdk-hnb659fds-cfn-exec-role-{account}-{region}"
                    }},
                },
            ],
        }, info.stack_id  # fmt: skip


def test_vault_key_policy_lets_only_the_backup_role_use_it_through_aws_backup(
    workload_home: dict[str, Any], org: Organization, workload: Account
) -> None:
    p, region = org.partition, org.home_region
    policy = workload_home["Resources"]["BackupVaultKey"]["Properties"]["KeyPolicy"]
    via_backup = {"kms:CallerAccount": workload.id, "kms:ViaService": f"backup.{region}.amazonaws.com"}
    role = {"aws:PrincipalArn": f"arn:{p}:iam::{workload.id}:role/examplecorp-baseline-backup"}
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AllowAccountIamToAdministerKey", "Effect": "Allow",
             "Principal": {"AWS": f"arn:{p}:iam::{workload.id}:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "AllowBaselineBackupRoleToUseKeyThroughAwsBackup", "Effect": "Allow", "Principal": {"AWS": "*"},
             "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
             "Resource": "*", "Condition": {"StringEquals": via_backup, "ArnEquals": role}},
            {"Sid": "AllowBaselineBackupRoleGrantsForAwsBackup", "Effect": "Allow", "Principal": {"AWS": "*"},
             "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*",
             "Condition": {"StringEquals": via_backup, "ArnEquals": role,
                           "Bool": {"kms:GrantIsForAWSResource": "true"}}},
        ],
    }  # fmt: skip


def test_vault_key_service_condition_names_the_stacks_own_region(
    copy_region_stack: dict[str, Any], partition: PartitionName
) -> None:
    policy = copy_region_stack["Resources"]["BackupVaultKey"]["Properties"]["KeyPolicy"]
    services = {s["Condition"]["StringEquals"]["kms:ViaService"] for s in policy["Statement"] if "Condition" in s}
    assert services == {f"backup.{COPY_REGION[partition]}.amazonaws.com"}


# --- plans and selections ---------------------------------------------------------------------------


def _plans(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["BackupPlan"]["BackupPlanName"]: r["Properties"]["BackupPlan"]
        for r in of_type(template, "AWS::Backup::BackupPlan").values()
    }


def test_plan_rules_schedules_lifecycles_and_copies(
    workload_home: dict[str, Any], org: Organization, workload: Account
) -> None:
    p, copy_to = org.partition, COPY_REGION[org.partition]
    vault = {"Fn::GetAtt": ["BackupVault", "BackupVaultName"]}
    copy_arn = f"arn:{p}:backup:{copy_to}:{workload.id}:backup-vault:examplecorp-baseline-vault"
    plans = _plans(workload_home)
    assert sorted(plans) == ["examplecorp-baseline-dev", "examplecorp-baseline-standard"]
    assert plans["examplecorp-baseline-standard"]["BackupPlanRule"] == [
        {"RuleName": "daily", "ScheduleExpression": "cron(0 5 ? * * *)", "StartWindowMinutes": 60,
         "CompletionWindowMinutes": 1440, "Lifecycle": {"DeleteAfterDays": 35}, "TargetBackupVault": vault},
        {"RuleName": "weekly", "ScheduleExpression": "cron(0 6 ? * SUN *)", "StartWindowMinutes": 60,
         "CompletionWindowMinutes": 1440, "Lifecycle": {"DeleteAfterDays": 90}, "TargetBackupVault": vault,
         "CopyActions": [{"DestinationBackupVaultArn": copy_arn, "Lifecycle": {"DeleteAfterDays": 90}}]},
        {"RuleName": "monthly", "ScheduleExpression": "cron(0 7 1 * ? *)", "StartWindowMinutes": 60,
         "CompletionWindowMinutes": 1440, "TargetBackupVault": vault,
         "Lifecycle": {"DeleteAfterDays": 365, "MoveToColdStorageAfterDays": 30},
         "CopyActions": [{"DestinationBackupVaultArn": copy_arn,
                          "Lifecycle": {"DeleteAfterDays": 365, "MoveToColdStorageAfterDays": 30}}]},
    ]  # fmt: skip
    assert plans["examplecorp-baseline-dev"]["BackupPlanRule"] == [
        {"RuleName": "daily", "ScheduleExpression": "cron(0 5 ? * * *)", "StartWindowMinutes": 60,
         "CompletionWindowMinutes": 480, "Lifecycle": {"DeleteAfterDays": 14}, "TargetBackupVault": vault},
    ]  # fmt: skip


def test_rules_in_the_copy_region_copy_nowhere(copy_region_stack: dict[str, Any]) -> None:
    standard = _plans(copy_region_stack)["examplecorp-baseline-standard"]
    assert [r["RuleName"] for r in standard["BackupPlanRule"]] == ["daily", "weekly", "monthly"]
    assert all("CopyActions" not in r for r in standard["BackupPlanRule"])


def test_selections_pick_tagged_resources_with_the_backup_role(
    workload_home: dict[str, Any], org: Organization, workload: Account
) -> None:
    role_arn = f"arn:{org.partition}:iam::{workload.id}:role/examplecorp-baseline-backup"
    plan_ids = {r["Properties"]["BackupPlan"]["BackupPlanName"]: k for k, r in
                of_type(workload_home, "AWS::Backup::BackupPlan").items()}  # fmt: skip
    selections = sorted(
        (r["Properties"] for r in of_type(workload_home, "AWS::Backup::BackupSelection").values()),
        key=lambda s: s["BackupSelection"]["SelectionName"],
    )
    assert selections == [
        {"BackupPlanId": {"Fn::GetAtt": [plan_ids[f"examplecorp-baseline-{tier}"], "BackupPlanId"]},
         "BackupSelection": {"SelectionName": f"examplecorp-baseline-{tier}", "IamRoleArn": role_arn,
                             "ListOfTags": [{"ConditionKey": "backup", "ConditionType": "STRINGEQUALS",
                                             "ConditionValue": tier}]}}
        for tier in ("dev", "standard")
    ]  # fmt: skip


def test_selections_wait_for_the_role_in_the_home_region_only(
    workload_home: dict[str, Any], copy_region_stack: dict[str, Any]
) -> None:
    role_id, _ = role_named(workload_home, "examplecorp-baseline-backup")
    for selection in of_type(workload_home, "AWS::Backup::BackupSelection").values():
        assert selection["DependsOn"] == [role_id]
    for selection in of_type(copy_region_stack, "AWS::Backup::BackupSelection").values():
        assert "DependsOn" not in selection


def test_accounts_deploy_only_the_plans_they_ask_for(synth: Synthesized) -> None:
    assert sorted(_plans(synth.deployed("Baseline-web-dev-us-east-1"))) == ["examplecorp-baseline-dev"]
    sandbox = synth.deployed("Baseline-sandbox-research-us-east-1")
    assert of_type(sandbox, "AWS::Backup::BackupPlan") == {} and of_type(sandbox, "AWS::Backup::BackupSelection") == {}
    assert "BackupVault" in sandbox["Resources"], "the vault is there even without plans"


# --- service role (home region only) ----------------------------------------------------------------


def test_backup_service_role_only_in_the_home_region(
    synth: Synthesized, partition: PartitionName, org: Organization
) -> None:
    for info, template in baseline_templates(synth, partition):
        roles = of_type(template, "AWS::IAM::Role")
        if info.region != org.home_region:
            assert roles == {} and of_type(template, "AWS::IAM::ManagedPolicy") == {}, info.stack_id
            continue
        _, role = role_named(template, "examplecorp-baseline-backup")
        assert role == {
            "RoleName": "examplecorp-baseline-backup",
            "Description": role["Description"],
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "ManagedPolicyArns": [
                f"arn:{partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
                f"arn:{partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
            ],
        }, info.stack_id  # fmt: skip


# --- alerts -----------------------------------------------------------------------------------------


def test_vault_protection_changes_alert_the_hub_from_every_region(
    synth: Synthesized, partition: PartitionName, org: Organization
) -> None:
    for info, template in baseline_templates(synth, partition):
        _, rule = named(template, "AWS::Events::Rule", "Name", "examplecorp-baseline-backup-changes")
        assert rule["State"] == "ENABLED"
        assert rule["EventPattern"] == {
            "source": ["aws.backup"],
            "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {
                "eventSource": ["backup.amazonaws.com"],
                "eventName": ["DeleteBackupVault", "DeleteBackupVaultAccessPolicy",
                              "DeleteBackupVaultLockConfiguration", "DeleteRecoveryPoint",
                              "PutBackupVaultAccessPolicy", "PutBackupVaultLockConfiguration",
                              "UpdateRecoveryPointLifecycle"],
            },
        }  # fmt: skip
        assert rule["Targets"] == [{
            "Id": "AlertHub",
            "Arn": f"arn:{partition}:events:{org.home_region}:{org.security_account_id}:event-bus/"
                   "examplecorp-baseline-alerts",
            "RoleArn": f"arn:{partition}:iam::{info.stack.account}:role/examplecorp-baseline-alert-forwarder",
        }], info.stack_id  # fmt: skip


# --- compliance mode and the organization backup policy (a config variant) --------------------------


@pytest.fixture(scope="module")
def variant(example_data: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> tuple[OrgConfig, Synthesized]:
    """Compliance-mode lock and the organization policy on the commercial prod accounts plus one account, all checks
    on. A GovCloud organization cannot have backup policies
    (https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-organizations.html)."""
    data = copy.deepcopy(example_data)
    data["backup"]["vault_lock"] = {"mode": "compliance", "min_retention_days": 14, "max_retention_days": 400,
                                    "changeable_for_days": 3}  # fmt: skip
    data["backup"]["plans"][1]["rules"][0]["delete_after_days"] = 14
    data["backup"]["organization_policy"] = True
    data["backup"]["organization_policy_targets"] = {"accounts": ["payments-prod", "web-prod", "shared-services"]}
    config = parse_config(yaml.safe_dump(data, sort_keys=False), source="variant.yaml")
    return config, synthesize(config, tmp_path_factory.mktemp("variant"))


def test_compliance_mode_lock_has_its_cooling_off_period(variant: tuple[OrgConfig, Synthesized]) -> None:
    _, app = variant
    for info in app.infos:
        if info.kind == "baseline":
            lock = app.templates[info.stack_id]["Resources"]["BackupVault"]["Properties"]["LockConfiguration"]
            assert lock == {"MinRetentionDays": 14, "MaxRetentionDays": 400, "ChangeableForDays": 3}, info.stack_id


def test_accounts_the_organization_policy_covers_deploy_no_stack_plans(variant: tuple[OrgConfig, Synthesized]) -> None:
    _, app = variant
    covered = {"payments-prod", "web-prod", "shared-services"}
    for info in app.infos:
        if info.kind == "baseline":
            plans = of_type(app.templates[info.stack_id], "AWS::Backup::BackupPlan")
            assert bool(plans) == (info.account_name not in covered | {"sandbox-research"}), info.stack_id


def test_organization_backup_policy(variant: tuple[OrgConfig, Synthesized], partition: PartitionName) -> None:
    config, app = variant
    org = organization(config, partition)
    management = config.partitions[partition].management_account
    stack_id = f"BackupPolicy-{management}"
    if partition == "aws-us-gov":  # it targets no GovCloud account: no policy there
        assert stack_id not in app.templates
        return
    info = app.info(stack_id)
    assert (info.kind, info.stack.account, info.region) == ("backup-policy", org.management_account_id,
                                                            org.home_region)  # fmt: skip
    policy = only(app.templates[stack_id], "AWS::Organizations::Policy")["Properties"]
    assert policy["Name"] == "examplecorp-baseline-backup-plans"
    assert policy["Type"] == "BACKUP_POLICY"
    assert policy["TargetIds"] == ["710987654326", "810987654327", "510987654324"]
    content = policy["Content"]
    assert len(json.dumps(content, separators=(",", ":"))) <= BACKUP_POLICY_MAX_CHARS

    p, home, copy_to = partition, org.home_region, COPY_REGION[partition]
    plans = content["plans"]
    # Rules copy to the copy region except in it: two policy plans per plan that copies.
    assert sorted(plans) == sorted(
        [
            f"examplecorp-baseline-standard-{home}",
            f"examplecorp-baseline-standard-{copy_to}",
            "examplecorp-baseline-dev",
        ]
    )
    standard = plans[f"examplecorp-baseline-standard-{home}"]
    assert standard["regions"] == {"@@assign": [home]}
    copy_arn = f"arn:{p}:backup:{copy_to}:$account:backup-vault:examplecorp-baseline-vault"
    assert standard["rules"]["monthly"] == {
        "schedule_expression": {"@@assign": "cron(0 7 1 * ? *)"},
        "start_backup_window_minutes": {"@@assign": "60"},
        "complete_backup_window_minutes": {"@@assign": "1440"},
        "lifecycle": {"delete_after_days": {"@@assign": "365"}, "move_to_cold_storage_after_days": {"@@assign": "30"}},
        "target_backup_vault_name": {"@@assign": "examplecorp-baseline-vault"},
        "copy_actions": {copy_arn: {
            "target_backup_vault_arn": {"@@assign": copy_arn},
            "lifecycle": {"delete_after_days": {"@@assign": "365"},
                          "move_to_cold_storage_after_days": {"@@assign": "30"}}}},
    }  # fmt: skip
    assert "copy_actions" not in plans[f"examplecorp-baseline-standard-{copy_to}"]["rules"]["monthly"]
    vault = {"@@assign": "examplecorp-baseline-vault"}
    assert standard["rules"]["daily"] == {
        "schedule_expression": {"@@assign": "cron(0 5 ? * * *)"},
        "start_backup_window_minutes": {"@@assign": "60"},
        "complete_backup_window_minutes": {"@@assign": "1440"},
        "lifecycle": {"delete_after_days": {"@@assign": "35"}},
        "target_backup_vault_name": vault,
    }
    assert standard["rules"]["weekly"] == {
        "schedule_expression": {"@@assign": "cron(0 6 ? * SUN *)"},
        "start_backup_window_minutes": {"@@assign": "60"},
        "complete_backup_window_minutes": {"@@assign": "1440"},
        "lifecycle": {"delete_after_days": {"@@assign": "90"}},
        "target_backup_vault_name": vault,
        "copy_actions": {copy_arn: {"target_backup_vault_arn": {"@@assign": copy_arn},
                                    "lifecycle": {"delete_after_days": {"@@assign": "90"}}}},
    }  # fmt: skip
    assert plans["examplecorp-baseline-dev"]["rules"] == {"daily": {
        "schedule_expression": {"@@assign": "cron(0 5 ? * * *)"},
        "start_backup_window_minutes": {"@@assign": "60"},
        "complete_backup_window_minutes": {"@@assign": "480"},
        "lifecycle": {"delete_after_days": {"@@assign": "14"}},
        "target_backup_vault_name": vault,
    }}  # fmt: skip
    assert plans["examplecorp-baseline-dev"]["selections"]["tags"]["dev-0"]["tag_value"] == {"@@assign": ["dev"]}
    assert plans["examplecorp-baseline-dev"]["regions"] == {"@@assign": config.partitions[p].allowed_regions}
    assert standard["selections"] == {"tags": {"standard-0": {
        "iam_role_arn": {"@@assign": f"arn:{p}:iam::$account:role/examplecorp-baseline-backup"},
        "tag_key": {"@@assign": "backup"},
        "tag_value": {"@@assign": ["standard"]},
    }}}  # fmt: skip


def test_no_backup_policy_stack_unless_asked(synth: Synthesized) -> None:
    assert synth.stack_names("backup-policy") == []


# --- selection names ---------------------------------------------------------------------------------


def _selection_names(org: Organization, example_config: OrgConfig, plan_names: list[str]) -> list[str]:
    """SelectionName of each plan, from the plans construct alone (no full synth)."""
    template_plan = example_config.backup.plans[0]
    plans = [template_plan.model_copy(update={"name": name}) for name in plan_names]
    stack = cdk.Stack(cdk.App(analytics_reporting=False), "Plans")
    vault = backup.CfnBackupVault(stack, "Vault", backup_vault_name=org.backup_vault)
    BackupPlans(stack, "Plans", org=org, account_id="111122223333", region=org.home_region, plans=plans, vault=vault)
    template = dict(Template.from_stack(stack).to_json())
    return [
        r["Properties"]["BackupSelection"]["SelectionName"]
        for r in of_type(template, "AWS::Backup::BackupSelection").values()
    ]


def test_selection_names_fit_aws_backups_fifty_characters(org: Organization, example_config: OrgConfig) -> None:
    # SelectionName: 1 to 50 alphanumeric or '-_.' characters
    # (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupSelection.html). Plan names may have 40
    # characters, and `examplecorp-baseline-` adds 21.
    longest = "a" * 40
    other = "a" * 39 + "b"
    names = _selection_names(org, example_config, ["standard", longest, other])
    assert names[0] == "examplecorp-baseline-standard"  # a name that fits is left as it is
    for name in names[1:]:
        assert len(name) == 50 and name.startswith("examplecorp-baseline-aaaaaaaaaaaaaaaaaaaa-")
        assert all(c.isalnum() or c in "-_." for c in name)
    assert names[1] != names[2]  # the hash of the whole name keeps two long plans apart
    assert names == _selection_names(org, example_config, ["standard", longest, other])  # same on every synth

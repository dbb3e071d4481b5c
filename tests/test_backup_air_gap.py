"""The commercial-only AWS Backup features as config keys: a logically air-gapped vault that every plan rule copies
to (with an optional multi-party approval team), and restore testing with its own restores-only role. Synthesized for
both partitions: GovCloud accounts get none of them. A GovCloud entry is refused by the capability matrix
(tests/test_capabilities.py, test_every_unavailable_setting_is_reported_at_once)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from config.loader import parse_config
from config.models import OrgConfig
from config.regions import PartitionName
from tests.conftest import WORKLOAD, WORKLOAD_OTHER_REGION, Synthesized, synthesize
from tests.support.config_data import ConfigFrom, problems_of, set_path
from tests.support.templates import RETAINED, of_type, role_named, statement

TEAM = "arn:aws:mpa:us-east-1:111122223333:approval-team/a1b2c3d4e5"  # one team for the partition
AIR_GAPPED = {"min_retention_days": 14, "max_retention_days": 400, "mpa_approval_team_arn": TEAM}
RESTORE_TESTING = {"schedule": "cron(0 3 ? * SAT *)", "start_window_hours": 12, "selection_window_days": 7,
                   "resource_types": ["EBS", "RDS"]}  # fmt: skip


def with_features(example_data: dict[str, Any], partition: str = "aws") -> dict[str, Any]:
    data = copy.deepcopy(example_data)
    data["backup"].setdefault("logically_air_gapped_vault", {})[partition] = dict(AIR_GAPPED)
    data["backup"].setdefault("restore_testing", {})[partition] = copy.deepcopy(RESTORE_TESTING)
    return data


@pytest.fixture(scope="module")
def features(example_data: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The example with both features on in the commercial partition; the workload account of each partition
    synthesized, all checks on."""
    config = parse_config(yaml.safe_dump(with_features(example_data), sort_keys=False), source="features.yaml")
    return synthesize(config, tmp_path_factory.mktemp("backup-features"), accounts=list(WORKLOAD.values()))


def baselines(features: Synthesized, partition: PartitionName, home_region: str) -> dict[str, dict[str, Any]]:
    """The workload account's home and other-region baseline templates, as deployed (account and region put in)."""
    name = WORKLOAD[partition]
    return {
        region: features.deployed(f"Baseline-{name}-{region}")
        for region in (home_region, WORKLOAD_OTHER_REGION[partition])
    }


# --- the air-gapped vault ------------------------------------------------------------------------------------------


def test_air_gapped_vault_in_every_commercial_region_retained_locked_and_deny_deletes(
    features: Synthesized, partition: PartitionName, home_region: str
) -> None:
    for region, template in baselines(features, partition, home_region).items():
        vaults = of_type(template, "AWS::Backup::LogicallyAirGappedBackupVault")
        if partition == "aws-us-gov":
            assert vaults == {}, region
            continue
        vault = vaults["AirGappedBackupVault"]  # pinned logical ID
        assert {k: vault[k] for k in RETAINED} == RETAINED
        props = vault["Properties"]
        assert props["BackupVaultName"] == "examplecorp-baseline-air-gapped-vault"
        assert (props["MinRetentionDays"], props["MaxRetentionDays"]) == (14, 400)
        assert props["MpaApprovalTeamArn"] == TEAM
        deny = statement(props["AccessPolicy"], "DenyDeletingRecoveryPointsOrChangingTheirLifecycle")
        assert deny == {
            "Sid": "DenyDeletingRecoveryPointsOrChangingTheirLifecycle",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
            "Resource": "*",
        }
        protect = statement(props["AccessPolicy"], "DenyChangingVaultProtectionOutsideCloudFormation")
        assert "backup:DeleteBackupVault" in protect["Action"] and protect["Effect"] == "Deny"
        assert protect["Condition"] == {
            "ArnNotEquals": {
                "aws:PrincipalArn": f"arn:aws:iam::810987654327:role/cdk-hnb659fds-cfn-exec-role-810987654327-{region}"
            }
        }


def rules_of(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Every rule of every backup plan in the template."""
    plans = of_type(template, "AWS::Backup::BackupPlan").values()
    return [rule for plan in plans for rule in plan["Properties"]["BackupPlan"]["BackupPlanRule"]]


def test_every_rule_copies_to_its_regions_air_gapped_vault_with_its_lifecycle(
    features: Synthesized, partition: PartitionName, home_region: str
) -> None:
    air_gapped = {"Fn::GetAtt": ["AirGappedBackupVault", "BackupVaultArn"]}
    for region, template in baselines(features, partition, home_region).items():
        rules = rules_of(template)
        assert rules, region
        for rule in rules:
            to_air_gap = [c for c in rule.get("CopyActions", []) if c["DestinationBackupVaultArn"] == air_gapped]
            if partition == "aws-us-gov":
                assert to_air_gap == [], (region, rule["RuleName"])
            else:
                assert to_air_gap == [{"DestinationBackupVaultArn": air_gapped, "Lifecycle": rule["Lifecycle"]}]
    if partition == "aws":  # the cross-region copy stays beside it
        home = baselines(features, partition, home_region)[home_region]
        (weekly,) = [rule for rule in rules_of(home) if rule["RuleName"] == "weekly"]
        assert [c["DestinationBackupVaultArn"] for c in weekly["CopyActions"]] == [
            "arn:aws:backup:us-west-2:810987654327:backup-vault:examplecorp-baseline-vault",
            air_gapped,
        ]


# --- restore testing ----------------------------------------------------------------------------------------------


def test_restore_testing_plan_and_selections_in_every_commercial_region(
    features: Synthesized, partition: PartitionName, home_region: str
) -> None:
    for region, template in baselines(features, partition, home_region).items():
        plans = of_type(template, "AWS::Backup::RestoreTestingPlan")
        selections = of_type(template, "AWS::Backup::RestoreTestingSelection")
        if partition == "aws-us-gov":
            assert plans == {} and selections == {}, region
            continue
        (plan,) = [p["Properties"] for p in plans.values()]
        assert plan == {
            "RestoreTestingPlanName": "examplecorp_baseline_restore_testing",
            "ScheduleExpression": "cron(0 3 ? * SAT *)",
            "StartWindowHours": 12,
            "RecoveryPointSelection": {
                "Algorithm": "LATEST_WITHIN_WINDOW",
                "IncludeVaults": [f"arn:aws:backup:{region}:810987654327:backup-vault:examplecorp-baseline-vault"],
                "RecoveryPointTypes": ["SNAPSHOT"],
                "SelectionWindowDays": 7,
            },
        }
        found = {s["Properties"]["ProtectedResourceType"]: s["Properties"] for s in selections.values()}
        assert found == {
            resource_type: {
                "RestoreTestingPlanName": "examplecorp_baseline_restore_testing",
                "RestoreTestingSelectionName": f"examplecorp_baseline_restore_testing_{resource_type}",
                "ProtectedResourceType": resource_type,
                "ProtectedResourceArns": ["*"],
                "IamRoleArn": "arn:aws:iam::810987654327:role/examplecorp-baseline-restore-testing",
            }
            for resource_type in ("EBS", "RDS")
        }


def test_restore_testing_role_restores_only_in_the_home_region(
    features: Synthesized, partition: PartitionName, home_region: str
) -> None:
    templates = baselines(features, partition, home_region)
    for region, template in templates.items():
        roles = [
            r
            for r in of_type(template, "AWS::IAM::Role").values()
            if r["Properties"].get("RoleName") == "examplecorp-baseline-restore-testing"
        ]
        assert len(roles) == (1 if partition == "aws" and region == home_region else 0), region
    if partition == "aws-us-gov":
        return
    template = templates[home_region]
    logical_id, role = role_named(template, "examplecorp-baseline-restore-testing")
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"]
    assert "Policies" not in role
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    # Its own stack's selections wait for it; AWS Backup rejects a selection whose role does not exist yet.
    for selection in of_type(template, "AWS::Backup::RestoreTestingSelection").values():
        assert logical_id in selection["DependsOn"]


def test_vault_keys_let_the_restore_testing_role_decrypt_through_aws_backup(
    features: Synthesized, partition: PartitionName, home_region: str
) -> None:
    expected = ["arn:aws:iam::810987654327:role/examplecorp-baseline-backup",
                "arn:aws:iam::810987654327:role/examplecorp-baseline-restore-testing"]  # fmt: skip
    for region, template in baselines(features, partition, home_region).items():
        key = template["Resources"]["BackupVaultKey"]["Properties"]["KeyPolicy"]
        use = statement(key, "AllowBaselineBackupRoleToUseKeyThroughAwsBackup")
        principals = use["Condition"]["ArnEquals"]["aws:PrincipalArn"]
        if partition == "aws":
            assert principals == expected, region
            assert use["Condition"]["StringEquals"]["kms:ViaService"] == f"backup.{region}.amazonaws.com"
        else:
            assert isinstance(principals, str) and principals.endswith(":role/examplecorp-baseline-backup"), region


# --- validation -----------------------------------------------------------------------------------------------------


def test_the_example_with_the_features_on_in_the_commercial_partition_is_valid(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    config: OrgConfig = config_from(with_features(example_data))
    assert config.backup.logically_air_gapped_vault["aws"].mpa_approval_team_arn == TEAM
    assert config.backup.restore_testing["aws"].resource_types == ["EBS", "RDS"]


SCHEMAS = "https://github.com/aws-cloudformation/cfn-lint/tree/v1.58.0/src/cfnlint/data/schemas/providers"


def test_a_commercial_region_without_the_types_is_refused(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    data = with_features(example_data)
    data["partitions"]["aws"]["allowed_regions"].append("ap-southeast-7")
    assert problems_of(config_from, data) == {
        "backup.logically_air_gapped_vault.aws": [
            "An AWS Backup logically air-gapped vault is not available in the commercial partition (aws) region "
            "ap-southeast-7: CloudFormation has no logically air-gapped vault type in these regions: copy to a vault "
            f"in another region (sources: {SCHEMAS})"
        ],
        "backup.restore_testing.aws": [
            "AWS Backup restore testing is not available in the commercial partition (aws) region ap-southeast-7: "
            f"CloudFormation has no restore testing types in these regions (sources: {SCHEMAS})"
        ],
    }


BAD_SETTINGS = [
    ("backup.logically_air_gapped_vault.aws.min_retention_days", 6, "backup.logically_air_gapped_vault.aws.min_retention_days",
     "greater than or equal to 7"),
    ("backup.logically_air_gapped_vault.aws.max_retention_days", 36501, "backup.logically_air_gapped_vault.aws.max_retention_days",
     "less than or equal to 36500"),
    ("backup.logically_air_gapped_vault.aws.min_retention_days", 500, "backup.logically_air_gapped_vault.aws.min_retention_days",
     "min_retention_days (500) is greater than max_retention_days (400); no retention would satisfy the vault"),
    ("backup.logically_air_gapped_vault.aws.max_retention_days", 300, "backup.plans[0].rules[2].delete_after_days",
     "retention 365 days is outside the logically air-gapped vault's bounds [14, 300] "
     "(backup.logically_air_gapped_vault.aws); every copy job to it would fail"),
    ("backup.logically_air_gapped_vault.aws.mpa_approval_team_arn",
     "arn:aws-us-gov:mpa:us-gov-west-1:320987654331:approval-team/x", "backup.logically_air_gapped_vault.aws.mpa_approval_team_arn",
     "'arn:aws-us-gov:mpa:us-gov-west-1:320987654331:approval-team/x' is an ARN of partition 'aws-us-gov', not 'aws': "
     "the team must be in the vault's partition"),
    ("backup.logically_air_gapped_vault.aws.mpa_approval_team_arn",
     "arn:aws:iam::810987654327:role/approvers", "backup.logically_air_gapped_vault.aws.mpa_approval_team_arn",
     "'arn:aws:iam::810987654327:role/approvers' is not the ARN of a multi-party approval team: expected "
     "arn:aws:mpa:..."),
    ("backup.restore_testing.aws.start_window_hours", 169, "backup.restore_testing.aws.start_window_hours",
     "less than or equal to 168"),
    ("backup.restore_testing.aws.selection_window_days", 366, "backup.restore_testing.aws.selection_window_days",
     "less than or equal to 365"),
    ("backup.restore_testing.aws.schedule", "cron(0 5 * * * *)", "backup.restore_testing.aws.schedule",
     "'cron(0 5 * * * *)' needs '?' in exactly one of day-of-month (3rd field) and day-of-week (5th field), e.g. "
     "'cron(0 5 ? * * *)'"),
    ("backup.restore_testing.aws.resource_types", ["EBS", "EBS"], "backup.restore_testing.aws.resource_types[1]",
     "resource type 'EBS' is already used at backup.restore_testing.aws.resource_types[0]"),
    ("backup.restore_testing.aws.resource_types", ["Tape"], "backup.restore_testing.aws.resource_types[0]", "EBS"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "value", "path", "message"), BAD_SETTINGS)
def test_bad_settings_are_refused_with_a_clear_message(
    example_data: dict[str, Any], config_from: ConfigFrom, key: str, value: Any, path: str, message: str
) -> None:
    data = with_features(example_data)
    set_path(data, key, value)
    found = problems_of(config_from, data)
    assert path in found, found
    assert any(message in m for m in found[path]), found[path]


def test_the_features_keep_baselines_account_agnostic(features: Synthesized, partition: PartitionName) -> None:
    """The new resources name their account and region only through AWS::AccountId and AWS::Region, so accounts of
    one profile still share one template (tests/test_account_agnostic.py holds the rule for the example)."""
    account_id = {"aws": "810987654327", "aws-us-gov": "420987654332"}[partition]
    for info in features.infos:
        if info.kind == "baseline" and info.partition == partition:
            text = json.dumps(features.templates[info.stack_id])
            assert account_id not in text, info.stack_id
            if info.region == WORKLOAD_OTHER_REGION[partition]:
                assert info.region not in text, info.stack_id

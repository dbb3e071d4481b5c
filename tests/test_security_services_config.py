"""AWS Config in every baseline account and region, delivering to the Config bucket of the log-archive account, in
both partitions. Expected values are written out from the AWS documentation (cited in
constructs/security/config_recorder.py and constructs/logging/config_bucket.py) and docs/security-services.md."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from config.models import OrgConfig
from config.regions import PartitionName
from stacks.assembly import BUILDERS, Inputs
from stacks.plan import plan
from tests.conftest import WORKLOAD, WORKLOAD_OTHER_REGION, Synthesized
from tests.support.project import CDK_CONTEXT
from tests.support.templates import assert_archived_log_bucket, of_type, only, statement

HOME = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}
LOG_ARCHIVE = {"aws": ("log-archive", "310987654322"), "aws-us-gov": ("gov-log-archive", "320987654331")}
WORKLOAD_ID = {"aws": "810987654327", "aws-us-gov": "420987654332"}
ORG_ID = {"aws": "o-k3x9w2m7q1", "aws-us-gov": "o-g7v4p8d2z5"}
RECORDER = "examplecorp-baseline-recorder"


def _bucket(partition: PartitionName) -> str:
    return f"examplecorp-config-{LOG_ARCHIVE[partition][1]}-{HOME[partition]}"


def _log_archive(synth: Synthesized, partition: PartitionName) -> dict[str, Any]:
    return synth.templates[f"LogArchive-{LOG_ARCHIVE[partition][0]}"]


# --- the recorder and delivery channel of every baseline ------------------------------------------------------------


@pytest.mark.parametrize("where", ["home", "other"])
def test_every_baseline_region_records_everything_global_types_only_at_home(
    synth: Synthesized, partition: PartitionName, where: str
) -> None:
    region = HOME[partition] if where == "home" else WORKLOAD_OTHER_REGION[partition]
    template = synth.templates[f"Baseline-{WORKLOAD[partition]}-{region}"]
    recorder = only(template, "AWS::Config::ConfigurationRecorder")["Properties"]
    assert recorder == {
        "Name": RECORDER,
        "RoleARN": f"arn:{partition}:iam::{WORKLOAD_ID[partition]}:role/aws-service-role/config.amazonaws.com/"
        "AWSServiceRoleForConfig",
        "RecordingGroup": {
            "AllSupported": True,
            "IncludeGlobalResourceTypes": where == "home",
            "RecordingStrategy": {"UseOnly": "ALL_SUPPORTED_RESOURCE_TYPES"},
        },
    }
    channel = only(template, "AWS::Config::DeliveryChannel")
    assert channel["Properties"] == {
        "Name": RECORDER,
        "S3BucketName": _bucket(partition),
        "ConfigSnapshotDeliveryProperties": {"DeliveryFrequency": "TwentyFour_Hours"},
    }
    (recorder_id,) = of_type(template, "AWS::Config::ConfigurationRecorder")
    assert recorder_id in channel["DependsOn"]
    # AWS Config's service-linked role: made (if missing) in the home region only, before the recorder.
    roles = of_type(template, "Custom::ConfigServiceLinkedRole")
    if where == "home":
        ((role_id, _),) = roles.items()
        assert role_id in only(template, "AWS::Config::ConfigurationRecorder")["DependsOn"]
    else:
        assert not roles


def test_the_settings_role_may_create_only_configs_service_linked_role(
    synth: Synthesized, partition: PartitionName
) -> None:
    template = synth.templates[f"Baseline-{WORKLOAD[partition]}-{HOME[partition]}"]
    slr = (
        f"arn:{partition}:iam::{WORKLOAD_ID[partition]}:role/aws-service-role/config.amazonaws.com/"
        "AWSServiceRoleForConfig"
    )
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in of_type(template, "AWS::IAM::ManagedPolicy").values()
        if any(s.get("Sid") == "CreateConfigServiceLinkedRole" for s in p["Properties"]["PolicyDocument"]["Statement"])
    ]
    assert statement(policy, "CreateConfigServiceLinkedRole") == {
        "Sid": "CreateConfigServiceLinkedRole",
        "Effect": "Allow",
        "Action": "iam:CreateServiceLinkedRole",
        "Resource": slr,
        "Condition": {"StringEquals": {"iam:AWSServiceName": "config.amazonaws.com"}},
    }
    assert statement(policy, "ReadConfigServiceLinkedRole")["Resource"] == slr


def test_baselines_deploy_after_the_config_bucket(example_config: OrgConfig, partition: PartitionName) -> None:
    log_archive = f"LogArchive-{LOG_ARCHIVE[partition][0]}"
    baselines = [s for s in plan(example_config, partition=partition) if s.kind == "baseline"]
    assert baselines and all(log_archive in s.after for s in baselines)


# --- the Config bucket in the log-archive account -----------------------------------------------------------------


def test_config_bucket_is_encrypted_private_tls_only_versioned_logged_and_retained(
    synth: Synthesized, partition: PartitionName
) -> None:
    assert_archived_log_bucket(_log_archive(synth, partition), "ConfigBucket", "ConfigBucketKey", _bucket(partition))


def test_config_bucket_policy_admits_aws_config_for_the_organization_only(
    synth: Synthesized, partition: PartitionName
) -> None:
    template = _log_archive(synth, partition)
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in of_type(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": "ConfigBucket"}
    ]
    bucket_arn = f"arn:{partition}:s3:::{_bucket(partition)}"
    in_org = {"aws:SourceOrgID": ORG_ID[partition]}
    config = {"Service": "config.amazonaws.com"}
    assert statement(policy, "AWSConfigBucketPermissionsCheck") == {
        "Sid": "AWSConfigBucketPermissionsCheck",
        "Effect": "Allow",
        "Principal": config,
        "Action": "s3:GetBucketAcl",
        "Resource": bucket_arn,
        "Condition": {"StringEquals": in_org},
    }
    assert statement(policy, "AWSConfigBucketExistenceCheck") == {
        "Sid": "AWSConfigBucketExistenceCheck",
        "Effect": "Allow",
        "Principal": config,
        "Action": "s3:ListBucket",
        "Resource": bucket_arn,
        "Condition": {"StringEquals": in_org},
    }
    assert statement(policy, "AWSConfigBucketDelivery") == {
        "Sid": "AWSConfigBucketDelivery",
        "Effect": "Allow",
        "Principal": config,
        "Action": "s3:PutObject",
        "Resource": f"{bucket_arn}/AWSLogs/*/Config/*",
        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **in_org}},
    }
    # Nothing else is granted to anyone: the other statements are the TLS denials.
    others = [s for s in policy["Statement"] if not s.get("Sid", "").startswith("AWSConfig")]
    assert others and all(s["Effect"] == "Deny" for s in others)


def test_config_bucket_key_lets_aws_config_encrypt_for_the_organization_only(
    synth: Synthesized, partition: PartitionName
) -> None:
    key_policy = _log_archive(synth, partition)["Resources"]["ConfigBucketKey"]["Properties"]["KeyPolicy"]
    assert statement(key_policy, "AWSConfigKMSPolicy") == {
        "Sid": "AWSConfigKMSPolicy",
        "Effect": "Allow",
        "Principal": {"Service": "config.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceOrgID": ORG_ID[partition]}},
    }
    assert len(key_policy["Statement"]) == 2  # the account's administration, and this


# --- turned off -----------------------------------------------------------------------------------------------------


def test_config_off_removes_recorders_channels_role_bucket_and_ordering(
    example_config: OrgConfig, partition: PartitionName, tmp_path: Path
) -> None:
    services = example_config.security_services
    off = services.model_copy(update={"config": services.config.model_copy(update={"enabled": False})})
    config = example_config.model_copy(update={"security_services": off})
    log_archive = f"LogArchive-{LOG_ARCHIVE[partition][0]}"
    wanted = {
        log_archive,
        f"Baseline-{WORKLOAD[partition]}-{HOME[partition]}",
        f"Baseline-{WORKLOAD[partition]}-{WORKLOAD_OTHER_REGION[partition]}",
    }
    planned = [s for s in plan(config, partition=partition) if s.stack_id in wanted]
    assert {s.stack_id for s in planned} == wanted
    assert not [s for s in planned if log_archive in s.after]
    app = cdk.App(context=copy.deepcopy(CDK_CONTEXT), outdir=str(tmp_path), analytics_reporting=False)
    inputs = Inputs.of(config)
    for item in planned:
        BUILDERS[item.kind](app, item, inputs)
    assembly = app.synth()
    for stack_id in wanted:
        template = assembly.get_stack_by_name(stack_id).template
        types = {r["Type"] for r in template["Resources"].values()}
        assert not [t for t in types if t.startswith("AWS::Config::")], stack_id
        assert "Custom::ConfigServiceLinkedRole" not in types, stack_id
        assert "ConfigBucket" not in template["Resources"] and "ConfigBucketKey" not in template["Resources"]
        text = str(template)
        assert "CreateConfigServiceLinkedRole" not in text and _bucket(partition) not in text

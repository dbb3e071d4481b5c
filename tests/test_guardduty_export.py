"""GuardDuty findings exported to the log-archive account, in both partitions: the findings bucket and its key
(constructs/logging/guardduty_findings_bucket.py), the publishing destination of every allowed region
(constructs/security/guardduty.py), the order of deployment and the config switch. Expected values are written out
from the GuardDuty user guide (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html) and
docs/decisions/0019-guardduty-findings-key-found-by-alias.md, not taken from the code."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from config.models import OrgConfig
from config.policies.evaluator import Request, evaluate
from config.regions import PartitionName
from stacks.plan import plan
from tests.conftest import Synthesized, synthesize
from tests.support.local_aws import MOTO_ACCOUNT, ResponseReceiver, custom_resource_event, load_handler
from tests.support.project import ROOT
from tests.support.templates import assert_archived_log_bucket, of_type, only, statement

LOG_ARCHIVE = {"aws": ("log-archive", "310987654322"), "aws-us-gov": ("gov-log-archive", "320987654331")}
SECURITY = {"aws": ("security", "410987654323"), "aws-us-gov": ("gov-log-archive", "320987654331")}
HOME = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}
REGIONS = {"aws": ["us-east-1", "us-west-2"], "aws-us-gov": ["us-gov-east-1", "us-gov-west-1"]}
NOT_ALLOWED = {"aws": "eu-west-1", "aws-us-gov": "us-east-1"}
HANDLER_ROLE = "examplecorp-baseline-security-services"
KEY_ARN = "KEY-ARN-OF-THE-STACK"  # stands in for the key's Fn::GetAtt in decision tests


def _bucket(partition: PartitionName) -> str:
    return f"examplecorp-guardduty-{LOG_ARCHIVE[partition][1]}-{HOME[partition]}"


def _bucket_arn(partition: PartitionName) -> str:
    return f"arn:{partition}:s3:::{_bucket(partition)}"


def _alias_arn(partition: PartitionName) -> str:
    return f"arn:{partition}:kms:{HOME[partition]}:{LOG_ARCHIVE[partition][1]}:alias/{_bucket(partition)}"


def _log_archive(synth: Synthesized, partition: PartitionName) -> dict[str, Any]:
    return synth.templates[f"LogArchive-{LOG_ARCHIVE[partition][0]}"]


def _detector(partition: PartitionName, region: str, account: str | None = None) -> str:
    return f"arn:{partition}:guardduty:{region}:{account or SECURITY[partition][1]}:detector/12abc34d567e8fa901bc2d34e56789f0"


def _resolved(value: Any, partition: PartitionName) -> Any:
    """The bucket policy with CloudFormation's references to the bucket and key replaced by their values."""
    if isinstance(value, list):
        return [_resolved(v, partition) for v in value]
    if isinstance(value, dict):
        if value == {"Fn::GetAtt": ["GuardDutyFindingsBucketKey", "Arn"]}:
            return KEY_ARN
        if value == {"Fn::GetAtt": ["GuardDutyFindingsBucket", "Arn"]}:
            return _bucket_arn(partition)
        if list(value) == ["Fn::Join"]:
            separator, parts = value["Fn::Join"]
            return separator.join(_resolved(parts, partition))
        return {k: _resolved(v, partition) for k, v in value.items()}
    return value


def _bucket_policy(synth: Synthesized, partition: PartitionName) -> dict[str, Any]:
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in of_type(_log_archive(synth, partition), "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": "GuardDutyFindingsBucket"}
    ]
    resolved: dict[str, Any] = _resolved(policy, partition)
    return resolved


def _key_policy(synth: Synthesized, partition: PartitionName) -> dict[str, Any]:
    policy: dict[str, Any] = _log_archive(synth, partition)["Resources"]["GuardDutyFindingsBucketKey"]["Properties"][
        "KeyPolicy"
    ]
    return policy


GUARDDUTY = {"Service": "guardduty.amazonaws.com"}


def _upload(partition: PartitionName, *, region: str | None = None, account: str | None = None) -> Request:
    """GuardDuty uploading a findings file for a detector (the security account's, in the home region by default)."""
    source_account = account or SECURITY[partition][1]
    context: dict[str, Any] = {
        "aws:SourceAccount": source_account,
        "aws:SourceArn": _detector(partition, region or HOME[partition], source_account),
        "aws:SecureTransport": "true",
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN,
    }
    return Request(
        "s3:PutObject",
        f"{_bucket_arn(partition)}/AWSLogs/{SECURITY[partition][1]}/GuardDuty/{HOME[partition]}/2026/11/30/f.jsonl.gz",
        context,
        GUARDDUTY,
    )


# --- the bucket and its key -----------------------------------------------------------------------------------------


def test_findings_bucket_is_encrypted_private_tls_only_versioned_logged_expiring_and_retained(
    synth: Synthesized, partition: PartitionName
) -> None:
    template = _log_archive(synth, partition)
    assert_archived_log_bucket(template, "GuardDutyFindingsBucket", "GuardDutyFindingsBucketKey", _bucket(partition))
    props = template["Resources"]["GuardDutyFindingsBucket"]["Properties"]
    # The trail bucket's lifecycle in config/org.yaml: Glacier after 90 days, deleted after 2557.
    (lifecycle,) = props["LifecycleConfiguration"]["Rules"]
    assert lifecycle["Status"] == "Enabled"
    assert lifecycle["Transitions"] == [{"StorageClass": "GLACIER", "TransitionInDays": 90}]
    assert lifecycle["ExpirationInDays"] == 2557
    assert lifecycle["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    (alias,) = [
        a
        for a in of_type(template, "AWS::KMS::Alias").values()
        if a["Properties"]["TargetKeyId"] == {"Fn::GetAtt": ["GuardDutyFindingsBucketKey", "Arn"]}
    ]
    assert alias["Properties"]["AliasName"] == f"alias/{_bucket(partition)}"


def test_bucket_policy_lets_only_the_security_accounts_detectors_write_with_the_key_over_tls(
    synth: Synthesized, partition: PartitionName
) -> None:
    policy = _bucket_policy(synth, partition)
    assert evaluate([policy], _upload(partition)) == "Allow"
    for region in REGIONS[partition]:
        assert evaluate([policy], _upload(partition, region=region)) == "Allow", region
    # A detector in a region the config does not allow, or of another account (confused deputy): not allowed.
    assert evaluate([policy], _upload(partition, region=NOT_ALLOWED[partition])) == "ImplicitDeny"
    assert evaluate([policy], _upload(partition, account="999999999999")) == "ImplicitDeny"
    # Unencrypted, encrypted with another key, or over plain HTTP: denied outright.
    plain = _upload(partition)
    plain.context["s3:x-amz-server-side-encryption"] = "AES256"
    assert evaluate([policy], plain) == "Deny"
    other_key = _upload(partition)
    other_key.context["s3:x-amz-server-side-encryption-aws-kms-key-id"] = (
        f"arn:{partition}:kms:{HOME[partition]}:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    assert evaluate([policy], other_key) == "Deny"
    insecure = _upload(partition)
    insecure.context["aws:SecureTransport"] = "false"
    assert evaluate([policy], insecure) == "Deny"
    # GuardDuty checks the bucket's location when the destination is created, for the same detectors only.
    location = Request("s3:GetBucketLocation", _bucket_arn(partition), dict(_upload(partition).context), GUARDDUTY)
    assert evaluate([policy], location) == "Allow"
    location.context["aws:SourceAccount"] = "999999999999"
    assert evaluate([policy], location) == "ImplicitDeny"
    # Nobody else is granted anything: every other statement denies.
    others = [s for s in policy["Statement"] if not s.get("Sid", "").startswith("AllowGuardDuty")]
    assert others and all(s["Effect"] == "Deny" for s in others)


def test_key_policy_lets_guardduty_encrypt_for_the_security_detectors_and_the_handler_role_find_the_key(
    synth: Synthesized, partition: PartitionName
) -> None:
    policy = _key_policy(synth, partition)
    security = SECURITY[partition][1]
    assert statement(policy, "AllowGuardDutyToEncryptFindings") == {
        "Sid": "AllowGuardDutyToEncryptFindings",
        "Effect": "Allow",
        "Principal": {"Service": "guardduty.amazonaws.com"},
        "Action": "kms:GenerateDataKey",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": security},
            "ArnLike": {
                "aws:SourceArn": [f"arn:{partition}:guardduty:{r}:{security}:detector/*" for r in REGIONS[partition]]
            },
        },
    }
    generate = Request(
        "kms:GenerateDataKey",
        "*",
        {"aws:SourceAccount": security, "aws:SourceArn": _detector(partition, HOME[partition])},
        GUARDDUTY,
    )
    assert evaluate([policy], generate) == "Allow"
    generate.context.update(
        {"aws:SourceAccount": "999999999999", "aws:SourceArn": _detector(partition, HOME[partition], "999999999999")}
    )
    assert evaluate([policy], generate) == "ImplicitDeny"
    handler = f"arn:{partition}:iam::{security}:role/{HANDLER_ROLE}"
    describe = Request("kms:DescribeKey", "*", {"aws:PrincipalArn": handler}, {"AWS": handler})
    if security != LOG_ARCHIVE[partition][1]:  # in GovCloud's example the two are one account: its IAM decides
        assert evaluate([policy], describe) == "Allow"
        other = f"arn:{partition}:iam::{security}:role/SomeoneElse"
        assert evaluate([policy], Request("kms:DescribeKey", "*", {"aws:PrincipalArn": other}, {"AWS": other})) == (
            "ImplicitDeny"
        )
    assert statement(policy, "AllowSecurityServicesHandlerToFindTheKey")["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": handler}
    }


# --- the security account's publishing destinations -----------------------------------------------------------------


def test_every_allowed_region_exports_to_the_home_bucket_with_the_key_found_by_its_alias(
    synth: Synthesized, partition: PartitionName
) -> None:
    for region in REGIONS[partition]:
        template = synth.templates[f"SecurityServices-{SECURITY[partition][0]}-{region}"]
        (key_id,) = of_type(template, "Custom::KeyOfAlias")
        assert template["Resources"][key_id]["Properties"]["AliasArn"] == _alias_arn(partition), region
        (config_id,) = of_type(template, "Custom::GuardDutyOrganization")
        destination = only(template, "AWS::GuardDuty::PublishingDestination")["Properties"]
        assert destination == {
            "DetectorId": {"Fn::GetAtt": [config_id, "DetectorId"]},
            "DestinationType": "S3",
            "DestinationProperties": {
                "DestinationArn": _bucket_arn(partition),
                "KmsKeyArn": {"Fn::GetAtt": [key_id, "KeyArn"]},
            },
        }, region


def test_the_handler_role_may_describe_keys_of_the_log_archive_home_region_only(
    synth: Synthesized, partition: PartitionName
) -> None:
    template = synth.templates[f"SecurityServices-{SECURITY[partition][0]}-{HOME[partition]}"]
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in of_type(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"].get("Description", "").startswith("org-baseline: sets GuardDuty")
    ]
    assert statement(policy, "FindTheFindingsKey") == {
        "Sid": "FindTheFindingsKey",
        "Effect": "Allow",
        "Action": "kms:DescribeKey",
        "Resource": f"arn:{partition}:kms:{HOME[partition]}:{LOG_ARCHIVE[partition][1]}:key/*",
    }


def test_security_services_deploy_after_the_findings_bucket(
    example_config: OrgConfig, partition: PartitionName
) -> None:
    log_archive = f"LogArchive-{LOG_ARCHIVE[partition][0]}"
    services = [s for s in plan(example_config, partition=partition) if s.kind == "security-services"]
    assert services and all(log_archive in s.after for s in services)


def test_export_turns_off_in_config(example_config: OrgConfig, partition: PartitionName, tmp_path: Path) -> None:
    guardduty = example_config.security_services.guardduty.model_copy(update={"export_findings": False})
    services = example_config.security_services.model_copy(update={"guardduty": guardduty})
    # AWS Config off too, so nothing else puts the log-archive stack before the security services.
    services = services.model_copy(update={"config": services.config.model_copy(update={"enabled": False})})
    config = example_config.model_copy(update={"security_services": services})
    log_archive = f"LogArchive-{LOG_ARCHIVE[partition][0]}"
    assert all(log_archive not in s.after for s in plan(config, partition=partition) if s.kind == "security-services")
    accounts = [LOG_ARCHIVE[partition][0], SECURITY[partition][0]]
    synthesized = synthesize(config, tmp_path, checks=False, accounts=accounts)
    for name, template in synthesized.templates.items():
        types = {r["Type"] for r in template["Resources"].values()}
        assert not types & {"AWS::GuardDuty::PublishingDestination", "Custom::KeyOfAlias"}, name
        assert "GuardDutyFindingsBucket" not in template["Resources"], name


# --- the handler's alias lookup against a local AWS API (moto) ------------------------------------------------------

HANDLER = ROOT / "constructs" / "handlers" / "security_services" / "index.py"
STACK = f"arn:aws:cloudformation:us-west-2:{MOTO_ACCOUNT}:stack/SecurityServices-security-us-west-2/guid"


@pytest.fixture(scope="module")
def handler_module() -> ModuleType:
    return load_handler(HANDLER, "security_services_handler_export")


def test_key_of_alias_returns_the_key_arn_from_the_aliases_region(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    kms = boto3.client("kms", region_name="us-east-1")
    key_arn = kms.create_key(Description="findings")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/examplecorp-guardduty", TargetKeyId=key_arn)
    alias_arn = f"arn:aws:kms:us-east-1:{MOTO_ACCOUNT}:alias/examplecorp-guardduty"
    for request in ("Create", "Update"):
        event = custom_resource_event(
            cloudformation,
            request,
            resource_type="Custom::KeyOfAlias",
            logical_id="FindingsKey",
            stack_id=STACK,
            properties={"ServiceToken": "arn", "AliasArn": alias_arn},
        )
        handler_module.handler(event, None)  # runs in us-west-2 (the stack's region); the key is in us-east-1
        response = cloudformation.received[-1]
        assert response["Status"] == "SUCCESS", response["Reason"]
        assert response["Data"] == {"KeyArn": key_arn}


def test_key_of_alias_reports_a_missing_alias_and_a_malformed_arn(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None
) -> None:
    for alias_arn, reason in [
        (f"arn:aws:kms:us-east-1:{MOTO_ACCOUNT}:alias/nothing-here", "NotFoundException"),
        ("alias/examplecorp-guardduty", "is not a KMS alias ARN"),
    ]:
        event = custom_resource_event(
            cloudformation,
            "Create",
            resource_type="Custom::KeyOfAlias",
            logical_id="FindingsKey",
            stack_id=STACK,
            properties={"ServiceToken": "arn", "AliasArn": alias_arn},
        )
        handler_module.handler(event, None)
        response = cloudformation.received[-1]
        assert response["Status"] == "FAILED"
        assert reason in response["Reason"]

"""The project's cdk-nag rules, each with a compliant and a non-compliant resource."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_backup as backup
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm

from checks.nag_pack import BaselineChecks

MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "NumericLessThan": {"aws:MultiFactorAuthAge": 3600}}
SESSION_CHECK = {"BoolIfExists": {"ssm:SessionDocumentAccessCheck": "true"}}


def _trust(condition: dict[str, Any] | None) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": {"AWS": "arn:aws-us-gov:iam::123456789012:root"},
                 "Action": "sts:AssumeRole"}  # fmt: skip
    return {"Version": "2012-10-17", "Statement": [{**statement, **({"Condition": condition} if condition else {})}]}


def _start_session(condition: dict[str, Any] | None, action: str = "ssm:StartSession") -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    return {"Version": "2012-10-17", "Statement": [{**statement, **({"Condition": condition} if condition else {})}]}


def _session_document(inputs: dict[str, Any]) -> dict[str, Any]:
    return {"schemaVersion": "1.0", "description": "prefs", "sessionType": "Standard_Stream", "inputs": inputs}


ENCRYPTED = {"s3BucketName": "b", "s3EncryptionEnabled": True, "cloudWatchLogGroupName": "g",
             "cloudWatchEncryptionEnabled": True, "kmsKeyId": "alias/k"}  # fmt: skip

# (rule, region, builder of the resource, compliant?)
CASES: list[tuple[str, str, Callable[[cdk.Stack], object], bool]] = [
    ("BackupVaultLocked", "us-east-1", lambda s: backup.CfnBackupVault(
        s, "R", backup_vault_name="v", lock_configuration={"minRetentionDays": 7}), True),
    ("BackupVaultLocked", "us-east-1", lambda s: backup.CfnBackupVault(s, "R", backup_vault_name="v"), False),
    ("BreakglassRequiresMfa", "us-gov-west-1", lambda s: iam.CfnRole(
        s, "R", role_name="x-baseline-breakglass", assume_role_policy_document=_trust(MFA)), True),
    ("BreakglassRequiresMfa", "us-gov-west-1", lambda s: iam.CfnRole(
        s, "R", role_name="x-baseline-breakglass", assume_role_policy_document=_trust(None)), False),
    ("BreakglassRequiresMfa", "us-gov-west-1", lambda s: iam.CfnRole(
        s, "R", role_name="x-baseline-breakglass",
        assume_role_policy_document=_trust({"Bool": {"aws:MultiFactorAuthPresent": "true"}})), False),
    ("BreakglassRequiresMfa", "us-gov-west-1", lambda s: iam.CfnRole(
        s, "R", role_name="x-baseline-breakglass", assume_role_policy_document=_trust(
            {**MFA, "NumericLessThan": {"aws:MultiFactorAuthAge": "86400"}})), False),  # older than the session
    ("BreakglassRequiresMfa", "us-gov-west-1", lambda s: iam.CfnRole(
        s, "R", role_name="x-baseline-breakglass", max_session_duration=3600, assume_role_policy_document=_trust(
            {**MFA, "NumericLessThan": {"aws:MultiFactorAuthAge": "3601"}})), False),
    ("BreakglassRequiresMfa", "us-gov-west-1", lambda s: iam.CfnRole(
        s, "R", role_name="x-baseline-breakglass", max_session_duration=7200, assume_role_policy_document=_trust(
            {**MFA, "NumericLessThan": {"aws:MultiFactorAuthAge": "7200"}})), True),
    ("StartSessionChecksDocument", "us-east-1", lambda s: iam.CfnManagedPolicy(
        s, "R", policy_document=_start_session(SESSION_CHECK)), True),
    ("StartSessionChecksDocument", "us-east-1", lambda s: iam.CfnManagedPolicy(
        s, "R", policy_document=_start_session(None)), False),
    ("StartSessionChecksDocument", "us-east-1", lambda s: iam.CfnManagedPolicy(
        s, "R", policy_document=_start_session(None, action="ssm:Start*")), False),
    ("StartSessionChecksDocument", "us-east-1", lambda s: iam.CfnRole(
        s, "R", assume_role_policy_document=_trust(MFA),
        policies=[{"policyName": "p", "policyDocument": _start_session(None, action="ssm:*")}]), False),
    ("SessionPreferencesEncrypted", "us-east-1", lambda s: ssm.CfnDocument(
        s, "R", document_type="Session", content=_session_document(ENCRYPTED)), True),
    ("SessionPreferencesEncrypted", "us-east-1", lambda s: ssm.CfnDocument(
        s, "R", document_type="Session", content=_session_document({**ENCRYPTED, "s3EncryptionEnabled": False})),
     False),
    ("SessionPreferencesEncrypted", "us-east-1", lambda s: ssm.CfnDocument(
        s, "R", document_type="Session", content=_session_document({**ENCRYPTED, "kmsKeyId": ""})), False),
    ("NoCommercialArnInGovCloud", "us-gov-west-1", lambda s: ssm.CfnParameter(
        s, "R", type="String", value="arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess"), True),
    ("NoCommercialArnInGovCloud", "us-gov-west-1", lambda s: ssm.CfnParameter(
        s, "R", type="String", value="arn:aws:iam::aws:policy/ReadOnlyAccess"), False),
    ("NoCommercialArnInGovCloud", "us-east-1", lambda s: ssm.CfnParameter(
        s, "R", type="String", value="arn:aws:iam::aws:policy/ReadOnlyAccess"), True),
]  # fmt: skip


CASE_IDS = [f"{rule}-{'ok' if compliant else 'bad'}-{i}" for i, (rule, _, _, compliant) in enumerate(CASES)]


@pytest.mark.parametrize(("rule", "region", "build", "compliant"), CASES, ids=CASE_IDS)
def test_rule(rule: str, region: str, build: Callable[[cdk.Stack], object], compliant: bool) -> None:
    app = cdk.App(context={"@aws-cdk/core:enablePartitionLiterals": True})
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="123456789012", region=region))
    build(stack)
    report = BaselineChecks(app).validate_scope(app)
    found = {v.rule_name for v in report.violations}
    if compliant:
        assert f"OrgBaseline-{rule}" not in found, json.dumps([v.description for v in report.violations])
    else:
        assert f"OrgBaseline-{rule}" in found

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
from cdk_nag import NagRuleCompliance

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


def _unlocked_vault_app() -> tuple[cdk.App, backup.CfnBackupVault]:
    app = cdk.App(context={"@aws-cdk/core:enablePartitionLiterals": True})
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="123456789012", region="us-east-1"))
    return app, backup.CfnBackupVault(stack, "R", backup_vault_name="v")


def test_an_acknowledged_finding_is_not_reported_and_names_its_resource_otherwise() -> None:
    """The pack hands only findings to cdk-nag, which still applies acknowledgments and names the resource."""
    app, vault = _unlocked_vault_app()
    report = BaselineChecks(app).validate_scope(app)
    (violation,) = report.violations
    assert violation.rule_name == "OrgBaseline-BackupVaultLocked"
    assert [r.construct_path for r in violation.violating_resources] == ["S/R"]
    cdk.Validations.of(vault).acknowledge(
        cdk.Acknowledgment(id="OrgBaseline-BackupVaultLocked", reason="a test of the acknowledgment itself")
    )
    assert BaselineChecks(app).validate_scope(app).violations == []


def test_a_rule_that_raises_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule that cannot read a resource fails synthesis, as cdk-nag does with its own rules, not silently passes."""
    import checks.nag_pack as nag_pack

    def broken(resource: nag_pack.Resource) -> NagRuleCompliance:
        raise ValueError("cannot read it")

    monkeypatch.setattr(nag_pack, "RULES", tuple((r[0], r[1], r[2], broken) for r in nag_pack.RULES))
    app, _ = _unlocked_vault_app()
    found = {v.rule_name: v.description for v in BaselineChecks(app).validate_scope(app).violations}
    assert set(found) == {f"OrgBaseline-{rule[0]}" for rule in nag_pack.RULES}
    assert all("Rule threw an error" in description for description in found.values())

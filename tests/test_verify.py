"""The verification gate: each checker fails on a deliberately broken template, naming the problem."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from stacks.baseline_nag_pack import BaselineChecks
from tests import verify


def assembly(tmp_path: Path, templates: dict[str, tuple[str, dict]]) -> list[verify.StackTemplate]:
    """A minimal cloud assembly: {stack name: (region, template)}."""
    artifacts = {}
    for name, (region, body) in templates.items():
        (tmp_path / f"{name}.template.json").write_text(json.dumps(body, indent=1))
        artifacts[name] = {"type": "aws:cloudformation:stack", "environment": f"aws://123456789012/{region}",
                           "properties": {"templateFile": f"{name}.template.json"}}  # fmt: skip
    (tmp_path / "manifest.json").write_text(json.dumps({"version": "1", "artifacts": artifacts}))
    return verify.load_assembly(tmp_path)


def messages(result: verify.Result) -> str:
    return "\n".join(f"{f.location}: {f.message}" for f in result.findings)


PUBLIC_BUCKET = {"Resources": {"Open": {"Type": "AWS::S3::Bucket", "Properties": {
    "BucketName": "wide-open", "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": False, "BlockPublicPolicy": False, "IgnorePublicAcls": False,
        "RestrictPublicBuckets": False}}}}}  # fmt: skip


def test_checkov_fails_on_a_public_bucket(tmp_path):
    stacks = assembly(tmp_path, {"Public": ("us-east-1", PUBLIC_BUCKET)})
    result = verify.run_checkov(stacks, tmp_path)
    assert not result.ok
    assert "Public.template.json:AWS::S3::Bucket.Open: CKV_AWS_53" in messages(result)  # block public ACLs
    assert "CKV_AWS_56" in messages(result)  # restrict public buckets


def test_checkov_rejects_a_skip_without_a_reason(tmp_path):
    bucket = json.loads(json.dumps(PUBLIC_BUCKET))
    bucket["Resources"]["Open"]["Metadata"] = {"checkov": {"skip": [{"id": "CKV_AWS_53", "comment": "ok"}]}}
    result = verify.run_checkov(assembly(tmp_path, {"Public": ("us-east-1", bucket)}), tmp_path)
    assert "CKV_AWS_53 skipped without a specific reason: 'ok'" in messages(result)


def test_cfn_lint_fails_on_a_resource_type_govcloud_lacks(tmp_path):
    # cfn-lint knows per region which resource types exist; a typo'd type fails everywhere.
    body = {"Resources": {"Thing": {"Type": "AWS::S3::Buckets", "Properties": {}}}}
    result = verify.run_cfn_lint(assembly(tmp_path, {"Gov": ("us-gov-west-1", body)}), tmp_path)
    assert not result.ok
    assert "AWS::S3::Buckets" in messages(result)


def _policy_template(statement: dict) -> dict:
    return {"Resources": {"Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}}}}  # fmt: skip


def test_policy_lint_fails_on_an_unknown_action(tmp_path):
    body = _policy_template({"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/*"})
    result = verify.run_policy_lint(assembly(tmp_path, {"Typo": ("us-east-1", body)}), tmp_path)
    assert "Typo/Policy/PolicyDocument: UNKNOWN_ACTION: Unknown action s3:GetObjekt" in messages(result)


def test_policy_lint_resolves_intrinsics_to_the_stack_partition(tmp_path):
    body = _policy_template({"Effect": "Allow", "Action": "s3:GetObject",
                             "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["B", "Arn"]}, "/*"]]}})  # fmt: skip
    body["Resources"]["B"] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "logs"}}
    (stack,) = assembly(tmp_path, {"Gov": ("us-gov-west-1", body)})
    ((_, _, document),) = list(verify.extract_policies(stack))
    assert document["Statement"][0]["Resource"] == "arn:aws-us-gov:s3:::logs/*"
    assert verify.run_policy_lint([stack], tmp_path).ok


def test_budgets_fail_on_an_oversized_scp_and_too_many_per_target(tmp_path):
    big = {"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{i}", "Effect": "Deny", "Action": f"ec2:Action{i:05d}", "Resource": "*"} for i in range(250)]}  # fmt: skip
    resources = {f"Scp{i}": {"Type": "AWS::Organizations::Policy", "Properties": {
        "Name": f"scp-{i}", "Type": "SERVICE_CONTROL_POLICY", "TargetIds": ["ou-ab12-cd34ef56"],
        "Content": big if i == 0 else {"Version": "2012-10-17", "Statement": []}}} for i in range(10)}  # fmt: skip
    result = verify.run_budgets(assembly(tmp_path, {"Guardrails": ("us-east-1", {"Resources": resources})}), tmp_path)
    text = messages(result)
    assert "SCP scp-0 has" in text and "over 10,240" in text
    assert "11 SCPs including FullAWSAccess, over 10" in text


def test_budgets_fail_on_too_many_resources(tmp_path):
    resources = {f"P{i}": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "x"}}
                 for i in range(451)}  # fmt: skip
    result = verify.run_budgets(assembly(tmp_path, {"Huge": ("us-east-1", {"Resources": resources})}), tmp_path)
    assert "Huge: 451 resources, over the budget of 450" in messages(result)


def test_partition_lint_fails_on_a_govcloud_template_with_a_commercial_arn(tmp_path):
    body = _policy_template({"Effect": "Deny", "Action": "*", "Resource": "arn:aws:s3:::b"})
    result = verify.run_partition_lint(assembly(tmp_path, {"Gov": ("us-gov-west-1", body)}), tmp_path)
    assert "Gov/Resources.Policy: contains a commercial ARN 'arn:aws:' in a GovCloud template" in messages(result)


def test_a_breakglass_role_without_mfa_fails_synthesis():
    app = cdk.App(context={"@aws-cdk/core:enablePartitionLiterals": True})
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="123456789012", region="us-east-1"))
    iam.CfnRole(stack, "Breakglass", role_name="x-baseline-breakglass", assume_role_policy_document={
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]})  # fmt: skip
    cdk.Validations.of(app).add_plugins(BaselineChecks(app))
    with pytest.raises(RuntimeError, match="OrgBaseline-BreakglassRequiresMfa"):
        app.synth()


def test_report_names_each_checker_and_where_to_look():
    results = [verify.Result("budgets", "1 stacks", [verify.Finding("S", "451 resources")], hint="split it"),
               verify.Result("checkov", "3 passed")]  # fmt: skip
    text = verify.report(results, Path("cdk.out"))
    assert "FAIL budgets" in text and "S: 451 resources" in text and "where to look: split it" in text
    assert "ok   checkov" in text and text.endswith("verify FAILED: budgets (details: cdk.out/verify-report.json)")

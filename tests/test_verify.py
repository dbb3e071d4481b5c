"""The verification gate: each checker fails on a deliberately broken template, naming the problem."""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest.mock import patch

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk import aws_iam as iam

from checks import verify
from checks.budgets import ScpQuotas, run_budgets
from checks.cfn_lint import run_cfn_lint
from checks.checkov_scan import balanced_shares, run_checkov
from checks.cloud_assembly import Finding, Result, StackTemplate, load_assembly
from checks.nag_pack import BaselineChecks
from checks.partition_lint import run_partition_lint
from checks.policy_lint import PARLIAMENT_EXPLAINED, extract_policies, lint, run_policy_lint
from config.regions import PartitionName
from tests.conftest import Synthesized


def assembly(tmp_path: Path, templates: dict[str, tuple[str, dict[str, Any]]]) -> list[StackTemplate]:
    """A minimal cloud assembly: {stack name: (region, template)}."""
    artifacts: dict[str, Any] = {}
    for name, (region, body) in templates.items():
        (tmp_path / f"{name}.template.json").write_text(json.dumps(body, indent=1))
        artifacts[name] = {"type": "aws:cloudformation:stack", "environment": f"aws://123456789012/{region}",
                           "properties": {"templateFile": f"{name}.template.json"}}  # fmt: skip
    (tmp_path / "manifest.json").write_text(json.dumps({"version": "1", "artifacts": artifacts}))
    return load_assembly(tmp_path)


def messages(result: Result) -> str:
    return "\n".join(f"{f.location}: {f.message}" for f in result.findings)


PUBLIC_BUCKET = {"Resources": {"Open": {"Type": "AWS::S3::Bucket", "Properties": {
    "BucketName": "wide-open", "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": False, "BlockPublicPolicy": False, "IgnorePublicAcls": False,
        "RestrictPublicBuckets": False}}}}}  # fmt: skip


@dataclass(frozen=True)
class CheckovRuns:
    """One assembly, scanned the way the gate scans on two cores (`split`: one checkov per share) and on one
    (`whole`); each checkov run starts a Python process of its own (about 3 s), so the tests below share them."""

    split: Result
    whole: Result


@pytest.fixture(scope="module")
def checkov_runs(tmp_path_factory: pytest.TempPathFactory) -> CheckovRuns:
    tmp_path = tmp_path_factory.mktemp("checkov")
    quiet = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": "alias/x"}}}}
    skipped = copy.deepcopy(PUBLIC_BUCKET)
    skipped["Resources"]["Open"]["Metadata"] = {"checkov": {"skip": [{"id": "CKV_AWS_53", "comment": "ok"}]}}
    templates = {"Public": PUBLIC_BUCKET, "Quiet": quiet, "Skipped": skipped}
    stacks = assembly(tmp_path, {name: ("us-east-1", body) for name, body in templates.items()})
    assert len(balanced_shares([s.path for s in stacks], 2)) == 2
    with patch("checks.checkov_scan.os.cpu_count", return_value=2):
        split = run_checkov(stacks, tmp_path)
    with patch("checks.checkov_scan.os.cpu_count", return_value=1):
        whole = run_checkov(stacks, tmp_path)
    return CheckovRuns(split, whole)


def test_checkov_fails_on_a_public_bucket(checkov_runs: CheckovRuns) -> None:
    result = checkov_runs.whole
    assert not result.ok
    assert "Public.template.json:AWS::S3::Bucket.Open: CKV_AWS_53" in messages(result)  # block public ACLs
    assert "CKV_AWS_56" in messages(result)  # restrict public buckets


def test_checkov_reports_every_share_of_templates(checkov_runs: CheckovRuns) -> None:
    # The templates are scanned in shares, one checkov each: a finding in any share, and every share's passes, count.
    split, whole = checkov_runs.split, checkov_runs.whole
    assert "Public.template.json:AWS::S3::Bucket.Open: CKV_AWS_53" in messages(split)
    assert split.summary == whole.summary
    assert messages(split) == messages(whole)


def test_balanced_shares_splits_by_size(tmp_path: Path) -> None:
    sizes = {"a": 900, "b": 500, "c": 400, "d": 100}
    for name, size in sizes.items():
        (tmp_path / name).write_text("x" * size)
    shares = balanced_shares([tmp_path / name for name in sizes], 2)
    assert sorted(sorted(p.name for p in share) for share in shares) == [["a", "d"], ["b", "c"]]
    assert balanced_shares([tmp_path / "a"], 4) == [[tmp_path / "a"]]


def test_checkov_rejects_a_skip_without_a_reason(checkov_runs: CheckovRuns) -> None:
    assert "CKV_AWS_53 skipped without a specific reason: 'ok'" in messages(checkov_runs.whole)


def test_cfn_lint_fails_on_a_resource_type_govcloud_lacks(tmp_path: Path) -> None:
    # cfn-lint knows per region which resource types exist; a typo'd type fails everywhere.
    body = {"Resources": {"Thing": {"Type": "AWS::S3::Buckets", "Properties": {}}}}
    result = run_cfn_lint(assembly(tmp_path, {"Gov": ("us-gov-west-1", body)}), tmp_path)
    assert not result.ok
    assert "AWS::S3::Buckets" in messages(result)


def _policy_template(statement: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": {"Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}}}}  # fmt: skip


def test_policy_lint_fails_on_an_unknown_action(tmp_path: Path) -> None:
    body = _policy_template({"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/*"})
    result = run_policy_lint(assembly(tmp_path, {"Typo": ("us-east-1", body)}), tmp_path)
    assert "Typo/Policy/PolicyDocument#Allow: UNKNOWN_ACTION: Unknown action s3:GetObjekt" in messages(result)


def test_policy_lint_resolves_intrinsics_to_the_stack_partition(tmp_path: Path) -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["B", "Arn"]}, "/*"]]}}  # fmt: skip
    body = _policy_template(statement)
    body["Resources"]["B"] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "logs"}}
    (stack,) = assembly(tmp_path, {"Gov": ("us-gov-west-1", body)})
    ((_, _, document),) = list(extract_policies(stack))
    assert document["Statement"][0]["Resource"] == "arn:aws-us-gov:s3:::logs/*"
    assert run_policy_lint([stack], tmp_path).ok


BREAKGLASS_LIKE_ROLE = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
    "RoleName": "breakglass", "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
        "Sid": "UsersWithMfa", "Effect": "Allow",
        "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::410987654323:user/alice"}},
        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"},
                      "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
                      "StringEquals": {"sts:SourceIdentity": "${aws:username}"}}}]}}}}}  # fmt: skip


def test_policy_lint_analyses_the_conditions_of_trust_policies(tmp_path: Path) -> None:
    assert run_policy_lint(assembly(tmp_path, {"Trust": ("us-east-1", BREAKGLASS_LIKE_ROLE)}), tmp_path).ok
    misspellings = [
        ("aws:MultiFactorAuthPresent", "aws:MultiFactorAuthPresnt"),
        ("sts:SourceIdentity", "sts:SourceIdentty"),
    ]
    for right, wrong in misspellings:
        body = json.loads(json.dumps(BREAKGLASS_LIKE_ROLE).replace(f'"{right}"', f'"{wrong}"'))
        result = run_policy_lint(assembly(tmp_path, {"Trust": ("us-east-1", body)}), tmp_path)
        assert not result.ok, wrong
        location = "Trust/Role/AssumeRolePolicyDocument#UsersWithMfa"
        assert f"{location}: UNKNOWN_CONDITION_FOR_ACTION: Unknown condition {wrong} for action sts:AssumeRole" in (
            messages(result)
        )


def test_policy_lint_fails_on_a_misspelled_key_in_the_synthesized_breakglass_trust(
    synth: Synthesized, partition: PartitionName, tmp_path: Path
) -> None:
    name = {"aws": "Baseline-web-prod-us-east-1", "aws-us-gov": "Baseline-gov-workload-prod-us-gov-west-1"}[partition]
    (stack,) = [s for s in load_assembly(synth.outdir) if s.name == name]
    assert run_policy_lint([stack], tmp_path).ok
    broken = json.loads(json.dumps(stack.body).replace('"aws:MultiFactorAuthAge"', '"aws:MultiFactorAuthAg"'))
    result = run_policy_lint([StackTemplate(stack.name, stack.path, stack.account, stack.region, broken)], tmp_path)
    assert "AssumeRolePolicyDocument#BreakglassUsersWithMfaAndTheirName: UNKNOWN_CONDITION_FOR_ACTION: Unknown " \
        "condition aws:MultiFactorAuthAg for action sts:AssumeRole" in messages(result)  # fmt: skip


def test_policy_lint_counts_trust_policies_and_distinct_explained_findings(tmp_path: Path) -> None:
    tls_deny = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
                "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}}}  # fmt: skip
    bucket_policy = {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": "logs", "PolicyDocument": {
        "Version": "2012-10-17", "Statement": [tls_deny]}}}  # fmt: skip
    body = {"Resources": {**BREAKGLASS_LIKE_ROLE["Resources"], "OrgTrailBucketPolicyA1B2C3D4": bucket_policy}}
    result = run_policy_lint(assembly(tmp_path, {"Mixed": ("us-east-1", body)}), tmp_path)
    assert result.ok, messages(result)
    # One TLS deny on s3:* gives parliament's type complaint once per action: one distinct explained finding.
    assert result.summary.startswith("2 policies (1 trust), 0 findings, 2 distinct explained")
    # The same statement in a policy the explanation does not name is a finding.
    body = {"Resources": {"SomeOtherBucketPolicy": bucket_policy}}
    result = run_policy_lint(assembly(tmp_path, {"Other": ("us-east-1", body)}), tmp_path)
    assert "SomeOtherBucketPolicy/PolicyDocument#Deny NumericLessThan s3:TlsVersion: MISMATCHED_TYPE" in messages(
        result
    )


def test_every_parliament_explanation_covers_exactly_the_statements_it_names(
    synth: Synthesized, stacksets_synth: Synthesized
) -> None:
    """An explanation that matches nothing, or names a (policy, statement) the example org lacks (in either
    deployment mode), fails."""
    matched: dict[int, set[tuple[str, str]]] = {i: set() for i in range(len(PARLIAMENT_EXPLAINED))}
    unexplained = []
    for linted in lint(load_assembly(synth.outdir) + load_assembly(stacksets_synth.outdir)):
        if linted.explained is None:
            unexplained.append(f"{linted.finding.location}: {linted.finding.message}")
            continue
        index = PARLIAMENT_EXPLAINED.index(linted.explained)
        (covered,) = [c for c in linted.explained.covers if linted.policy.endswith(c[0]) and linted.statement == c[1]]
        matched[index].add(covered)
    assert unexplained == []
    for index, explained in enumerate(PARLIAMENT_EXPLAINED):
        assert matched[index] == explained.covers, (explained.issue, explained.detail)


def test_budgets_fail_on_an_oversized_scp_and_too_many_per_target(tmp_path: Path) -> None:
    big = {"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{i}", "Effect": "Deny", "Action": f"ec2:Action{i:05d}", "Resource": "*"} for i in range(250)]}  # fmt: skip
    resources = {f"Scp{i}": {"Type": "AWS::Organizations::Policy", "Properties": {
        "Name": f"scp-{i}", "Type": "SERVICE_CONTROL_POLICY", "TargetIds": ["ou-ab12-cd34ef56"],
        "Content": big if i == 0 else {"Version": "2012-10-17", "Statement": []}}} for i in range(10)}  # fmt: skip
    result = run_budgets(assembly(tmp_path, {"Guardrails": ("us-east-1", {"Resources": resources})}), tmp_path, {})
    text = messages(result)
    assert "SCP scp-0 has" in text and "over 10,240" in text
    assert "11 SCPs including FullAWSAccess, over 10" in text


def _scps_on_one_ou(count: int, statements: int) -> dict[str, Any]:
    content = {"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{i}", "Effect": "Deny", "Action": f"ec2:Action{i:05d}", "Resource": "*"} for i in range(statements)]}  # fmt: skip
    return {
        f"Scp{i}": {
            "Type": "AWS::Organizations::Policy",
            "Properties": {
                "Name": f"scp-{i}",
                "Type": "SERVICE_CONTROL_POLICY",
                "TargetIds": ["ou-ab12-cd34ef56"],
                "Content": content,
            },
        }
        for i in range(count)
    }


def test_budgets_measure_each_partition_against_its_configured_scp_quotas(tmp_path: Path) -> None:
    # 4 SCPs of ~1,450 characters on one OU: fine by AWS's defaults, over what this organization configured.
    body = {"Resources": _scps_on_one_ou(4, 20)}
    stacks = assembly(tmp_path, {"Guardrails": ("us-east-1", body), "GovGuardrails": ("us-gov-west-1", body)})
    assert run_budgets(stacks, tmp_path, {}).ok
    strict: dict[PartitionName, ScpQuotas] = {
        "aws": ScpQuotas(max_policy_chars=1_024, max_policies_per_target=5, reserved_slots=2)
    }
    text = messages(run_budgets(stacks, tmp_path, strict))
    assert "Guardrails/Scp0: SCP scp-0 has" in text and "over 1,024" in text
    assert 'aws target "ou-ab12-cd34ef56": 7 SCPs including FullAWSAccess and 2 reserved, over 5' in text
    assert "GovGuardrails" not in text  # GovCloud keeps AWS's defaults: its organization configured nothing


def test_the_gate_reads_the_quotas_of_the_config_it_is_given(tmp_path: Path, example_data: dict[str, Any]) -> None:
    data = copy.deepcopy(example_data)
    # 5 fits the config's own root (FullAWSAccess, 2 reserved, 2 packed library policies); 3 on one OU does not.
    data["service_control_policies"]["partitions"]["aws"].update(max_policies_per_target=5, reserved_slots=2)
    config = tmp_path / "org.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    outdir = tmp_path / "cdk.out"
    outdir.mkdir()
    assembly(outdir, {"Guardrails": ("us-east-1", {"Resources": _scps_on_one_ou(3, 1)})})
    assert verify.main([str(outdir), "--only", "budgets", "--config", str(config)]) == 1  # 1 + 2 reserved + 3 > 5
    assert verify.main([str(outdir), "--only", "budgets"]) == 0  # the example's quotas: 1 + 0 + 3 <= 10
    assert verify.main([str(outdir), "--only", "budgets", "--config", str(tmp_path / "missing.yaml")]) == 2


def test_budgets_fail_on_too_many_resources(tmp_path: Path) -> None:
    resources = {f"P{i}": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "x"}}
                 for i in range(451)}  # fmt: skip
    result = run_budgets(assembly(tmp_path, {"Huge": ("us-east-1", {"Resources": resources})}), tmp_path, {})
    assert "Huge: 451 resources, over the budget of 450" in messages(result)


def test_budgets_fail_on_a_role_with_more_managed_policies_than_iam_attaches(tmp_path: Path) -> None:
    """IAM attaches at most 10 managed policies to a role by default: its own ManagedPolicyArns and the stack's
    policies that name it both count."""
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    role = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": document,
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}}  # fmt: skip

    def policies(count: int) -> dict[str, Any]:
        return {f"P{i}": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "PolicyDocument": document, "Roles": [{"Ref": "Role"}]}} for i in range(count)}  # fmt: skip

    at_limit = {"Resources": {"Role": role, **policies(9)}}
    assert run_budgets(assembly(tmp_path, {"Fits": ("us-east-1", at_limit)}), tmp_path, {}).ok
    over = {"Resources": {"Role": role, **policies(10)}}
    result = run_budgets(assembly(tmp_path, {"Over": ("us-east-1", over)}), tmp_path, {})
    assert "Over/Role: 11 managed policies attached, over IAM's 10" in messages(result)


def test_partition_lint_fails_on_a_govcloud_template_with_a_commercial_arn(tmp_path: Path) -> None:
    body = _policy_template({"Effect": "Deny", "Action": "*", "Resource": "arn:aws:s3:::b"})
    result = run_partition_lint(assembly(tmp_path, {"Gov": ("us-gov-west-1", body)}), tmp_path)
    assert "Gov/Resources.Policy: contains a commercial ARN 'arn:aws:' in a GovCloud template" in messages(result)


def test_a_breakglass_role_without_mfa_fails_synthesis() -> None:
    app = cdk.App(context={"@aws-cdk/core:enablePartitionLiterals": True})
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="123456789012", region="us-east-1"))
    trust_without_mfa = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}  # fmt: skip
    iam.CfnRole(stack, "Breakglass", role_name="x-baseline-breakglass", assume_role_policy_document=trust_without_mfa)
    cdk.Validations.of(app).add_plugins(BaselineChecks(app))
    with pytest.raises(RuntimeError, match="OrgBaseline-BreakglassRequiresMfa"):
        app.synth()


def test_report_names_each_checker_and_where_to_look() -> None:
    results = [Result("budgets", "1 stacks", [Finding("S", "451 resources")], hint="split it"),
               Result("checkov", "3 passed")]  # fmt: skip
    text = verify.report(results, Path("cdk.out"))
    assert "FAIL budgets" in text and "S: 451 resources" in text and "where to look: split it" in text
    assert "ok   checkov" in text and text.endswith("verify FAILED: budgets (details: cdk.out/verify-report.json)")


def test_budgets_count_rcps_against_the_rcp_quotas(tmp_path: Path) -> None:
    # RCPs: 5,120 characters and 5 per target, RCPFullAWSAccess included
    # (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html).
    resources = _scps_on_one_ou(5, 40)  # 5 documents of ~2,900 characters: fine as SCPs
    for resource in resources.values():
        resource["Properties"]["Type"] = "RESOURCE_CONTROL_POLICY"
    stacks = assembly(tmp_path, {"Guardrails": ("us-east-1", {"Resources": resources})})
    text = messages(run_budgets(stacks, tmp_path, {}))
    assert '"ou-ab12-cd34ef56": 6 RCPs including RCPFullAWSAccess, over 5' in text
    assert "SCPs" not in text
    resources = _scps_on_one_ou(2, 80)  # ~5,800 characters each
    for resource in resources.values():
        resource["Properties"]["Type"] = "RESOURCE_CONTROL_POLICY"
    stacks = assembly(tmp_path, {"Guardrails2": ("us-east-1", {"Resources": resources})})
    assert "RCP scp-0 has" in messages(run_budgets(stacks, tmp_path, {})) and "over 5,120" in messages(
        run_budgets(stacks, tmp_path, {})
    )


def test_the_checkers_run_at_once_and_report_in_order(tmp_path: Path) -> None:
    """Each checker waits for the other at a barrier: run one after the other, the first would wait in vain."""
    barrier = threading.Barrier(2, timeout=10)

    def meeting(name: str) -> verify.Checker:
        def checker(stacks: list[StackTemplate], outdir: Path) -> Result:
            barrier.wait()
            return Result(name, "met")

        return checker

    results = verify.run_concurrently({"b": meeting("b"), "a": meeting("a")}, [], tmp_path)
    assert [r.checker for r in results] == ["b", "a"]

"""The checks built into synthesis: they run, they fail synth on findings, and acknowledgments are specific."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm

from checks.partition_lint import partition_findings
from checks.synth import add_checks
from config.regions import COMMERCIAL_REGIONS, PartitionName
from tests.conftest import Synthesized
from tests.support.project import CDK_CONTEXT

# Adds stacks to the app; returns each stack's template file and partition, as add_checks takes them.
StackBuilder = Callable[[cdk.App], dict[str, PartitionName]]

# --- partition lint, as a function -----------------------------------------------------------------


def _template(value: str) -> dict[str, Any]:
    return {"Resources": {"Thing": {"Type": "AWS::SSM::Parameter", "Properties": {"Value": value}}}}


@pytest.mark.parametrize(
    ("partition", "value", "expected"),
    [
        ("aws-us-gov", "arn:aws:iam::123456789012:root", "commercial ARN 'arn:aws:'"),
        ("aws-us-gov", "logs.us-east-1.amazonaws.com", "commercial region 'us-east-1'"),
        ("aws-us-gov", "eu-central-2", "commercial region 'eu-central-2'"),
        ("aws", "arn:aws-us-gov:iam::123456789012:root", "mentions 'aws-us-gov'"),
    ],
)
def test_partition_lint_finds_the_wrong_partition(partition: PartitionName, value: str, expected: str) -> None:
    ((location, problem),) = partition_findings(_template(value), partition)
    assert location == "Resources.Thing"
    assert expected in problem


@pytest.mark.parametrize(
    ("partition", "value"),
    [
        ("aws-us-gov", "arn:aws-us-gov:iam::123456789012:root"),
        ("aws-us-gov", "logs.us-gov-east-1.amazonaws.com"),
        ("aws-us-gov", "us-gov-west-1"),
        ("aws", "arn:aws:iam::123456789012:root"),
        ("aws", "us-east-1"),
    ],
)
def test_partition_lint_accepts_the_right_partition(partition: PartitionName, value: str) -> None:
    assert partition_findings(_template(value), partition) == []


def test_every_commercial_region_is_recognized() -> None:
    for region in COMMERCIAL_REGIONS:
        assert partition_findings(_template(f"x {region} y"), "aws-us-gov"), region


# --- the example org passes, and its GovCloud templates are clean ------------------------------------


def test_no_govcloud_template_names_the_commercial_partition(synth: Synthesized) -> None:
    gov = [i.stack_id for i in synth.infos if i.partition == "aws-us-gov"]
    assert gov
    for name in gov:
        text = json.dumps(synth.templates[name])
        assert "arn:aws:" not in text, name
        assert not re.search(r"(?<![a-z-])(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d", text.replace("us-gov-", "")), name


def test_no_commercial_template_names_govcloud(synth: Synthesized) -> None:
    for info in synth.infos:
        if info.partition == "aws":
            assert "aws-us-gov" not in json.dumps(synth.templates[info.stack_id]), info.stack_id


def test_every_arn_in_a_template_names_its_partition(synth: Synthesized) -> None:
    for info in synth.infos:
        for arn in re.findall(r"arn:([a-z-]*):", json.dumps(synth.templates[info.stack_id])):
            assert arn == info.partition, info.stack_id


# --- the checks fail synthesis -----------------------------------------------------------------------


def _synth_failing(tmp_path: Path, build: StackBuilder) -> dict[str, Any]:
    app = cdk.App(context=copy.deepcopy(CDK_CONTEXT), outdir=str(tmp_path), analytics_reporting=False)
    partitions = build(app)
    add_checks(app, partitions)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report: dict[str, Any] = json.loads((tmp_path / "validation-report.json").read_text())
    return report


def _violations(report: dict[str, Any]) -> dict[str, list[str]]:
    return {
        plugin["pluginName"]: [v["ruleName"] for v in plugin.get("violations", [])]
        for plugin in report["pluginReports"]
    }


def test_partition_lint_fails_synth_of_a_govcloud_stack_with_a_commercial_arn(tmp_path: Path) -> None:
    def build(app: cdk.App) -> dict[str, PartitionName]:
        stack = cdk.Stack(app, "Gov", env=cdk.Environment(account="123456789012", region="us-gov-west-1"))
        ssm.CfnParameter(stack, "Leak", type="String", value="arn:aws:iam::aws:policy/ReadOnlyAccess")
        return {stack.template_file: "aws-us-gov"}

    report = _synth_failing(tmp_path, build)
    (lint,) = [p for p in report["pluginReports"] if p["pluginName"] == "partition-lint"]
    (violation,) = lint["violations"]
    assert violation["ruleName"] == "PartitionLiteral"
    assert "Resources.Leak" in violation["description"] and "arn:aws:" in violation["description"]


def test_nag_packs_fail_synth_of_an_insecure_bucket(tmp_path: Path) -> None:
    def build(app: cdk.App) -> dict[str, PartitionName]:
        stack = cdk.Stack(app, "Insecure", env=cdk.Environment(account="123456789012", region="us-east-1"))
        s3.CfnBucket(stack, "Open")
        return {stack.template_file: "aws"}

    violations = _violations(_synth_failing(tmp_path, build))
    aws_solutions = " ".join(next(v for k, v in violations.items() if "AwsSolutions" in k))
    nist = " ".join(next(v for k, v in violations.items() if "NIST" in k))
    assert "AwsSolutions-S1" in aws_solutions and "AwsSolutions-S10" in aws_solutions
    assert "NIST.800.53.R5-S3BucketLoggingEnabled" in nist and "NIST.800.53.R5-S3DefaultEncryptionKMS" in nist


def test_cloudformation_schema_validation_is_on() -> None:
    # Turns CloudFormation schema warnings (e.g. a malformed duration) into synth failures.
    assert CDK_CONTEXT["@aws-cdk/core:validateAgainstDefaultRules"] is True
    assert CDK_CONTEXT["@aws-cdk/core:enablePartitionLiterals"] is True
    assert CDK_CONTEXT["@aws-cdk/core:target-partitions"] == ["aws", "aws-us-gov"]


# --- acknowledgments are granular and give a specific reason -----------------------------------------

BOILERPLATE = re.compile(
    r"^(n/?a|none|todo|fixme|tbd|ok|okay|ignore[d]?|suppress(ed)?|acknowledged?|false positive|not (needed|"
    r"applicable|relevant)|by design|intended|expected|accepted|test|wip|temporary|later)\.?$",
    re.IGNORECASE,
)
GRANULAR_RULES = ("AwsSolutions-IAM4", "AwsSolutions-IAM5")


def acknowledgment_problems(rule_id: str, reason: str) -> list[str]:
    problems: list[str] = []
    text = reason.strip()
    if BOILERPLATE.match(text) or len(text) < 40 or len(text.split()) < 8:
        problems.append(f"{rule_id}: reason {reason!r} is empty, boilerplate or too short to say why")
    if text.lower() in rule_id.lower():
        problems.append(f"{rule_id}: the reason repeats the rule ID")
    if rule_id.split("::")[-1].startswith(GRANULAR_RULES) and "[" not in rule_id:
        problems.append(f"{rule_id}: acknowledge the granular finding (e.g. IAM5[Resource::...]), not the whole rule")
    return problems


@pytest.mark.parametrize(
    ("rule_id", "reason"),
    [
        ("AwsSolutions-S1", ""),
        ("AwsSolutions-S1", "N/A"),
        ("AwsSolutions-S1", "False positive."),
        ("AwsSolutions-S1", "not needed"),
        ("AwsSolutions-S1", "Suppressed for now"),
        ("AwsSolutions-IAM5", "The wildcard is limited to the log stream prefix CloudTrail documents for orgs."),
    ],
)
def test_acknowledgment_audit_rejects_bad_acknowledgments(rule_id: str, reason: str) -> None:
    assert acknowledgment_problems(rule_id, reason)


def test_acknowledgment_audit_accepts_a_specific_one() -> None:
    reason = "This bucket is the server access log destination; logging it to itself would loop."
    assert acknowledgment_problems("AwsSolutions-S1", reason) == []
    assert acknowledgment_problems("AwsSolutions-IAM5[Resource::arn:x:*]", reason) == []


def test_every_acknowledgment_in_the_app_is_granular_and_explained(synth: Synthesized) -> None:
    found: dict[tuple[str, str], str] = {}
    for info in synth.infos:
        for node in info.stack.node.find_all():
            for entry in node.node.metadata:
                if entry.type == "aws:cdk:acknowledged-rules":
                    for rule_id, reason in entry.data.items():
                        found[(node.node.path, rule_id)] = reason
    assert found, "expected the known acknowledgments (access log bucket, delivery policy)"
    problems = [p for (path, rule), reason in found.items() for p in acknowledgment_problems(rule, reason)]
    assert problems == []

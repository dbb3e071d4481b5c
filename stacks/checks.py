"""Checks that run inside synthesis: cdk-nag packs and the partition lint, as CDK validation plugins.

Any finding fails `cdk synth` (templates are still written; the report is `cdk.out/validation-report.json`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import aws_cdk as cdk
import jsii
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from config.regions import COMMERCIAL_ARN_PREFIX, COMMERCIAL_REGION_PATTERN
from stacks.baseline_nag_pack import BaselineChecks

GOVCLOUD = re.compile(r"aws-us-gov")

CHECK_NAMES = ("cdk-nag AwsSolutions", "cdk-nag NIST 800-53 R5", "cdk-nag OrgBaseline", "partition lint",
               "CloudFormation schema (validateAgainstDefaultRules)")  # fmt: skip


def partition_findings(template: dict, partition: str) -> list[tuple[str, str]]:
    """(location, problem) for every place a template names the other partition.

    A GovCloud template must not contain a commercial ARN (such ARNs never match in GovCloud, so Deny statements
    silently do nothing) nor a commercial region; a commercial template must not mention `aws-us-gov`.
    """
    findings = []
    for section, body in template.items():
        items = body.items() if isinstance(body, dict) else [("", body)]
        for name, value in items:
            location = f"{section}.{name}" if name else section
            text = json.dumps(value)
            if partition == "aws-us-gov":
                if COMMERCIAL_ARN_PREFIX in text:
                    findings.append(
                        (location, f"contains a commercial ARN {COMMERCIAL_ARN_PREFIX!r} in a GovCloud template")
                    )
                region = COMMERCIAL_REGION_PATTERN.search(text)
                if region:
                    findings.append((location, f"names commercial region {region.group(1)!r} in a GovCloud template"))
            elif GOVCLOUD.search(text):
                findings.append((location, "mentions 'aws-us-gov' in a commercial template"))
    return findings


@jsii.implements(cdk.IPolicyValidationPlugin)
class PartitionLint:
    """Fails synthesis when a template names the wrong partition; knows each template's partition by file name."""

    def __init__(self, template_partitions: dict[str, str]) -> None:
        self._partitions = template_partitions

    @property
    def name(self) -> str:
        return "partition-lint"

    @property
    def version(self) -> str:
        return "1.0.0"

    @property
    def rule_ids(self) -> list[str]:
        return ["PartitionLiteral"]

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        violations = []
        for path in context.template_paths:
            partition = self._partitions.get(Path(path).name)
            if partition is None:
                continue
            template = json.loads(Path(path).read_text(encoding="utf-8"))
            for location, problem in partition_findings(template, partition):
                violations.append(cdk.PolicyViolation(
                    rule_name="PartitionLiteral",
                    description=f"{Path(path).name} ({partition}) {location}: {problem}",
                    fix="Build ARNs from the stack's partition (Stack.partition, format_arn, config.naming) and "
                        "regions from the config; never write them literally.",
                    violating_resources=[cdk.PolicyViolatingResource(
                        resource_logical_id=location.split(".", 1)[-1], template_path=path, locations=[location])],
                ))  # fmt: skip
        return cdk.PolicyValidationPluginReport(success=not violations, violations=violations)


def add_checks(app: cdk.App, template_partitions: dict[str, str]) -> None:
    cdk.Validations.of(app).add_plugins(
        AwsSolutionsChecks(app), NIST80053R5Checks(app), BaselineChecks(app), PartitionLint(template_partitions)
    )

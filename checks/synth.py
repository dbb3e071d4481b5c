"""Checks that run inside synthesis, as CDK validation plugins on the App: the cdk-nag packs (AwsSolutions,
NIST 800-53 R5 and the project's own OrgBaseline) and the partition lint.

Any finding fails `cdk synth` (templates are still written; the report is `cdk.out/validation-report.json`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import aws_cdk as cdk
import jsii
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from checks.cloud_assembly import STACKSET_TEMPLATES as STACKSET_TEMPLATES  # for stacks/assembly.py
from checks.cloud_assembly import STANDS_FOR as STANDS_FOR  # for stacks/assembly.py, which records it
from checks.nag_pack import BaselineChecks
from checks.partition_lint import partition_findings
from config.regions import PartitionName

STACKSET_TEMPLATE_FILES = "*.stackset.template.json"  # cdk-stacksets' StackSetStack template files in the assembly
CHECK_NAMES = (
    "cdk-nag AwsSolutions",
    "cdk-nag NIST 800-53 R5",
    "cdk-nag OrgBaseline",
    "partition lint",
    "CloudFormation schema (validateAgainstDefaultRules)",
)


@jsii.implements(cdk.IPolicyValidationPlugin)
class PartitionLint:
    """Fails synthesis when a template names the wrong partition; knows each template's partition by file name."""

    def __init__(self, template_partitions: Mapping[str, PartitionName]) -> None:
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
        # StackSet templates (cdk-stacksets, decision 0021) are assets beside the stack templates, not stacks.
        directories = {Path(path).parent for path in context.template_paths}
        stacksets = [str(p) for d in directories for p in sorted(d.glob(STACKSET_TEMPLATE_FILES))]
        for path in [*context.template_paths, *stacksets]:
            partition = self._partitions.get(Path(path).name)
            if partition is None:
                continue
            template = json.loads(Path(path).read_text(encoding="utf-8"))
            for location, problem in partition_findings(template, partition):
                resource = cdk.PolicyViolatingResource(
                    resource_logical_id=location.split(".", 1)[-1], template_path=path, locations=[location]
                )
                violation = cdk.PolicyViolation(
                    rule_name="PartitionLiteral",
                    description=f"{Path(path).name} ({partition}) {location}: {problem}",
                    fix="Build ARNs from the stack's partition (Stack.partition, format_arn, config.naming) and "
                    "regions from the config; never write them literally.",
                    violating_resources=[resource],
                )
                violations.append(violation)
        return cdk.PolicyValidationPluginReport(success=not violations, violations=violations)


def add_checks(app: cdk.App, template_partitions: Mapping[str, PartitionName]) -> None:
    """`template_partitions`: each stack's template file name and its partition, for the partition lint."""
    cdk.Validations.of(app).add_plugins(
        AwsSolutionsChecks(app), NIST80053R5Checks(app), BaselineChecks(app), PartitionLint(template_partitions)
    )

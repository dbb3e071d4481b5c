"""The partition lint: no template names the other partition.

A GovCloud Deny that names a commercial ARN silently never matches, the most common failure in this field. The lint
runs at synth (a validation plugin) and again in the gate on the files on disk (checks/verify.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from checks.cloud_assembly import Finding, Result, StackTemplate
from config.regions import COMMERCIAL_ARN_PREFIX, COMMERCIAL_REGION_PATTERN, PartitionName

GOVCLOUD = re.compile(r"aws-us-gov")


def partition_findings(template: dict[str, Any], partition: PartitionName) -> list[tuple[str, str]]:
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


def run_partition_lint(stacks: list[StackTemplate], outdir: Path) -> Result:
    """The gate's partition lint: the synth-time rule, applied to the templates on disk."""
    findings = [
        Finding(f"{stack.name}/{location}", problem)
        for stack in stacks
        for location, problem in partition_findings(stack.body, stack.partition)
    ]
    summary = f"{len(stacks)} templates, {len(findings)} findings"
    hint = "build ARNs and regions from the partition (config/naming.py), never literally"
    return Result("partition lint", summary, findings, hint=hint)

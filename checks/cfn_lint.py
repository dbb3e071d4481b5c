"""cfn-lint over every template, each against the regions of its own partition."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from checks.cloud_assembly import Finding, Result, StackTemplate
from config.regions import PARTITIONS

VENV_BIN = Path(sys.executable).parent  # the checkers are pinned in the venv that runs the gate

# cfn-lint rules we do not treat as failures, each with the reason.
CFN_LINT_IGNORED = {
    "W3005": "CDK adds DependsOn edges that are also implied by Ref/GetAtt; redundant, harmless.",
}


def run_cfn_lint(stacks: list[StackTemplate], outdir: Path) -> Result:
    findings: list[Finding] = []
    counts: list[str] = []
    commands: list[list[str]] = []
    for partition, regions in PARTITIONS.items():
        group = [s for s in stacks if s.partition == partition]
        if not group:
            continue
        # Each template against every region it deploys to, those of the stacks it stands for included.
        lint_regions = (
            sorted(regions) if partition == "aws-us-gov" else sorted(set().union(*(s.regions for s in group)))
        )
        counts.append(f"{partition}: {len(group)} templates in {', '.join(lint_regions)}")
        commands.append(
            [
                *(str(VENV_BIN / "cfn-lint"), "--format", "json", "--regions", *lint_regions),
                *("--ignore-checks", *CFN_LINT_IGNORED, "--", *(str(s.path) for s in group)),
            ]
        )
    # One cfn-lint per partition, at the same time: each is one single-threaded process.
    with ThreadPoolExecutor(max_workers=max(1, len(commands)), thread_name_prefix="cfn-lint") as pool:
        runs = list(
            pool.map(lambda command: subprocess.run(command, capture_output=True, text=True, check=False), commands)
        )
    for completed in runs:
        if completed.returncode not in (0, 2, 4, 6, 8, 10, 12, 14) or not completed.stdout.strip():
            if completed.returncode == 0:
                continue
            findings.append(Finding("cfn-lint", f"did not run: {completed.stderr.strip()[:500]}"))
            continue
        for match in json.loads(completed.stdout):
            rule = match["Rule"]["Id"]
            stack = Path(match["Filename"]).name.removesuffix(".template.json")
            where = f"{stack}:{match['Location']['Start']['LineNumber']}"
            findings.append(Finding(where, f"{rule} {match['Message']}"))
    summary = "; ".join(counts) + f"; {len(findings)} findings"
    hint = "re-run: cfn-lint --regions <partition regions> -- cdk.out/<stack>.template.json"
    return Result("cfn-lint", summary, findings, hint=hint)

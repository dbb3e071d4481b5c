"""checkov over the templates of cdk.out, offline; a skip counts only with a specific reason."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from checks.cfn_lint import VENV_BIN
from checks.cloud_assembly import Finding, Result, StackTemplate
from constructs.shared.checkov import MIN_REASON_WORDS


def run_checkov(stacks: list[StackTemplate], outdir: Path) -> Result:
    # --skip-download: checkov would otherwise fetch policies from the network.
    # The templates given (each distinct one once), not the whole folder, which holds every duplicate too.
    files = [arg for stack in stacks for arg in ("-f", str(stack.path))]
    command = [str(VENV_BIN / "checkov"), *files, "--framework", "cloudformation", "--skip-download"]
    command += ["--compact", "-o", "json"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        reports = json.loads(completed.stdout)
    except json.JSONDecodeError:
        return Result("checkov", "did not run", [Finding("checkov", completed.stderr.strip()[-500:])])
    reports = reports if isinstance(reports, list) else [reports]
    results = [r.get("results", {}) for r in reports if isinstance(r, dict)]
    failed = [c for r in results for c in r.get("failed_checks", [])]
    parsing_errors = sum((r.get("summary") or {}).get("parsing_errors", 0) for r in reports if isinstance(r, dict))
    passed = sum((r.get("summary") or {}).get("passed", 0) for r in reports if isinstance(r, dict))
    skipped = [c for r in results for c in r.get("skipped_checks", [])]
    findings = [
        Finding(f"{Path(c['file_path']).name}:{c['resource']}", f"{c['check_id']} {c['check_name']}") for c in failed
    ]
    if parsing_errors:
        findings.append(Finding(str(outdir), f"checkov could not parse {parsing_errors} template(s)"))
    explained: list[tuple[Finding, str]] = []
    for check in skipped:
        reason = (check.get("check_result") or {}).get("suppress_comment") or ""
        item = Finding(f"{Path(check['file_path']).name}:{check['resource']}", check["check_id"])
        if len(reason.split()) < MIN_REASON_WORDS:
            findings.append(Finding(item.location, f"{item.message} skipped without a specific reason: {reason!r}"))
        else:
            explained.append((item, reason))
    summary = f"{passed} passed, {len(failed)} failed, {len(explained)} skipped with a reason"
    hint = "skip only with skip_checkov (constructs/shared/checkov.py) and a specific reason, next to the construct"
    return Result("checkov", summary, findings, explained, hint=hint)

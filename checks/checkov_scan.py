"""checkov over the templates of cdk.out, offline; a skip counts only with a specific reason."""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from checks.cfn_lint import VENV_BIN
from checks.cloud_assembly import Finding, Result, StackTemplate
from constructs.shared.checkov import MIN_REASON_WORDS


def run_checkov(stacks: list[StackTemplate], outdir: Path) -> Result:
    # checkov scans the files it is given one after the other in one process, and is the gate's slowest checker:
    # split them into one share per core, balanced by size, each scanned by its own checkov at the same time.
    shares = balanced_shares([stack.path for stack in stacks], os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=max(1, len(shares)), thread_name_prefix="checkov") as pool:
        scans = list(pool.map(_scan, shares))
    problems = [problem for _, problem in scans if problem]
    if problems:
        return Result("checkov", "did not run", [Finding("checkov", problem) for problem in problems])
    return _result([report for reports, _ in scans for report in reports], outdir)


def balanced_shares(paths: list[Path], count: int) -> list[list[Path]]:
    """`paths` in at most `count` non-empty shares of about equal total size (largest file first to the smallest
    share), so that the scans finish at about the same time."""
    shares: list[list[Path]] = [[] for _ in range(max(1, min(count, len(paths))))]
    sizes = [0] * len(shares)
    for path in sorted(paths, key=lambda p: p.stat().st_size, reverse=True):
        smallest = sizes.index(min(sizes))
        shares[smallest].append(path)
        sizes[smallest] += path.stat().st_size
    return [share for share in shares if share]


def _scan(paths: list[Path]) -> tuple[list[dict[str, Any]], str]:
    """checkov's JSON reports for the files, or the reason it did not run."""
    # --skip-download: checkov would otherwise fetch policies from the network.
    # The templates given (each distinct one once), not the whole folder, which holds every duplicate too.
    files = [arg for path in paths for arg in ("-f", str(path))]
    command = [str(VENV_BIN / "checkov"), *files, "--framework", "cloudformation", "--skip-download"]
    command += ["--compact", "-o", "json"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        reports = json.loads(completed.stdout)
    except json.JSONDecodeError:
        return [], completed.stderr.strip()[-500:] or f"no output (exit {completed.returncode})"
    return (reports if isinstance(reports, list) else [reports]), ""


def _result(reports: list[dict[str, Any]], outdir: Path) -> Result:
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

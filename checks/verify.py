"""The verification gate: independent checkers on a synthesized cloud assembly, plus budgets.

    make verify                                   # synthesizes CONFIG, then runs every checker on cdk.out
    python -m checks.verify cdk.out               # every checker on an existing cdk.out (config/org.yaml's quotas)
    python -m checks.verify cdk.out --only checkov --config ../my-org/org.yaml

cdk-nag checks the app from inside during synthesis; these read the templates CloudFormation will get, so a
mistake cdk-nag does not know about still fails CI. Exit code 1 when any checker has an unexplained finding,
2 when there is nothing to check or the config cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from checks.budgets import ScpQuotas, run_budgets
from checks.cfn_lint import run_cfn_lint
from checks.checkov_scan import run_checkov
from checks.cloud_assembly import AssemblyNotFound, Result, StackTemplate, load_assembly
from checks.partition_lint import run_partition_lint
from checks.policy_lint import run_policy_lint
from config.loader import load_config
from config.problems import ConfigError
from config.regions import PartitionName

DEFAULT_CONFIG = Path("config/org.yaml")
REPORT_FINDINGS = 50  # per checker on the terminal; the JSON report has them all

Checker = Callable[[list[StackTemplate], Path], Result]


def checkers(
    scp_quotas: Mapping[PartitionName, ScpQuotas], rcp_quotas: Mapping[PartitionName, ScpQuotas] | None = None
) -> dict[str, Checker]:
    """Every checker by the name `--only` takes, in the order they run."""
    return {
        "cfn-lint": run_cfn_lint,
        "checkov": run_checkov,
        "policy-lint": run_policy_lint,
        "partition-lint": run_partition_lint,
        "budgets": lambda stacks, outdir: run_budgets(stacks, outdir, scp_quotas, rcp_quotas),
    }


CHECKER_NAMES = tuple(checkers({}))


def verify(
    outdir: Path,
    only: Iterable[str] | None = None,
    scp_quotas: Mapping[PartitionName, ScpQuotas] | None = None,
    rcp_quotas: Mapping[PartitionName, ScpQuotas] | None = None,
) -> list[Result]:
    """Run the checkers (all, or those named) on the assembly in `outdir`; `scp_quotas` and `rcp_quotas` per
    partition, or AWS's defaults."""
    stacks = load_assembly(outdir)
    available = checkers(scp_quotas or {}, rcp_quotas)
    return [available[name](stacks, outdir) for name in (only or available)]


def report(results: list[Result], outdir: Path) -> str:
    lines = []
    for result in results:
        lines.append(f"  {'ok  ' if result.ok else 'FAIL'} {result.checker:<30} {result.summary}")
        for finding in result.findings[:REPORT_FINDINGS]:
            lines.append(f"         {finding.location}: {finding.message}")
        if len(result.findings) > REPORT_FINDINGS:
            lines.append(f"         ... and {len(result.findings) - REPORT_FINDINGS} more")
        if not result.ok and result.hint:
            lines.append(f"         where to look: {result.hint}")
    failed = [r.checker for r in results if not r.ok]
    verdict = f"FAILED: {', '.join(failed)}" if failed else "passed"
    lines.append(f"verify {verdict} (details: {outdir}/verify-report.json)")
    return "\n".join(lines)


def report_json(results: list[Result]) -> str:
    entries = [
        {
            "checker": result.checker,
            "summary": result.summary,
            "findings": [vars(finding) for finding in result.findings],
            "explained": [{**vars(finding), "reason": why} for finding, why in result.explained],
        }
        for result in results
    ]
    return json.dumps(entries, indent=2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", nargs="?", default="cdk.out", type=Path)
    parser.add_argument("--only", action="append", choices=CHECKER_NAMES, help="run only this checker (repeatable)")
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help="the config synthesized into OUTDIR (for its SCP and RCP quotas)",
    )
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        results = verify(args.outdir, args.only, ScpQuotas.of(config), ScpQuotas.rcp_of(config))
    except (ConfigError, AssemblyNotFound) as err:
        print(f"verify: {err}", file=sys.stderr)
        return 2
    (args.outdir / "verify-report.json").write_text(report_json(results))
    print(report(results, args.outdir))
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())

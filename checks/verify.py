"""The verification gate: independent checkers on a synthesized cloud assembly, plus budgets.

    make verify                                   # synthesizes CONFIG, then runs every checker on cdk.out
    python -m checks.verify cdk.out               # every checker on an existing cdk.out (config/org.yaml's quotas)
    python -m checks.verify cdk.out --only checkov --config ../my-org/org.yaml

cdk-nag checks the app from inside during synthesis; these read the templates CloudFormation will get, so a
mistake cdk-nag does not know about still fails CI. Each distinct template is checked once (per partition), for
every stack it stands for: stacks with the same text, and in a representatives synth (`make verify`,
`-c representatives=1`) the baseline stacks of the representative's profile, which are not synthesized (decision
0020). The report says which template stands for which stacks and accounts. Exit code 1 when any checker has
an unexplained finding, 2 when there is nothing to check or the config cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from checks.budgets import ScpQuotas, run_budgets
from checks.cfn_lint import run_cfn_lint
from checks.checkov_scan import run_checkov
from checks.cloud_assembly import AssemblyNotFound, Result, StackTemplate, distinct_templates, load_assembly
from checks.partition_lint import run_partition_lint
from checks.policy_lint import run_policy_lint
from config.loader import load_config
from config.problems import ConfigError
from config.regions import PartitionName

DEFAULT_CONFIG = Path("config/org.yaml")
REPORT_FINDINGS = 50  # per checker on the terminal; the JSON report has them all
REPORT_TEMPLATES = 20  # templates standing for others, on the terminal; the JSON report has them all

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
    """Run the checkers (all, or those named) on each distinct template of the assembly in `outdir`; `scp_quotas`
    and `rcp_quotas` per partition, or AWS's defaults."""
    return run_checkers(distinct_templates(load_assembly(outdir)), outdir, only, scp_quotas, rcp_quotas)


def run_checkers(
    stacks: list[StackTemplate],
    outdir: Path,
    only: Iterable[str] | None = None,
    scp_quotas: Mapping[PartitionName, ScpQuotas] | None = None,
    rcp_quotas: Mapping[PartitionName, ScpQuotas] | None = None,
) -> list[Result]:
    available = checkers(scp_quotas or {}, rcp_quotas)
    return run_concurrently({name: available[name] for name in (only or available)}, stacks, outdir)


def run_concurrently(selected: Mapping[str, Checker], stacks: list[StackTemplate], outdir: Path) -> list[Result]:
    """Every checker at once, results in the order given. cfn-lint and checkov spend their time in their own
    processes (checkov in several), so the gate's wall time is about its slowest checker's, not their sum, on a
    machine with cores to spare. The checkers only read the templates (frozen `StackTemplate`s)."""
    with ThreadPoolExecutor(max_workers=max(1, len(selected)), thread_name_prefix="checker") as pool:
        futures = [pool.submit(checker, stacks, outdir) for checker in selected.values()]
        return [future.result() for future in futures]


def stands_for_line(stack: StackTemplate) -> str:
    """What one checked template stands for, e.g. `Baseline-a-us-east-1 stands for 312 accounts (312 stacks)`."""
    accounts, stacks = len(stack.accounts), 1 + len(stack.stands_for)
    targets = {other.target_account_id for other in stack.stands_for if other.target_account_id}
    into = f"; access into {1 + len(targets)} accounts" if targets else ""  # its own target and theirs
    return f"{stack.name} stands for {accounts} account{'s' if accounts != 1 else ''} ({stacks} stacks{into})"


def report(results: list[Result], outdir: Path, templates: Iterable[StackTemplate] = ()) -> str:
    lines = []
    templates = list(templates)
    shared = sorted((t for t in templates if t.stands_for), key=lambda t: (-len(t.stands_for), t.name))
    if templates:
        covered = sum(1 + len(t.stands_for) for t in templates)
        lines.append(f"  {len(templates)} distinct templates checked for {covered} stacks")
        lines += [f"    {stands_for_line(t)}" for t in shared[:REPORT_TEMPLATES]]
        if len(shared) > REPORT_TEMPLATES:
            lines.append(f"    ... and {len(shared) - REPORT_TEMPLATES} more templates standing for others")
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


def report_json(results: list[Result], templates: Iterable[StackTemplate] = ()) -> str:
    checked = [
        {
            "template": stack.name,
            "partition": stack.partition,
            "stacks": 1 + len(stack.stands_for),
            "accounts": len(stack.accounts),
            "standsFor": [
                {"stack": o.stack, "account": o.account, "accountId": o.account_id, "region": o.region}
                | ({"targetAccountId": o.target_account_id} if o.target_account_id else {})
                for o in stack.stands_for
            ],
        }
        for stack in templates
    ]
    entries = [
        {
            "checker": result.checker,
            "summary": result.summary,
            "findings": [vars(finding) for finding in result.findings],
            "explained": [{**vars(finding), "reason": why} for finding, why in result.explained],
        }
        for result in results
    ]
    return json.dumps({"checkers": entries, "templates": checked}, indent=2)


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
        stacks = distinct_templates(load_assembly(args.outdir))
    except (ConfigError, AssemblyNotFound) as err:
        print(f"verify: {err}", file=sys.stderr)
        return 2
    results = run_checkers(stacks, args.outdir, args.only, ScpQuotas.of(config), ScpQuotas.rcp_of(config))
    (args.outdir / "verify-report.json").write_text(report_json(results, stacks))
    print(report(results, args.outdir, stacks))
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())

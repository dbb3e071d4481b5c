"""Synthesis benchmark: a generated organization of N accounts, timed, with peak memory.

    make benchmark N=200          # or: python tests/benchmark.py --accounts 200 --checks

Not a test: run it before and after a change that could slow synthesis (Python CDK pays a jsii round-trip
per call) and compare. Peak memory adds up this process and the jsii Node.js child (Linux /proc).
"""

from __future__ import annotations

import sys
from pathlib import Path

# The root must be on sys.path before `constructs` is first imported (see README, "Layout").
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import TypedDict  # noqa: E402

import aws_cdk as cdk  # noqa: E402

from stacks.assembly import assemble  # noqa: E402
from tests.support.org_generator import generated_org  # noqa: E402
from tests.support.project import CDK_CONTEXT  # noqa: E402


class BenchmarkResult(TypedDict):
    accounts: int  # in the config: the example's and the generated ones
    stacks: int
    construct_s: float  # building the stacks (assemble)
    synth_s: float  # app.synth(): templates, assets and the checks when on
    total_s: float
    largest_stack: str  # the stack ID with the most resources
    largest_stack_resources: int
    peak_mib: int  # this process and the jsii Node.js child


def run(accounts: int, checks: bool, team_assignments: int = 0) -> BenchmarkResult:
    config = generated_org(accounts, team_assignments)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as outdir:
        app = cdk.App(context=copy.deepcopy(CDK_CONTEXT), outdir=outdir, analytics_reporting=False)
        built = assemble(app, config, checks=checks)
        constructed = time.perf_counter()
        app.synth()
        done = time.perf_counter()
        sizes = {
            i.stack_id: len(json.loads(Path(outdir, i.stack.template_file).read_text())["Resources"]) for i in built
        }
    largest = max(sizes, key=lambda stack_id: sizes[stack_id])
    peak_kib = _peak_kib()
    return {
        "accounts": len(config.accounts), "stacks": len(built), "construct_s": round(constructed - started, 2),
        "synth_s": round(done - constructed, 2), "total_s": round(done - started, 2),
        "largest_stack": largest, "largest_stack_resources": sizes[largest], "peak_mib": peak_kib // 1024,
    }  # fmt: skip


def _peak_kib() -> int:
    """Peak resident memory of this process plus its live children (the jsii Node.js kernel), from /proc."""
    pids = [str(Path("/proc/self").resolve().name)]
    for task in Path("/proc/self/task").iterdir():
        pids += (task / "children").read_text().split()
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100, help="generated accounts added to the example org")
    parser.add_argument("--checks", action="store_true", help="also run cdk-nag and the partition lint")
    parser.add_argument("--team-assignments", type=int, default=0, help="account-targeted assignments per account")
    args = parser.parse_args()
    print(json.dumps(run(args.accounts, args.checks, args.team_assignments)))


if __name__ == "__main__":
    main()

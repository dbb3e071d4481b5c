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

import aws_cdk as cdk  # noqa: E402
import yaml  # noqa: E402

from config.loader import parse_config  # noqa: E402
from config.models import OrgConfig  # noqa: E402
from stacks.org_app import build_org  # noqa: E402


def generated_org(accounts: int) -> OrgConfig:
    """The example org plus `accounts` workload accounts spread over its OUs and both partitions."""
    data = yaml.safe_load((ROOT / "config" / "org.yaml").read_text())
    ous = {name: [ou["path"] for ou in part["organizational_units"]] for name, part in data["partitions"].items()}
    for n in range(accounts):
        partition = "aws-us-gov" if n % 5 == 4 else "aws"  # one in five in GovCloud
        data["accounts"].append({
            "name": f"gen-{n:04d}", "id": f"9{n:011d}", "email": f"gen-{n:04d}@example.com",
            "partition": partition, "ou": ous[partition][n % len(ous[partition])],
        })  # fmt: skip
    return parse_config(yaml.safe_dump(data, sort_keys=False), source=f"generated-{accounts}")


def run(accounts: int, checks: bool) -> dict[str, float | int]:
    config = generated_org(accounts)
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as outdir:
        app = cdk.App(context=copy.deepcopy(context), outdir=outdir, analytics_reporting=False)
        built = build_org(app, config, checks=checks)
        constructed = time.perf_counter()
        app.synth()
        done = time.perf_counter()
        largest = max(len(json.loads(Path(outdir, i.stack.template_file).read_text())["Resources"]) for i in built)
    peak_kib = _peak_kib()
    return {
        "accounts": len(config.accounts), "stacks": len(built), "construct_s": round(constructed - started, 2),
        "synth_s": round(done - constructed, 2), "total_s": round(done - started, 2),
        "largest_stack_resources": largest, "peak_mib": peak_kib // 1024,
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
    args = parser.parse_args()
    print(json.dumps(run(args.accounts, args.checks)))


if __name__ == "__main__":
    main()

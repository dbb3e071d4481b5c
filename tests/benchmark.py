"""Synthesis benchmark: generated organizations of N accounts, with the time, CPU and memory of every process.

    make benchmark N="0 1000" CHECKS=1 VERIFY=1   # or: python -m tests.benchmark --accounts 0 1000 --checks --verify

With `--checks` or `--verify` the worker synthesizes as `make verify` does (`-c representatives=1`: one baseline
stack per baseline profile, decision 0020); `--every-stack` synthesizes every planned stack instead, as before.

Not a test: run it before and after a change that could slow synthesis (Python CDK pays a jsii round-trip
per call) and compare. Each N runs in a fresh worker process (`--worker`), so one run cannot warm the next; the
table gives each run's wall time as a ratio of the first's (`--accounts 0 1000`: the example org first). The
figures go to `--json` (default cdk.out/benchmark.json) as well. The benchmark fails (exit 1, naming the stack)
when a stack is over the resource budget or a template over CloudFormation's size limit, so
`make benchmark N=1000 TEAM_ASSIGNMENTS=3` is the full-size proof that no stack grows with the organization
(tests/test_scale.py is its cheap counterpart in `make test`: the plan at full size, a small org synthesized).

How it measures (Linux only). This process is only the harness; the worker does the work: it loads the config,
builds the stacks, runs `app.synth()` (the jsii Node.js kernel is its child process, the cdk-nag packs run in it
with `--checks`) and, with `--verify`, the verification gate (cfn-lint and checkov are its child processes).
- wall: from starting the worker to reaping it, so interpreter start, imports and the Node.js start count.
- CPU: user+sys of the worker and every descendant reaped, from `os.wait4`'s rusage (the kernel adds a
  child's rusage to its parent's when the parent reaps it; jsii reaps Node.js when the worker exits). This
  process is a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so an orphaned descendant comes to it and is
  reaped and counted too. Exact; the per-process split is sampled.
- memory: a sampler thread reads /proc/<pid>/status of every descendant every SAMPLE_S seconds. Each process's
  peak is its VmHWM (the kernel's own high-water mark of its resident set, so the peak between two samples is
  not lost; the last sample before the process exits stands). `peak_mib` is the sum of the processes' peaks:
  an upper bound of what was resident at once (the processes may peak at different times, and pages they share
  count in each). `concurrent_mib` is the largest sum of VmRSS seen in one sample: a lower bound. `largest_mib`
  is the kernel's ru_maxrss from `wait4`: the largest single process's peak, exact (what `/usr/bin/time -v`
  calls "Maximum resident set size" for a command whose children are reaped).
It cannot see: a process that lives shorter than one sample (its CPU is counted, its memory only through
`largest_mib`), memory outside resident sets (swap, the page cache that the templates written to disk take),
and work done by daemons outside the process tree. This harness's own few MiB are not counted.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The root must be on sys.path before `constructs` is first imported (see README, "Layout").
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import ctypes  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any, TypedDict  # noqa: E402

from config.quotas import STACK_RESOURCE_BUDGET, TEMPLATE_MAX_BYTES  # noqa: E402

SAMPLE_S = 0.05
PR_SET_CHILD_SUBREAPER = 36  # from <linux/prctl.h>
DEFAULT_JSON = ROOT / "cdk.out" / "benchmark.json"


class WorkerResult(TypedDict):
    """What the worker reports: the synthesized assembly and the time of each phase, in seconds."""

    accounts: int  # in the config: the example's and the generated ones
    planned_stacks: int  # in the plan
    stacks: int  # synthesized: fewer than planned in a representatives synth
    representatives: bool  # one baseline stack per profile was synthesized (-c representatives=1)
    distinct_templates: int  # distinct template bodies (SHA-256 of each template file)
    baseline_stacks: int  # in the plan
    baseline_templates: int  # distinct baseline template bodies synthesized: accounts of one profile share one
    baseline_profiles: int  # the plan's baseline profiles (stacks.plan.baseline_profiles, no CDK): as many
    largest_stack: str  # the stack ID with the most resources
    largest_stack_resources: int
    largest_template: str  # the stack ID with the largest template file
    largest_template_bytes: int
    over_budget: list[str]  # stacks over the resource budget or the template size limit, with their figures
    construct_s: float  # loading the config and building the stacks (assemble)
    synth_s: float  # app.synth(): templates, assets and the synth-time checks when on
    verify_s: float | None  # the verification gate (checks.verify), when run
    verify_failed: list[str]  # the gate's checkers that failed


class ProcessPeak(TypedDict):
    pid: int
    name: str
    peak_mib: float  # VmHWM, last sampled
    cpu_s: float  # user+sys, last sampled


class BenchmarkResult(WorkerResult):
    team_assignments: int
    checks: bool  # the synth-time checks ran
    verify: bool  # the verification gate ran
    wall_s: float
    cpu_s: float  # user+sys of every process, exact
    peak_mib: float  # sum of each process's peak: upper bound of the memory in use at once
    concurrent_mib: float  # largest sum of resident sets in one sample: lower bound
    largest_mib: float  # the largest single process's peak, exact (ru_maxrss)
    processes: list[ProcessPeak]
    wall_ratio: float  # wall time over the first run's
    cpu_ratio: float  # CPU time over the first run's: steadier than wall_ratio on a shared machine
    load_average: float  # the machine's 1-minute load average when the run ended (2 cores: above 2 is shared)


# --- the worker: the measured work -------------------------------------------------------------------------


def work(accounts: int, checks: bool, verify: bool, team_assignments: int, every_stack: bool = False) -> WorkerResult:
    """Synthesize the example org plus `accounts` generated ones into a temporary directory and describe it."""
    import aws_cdk as cdk

    from checks.budgets import ScpQuotas
    from checks.verify import verify as run_gate
    from stacks.assembly import assemble
    from stacks.plan import StackKind, baseline_profiles, plan
    from tests.support.org_generator import generated_org
    from tests.support.project import CDK_CONTEXT

    started = time.perf_counter()
    config = generated_org(accounts, team_assignments)
    representatives = (checks or verify) and not every_stack
    with tempfile.TemporaryDirectory() as outdir:
        app = cdk.App(context=CDK_CONTEXT, outdir=outdir, analytics_reporting=False)
        built = assemble(app, config, checks=checks, representatives=representatives)
        constructed = time.perf_counter()
        app.synth()
        synthesized = time.perf_counter()
        texts = {i.stack_id: Path(outdir, i.stack.template_file).read_bytes() for i in built}
        resources = {stack_id: len(json.loads(text)["Resources"]) for stack_id, text in texts.items()}
        verify_s, failed = None, []
        if verify:
            results = run_gate(Path(outdir), None, ScpQuotas.of(config))
            verify_s, failed = round(time.perf_counter() - synthesized, 2), [r.checker for r in results if not r.ok]
    planned = plan(config)
    baselines = [i.stack_id for i in built if i.kind is StackKind.BASELINE]
    largest = max(resources, key=lambda stack_id: resources[stack_id])
    sizes = {stack_id: len(text) for stack_id, text in texts.items()}
    biggest = max(sizes, key=lambda stack_id: sizes[stack_id])
    return {
        "accounts": len(config.accounts), "planned_stacks": len(planned), "stacks": len(built),
        "representatives": representatives,
        "distinct_templates": len({hashlib.sha256(text).hexdigest() for text in texts.values()}),
        "baseline_stacks": sum(1 for s in planned if s.kind is StackKind.BASELINE),
        "baseline_templates": len({hashlib.sha256(texts[stack_id]).hexdigest() for stack_id in baselines}),
        "baseline_profiles": len(baseline_profiles(config, planned)),
        "largest_stack": largest, "largest_stack_resources": resources[largest],
        "largest_template": biggest, "largest_template_bytes": sizes[biggest], "over_budget": over_budget(resources, sizes),
        "construct_s": round(constructed - started, 2), "synth_s": round(synthesized - constructed, 2),
        "verify_s": verify_s, "verify_failed": failed,
    }  # fmt: skip


def over_budget(resources: dict[str, int], template_bytes: dict[str, int]) -> list[str]:
    """The stacks over the resource budget or over CloudFormation's template size limit, with their figures."""
    over = [
        f"{stack}: {n} resources (budget {STACK_RESOURCE_BUDGET})"
        for stack, n in resources.items()
        if n > STACK_RESOURCE_BUDGET
    ]
    over += [
        f"{stack}: {n} bytes (limit {TEMPLATE_MAX_BYTES})"
        for stack, n in template_bytes.items()
        if n > TEMPLATE_MAX_BYTES
    ]
    return over


# --- the harness: runs a worker and measures its process tree ----------------------------------------------


@dataclass
class Sampler:
    """Samples /proc for every descendant of this process until stopped: each one's VmHWM and CPU time, and the
    largest sum of resident sets at one time."""

    peaks: dict[int, ProcessPeak] = field(default_factory=dict)
    concurrent_kib: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        while not self._stop.wait(SAMPLE_S):
            resident = 0
            for pid in _descendants(os.getpid()):
                try:
                    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                except (FileNotFoundError, ProcessLookupError, ValueError):
                    continue  # exited while being read
                if "VmHWM" not in status:
                    continue  # a zombie: its last sample stands
                resident += int(status["VmRSS"].split()[0])
                self.peaks[pid] = {
                    "pid": pid, "name": _name(cmdline, status["Name"].strip()),
                    "peak_mib": round(int(status["VmHWM"].split()[0]) / 1024, 1),
                    "cpu_s": round((int(stat[11]) + int(stat[12])) / ticks, 2),  # utime, stime
                }  # fmt: skip
            self.concurrent_kib = max(self.concurrent_kib, resident)

    def stop(self) -> None:
        self._stop.set()


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        for task in Path(f"/proc/{pending.pop()}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
            found += children
            pending += children
    return found


def _name(cmdline: list[bytes], fallback: str) -> str:
    """`python -m tests.benchmark`, `node .../jsii-runtime.js`, `cfn-lint`: the program and what it runs."""
    words = [w.decode(errors="replace") for w in cmdline if w]
    if not words:
        return fallback
    shown = [Path(words[0]).name]
    for word in words[1:3]:
        shown.append(Path(word).name if "/" in word else word)
    return " ".join(shown)[:60]


def measure(accounts: int, checks: bool, verify: bool, team_assignments: int, every_stack: bool) -> BenchmarkResult:
    """Run one worker and measure it and all its descendants."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [sys.executable, "-m", "tests.benchmark", "--worker", out.name, "--accounts", str(accounts)]
        command += ["--team-assignments", str(team_assignments)] + ["--checks"] * checks + ["--verify"] * verify
        command += ["--every-stack"] * every_stack
        sampler = Sampler()
        thread = threading.Thread(target=sampler.run, daemon=True)
        thread.start()
        started = time.perf_counter()
        worker = subprocess.Popen(command, cwd=ROOT)
        _, status, usage = os.wait4(worker.pid, 0)
        worker.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        cpu, largest_kib = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
        for orphan_usage in _reap_orphans():
            cpu += orphan_usage.ru_utime + orphan_usage.ru_stime
            largest_kib = max(largest_kib, orphan_usage.ru_maxrss)
        sampler.stop()
        thread.join()
        if worker.returncode != 0:
            raise SystemExit(f"benchmark: the worker for {accounts} accounts failed (exit {worker.returncode})")
        result: WorkerResult = json.loads(Path(out.name).read_text())
    processes = sorted(sampler.peaks.values(), key=lambda p: -p["peak_mib"])
    return {
        **result, "team_assignments": team_assignments, "checks": checks, "verify": verify,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2), "peak_mib": round(sum(p["peak_mib"] for p in processes), 1),
        "concurrent_mib": round(sampler.concurrent_kib / 1024, 1), "largest_mib": round(largest_kib / 1024, 1),
        "processes": processes, "wall_ratio": 1.0, "cpu_ratio": 1.0,
        "load_average": round(os.getloadavg()[0], 1),
    }  # fmt: skip


def _reap_orphans() -> list[Any]:
    """Reap descendants orphaned to this subreaper (none when every parent reaps its children); their rusage."""
    usages = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            pid, _, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(SAMPLE_S)  # one still runs
            continue
        usages.append(usage)
    return usages


def table(results: list[BenchmarkResult]) -> str:
    columns = [
        ("accounts", "accounts", "{}"), ("planned", "planned_stacks", "{}"), ("synthesized", "stacks", "{}"), ("distinct", "distinct_templates", "{}"),
        ("baselines", "baseline_stacks", "{}"), ("baseline tmpl.", "baseline_templates", "{}"),
        ("profiles", "baseline_profiles", "{}"),
        ("largest stack (res.)", "largest_stack_resources", "{}"), ("largest tmpl. KiB", "largest_template_bytes", "{}"),
        ("build s", "construct_s", "{}"), ("synth s", "synth_s", "{}"), ("verify s", "verify_s", "{}"),
        ("wall s", "wall_s", "{}"), ("CPU s", "cpu_s", "{}"), ("peak MiB", "peak_mib", "{:.0f}"),
        ("at once MiB", "concurrent_mib", "{:.0f}"), ("largest proc. MiB", "largest_mib", "{:.0f}"),
        ("wall ratio", "wall_ratio", "{:.2f}"), ("CPU ratio", "cpu_ratio", "{:.2f}"), ("load", "load_average", "{}"),
    ]  # fmt: skip
    rows = [[title for title, _, _ in columns]]
    for r in results:
        cells: dict[str, Any] = {**r, "largest_template_bytes": round(r["largest_template_bytes"] / 1024)}
        rows.append([fmt.format(cells[key]) if cells[key] is not None else "-" for _, key, fmt in columns])
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    for r in results:
        lines.append(
            f"{r['accounts']} accounts: largest stack {r['largest_stack']}, largest template {r['largest_template']}"
        )
        lines += [f"  {p['peak_mib']:>8.1f} MiB {p['cpu_s']:>7.2f} s CPU  {p['name']}" for p in r["processes"]]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--accounts",
        type=int,
        nargs="+",
        default=[0, 100],
        help="generated accounts added to the example org, one run each",
    )
    parser.add_argument(
        "--checks", action="store_true", help="run the synth-time checks (cdk-nag packs, partition lint)"
    )
    parser.add_argument("--verify", action="store_true", help="then run the verification gate (make verify's checkers)")
    parser.add_argument(
        "--every-stack",
        action="store_true",
        help="with --checks or --verify, synthesize every stack, not one baseline stack per profile",
    )
    parser.add_argument(
        "--team-assignments", type=int, default=0, help="account-targeted assignments per generated account"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        help=f"where to write the figures (default {DEFAULT_JSON.relative_to(ROOT)})",
    )
    parser.add_argument("--worker", metavar="RESULT", help=argparse.SUPPRESS)  # internal: do one run, write RESULT
    args = parser.parse_args()
    if args.worker:
        (accounts,) = args.accounts
        result = work(accounts, args.checks, args.verify, args.team_assignments, args.every_stack)
        Path(args.worker).write_text(json.dumps(result))
        return 0
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    results = [measure(n, args.checks, args.verify, args.team_assignments, args.every_stack) for n in args.accounts]
    for r in results:
        r["wall_ratio"] = round(r["wall_s"] / results[0]["wall_s"], 2)
        r["cpu_ratio"] = round(r["cpu_s"] / results[0]["cpu_s"], 2)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"figures: {args.json}")
    problems = [f"{r['accounts']} accounts: {p}" for r in results for p in r["over_budget"]]
    problems += [
        f"{r['accounts']} accounts: verification failed ({', '.join(r['verify_failed'])})"
        for r in results
        if r["verify_failed"]
    ]
    for problem in problems:
        print(f"benchmark FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Deploy one partition from an already-synthesized cloud assembly, step by step in dependency order.

    python -m ops.deploy --partition aws|aws-us-gov [--accounts a,b] [--app cdk.out] [--concurrency 8]
                         [--dry-run] [--skip-policy-type-check] [--config PATH] [--cdk PATH]
                         [-- EXTRA CDK DEPLOY ARGS...]

`make deploy PARTITION=aws [ACCOUNTS=a,b] [DRY_RUN=1]` synthesizes that partition (`make synth PARTITION=...`)
and runs this. It never synthesizes: it deploys the assembly at `--app` with the CDK CLI (`--cdk`, default the
pinned `node_modules/.bin/cdk`), so what is deployed is what was synthesized and checked.

- Which stacks: the plan (`stacks/plan.py`) of `--config` (default config/org.yaml) for `--partition` and
  `--accounts` (default every account of the partition), the same function that chose the stacks at synthesis.
  The config knows each stack's partition; the assembly alone does not (an environment is an account and a
  region). Every selected stack must be in the assembly, in the region the plan gives it: an assembly of the
  other partition, of other accounts or of another config is an error that says to synthesize again.
- In which order: the stack dependencies recorded in the assembly's manifest (`dependencies`, from the plan's
  `after`), the same ones `cdk deploy` itself enforces. Dependencies on stacks outside the selection (with
  `--accounts`) are listed as "must be deployed already" and not waited for.
- Steps: topological layers of those dependencies; a step's stacks deploy in parallel with one
  `cdk deploy --app <dir> --exclusively --require-approval never --concurrency N <stack ids...>`. Access stacks
  (Identity Center assignments) form their own step, at most ACCESS_CONCURRENCY at a time, because Identity
  Center throttles parallel assignments (docs/identity-center.md, "Throttling").
- Before the first step (not with `--dry-run`), every organization policy type the selected stacks attach must be
  enabled on the root (ops/prerequisites.py; `--skip-policy-type-check` skips it): a missing one is named with the
  command that enables it, and nothing is deployed.
- It prints the steps first (`--dry-run`: only that), then each step's progress and elapsed time, and stops at
  the first step whose CLI run fails: the message names the step, its stacks and the CLI's exit code; exit 1.
- The environment passes through unchanged (credentials, AWS_PROFILE, AWS_ENDPOINT_URL...); arguments after
  `--` go to every `cdk deploy` (for example `-- --role-arn ...` or `-- --progress events`).

Exit status: 0 when every step deployed (or with `--dry-run`), 1 on bad input or a failed step, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from config.loader import load_config
from config.problems import ConfigError
from config.regions import PARTITION_NAMES, PartitionName, partition_of_region
from ops.prerequisites import PrerequisiteError, check_policy_types, required_policy_types
from stacks.plan import PlannedStack, SelectionError, StackKind, partition_option, plan

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CDK = ROOT / "node_modules" / ".bin" / "cdk"
DEFAULT_CONFIG = "config/org.yaml"
DEFAULT_APP = "cdk.out"
DEFAULT_CONCURRENCY = 8
# Identity Center throttles parallel CreateAccountAssignment calls (docs/identity-center.md, "Throttling").
ACCESS_CONCURRENCY = 4
STACK_ARTIFACT = "aws:cloudformation:stack"


class DeployError(Exception):
    """Bad input or an assembly that does not match the request: one message, exit 1."""


@dataclass(frozen=True)
class AssemblyStack:
    """A stack artifact of the cloud assembly's manifest."""

    stack_id: str
    region: str
    dependencies: tuple[str, ...]  # other stack artifacts only (not asset manifests)


@dataclass(frozen=True)
class Step:
    """Stacks that deploy together with one `cdk deploy`, after every earlier step."""

    stacks: tuple[str, ...]
    concurrency: int


@dataclass(frozen=True)
class DeployPlan:
    partition: PartitionName
    steps: list[Step]
    outside: tuple[str, ...]  # stacks the selection depends on but does not deploy: they must exist already
    policy_types: tuple[str, ...] = ()  # organization policy types the stacks attach: enabled on the root first


def read_assembly(app: Path, partition: PartitionName) -> dict[str, AssemblyStack]:
    """The stacks of the cloud assembly at `app`, by ID."""
    manifest_file = app / "manifest.json"
    if not manifest_file.is_file():
        raise DeployError(
            f"no cloud assembly at {app} ({manifest_file.name} not found): synthesize the partition first, "
            f"`make synth PARTITION={partition}` (add ACCOUNTS=... to limit it), or pass --app DIR"
        )
    try:
        artifacts: Mapping[str, dict[str, object]] = json.loads(manifest_file.read_text())["artifacts"]
        stack_ids = {name for name, artifact in artifacts.items() if artifact.get("type") == STACK_ARTIFACT}
        stacks = {}
        for name in stack_ids:
            environment = str(artifacts[name].get("environment", ""))  # aws://<account>/<region>
            dependencies = artifacts[name].get("dependencies") or []
            if not isinstance(dependencies, list):
                raise TypeError(f"{name}: dependencies are not a list")
            stacks[name] = AssemblyStack(
                stack_id=name,
                region=environment.rsplit("/", 1)[-1],
                dependencies=tuple(str(d) for d in dependencies if d in stack_ids),
            )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise DeployError(f"cannot read the cloud assembly manifest {manifest_file}: {err}") from None
    return stacks


def check_assembly(
    selected: Sequence[PlannedStack], assembly: Mapping[str, AssemblyStack], partition: PartitionName
) -> None:
    """Every selected stack is in the assembly, where the plan puts it; otherwise say how to synthesize it."""
    again = f"synthesize it again: `make synth PARTITION={partition}` (with the same CONFIG and ACCOUNTS)"
    missing = [stack.stack_id for stack in selected if stack.stack_id not in assembly]
    if missing:
        partitions = {partition_of_region(stack.region) for stack in assembly.values()}
        if assembly and partition not in partitions:
            found = ", ".join(sorted(str(p) for p in partitions))
            raise DeployError(
                f"the cloud assembly holds stacks of partition {found}, none of partition {partition}: {again}"
            )
        raise DeployError(
            f"the cloud assembly lacks {len(missing)} of the {len(selected)} selected stacks of partition "
            f"{partition} ({_listed(missing)}): {again}"
        )
    moved = [
        f"{stack.stack_id} (assembly: {assembly[stack.stack_id].region}, config: {stack.region})"
        for stack in selected
        if assembly[stack.stack_id].region != stack.region
    ]
    if moved:
        raise DeployError(f"the cloud assembly was synthesized from another config: {_listed(moved)}: {again}")


def deploy_steps(
    selected: Sequence[PlannedStack], assembly: Mapping[str, AssemblyStack], concurrency: int
) -> tuple[list[Step], tuple[str, ...]]:
    """(steps, stacks outside the selection that it depends on): topological layers of the assembly's
    dependencies among the selected stacks, in plan order within a layer; Access stacks in a step of their own."""
    order = [stack.stack_id for stack in selected]
    chosen = set(order)
    waits_for = {name: {d for d in assembly[name].dependencies if d in chosen} for name in order}
    outside = sorted({d for name in order for d in assembly[name].dependencies if d not in chosen})
    access = {stack.stack_id for stack in selected if stack.kind is StackKind.ACCESS}
    steps: list[Step] = []
    done: set[str] = set()
    while len(done) < len(order):
        layer = [name for name in order if name not in done and waits_for[name] <= done]
        if not layer:
            cycle = [name for name in order if name not in done]
            raise DeployError(f"the assembly's stack dependencies form a cycle among: {_listed(cycle)}")
        for group, limit in (
            ([name for name in layer if name not in access], concurrency),
            ([name for name in layer if name in access], min(concurrency, ACCESS_CONCURRENCY)),
        ):
            if group:
                steps.append(Step(tuple(group), min(limit, len(group))))
        done.update(layer)
    return steps, tuple(outside)


def deploy_plan(
    config_path: str, partition: PartitionName, accounts: list[str] | None, app: Path, concurrency: int
) -> DeployPlan:
    try:
        config = load_config(config_path)
        selected = plan(config, accounts, partition)
    except (ConfigError, SelectionError) as err:
        raise DeployError(str(err)) from None
    if not selected:
        raise DeployError(f"nothing to deploy: the config plans no stack for partition {partition}")
    assembly = read_assembly(app, partition)
    check_assembly(selected, assembly, partition)
    steps, outside = deploy_steps(selected, assembly, concurrency)
    return DeployPlan(partition, steps, outside, tuple(required_policy_types(config, partition, selected)))


def cdk_deploy_command(cdk: str, app: Path, step: Step, extra: Sequence[str]) -> list[str]:
    return [
        cdk,
        "deploy",
        "--app",
        str(app),
        "--exclusively",
        "--require-approval",
        "never",
        "--concurrency",
        str(step.concurrency),
        *extra,
        *step.stacks,
    ]


def describe(deploy: DeployPlan, app: Path) -> str:
    stacks = sum(len(step.stacks) for step in deploy.steps)
    lines = [f"Deploy plan for partition {deploy.partition} from {app}: {stacks} stacks in {len(deploy.steps)} steps"]
    if deploy.outside:
        lines.append(f"  must be deployed already (outside the selected accounts): {', '.join(deploy.outside)}")
    for number, step in enumerate(deploy.steps, 1):
        lines.append(f"  step {number}/{len(deploy.steps)} ({_stacks(step)}):")
        wrapped = textwrap.wrap(", ".join(step.stacks), width=116, break_on_hyphens=False, break_long_words=False)
        lines += [f"    {line}" for line in wrapped]
    return "\n".join(lines)


def run(deploy: DeployPlan, *, cdk: str, app: Path, extra: Sequence[str]) -> int:
    """Run each step's `cdk deploy`, progress on stdout; stop at the first that fails. The exit status: 0 or 1."""
    started = time.monotonic()
    total = len(deploy.steps)
    for number, step in enumerate(deploy.steps, 1):
        print(f"\n==> step {number}/{total} ({_stacks(step)}): {', '.join(step.stacks)}", flush=True)
        step_started = time.monotonic()
        code = _run_cli(cdk_deploy_command(cdk, app, step, extra))
        now = time.monotonic()
        if code != 0:
            rest = sum(len(later.stacks) for later in deploy.steps[number:])
            not_run = f"; steps {number + 1}-{total} ({rest} stacks) not run" if number < total else ""
            print(
                f"\ndeploy of partition {deploy.partition} failed at step {number}/{total} "
                f"({', '.join(step.stacks)}): cdk deploy exited with code {code}{not_run}. The CLI's output above "
                "names the stack, resource and reason; fix it and run the same command again (stacks already "
                "deployed are left unchanged).",
                file=sys.stderr,
                flush=True,
            )
            return 1
        print(f"<== step {number}/{total} done in {now - step_started:.0f}s (elapsed {now - started:.0f}s)", flush=True)
    print(f"\nDeployed partition {deploy.partition}: {total} steps in {time.monotonic() - started:.0f}s", flush=True)
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise DeployError(f"{message}\n{self.format_usage().rstrip()}")


def _arguments() -> _Parser:
    parser = _Parser(
        prog="python -m ops.deploy",
        description="Deploy one partition from an already-synthesized cloud assembly, step by step in dependency "
        "order. Arguments after -- go to every cdk deploy.",
    )
    parser.add_argument("--partition", required=True, help=f"{' or '.join(PARTITION_NAMES)}")
    parser.add_argument("--accounts", help="comma-separated account names (default: every account of the partition)")
    parser.add_argument("--app", default=DEFAULT_APP, help=f"the synthesized cloud assembly (default {DEFAULT_APP})")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"stacks deployed in parallel within a step (default {DEFAULT_CONCURRENCY}; Access steps at most "
        f"{ACCESS_CONCURRENCY})",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the steps and deploy nothing")
    parser.add_argument(
        "--skip-policy-type-check",
        action="store_true",
        help="do not check that the root has enabled the organization policy types the stacks attach (for "
        "credentials that may not call organizations:ListRoots; check with `aws organizations list-roots`)",
    )
    parser.add_argument("--config", default=DEFAULT_CONFIG, help=f"the organization config (default {DEFAULT_CONFIG})")
    parser.add_argument(
        "--cdk", default=str(DEFAULT_CDK), help="the CDK CLI (default: the pinned node_modules/.bin/cdk)"
    )
    return parser


def _run_cli(command: list[str]) -> int:
    try:
        return subprocess.run(command, check=False).returncode
    except OSError as err:  # not found, not executable
        raise DeployError(
            f"cannot run the CDK CLI {command[0]}: {err.strerror or err} (run `make setup`, or pass --cdk)"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    extra = args_list[args_list.index("--") + 1 :] if "--" in args_list else []
    own = args_list[: args_list.index("--")] if "--" in args_list else args_list
    try:
        args = _arguments().parse_args(own)
        partition = partition_option(args.partition, "--partition")
        assert partition is not None  # --partition is required
        if args.concurrency < 1:
            raise DeployError(f"--concurrency={args.concurrency}: must be 1 or more")
        accounts = args.accounts.split(",") if args.accounts is not None else None
        if accounts is not None and not any(name.strip() for name in accounts):
            raise DeployError("--accounts names no account: leave it out to deploy every account of the partition")
        app = Path(args.app)
        deploy = deploy_plan(args.config, partition, accounts, app, args.concurrency)
        print(describe(deploy, app), flush=True)
        if args.dry_run:
            print("\n--dry-run: nothing deployed.")
            return 0
        if deploy.policy_types and not args.skip_policy_type_check:
            print(f"\nChecking the root's policy types: {', '.join(deploy.policy_types)}", flush=True)
            check_policy_types(list(deploy.policy_types), partition)
        return run(deploy, cdk=args.cdk, app=app, extra=extra)
    except (DeployError, SelectionError, PrerequisiteError) as err:
        print(f"python -m ops.deploy: {err}", file=sys.stderr)
        return 1


def _stacks(step: Step) -> str:
    count = f"{len(step.stacks)} stack{'s' if len(step.stacks) != 1 else ''}"
    return f"{count}, concurrency {step.concurrency}"


def _listed(names: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


if __name__ == "__main__":
    sys.exit(main())

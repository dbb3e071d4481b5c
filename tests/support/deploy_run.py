"""Driving the deploy tools against the local cloud for the deploy test: synthesize (`python app.py`), bootstrap and
deploy single stacks with the pinned CDK CLI, deploy a partition with `python -m ops.deploy` (what `make deploy`
runs), and explain a failure (stack, resource, reason) from the stack's events.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.local_cloud import LocalCloud
from tests.support.project import CDK_CONTEXT, ROOT

CDK = ROOT / "node_modules" / ".bin" / "cdk"
NODE_BIN = ROOT / "node_modules" / ".bin"
HOME_REGION = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}  # of the example org (config/org.yaml)


@dataclass(frozen=True)
class AssemblyStack:
    """A stack of the cloud assembly: its name, where it goes, its dependencies and its template."""

    name: str
    account: str
    region: str
    dependencies: tuple[str, ...]
    template_file: Path

    @property
    def partition(self) -> str:
        return "aws-us-gov" if self.region.startswith("us-gov-") else "aws"

    def template(self) -> dict[str, Any]:
        template: dict[str, Any] = json.loads(self.template_file.read_text())
        return template


def assembly_stacks(assembly: Path) -> dict[str, AssemblyStack]:
    """The stacks of a synthesized cloud assembly by name, from its manifest."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    stacks = {}
    for name, artifact in manifest["artifacts"].items():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        account, region = artifact["environment"].removeprefix("aws://").split("/")
        template = assembly / artifact["properties"]["templateFile"]
        stacks[name] = AssemblyStack(name, account, region, tuple(artifact.get("dependencies", [])), template)
    return stacks


def synthesize(outdir: Path, accounts: Iterable[str], config: Path | None = None) -> subprocess.Popen[str]:
    """Start `python app.py` for the named accounts into `outdir` (the context as the CDK CLI would pass it)."""
    context = {**CDK_CONTEXT, "accounts": ",".join(accounts)}
    if config is not None:
        context["config"] = str(config)
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_OUTDIR": str(outdir),
        "PATH": f"{NODE_BIN}{os.pathsep}{os.environ['PATH']}",
    }
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "python"), "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@dataclass
class CliRun:
    """One CDK CLI command: its arguments, exit code, output and wall time."""

    args: list[str]
    returncode: int
    output: str
    seconds: float

    def no_changes(self, stack: str) -> bool:
        return re.search(rf"✅\s+{re.escape(stack)} \(no changes\)", self.output) is not None

    def deployed(self, stack: str) -> bool:
        return re.search(rf"✅\s+{re.escape(stack)}\b", self.output) is not None


def cdk(cloud: LocalCloud, args: list[str], workdir: Path, credentials: Mapping[str, str] | None = None) -> CliRun:
    """Run the pinned CDK CLI with the local cloud's environment (default credentials: the default account)."""
    env = cloud.cli_environment("us-east-1", credentials)
    env["PATH"] = f"{NODE_BIN}{os.pathsep}{env['PATH']}"
    start = time.monotonic()
    run = subprocess.run(
        [str(CDK), *args, "--no-notices", "--no-version-reporting", "--ci"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return CliRun(args, run.returncode, run.stdout + run.stderr, time.monotonic() - start)


def bootstrap(cloud: LocalCloud, account: str, partition: str, regions: Iterable[str], workdir: Path) -> CliRun:
    """`cdk bootstrap` every region of one account in one call, as an operator of that account."""
    region_list = sorted(regions)
    credentials = cloud.operator(account, partition, region_list[0])
    environments = [f"aws://{account}/{region}" for region in region_list]
    return cdk(cloud, ["bootstrap", *environments], workdir, credentials)


def deploy(cloud: LocalCloud, assembly: Path, stacks: list[str], workdir: Path, concurrency: int = 4) -> CliRun:
    """`cdk deploy` the named stacks of the synthesized assembly, exclusively (no dependencies pulled in)."""
    args = ["deploy", "--app", str(assembly), "--exclusively", "--require-approval", "never"]
    return cdk(cloud, [*args, "--concurrency", str(concurrency), *stacks], workdir)


STEP_LINE = re.compile(r"^==> step (\d+)/(\d+) \([^)]*\): (.*)$", re.MULTILINE)


def deploy_partition(
    cloud: LocalCloud,
    assembly: Path,
    partition: str,
    accounts: Iterable[str],
    config: Path,
    workdir: Path,
    concurrency: int = 8,
) -> CliRun:
    """`python -m ops.deploy` for one partition of the assembly (what `make deploy` runs), in the local cloud."""
    env = cloud.cli_environment(HOME_REGION[partition])
    env["PATH"] = f"{NODE_BIN}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = str(ROOT)
    args = [
        "--partition", partition, "--accounts", ",".join(accounts), "--app", str(assembly), "--config", str(config),
        "--cdk", str(CDK), "--concurrency", str(concurrency), "--skip-policy-type-check",
        "--", "--no-notices", "--no-version-reporting", "--ci",
    ]  # fmt: skip
    # The local cloud has no organization (moto's CloudFormation skips Organizations types): the root's policy
    # types are checked against moto in tests/test_deploy.py instead.
    start = time.monotonic()
    run = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "ops.deploy", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return CliRun(["ops.deploy", *args], run.returncode, run.stdout + run.stderr, time.monotonic() - start)


def steps_of(run: CliRun) -> list[list[str]]:
    """The steps `python -m ops.deploy` announced ("==> step n/N (...): a, b"), in order."""
    return [match.group(3).split(", ") for match in STEP_LINE.finditer(run.output)]


def stack_status(cloud: LocalCloud, stack: AssemblyStack) -> str:
    """The stack's status in its account and region (DescribeStacks), or "absent"."""
    cfn = cloud.client("cloudformation", stack.account, stack.partition, stack.region)
    try:
        return str(cfn.describe_stacks(StackName=stack.name)["Stacks"][0]["StackStatus"])
    except cfn.exceptions.ClientError:
        return "absent"


def failure_report(cloud: LocalCloud, stack: AssemblyStack) -> str:
    """What an operator reads after a failed deploy: the stack, each failed resource and its reason (stack events)."""
    cfn = cloud.client("cloudformation", stack.account, stack.partition, stack.region)
    try:
        events = cfn.describe_stack_events(StackName=stack.name)["StackEvents"]
    except cfn.exceptions.ClientError as err:
        return f"{stack.name}: no stack events ({err})"
    failed = [
        f"{stack.name}: {event['LogicalResourceId']} ({event['ResourceType']}) {event['ResourceStatus']}: "
        f"{event.get('ResourceStatusReason', '')}"
        for event in reversed(events)
        if event["ResourceStatus"].endswith("_FAILED")
    ]
    return "\n".join(failed) or f"{stack.name}: no failed resource in its events"

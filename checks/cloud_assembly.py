"""A synthesized cloud assembly (cdk.out) as the gate's checkers see it, and what they report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.regions import PartitionName, partition_of_region


class AssemblyNotFound(Exception):
    """There is no synthesized assembly to verify; the message says what to run."""


@dataclass(frozen=True)
class StackTemplate:
    name: str
    path: Path
    account: str
    region: str
    body: dict[str, Any]

    @property
    def partition(self) -> PartitionName:
        partition = partition_of_region(self.region)
        if partition is None:
            raise ValueError(f"stack {self.name} is in region {self.region!r}, which belongs to no known partition")
        return partition


def load_assembly(outdir: Path) -> list[StackTemplate]:
    """Every CloudFormation stack of the assembly in `outdir`, with its template, in name order."""
    try:
        manifest = json.loads((outdir / "manifest.json").read_text())
    except (OSError, ValueError) as err:
        raise AssemblyNotFound(f"no readable {outdir}/manifest.json ({err}); synthesize first (make synth)") from None
    stacks = []
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        account, region = artifact["environment"].removeprefix("aws://").split("/")
        path = outdir / artifact["properties"]["templateFile"]
        stacks.append(StackTemplate(name, path, account, region, json.loads(path.read_text())))
    if not stacks:
        raise AssemblyNotFound(f"no stacks in {outdir}/manifest.json; synthesize first (make synth)")
    return stacks


@dataclass(frozen=True)
class Finding:
    location: str  # "<stack>/<logical id>" or a file
    message: str


@dataclass
class Result:
    """One checker's verdict: findings fail the gate, explained ones (each with its reason) do not."""

    checker: str
    summary: str  # counts, for the one-line report
    findings: list[Finding] = field(default_factory=list)
    explained: list[tuple[Finding, str]] = field(default_factory=list)
    hint: str = ""  # where to look on failure

    @property
    def ok(self) -> bool:
        return not self.findings

"""A synthesized cloud assembly (cdk.out) as the gate's checkers see it, and what they report."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from config.regions import PartitionName, partition_of_region

# The manifest metadata type under which a representatives synth (`-c representatives=1`, stacks/assembly.py)
# records, on a representative stack, the stacks it stands for: [{"stack", "account", "accountId", "region"}], and
# for an Access stack "targetAccountId", the account it grants access into (decision 0024).
STANDS_FOR = "org-baseline:stands-for"
# The manifest metadata type under which a StackSets stack (`deployment.mode: stacksets`, decision 0021) records its
# StackSet templates (asset files of the stack, not stacks): [{"stackset", "template", "standsFor": [...]}], where
# `standsFor` lists every stack instance (account and region) as STANDS_FOR does. Each is checked as a stack.
STACKSET_TEMPLATES = "org-baseline:stackset-templates"


class AssemblyNotFound(Exception):
    """There is no synthesized assembly to verify; the message says what to run."""


@dataclass(frozen=True)
class StoodFor:
    """A stack whose template is another's, checked as that one: not synthesized (a representatives synth), or
    synthesized with the same text (`distinct_templates`)."""

    stack: str
    account_id: str
    region: str
    account: str = ""  # the account's name in the config, when the synth recorded it
    target_account_id: str = ""  # an Access stack: the account it grants access into (`account_id` deploys it)


@dataclass(frozen=True)
class StackTemplate:
    name: str
    path: Path
    account: str
    region: str
    body: dict[str, Any]
    digest: str = ""  # SHA-256 of the template file
    stands_for: tuple[StoodFor, ...] = ()  # the other stacks whose template this is

    @property
    def regions(self) -> set[str]:
        """Every region this template deploys to: its own and those of the stacks it stands for."""
        return {self.region, *(other.region for other in self.stands_for)}

    @property
    def accounts(self) -> set[str]:
        """Every account ID this template deploys to."""
        return {self.account, *(other.account_id for other in self.stands_for)}

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
        text = path.read_bytes()
        recorded = [
            StoodFor(
                item["stack"],
                item["accountId"],
                item["region"],
                item.get("account", ""),
                item.get("targetAccountId", ""),
            )
            for entry in _metadata(outdir, artifact).get(f"/{name}", [])
            if entry.get("type") == STANDS_FOR
            for item in entry.get("data", [])
        ]
        digest = hashlib.sha256(text).hexdigest()
        stacks.append(StackTemplate(name, path, account, region, json.loads(text), digest, tuple(recorded)))
        for entry in _metadata(outdir, artifact).get(f"/{name}", []):
            if entry.get("type") == STACKSET_TEMPLATES:
                stacks += [_stackset_template(outdir, item) for item in entry.get("data", [])]
    if not stacks:
        raise AssemblyNotFound(f"no stacks in {outdir}/manifest.json; synthesize first (make synth)")
    return stacks


def _stackset_template(outdir: Path, item: dict[str, Any]) -> StackTemplate:
    """A StackSet's template, checked as the stack of its first instance, standing for the others."""
    first, *others = [
        StoodFor(i["stack"], i["accountId"], i["region"], i.get("account", "")) for i in item["standsFor"]
    ]
    text = (outdir / item["template"]).read_bytes()
    digest = hashlib.sha256(text).hexdigest()
    path, body = outdir / item["template"], json.loads(text)
    return StackTemplate(item["stackset"], path, first.account_id, first.region, body, digest, tuple(others))


def _metadata(outdir: Path, artifact: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """A stack artifact's construct metadata by path: in the manifest, or (recent CDK versions) in the file the
    artifact's `additionalMetadataFile` names."""
    metadata: dict[str, list[dict[str, Any]]] = dict(artifact.get("metadata", {}))
    extra = artifact.get("additionalMetadataFile")
    if extra:
        for path, entries in json.loads((outdir / extra).read_text()).items():
            metadata[path] = metadata.get(path, []) + entries
    return metadata


def distinct_templates(stacks: list[StackTemplate]) -> list[StackTemplate]:
    """One stack per distinct template text and partition, standing for the others with the same text: a checker's
    verdict on a template is the same wherever it deploys, given the partition (each checker reads only the
    template, its partition and, for cfn-lint, the regions, which `StackTemplate.regions` keeps). Name order."""
    groups: dict[tuple[str, str], list[StackTemplate]] = {}
    for stack in stacks:
        groups.setdefault((stack.partition, stack.digest or stack.name), []).append(stack)
    distinct = []
    for group in groups.values():
        first, *others = group
        merged = [StoodFor(o.name, o.account, o.region) for o in others] + [s for o in others for s in o.stands_for]
        distinct.append(replace(first, stands_for=first.stands_for + tuple(merged)) if others else first)
    return sorted(distinct, key=lambda stack: stack.name)


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

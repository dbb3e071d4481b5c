"""Shared fixtures: the example org is synthesized once per session, with cdk.json's feature flags and checks."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk.assertions import Template

from config.loader import load_config, parse_config
from config.models import OrgConfig
from stacks.assembly import BuiltStack, assemble

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config" / "org.yaml"
CDK_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
PARTITIONS = ("aws", "aws-us-gov")


@dataclass
class Synthesized:
    """One synthesized app: stack infos and template JSON by stack name."""

    outdir: Path
    infos: list[BuiltStack]
    templates: dict[str, dict[str, Any]]
    _assertions: dict[str, Template] = field(default_factory=dict)

    def template(self, stack_name: str) -> Template:
        if stack_name not in self._assertions:
            self._assertions[stack_name] = Template.from_json(self.templates[stack_name])
        return self._assertions[stack_name]

    def stack_names(self, kind: str, partition: str | None = None) -> list[str]:
        return [
            i.stack.stack_name for i in self.infos if i.kind == kind and (partition is None or i.partition == partition)
        ]

    def only(self, kind: str, partition: str) -> str:
        (name,) = self.stack_names(kind, partition)
        return name


def synthesize(config: OrgConfig, outdir: Path, *, checks: bool = True) -> Synthesized:
    app = cdk.App(context=copy.deepcopy(CDK_CONTEXT), outdir=str(outdir), analytics_reporting=False)
    infos = assemble(app, config, checks=checks)
    assembly = app.synth()
    templates = {
        stack.stack_name: json.loads(Path(assembly.directory, stack.template_file).read_text())
        for stack in (i.stack for i in infos)
    }
    return Synthesized(outdir, infos, templates)


@pytest.fixture(scope="session")
def example_config() -> OrgConfig:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture(scope="session")
def example_data() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE_CONFIG.read_text())


@pytest.fixture(scope="session")
def synth(example_config: OrgConfig, tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The example org with every check on: if cdk-nag or the partition lint found anything, this raises."""
    return synthesize(example_config, tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture
def config_from() -> Callable[[dict[str, Any]], OrgConfig]:
    """Validate a (modified) config dict the way a file would be: through YAML text."""

    def build(data: dict[str, Any]) -> OrgConfig:
        return parse_config(yaml.safe_dump(data, sort_keys=False), source="test.yaml")

    return build

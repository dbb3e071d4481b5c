"""Shared fixtures: the example org is synthesized once per session, with cdk.json's feature flags and checks.

Tests that take `partition` (directly or through `org`, `home_region`, `workload`, ...) run once per partition.
Plain helpers live in `tests/support/`: the project's paths and CDK context (`project.py`), template finders
(`templates.py`), config edits (`config_data.py`), the org generator
(`org_generator.py`) and the local AWS API harness (`local_aws.py`, registered here as a plugin).
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import aws_cdk as cdk
import pytest
import yaml
from _pytest.nodeid import coerce_node_id
from aws_cdk.assertions import Template

from config.loader import load_config, parse_config
from config.models import Account, OrgConfig
from config.naming import Organization, organization
from config.regions import PartitionName
from stacks.assembly import BuiltStack, assemble
from tests.support.config_data import ConfigFrom
from tests.support.project import CDK_CONTEXT, CONFIG_FIXTURES, EXAMPLE_CONFIG
from tests.support.templates import resolved

# The local AWS API harness's fixtures (moto_endpoint, aws, cloudformation), for any test that takes them.
pytest_plugins = ("tests.support.local_aws",)

# Written out here rather than taken from config.regions, so that a partition dropped there fails tests.
PARTITIONS: Final[tuple[PartitionName, ...]] = ("aws", "aws-us-gov")
# A member account of each partition of the example org, with baseline stacks in two regions: the partition's
# home region and this other one.
WORKLOAD: Final[dict[PartitionName, str]] = {"aws": "web-prod", "aws-us-gov": "gov-workload-prod"}
WORKLOAD_OTHER_REGION: Final[dict[PartitionName, str]] = {"aws": "us-west-2", "aws-us-gov": "us-gov-east-1"}


# The session's synthesized apps, which a test process builds the first time a test asks for one.
SESSION_APPS: Final = frozenset({"synth", "stacksets_synth"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Groups for `--dist loadgroup` (make suite), each run whole by one test process: every module that uses a
    session app joins one group, so the apps are built once, not once per process; every other module is a group of
    its own, so its module-scoped fixtures (moto servers, variant apps) are built once, as with `--dist loadscope`.

    pytest-xdist 3.8.0 tells its scheduler an item's group by appending `@<group>` to the item's node ID, through a
    field pytest 9 no longer reads, so `--dist loadgroup` silently distributes test by test
    (https://github.com/pytest-dev/pytest-xdist/issues/1386; the fix, pull request 1388, is not released). This
    appends it where pytest 9 keeps the ID, as that fix does (checked in tests/test_layout.py)."""
    modules: dict[str, list[pytest.Item]] = defaultdict(list)
    for item in items:
        modules[item.nodeid.split("::", 1)[0]].append(item)
    grouping = bool(config.getoption("loadgroup", False))  # set in the test processes of `--dist loadgroup` only
    for module, its in modules.items():
        uses_an_app = any(isinstance(i, pytest.Function) and SESSION_APPS.intersection(i.fixturenames) for i in its)
        group = "session-apps" if uses_an_app else module
        for item in its:
            item.add_marker(pytest.mark.xdist_group(group))
            if grouping and not item.nodeid.endswith(f"@{group}"):
                item._id = coerce_node_id(f"{item.nodeid}@{group}")


@dataclass
class Synthesized:
    """One synthesized app: stack infos and template JSON by stack name."""

    outdir: Path
    infos: list[BuiltStack]
    templates: dict[str, dict[str, Any]]
    _assertions: dict[str, Template] = field(default_factory=dict)
    _deployed: dict[str, dict[str, Any]] = field(default_factory=dict)

    def deployed(self, stack_name: str) -> dict[str, Any]:
        """The template as CloudFormation deploys it into its stack's account and region: AWS::AccountId and
        AWS::Region put in (baselines name their own account and region only through them). Assertions on what a
        policy allows or names read this; the account-agnostic text itself is the template (`templates`)."""
        if stack_name not in self._deployed:
            info = next(i for i in self.infos if i.stack.stack_name == stack_name)
            account_id, region = info.stack.account, info.stack.region
            self._deployed[stack_name] = resolved(self.templates[stack_name], account_id, region)
        return self._deployed[stack_name]

    def template(self, stack_name: str) -> Template:
        if stack_name not in self._assertions:
            self._assertions[stack_name] = Template.from_json(self.templates[stack_name])
        return self._assertions[stack_name]

    def stack_names(self, kind: str, partition: PartitionName | None = None) -> list[str]:
        return [
            i.stack.stack_name for i in self.infos if i.kind == kind and (partition is None or i.partition == partition)
        ]

    def only(self, kind: str, partition: PartitionName) -> str:
        """The name of the one stack of this kind in the partition."""
        (name,) = self.stack_names(kind, partition)
        return name

    def one(self, kind: str, partition: PartitionName) -> BuiltStack:
        """The one stack of this kind in the partition, with its plan (account, region) and CDK stack."""
        (info,) = [i for i in self.infos if i.kind == kind and i.partition == partition]
        return info

    def info(self, stack_id: str) -> BuiltStack:
        (info,) = [i for i in self.infos if i.stack_id == stack_id]
        return info


def synthesize(
    config: OrgConfig, outdir: Path, *, checks: bool = True, accounts: Iterable[str] | None = None
) -> Synthesized:
    """The config's stacks (or those of `accounts` only, as `-c accounts=...` selects them), synthesized."""
    app = cdk.App(context=copy.deepcopy(CDK_CONTEXT), outdir=str(outdir), analytics_reporting=False)
    infos = assemble(app, config, accounts=accounts, checks=checks)
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
    """The example config as YAML data: copy it (`copy.deepcopy`) before changing it."""
    data: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    return data


@pytest.fixture(scope="session")
def synth(example_config: OrgConfig, tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The example org with every check on: if cdk-nag or the partition lint found anything, this raises."""
    return synthesize(example_config, tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def stacksets_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The example org in `deployment.mode: stacksets` (tests/fixtures/configs/stacksets.yaml), every check on: if
    cdk-nag or the partition lint found anything, in the StackSets stacks or the StackSet templates, this raises."""
    config = load_config(CONFIG_FIXTURES / "stacksets.yaml")
    return synthesize(config, tmp_path_factory.mktemp("stacksets.out"))


@pytest.fixture
def config_from() -> ConfigFrom:
    """Validate a (modified) config dict the way a file would be: through YAML text."""

    def build(data: dict[str, Any]) -> OrgConfig:
        return parse_config(yaml.safe_dump(data, sort_keys=False), source="test.yaml")

    return build


@pytest.fixture(params=PARTITIONS)
def partition(request: pytest.FixtureRequest) -> PartitionName:
    """Each partition in turn. A test that parametrizes `partition` itself overrides this fixture."""
    name: PartitionName = request.param
    return name


@pytest.fixture
def org(example_config: OrgConfig, partition: PartitionName) -> Organization:
    """The partition's organization: its account IDs and the names of what the baseline creates."""
    return organization(example_config, partition)


@pytest.fixture
def home_region(example_config: OrgConfig, partition: PartitionName) -> str:
    return example_config.partitions[partition].home_region


@pytest.fixture
def workload(example_config: OrgConfig, partition: PartitionName) -> Account:
    """The partition's workload account (`WORKLOAD`)."""
    return next(a for a in example_config.accounts if a.name == WORKLOAD[partition])


@pytest.fixture
def workload_home(synth: Synthesized, workload: Account, home_region: str) -> dict[str, Any]:
    """The template of the workload account's home-region baseline (the one with IAM resources), as deployed."""
    return synth.deployed(f"Baseline-{workload.name}-{home_region}")


@pytest.fixture
def workload_other_region(synth: Synthesized, workload: Account, partition: PartitionName) -> dict[str, Any]:
    """The template of the workload account's baseline in its other region (no IAM resources), as deployed."""
    return synth.deployed(f"Baseline-{workload.name}-{WORKLOAD_OTHER_REGION[partition]}")

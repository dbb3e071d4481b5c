"""A 1,000-account organization (three team assignments on every account): no stack comes near CloudFormation's
limit of 500 resources.

Cheaply, at full size: the generated organization's config is loaded whole, but only its shared stacks and the
stacks of two generated accounts per profile (partition, OU, regions) are synthesized, about 90 of its 2,920
stacks. Every other generated account has a profile synthesized here, and the test shows that two accounts of
one profile get stacks of the same size, and that the shared stacks are as large as in the 14-account example
org: nothing grows with the number of accounts. `make benchmark N=1000 TEAM_ASSIGNMENTS=3` synthesizes all the
stacks and fails when one is over the budget (docs/testing.md, "Benchmark").
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from config.assignments import identity_center_admin
from config.models import OrgConfig
from stacks.plan import StackKind
from tests.benchmark import over_budget
from tests.conftest import Synthesized, synthesize
from tests.support.org_generator import generated_org

GENERATED = 1000
MAX_RESOURCES = 450  # CloudFormation allows 500 per stack; keep a margin
PER_ACCOUNT = {StackKind.BASELINE, StackKind.ALERTS, StackKind.ACCESS}


@pytest.fixture(scope="module")
def thousand() -> OrgConfig:
    return generated_org(GENERATED, team_assignments=3)


@pytest.fixture(scope="module")
def profiles(thousand: OrgConfig) -> dict[tuple[str, str, tuple[str, ...]], list[str]]:
    """The generated accounts by profile: partition, OU and regions (the example's accounts are not generated)."""
    by_profile: dict[tuple[str, str, tuple[str, ...]], list[str]] = defaultdict(list)
    for account in thousand.accounts:
        if account.name.startswith("gen-"):
            by_profile[(account.partition, account.ou, tuple(account.regions or ()))].append(account.name)
    return by_profile


@pytest.fixture(scope="module")
def sampled(
    thousand: OrgConfig,
    profiles: dict[tuple[str, str, tuple[str, ...]], list[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Synthesized:
    """The shared stacks of the 1,000-account org and the stacks of two generated accounts of each profile."""
    shared = set()
    for name, part in thousand.partitions.items():
        shared |= {part.management_account, part.security_account, part.log_archive_account}
        shared.add(identity_center_admin(thousand, name))
    picked = [name for names in profiles.values() for name in names[:2]]
    return synthesize(thousand, tmp_path_factory.mktemp("thousand"), checks=False, accounts=shared | set(picked))


def resources(built: Synthesized, stack_name: str) -> int:
    return len(built.templates[stack_name]["Resources"])


def test_the_generated_org_has_a_thousand_accounts_in_every_profile(
    thousand: OrgConfig, example_config: OrgConfig, profiles: dict[tuple[str, str, tuple[str, ...]], list[str]]
) -> None:
    assert len(thousand.accounts) == len(example_config.accounts) + GENERATED
    assert sum(len(names) for names in profiles.values()) == GENERATED
    # Both partitions, every OU of each (6 commercial, 5 GovCloud in the example org).
    assert {(partition, ou) for partition, ou, _ in profiles} == {
        (partition, ou.path) for partition, part in thousand.partitions.items() for ou in part.organizational_units
    }
    assert all(len(names) >= 2 for names in profiles.values()), profiles.keys()


@pytest.mark.slow
def test_no_stack_of_a_thousand_account_org_is_over_the_resource_budget(sampled: Synthesized) -> None:
    over = {name: resources(sampled, name) for name in sampled.templates if resources(sampled, name) > MAX_RESOURCES}
    assert not over, f"stacks over {MAX_RESOURCES} resources: {over}"


@pytest.mark.slow
def test_accounts_of_one_profile_get_stacks_of_one_size(
    sampled: Synthesized, profiles: dict[tuple[str, str, tuple[str, ...]], list[str]]
) -> None:
    for names in profiles.values():
        first, second = names[:2]
        sizes = [
            {i.stack_id.replace(name, "*"): resources(sampled, i.stack.stack_name) for i in sampled.infos if i.account_name == name}
            for name in (first, second)
        ]  # fmt: skip
        assert sizes[0], first
        assert sizes[0] == sizes[1], (first, second)


@pytest.mark.slow
def test_shared_stacks_do_not_grow_with_the_number_of_accounts(sampled: Synthesized, synth: Synthesized) -> None:
    """The organization-wide stacks have as many resources with 1,014 accounts as with the example's 14."""
    shared = [i for i in sampled.infos if i.kind not in PER_ACCOUNT]
    assert {i.kind for i in shared} >= {
        StackKind.LOG_ARCHIVE, StackKind.ORGANIZATION, StackKind.GUARDRAILS, StackKind.IDENTITY_CENTER,
        StackKind.SECURITY, StackKind.SESSION_DOCUMENTS,
    }  # fmt: skip
    grown = {
        name: (resources(synth, name), resources(sampled, name))
        for name in (i.stack.stack_name for i in shared)
        if resources(sampled, name) != resources(synth, name)
    }
    assert not grown, f"shared stacks whose resources grow with the accounts (example org, 1,014 accounts): {grown}"


def test_the_benchmark_fails_naming_a_stack_over_budget() -> None:
    """`make benchmark` exits 1 with these lines: the full-size proof, when all 2,920 stacks are synthesized."""
    resources = {"Access-gen-0001": 451, "Baseline-gen-0001-us-east-1": 450}
    template_bytes = {"Access-gen-0001": 1_000, "Baseline-gen-0001-us-east-1": 1_000_001}
    assert over_budget(resources, template_bytes) == [
        "Access-gen-0001: 451 resources (budget 450)",
        "Baseline-gen-0001-us-east-1: 1000001 bytes (limit 1000000)",
    ]
    assert over_budget({"Access-gen-0001": 450}, {"Access-gen-0001": 1_000_000}) == []

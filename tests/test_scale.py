"""A 1,000-account organization (three team assignments on every account): no stack comes near CloudFormation's
limit of 500 resources, because nothing in a stack grows with the number of accounts.

The full-size proof is the benchmark: `make benchmark N=1000 TEAM_ASSIGNMENTS=3` synthesizes all 2,920 stacks of
the generated organization and fails when one is over the budget (docs/testing.md, "Benchmark"). This is its
cheap counterpart in `make test`, in two parts:
- Without CDK, at full size: the plan of the 1,000-account org has the same shared stacks as the example org's,
  every account of one profile (partition, OU, regions) gets the same stacks, and its baseline stacks fall in the
  same baseline profiles as those of a 30-account org (baseline stacks of one profile get byte-identical
  templates: tests/test_account_agnostic.py).
- Synthesized, small: the shared stacks of the 30-account org and one generated account of each partition are
  within the budget, the shared stacks have as many resources as in the 14-account example org, and an account's
  own stacks are byte for byte the same in the 30-account org as in a 60-account one. (The example org's stacks
  are held to the budget by `make verify`; the other generated profiles' only by the benchmark.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pytest

from config.assignments import identity_center_admin
from config.models import OrgConfig
from stacks.plan import PlannedStack, StackKind, baseline_profiles, plan
from tests.benchmark import over_budget
from tests.conftest import Synthesized, synthesize
from tests.support.org_generator import generated_org

GENERATED = 1000
# The generator puts one account in five in GovCloud and turns OUs every five accounts: 30 accounts reach every
# OU of both partitions (6 commercial, 5 GovCloud in the example org), so every profile.
SMALL = 30
LARGER = 60
MAX_RESOURCES = 450  # CloudFormation allows 500 per stack; keep a margin
PER_ACCOUNT = {StackKind.BASELINE, StackKind.ALERTS, StackKind.ACCESS}
# One generated account of each partition (gen-0004 is the first GovCloud one).
WATCHED = ("gen-0000", "gen-0004")

Profiles = dict[tuple[str, str, tuple[str, ...]], list[str]]


def by_profile(config: OrgConfig) -> Profiles:
    """The generated accounts by profile: partition, OU and regions (the example's accounts are not generated)."""
    profiles: Profiles = defaultdict(list)
    for account in config.accounts:
        if account.name.startswith("gen-"):
            profiles[(account.partition, account.ou, tuple(account.regions or ()))].append(account.name)
    return profiles


def shared_accounts(config: OrgConfig) -> set[str]:
    """The accounts that hold the organization-wide stacks."""
    shared = set()
    for name, part in config.partitions.items():
        shared |= {part.management_account, part.security_account, part.log_archive_account}
        shared.add(identity_center_admin(config, name))
    return shared


@pytest.fixture(scope="module")
def thousand() -> OrgConfig:
    return generated_org(GENERATED, team_assignments=3)


@pytest.fixture(scope="module")
def thousand_plan(thousand: OrgConfig) -> tuple[PlannedStack, ...]:
    return tuple(plan(thousand))  # a tuple: the tests share it and cannot change it


@pytest.fixture(scope="module")
def small() -> OrgConfig:
    return generated_org(SMALL, team_assignments=3)


@pytest.fixture(scope="module")
def profiles(thousand: OrgConfig) -> Profiles:
    return by_profile(thousand)


def resources(built: Synthesized, stack_name: str) -> int:
    return len(built.templates[stack_name]["Resources"])


def shape(planned: Iterable[PlannedStack], account: str) -> tuple[tuple[str, StackKind, str], ...]:
    """The account's own stacks with its name as `*`: what two accounts of one profile must share."""
    return tuple(
        (stack.stack_id.replace(account, "*"), stack.kind, stack.region)
        for stack in planned
        if stack.account_name == account and stack.kind in PER_ACCOUNT
    )


# --- without CDK, at full size ----------------------------------------------------------------------------


def test_the_generated_org_has_a_thousand_accounts_in_every_profile(
    thousand: OrgConfig, example_config: OrgConfig, profiles: Profiles, small: OrgConfig
) -> None:
    assert len(thousand.accounts) == len(example_config.accounts) + GENERATED
    assert sum(len(names) for names in profiles.values()) == GENERATED
    # Both partitions, every OU of each (6 commercial, 5 GovCloud in the example org).
    assert {(partition, ou) for partition, ou, _ in profiles} == {
        (partition, ou.path) for partition, part in thousand.partitions.items() for ou in part.organizational_units
    }
    assert all(len(names) >= 2 for names in profiles.values()), profiles.keys()
    assert set(by_profile(small)) == set(profiles)  # the small org has every profile too


def test_accounts_of_one_profile_get_the_same_stacks(
    thousand_plan: tuple[PlannedStack, ...], profiles: Profiles
) -> None:
    stacks = defaultdict(list)
    for stack in thousand_plan:
        stacks[stack.account_name].append(stack)
    for names in profiles.values():
        shapes = {shape(stacks[name], name) for name in names}
        assert len(shapes) == 1, (names[0], shapes)
        (only,) = shapes
        assert only, names[0]


def test_a_thousand_accounts_have_the_baseline_profiles_of_thirty(
    thousand: OrgConfig, thousand_plan: tuple[PlannedStack, ...], small: OrgConfig
) -> None:
    """970 accounts more bring no baseline template more: the baseline stacks of the 1,000-account org have the
    profiles (so the templates) of the 30-account org, whose stacks the tests below synthesize."""
    assert set(baseline_profiles(thousand, thousand_plan)) == set(baseline_profiles(small, plan(small)))


def test_the_shared_stacks_are_those_of_the_example_org(
    thousand_plan: tuple[PlannedStack, ...], example_config: OrgConfig
) -> None:
    def shared(planned: Iterable[PlannedStack]) -> set[tuple[str, StackKind, str, str]]:
        return {(s.stack_id, s.kind, s.account_name, s.region) for s in planned if s.kind not in PER_ACCOUNT}

    assert shared(thousand_plan) == shared(plan(example_config))


# --- synthesized, small -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sampled(small: OrgConfig, tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The shared stacks of the 30-account org and the stacks of one generated account of each partition."""
    accounts = shared_accounts(small) | set(WATCHED)
    return synthesize(small, tmp_path_factory.mktemp("small"), checks=False, accounts=accounts)


@pytest.mark.slow
def test_no_stack_is_over_the_resource_budget(sampled: Synthesized) -> None:
    over = {name: resources(sampled, name) for name in sampled.templates if resources(sampled, name) > MAX_RESOURCES}
    assert not over, f"stacks over {MAX_RESOURCES} resources: {over}"


@pytest.mark.slow
def test_shared_stacks_do_not_grow_with_the_number_of_accounts(sampled: Synthesized, synth: Synthesized) -> None:
    """The organization-wide stacks have as many resources with 44 accounts as with the example's 14 (the whole plan
    of 1,014 accounts has the same shared stacks: above)."""
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
    assert not grown, f"shared stacks whose resources grow with the accounts (example org, 44 accounts): {grown}"


@pytest.mark.slow
def test_an_accounts_own_stacks_do_not_change_with_the_number_of_accounts(
    sampled: Synthesized, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Byte for byte: nothing of the other accounts (their number, IDs or assignments) is in an account's stacks."""
    larger = synthesize(
        generated_org(LARGER, team_assignments=3), tmp_path_factory.mktemp("larger"), checks=False, accounts=WATCHED
    )
    own = {i.stack.stack_name for i in larger.infos if i.account_name in WATCHED}
    assert {StackKind.BASELINE, StackKind.ACCESS} <= {i.kind for i in larger.infos}
    changed = sorted(name for name in own if larger.templates[name] != sampled.templates[name])
    assert not changed, f"stacks that differ between {SMALL} and {LARGER} generated accounts: {changed}"


def test_the_benchmark_fails_naming_a_stack_over_budget() -> None:
    """`make benchmark` exits 1 with these lines: the full-size proof, when all 2,920 stacks are synthesized."""
    resources = {"Access-gen-0001": 451, "Baseline-gen-0001-us-east-1": 450}
    template_bytes = {"Access-gen-0001": 1_000, "Baseline-gen-0001-us-east-1": 1_000_001}
    assert over_budget(resources, template_bytes) == [
        "Access-gen-0001: 451 resources (budget 450)",
        "Baseline-gen-0001-us-east-1: 1000001 bytes (limit 1000000)",
    ]
    assert over_budget({"Access-gen-0001": 450}, {"Access-gen-0001": 1_000_000}) == []

"""A 1,000-account organization with assignments on every account: no stack comes near CloudFormation's limits."""

from __future__ import annotations

import pytest

from config.models import OrgConfig
from tests.benchmark import run

MAX_RESOURCES = 450  # CloudFormation allows 500 per stack; keep a margin


@pytest.mark.slow
def test_a_thousand_accounts_keep_every_stack_far_below_the_resource_limit(example_config: OrgConfig) -> None:
    # Example org's root/OU assignments plus three team assignments per generated account.
    result = run(1000, checks=False, team_assignments=3)
    print(f"\n1,000-account synth: {result}")
    assert result["accounts"] == len(example_config.accounts) + 1000
    assert result["largest_stack_resources"] <= MAX_RESOURCES, result

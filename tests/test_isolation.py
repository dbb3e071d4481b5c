"""Onboarding or removing an account touches no other account's stack: not its baselines, not its Access stack,
not the Guardrails or IdentityCenter stacks (OU-targeted assignments and policies expand without them). The one
exception is the elevation engine, whose rules name the eligible accounts."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Synthesized, synthesize
from tests.support.config_data import ConfigFrom

NEW_ACCOUNTS = [
    {"name": "data-prod", "id": "730987654399", "email": "aws-data-prod@example.com", "partition": "aws",
     "ou": "Workloads/Prod"},
    {"name": "gov-analytics", "id": "530987654398", "email": "gov-analytics@example.com",
     "partition": "aws-us-gov", "ou": "Workloads/Dev"},
]  # fmt: skip


@pytest.mark.slow
def test_adding_and_removing_accounts_leaves_every_other_template_byte_identical(
    synth: Synthesized, example_data: dict[str, Any], config_from: ConfigFrom, tmp_path: Path
) -> None:
    data = copy.deepcopy(example_data)
    data["accounts"] = [a for a in data["accounts"] if a["name"] != "web-dev"] + NEW_ACCOUNTS
    changed = synthesize(config_from(data), tmp_path, checks=False)

    before = {i.stack_id: i for i in synth.infos}
    after = {i.stack_id: i for i in changed.infos}
    assert sorted(set(after) - set(before)) == [
        "Access-data-prod", "Access-gov-analytics",
        "Baseline-data-prod-us-east-1", "Baseline-data-prod-us-west-2",
        "Baseline-gov-analytics-us-gov-east-1", "Baseline-gov-analytics-us-gov-west-1",
    ]  # fmt: skip
    assert sorted(set(before) - set(after)) == ["Access-web-dev", "Baseline-web-dev-us-east-1"]
    # The elevation engine knows its eligible accounts by ID (its rules file and the grant role's policy): a new
    # account in a rule's OU is eligible, so that stack changes on purpose. Every other stack must not.
    for stack_id in (set(before) & set(after)) - {"Elevation-management", "Elevation-gov-management"}:
        old = (synth.outdir / before[stack_id].stack.template_file).read_bytes()
        new = (changed.outdir / after[stack_id].stack.template_file).read_bytes()
        assert old == new, f"{stack_id} changed when other accounts were added or removed"

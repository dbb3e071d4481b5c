"""`elevation:` in the config: each mistake is reported with its path and a clear message, all at once; the
rules resolve to the IDs the engine's handlers read."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from config.elevation import resolved_rules
from config.models import OrgConfig
from config.problems import ConfigError
from tests.support.config_data import ConfigFrom

R0 = "elevation.rules[0]"


def _with_rule(example_data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(example_data)
    data["elevation"]["rules"][0].update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"groups": ["nobody"]}, f"{R0}.groups[0]: no group 'nobody' in the aws identity_center.assignments"),
        (
            {"approver_groups": ["gov-platform-leads"]},
            f"{R0}.approver_groups[0]: no group 'gov-platform-leads' in the aws identity_center.assignments",
        ),
        ({"permission_set": "Root"}, f"{R0}.permission_set: no permission set named 'Root'"),
        (
            {"targets": {"accounts": ["gov-workload-prod"]}},
            f"{R0}.targets.accounts[0]: account 'gov-workload-prod' is in partition 'aws-us-gov', not 'aws'",
        ),
        ({"targets": {"organizational_units": ["Nowhere"]}}, f"{R0}.targets.organizational_units[0]: OU 'Nowhere'"),
        (
            {"max_duration": "PT2H"},
            f"{R0}.max_duration: PT2H is longer than the session_duration of Administrator (PT1H)",
        ),
        ({"permission_set": "ReadOnly", "max_duration": "PT13H"}, f"{R0}.max_duration: PT13H is over the longest"),
        ({"pending_timeout": "PT2M"}, f"{R0}.pending_timeout: PT2M is outside PT5M to PT24H"),
        (
            {"approver_groups": [], "approver_emails": []},
            f"{R0}.approver_groups: a rule that needs approval needs at least one approver group",
        ),
        ({"approval_required": False}, f"{R0}.approval_required: false, but approver_groups or approver_emails"),
        ({"max_duration": "1h"}, f"{R0}.max_duration: '1h' is not valid: expected an ISO-8601 duration"),
    ],
)
def test_each_mistake_is_named_with_its_path(
    example_data: dict[str, Any], config_from: ConfigFrom, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from(_with_rule(example_data, **changes))
    assert message in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_a_standing_assignment_of_an_eligible_set_is_refused(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    data = copy.deepcopy(example_data)
    data["identity_center"]["assignments"].append(
        {
            "group_id": "9067a3c4e1-2f6b8d0e-4c1a-4b7e-9d3f-5a8c2e1b7d40",
            "group_name": "platform-admins",
            "partition": "aws",
            "permission_set": "Administrator",
            "targets": {"organizational_units": ["Sandbox"]},
        }
    )
    index = len(data["identity_center"]["assignments"]) - 1
    with pytest.raises(ConfigError) as caught:
        config_from(data)
    assert (
        f"identity_center.assignments[{index}]: gives platform-admins standing Administrator in sandbox-research, "
        f"where {R0} (admin) makes it eligible only"
    ) in str(caught.value)


def test_standing_access_outside_the_rules_accounts_is_fine(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    data = _with_rule(example_data, targets={"organizational_units": ["Workloads/Prod"]})
    data["identity_center"]["assignments"].append(
        {
            "group_id": "9067a3c4e1-2f6b8d0e-4c1a-4b7e-9d3f-5a8c2e1b7d40",
            "group_name": "platform-admins",
            "partition": "aws",
            "permission_set": "Administrator",
            "targets": {"organizational_units": ["Sandbox"]},
        }
    )
    config_from(data)


def test_every_problem_is_reported_at_once(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    data = _with_rule(example_data, groups=["nobody"], permission_set="Root", pending_timeout="PT2M")
    data["elevation"]["rules"][1]["name"] = data["elevation"]["rules"][0]["name"]
    with pytest.raises(ConfigError) as caught:
        config_from(data)
    text = str(caught.value)
    for path in (f"{R0}.groups[0]", f"{R0}.permission_set", f"{R0}.pending_timeout", "elevation.rules[1].name"):
        assert path in text, path


def test_rules_resolve_to_the_ids_the_handlers_read(example_config: OrgConfig) -> None:
    admin, oncall = resolved_rules(example_config, "aws")
    assert admin.name == "admin" and admin.permission_set == "Administrator"
    assert admin.groups == ["9067a3c4e1-2f6b8d0e-4c1a-4b7e-9d3f-5a8c2e1b7d40"]
    assert admin.approver_groups == ["9067a3c4e1-5a1c7e3b-d2f4-4b86-8c0e-7f3a9d1b5e62"]
    assert len(admin.accounts) == 9 and "210987654321" in admin.accounts  # root: every commercial account
    assert (admin.max_minutes, admin.pending_minutes, admin.ticket_required) == (60, 60, True)
    # Workloads/Prod without payments-prod (710987654326, PCI scope: breakglass only): web-prod alone.
    assert oncall.accounts == ["810987654327"] and oncall.approval_required is False
    (gov,) = resolved_rules(example_config, "aws-us-gov")
    assert "220987654330" not in gov.accounts  # excluded: gov-management

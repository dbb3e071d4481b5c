"""The plan (which stacks, where; no CDK) and the assembly that turns it into stacks (one builder per kind)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import aws_cdk as cdk
import pytest

from config.models import OrgConfig
from config.regions import PartitionName
from stacks import assembly
from stacks.assembly import BUILDERS, AssemblyError, assemble
from stacks.base import DESCRIPTION_PREFIX, OrgBaselineStack
from stacks.plan import (
    PlannedStack,
    StackKind,
    UnknownAccounts,
    UnknownPartition,
    partition_option,
    plan,
    select_accounts,
    summary,
)
from tests.conftest import Synthesized
from tests.support.config_data import ConfigFrom, commercial_only
from tests.support.project import ROOT

# Stacks whose deletion would lose logs, keys, vaults or the controls that protect the organization.
PROTECTED = {
    StackKind.ELEVATION,  # the requests table: the record of who had what access when
    StackKind.LOG_ARCHIVE,
    StackKind.ORGANIZATION,
    StackKind.GUARDRAILS,
    StackKind.SECURITY,
    StackKind.SESSION_DOCUMENTS,
    StackKind.SECURITY_SERVICES,
    StackKind.BASELINE,
}


def test_every_stack_kind_has_exactly_one_builder() -> None:
    assert set(BUILDERS) == set(StackKind)


def test_a_kind_without_a_builder_is_an_error_not_a_silent_baseline(
    example_config: OrgConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_security = {kind: builder for kind, builder in BUILDERS.items() if kind is not StackKind.SECURITY}
    monkeypatch.setattr(assembly, "BUILDERS", without_security)
    with pytest.raises(AssemblyError, match=r"no builder for stack kind .*security.* \(stack Security-security\)"):
        assemble(cdk.App(), example_config, accounts=["security"], checks=False)


def test_unknown_accounts_are_named_with_a_suggestion(example_config: OrgConfig) -> None:
    with pytest.raises(UnknownAccounts) as raised:
        select_accounts(example_config, ["web-prd", "payments-prod", "nothing-like-it"])
    message = str(raised.value)
    assert "web-prd (did you mean web-prod?)" in message
    assert "nothing-like-it" in message and "nothing-like-it (did you mean" not in message
    assert "payments-prod," not in message.split("(known:")[0]  # known names are not reported as unknown


def test_blank_account_names_are_ignored(example_config: OrgConfig) -> None:
    assert select_accounts(example_config, [" web-prod ", "", " "]) == {"web-prod"}


def test_the_plan_and_the_config_need_no_cdk() -> None:
    code = (
        "import sys; import stacks.plan, config.loader, config.validation, config.policies.service_control, ops.deploy; "
        "loaded = [m for m in ('aws_cdk', 'jsii', 'constructs', 'boto3') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


# --- the partition selector (-c partition=...) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "selected"), [(None, None), ("aws", "aws"), ("aws-us-gov", "aws-us-gov"), (" aws ", "aws")]
)
def test_partition_option_accepts_the_two_partitions(value: str | None, selected: str | None) -> None:
    assert partition_option(value) == selected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("aws-gov", "-c partition='aws-gov' (did you mean aws-us-gov?): expected aws or aws-us-gov"),
        ("AWS", "-c partition='AWS' (did you mean aws?): expected aws or aws-us-gov"),
        ("", "-c partition='': expected aws or aws-us-gov"),
        ("aws-cn", "-c partition='aws-cn' (did you mean aws?): expected aws or aws-us-gov"),
        (1, "-c partition: expected aws or aws-us-gov, got the number 1"),
    ],
)
def test_partition_option_names_a_bad_value(value: object, message: str) -> None:
    with pytest.raises(UnknownPartition) as raised:
        partition_option(value)
    assert str(raised.value) == message


def test_a_partition_plans_only_its_own_stacks(example_config: OrgConfig, partition: PartitionName) -> None:
    everything = plan(example_config)
    selected = plan(example_config, partition=partition)
    assert selected == [stack for stack in everything if stack.partition == partition]
    assert {"aws": 34, "aws-us-gov": 24}[partition] == len(selected)  # the counts `make synth` reports


def test_accounts_of_the_other_partition_are_an_error(example_config: OrgConfig) -> None:
    with pytest.raises(UnknownAccounts, match=r"^account\(s\) gov-ci selected, but not in the selected partition aws$"):
        plan(example_config, ["web-prod", "gov-ci"], "aws")


def test_a_partition_the_config_does_not_have_is_an_error(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    config = config_from(commercial_only(example_data))
    with pytest.raises(UnknownPartition) as raised:
        plan(config, partition="aws-us-gov")
    assert str(raised.value) == (
        "partition aws-us-gov selected, but the config has no organization there (partitions in the config: aws)"
    )


# --- dependencies (`after`): what must exist before a stack deploys -----------------------------------------

# Written out from docs/deploying.md, "Why this order". Security account: `security` (commercial), the log-archive
# account (GovCloud); Identity Center admin: the management account.
EXPECTED_AFTER: dict[PartitionName, dict[str, tuple[str, ...]]] = {
    "aws": {
        "LogArchive-log-archive": (),
        "Organization-management": ("LogArchive-log-archive",),
        "Guardrails-management": ("Organization-management",),
        "IdentityCenter-management": (),
        "Security-security": (),
        "SessionDocuments-security-us-west-2": ("Security-security",),
        "Baseline-security-us-east-1": ("Security-security", "LogArchive-log-archive"),
        "Baseline-web-prod-us-east-1": ("Security-security", "LogArchive-log-archive"),
        "Baseline-web-prod-us-west-2": (
            "Security-security",
            "SessionDocuments-security-us-west-2",
            "Baseline-web-prod-us-east-1",
            "LogArchive-log-archive",
        ),
        "Baseline-web-dev-us-east-1": ("Security-security", "LogArchive-log-archive"),
        "Access-web-prod": ("IdentityCenter-management", "Baseline-web-prod-us-east-1"),
        "Access-management": ("IdentityCenter-management", "Baseline-management-us-east-1"),
    },
    "aws-us-gov": {
        "LogArchive-gov-log-archive": (),
        "Organization-gov-management": ("LogArchive-gov-log-archive",),
        "Guardrails-gov-management": ("Organization-gov-management",),
        "IdentityCenter-gov-management": (),
        "Security-gov-log-archive": (),
        "SessionDocuments-gov-log-archive-us-gov-east-1": ("Security-gov-log-archive",),
        "Baseline-gov-workload-prod-us-gov-west-1": ("Security-gov-log-archive", "LogArchive-gov-log-archive"),
        "Baseline-gov-workload-prod-us-gov-east-1": (
            "Security-gov-log-archive",
            "SessionDocuments-gov-log-archive-us-gov-east-1",
            "Baseline-gov-workload-prod-us-gov-west-1",
            "LogArchive-gov-log-archive",
        ),
        "Access-gov-ci": ("IdentityCenter-gov-management", "Baseline-gov-ci-us-gov-west-1"),
    },
}


def test_each_stack_follows_what_it_needs(example_config: OrgConfig, partition: PartitionName) -> None:
    planned = {stack.stack_id: stack.after for stack in plan(example_config, partition=partition)}
    assert {stack_id: planned[stack_id] for stack_id in EXPECTED_AFTER[partition]} == EXPECTED_AFTER[partition]


def test_every_regional_baseline_follows_its_home_baseline_and_every_baseline_the_security_stack(
    example_config: OrgConfig, partition: PartitionName
) -> None:
    part = example_config.partitions[partition]
    for stack in plan(example_config, partition=partition):
        if stack.kind is StackKind.BASELINE:
            assert f"Security-{part.security_account}" in stack.after, stack.stack_id
            home = f"Baseline-{stack.account_name}-{part.home_region}"
            assert (home in stack.after) == (stack.region != part.home_region), stack.stack_id


def test_a_stack_follows_only_stacks_planned_before_it(example_config: OrgConfig) -> None:
    for accounts in (None, ["web-prod"], ["management", "gov-ci"]):
        order = [stack.stack_id for stack in plan(example_config, accounts)]
        for position, stack in enumerate(plan(example_config, accounts)):
            assert all(order.index(earlier) < position for earlier in stack.after), stack.stack_id


def test_a_subset_follows_only_the_stacks_it_plans(example_config: OrgConfig) -> None:
    """With -c accounts=web-prod the security and Identity Center stacks are not synthesized: they must exist."""
    planned = {stack.stack_id: stack.after for stack in plan(example_config, ["web-prod"])}
    assert planned == {
        "Baseline-web-prod-us-east-1": (),
        "Baseline-web-prod-us-west-2": ("Baseline-web-prod-us-east-1",),
        "Access-web-prod": ("Baseline-web-prod-us-east-1",),
    }


def test_an_alert_only_stack_follows_the_security_stack_and_its_home_baseline(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    planned = {stack.stack_id: stack.after for stack in plan(config_from(commercial_only(example_data)))}
    assert planned["Alerts-web-dev-us-east-1"] == ("Security-security", "Baseline-web-dev-us-west-2")


def test_the_backup_policy_follows_the_baselines_of_the_accounts_it_targets(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    """Only in the partition whose accounts it targets: a GovCloud organization cannot have backup policies
    (https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-organizations.html)."""
    data = copy.deepcopy(example_data)
    data["backup"]["organization_policy"] = True
    data["backup"]["organization_policy_targets"] = {"accounts": ["payments-prod", "web-prod"]}
    after = {stack.stack_id: stack.after for stack in plan(config_from(data))}
    assert after["BackupPolicy-management"] == (
        "Baseline-payments-prod-us-east-1",
        "Baseline-payments-prod-us-west-2",
        "Baseline-web-prod-us-east-1",
        "Baseline-web-prod-us-west-2",
    )
    assert "BackupPolicy-gov-management" not in after


def test_the_synthesized_manifest_records_the_dependencies(synth: Synthesized) -> None:
    """`cdk deploy` and `python -m ops.deploy` read the order from the assembly's manifest: it must be there."""
    artifacts = json.loads((synth.outdir / "manifest.json").read_text())["artifacts"]

    def depends_on(stack_id: str) -> set[str]:
        return {d for d in artifacts[stack_id].get("dependencies", []) if not d.endswith(".assets")}

    for partition in EXPECTED_AFTER:
        for stack_id, after in EXPECTED_AFTER[partition].items():
            assert depends_on(stack_id) == set(after), stack_id
    # web-dev has no other region
    assert depends_on("Baseline-web-dev-us-east-1") == {"Security-security", "LogArchive-log-archive"}


def test_every_stack_is_placed_described_and_protected_by_the_base_class(synth: Synthesized) -> None:
    for info in synth.infos:
        stack = info.stack
        assert isinstance(stack, OrgBaselineStack)
        assert stack.template_options.description is not None
        assert stack.template_options.description.startswith(DESCRIPTION_PREFIX), info.stack_id
        assert stack.termination_protection == (info.kind in PROTECTED), info.stack_id


def test_summary_lists_each_account_once_with_its_stacks() -> None:
    stacks = [
        PlannedStack("Baseline-a-us-east-1", StackKind.BASELINE, "aws", "a", "us-east-1"),
        PlannedStack("Baseline-a-us-west-2", StackKind.BASELINE, "aws", "a", "us-west-2"),
        PlannedStack("Access-a", StackKind.ACCESS, "aws", "a", "us-east-1"),
        PlannedStack("Alerts-b-us-east-1", StackKind.ALERTS, "aws", "b", "us-east-1"),
    ]
    assert summary(stacks).splitlines() == [
        "  aws: 4 stacks in 2 accounts",
        "    a                        baseline in us-east-1, us-west-2; access",
        "    b                        baseline in -; alerts in us-east-1",
    ]

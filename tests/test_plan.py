"""The plan (which stacks, where; no CDK) and the assembly that turns it into stacks (one builder per kind)."""

from __future__ import annotations

import subprocess
import sys

import aws_cdk as cdk
import pytest

from config.models import OrgConfig
from stacks import assembly
from stacks.assembly import BUILDERS, AssemblyError, assemble
from stacks.base import DESCRIPTION_PREFIX, OrgBaselineStack
from stacks.plan import PlannedStack, StackKind, UnknownAccounts, plan, select_accounts, summary
from tests.conftest import Synthesized
from tests.support.project import ROOT

# Stacks whose deletion would lose logs, keys, vaults or the controls that protect the organization.
PROTECTED = {
    StackKind.LOG_ARCHIVE,
    StackKind.ORGANIZATION,
    StackKind.GUARDRAILS,
    StackKind.SECURITY,
    StackKind.SESSION_DOCUMENTS,
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
        "import sys; import stacks.plan, config.loader, config.validation, config.policies.service_control; "
        "loaded = [m for m in ('aws_cdk', 'jsii', 'constructs', 'boto3') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_access_stacks_follow_their_accounts_home_baseline(example_config: OrgConfig) -> None:
    planned = {stack.stack_id: stack for stack in plan(example_config)}
    for stack in planned.values():
        if stack.kind is StackKind.ACCESS:
            (earlier,) = stack.after
            assert planned[earlier].kind is StackKind.BASELINE
            assert planned[earlier].account_name == stack.account_name
            assert list(planned).index(earlier) < list(planned).index(stack.stack_id)
        else:
            assert stack.after == ()


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

"""Verification once per distinct template (issue #14, step 2; docs/decisions/0020-verify-once-per-baseline-profile.md).

`-c representatives=1` synthesizes one baseline stack per baseline profile, standing for the others of its profile,
and `checks/verify.py` checks each distinct template once. That is sound only if a stack's template is a function
of its profile: the generated-org test below would catch an account-specific difference the profile misses (two
stacks of one profile with different templates), at a size where every OU and both partitions get generated
accounts. The checker tests show that what a checker reads besides the template (cfn-lint's regions, the SCPs
attached per target) is kept for the stacks a template stands for.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import aws_cdk as cdk
import pytest

from checks.budgets import run_budgets
from checks.cfn_lint import run_cfn_lint
from checks.cloud_assembly import StackTemplate, StoodFor, distinct_templates, load_assembly
from checks.verify import report, report_json, stands_for_line
from config.context import ContextError, settings
from config.models import OrgConfig
from config.regions import GLOBAL_EVENTS_REGION, PartitionName
from stacks.assembly import assemble
from stacks.plan import StackKind, access_profiles, alerts_profiles, baseline_profiles, plan, representatives
from tests.support.config_data import ConfigFrom
from tests.support.org_generator import generated_org
from tests.support.project import CDK_CONTEXT
from tests.test_verify import assembly

GENERATED: Final = 15  # generated accounts: three per OU turn, both partitions (tests/support/org_generator.py)


GROUPED: Final = (StackKind.BASELINE, StackKind.ALERTS, StackKind.ACCESS)  # one stack per profile verified


def test_representatives_plan_keeps_one_stack_per_profile_and_every_other_stack(example_config: OrgConfig) -> None:
    for config in (example_config, generated_org(GENERATED)):
        planned = plan(config)
        reduced, groups = representatives(config, planned)
        grouped = [s.stack_id for s in planned if s.kind in GROUPED]
        others = [s.stack_id for s in planned if s.kind not in GROUPED]
        kept = [s.stack_id for s in reduced]
        assert [s for s in kept if s in others] == others  # every other stack, in plan order
        assert sorted(s for s in kept if s not in others) == sorted(groups)  # one stack per group
        # The groups cover every grouped stack once, each of one kind; each group's first stack (in plan order) is
        # kept.
        assert sorted(s for ids in groups.values() for s in ids) == sorted(grouped)
        kinds = {s.stack_id: s.kind for s in planned}
        assert all(len({kinds[s] for s in ids}) == 1 for ids in groups.values())
        assert all(ids[0] == rep and grouped.index(rep) == min(map(grouped.index, ids)) for rep, ids in groups.items())
        assert all(set(s.after) <= set(kept) for s in reduced)
    # The example, by hand (tests/test_account_agnostic.py): 26 baseline stacks, 24 profiles; the Access stacks of
    # the accounts that only the root-targeted assignment reaches share a profile per partition (it has no Alerts
    # stacks: every account's regions hold its partition's global-events region). 58 stacks in all.
    reduced, groups = representatives(example_config, plan(example_config))
    assert (len(plan(example_config)), len(reduced)) == (58, 52)
    assert {rep: ids for rep, ids in groups.items() if len(ids) > 1} == {
        "Baseline-shared-services-us-west-2": ["Baseline-shared-services-us-west-2", "Baseline-ci-us-west-2"],
        "Baseline-payments-prod-us-west-2": ["Baseline-payments-prod-us-west-2", "Baseline-web-prod-us-west-2"],
        "Access-log-archive": ["Access-log-archive", "Access-security", "Access-shared-services", "Access-ci"],
        "Access-gov-log-archive": ["Access-gov-log-archive", "Access-gov-ci"],
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[OrgConfig, dict[str, bytes]]:
    """A generated org of the benchmark at small size, every baseline and Access stack synthesized (no checks: they
    do not change the templates): their templates by stack ID."""
    config = generated_org(GENERATED)
    outdir = tmp_path_factory.mktemp("generated")
    app = cdk.App(context=copy.deepcopy(CDK_CONTEXT), outdir=str(outdir), analytics_reporting=False)
    names = [a.name for a in config.accounts if a.name.startswith("gen-")] + ["web-prod", "payments-prod", "web-dev"]
    built = assemble(app, config, accounts=names, checks=False)
    app.synth()
    texts = {i.stack_id: (outdir / i.stack.template_file).read_bytes() for i in built if i.kind in GROUPED}
    return config, texts


def _assert_one_template_per_group(groups: list[list[str]], texts: dict[str, bytes]) -> None:
    """Every stack of a group has its representative's (first) template, and stacks of different groups differ."""
    for representative, *others in groups:
        for other in others:
            assert texts[other] == texts[representative], f"{other} differs from its representative {representative}"
    by_text: dict[bytes, set[str]] = defaultdict(set)
    for stack_id, text in texts.items():
        by_text[text].add(stack_id)
    assert {frozenset(ids) for ids in groups} == {frozenset(ids) for ids in by_text.values()}


def test_every_stack_of_a_profile_has_its_representatives_template(
    generated: tuple[OrgConfig, dict[str, bytes]],
) -> None:
    """What verification skips is byte-identical to what it checks; and stacks of different profiles differ (the
    profile holds nothing the template does not show)."""
    config, all_texts = generated
    planned = [s for s in plan(config) if s.stack_id in all_texts and s.kind is StackKind.BASELINE]
    texts = {s.stack_id: all_texts[s.stack_id] for s in planned}
    groups = baseline_profiles(config, planned)
    assert len(groups) < len(texts)  # generated accounts share profiles: something is left out of verification
    _assert_one_template_per_group(list(groups.values()), texts)


def test_every_access_stack_of_a_profile_has_its_representatives_template_but_for_the_target_account(
    generated: tuple[OrgConfig, dict[str, bytes]],
) -> None:
    """Access stacks of one access profile (the assignments, target account left out) differ only in the target
    account's 12-digit ID: with it replaced by a placeholder, byte-identical; different profiles still differ."""
    config, texts = generated
    ids = {a.name: a.id for a in config.accounts}
    planned = [s for s in plan(config) if s.stack_id in texts and s.kind is StackKind.ACCESS]
    assert {s.partition for s in planned} == {"aws", "aws-us-gov"}

    def placeholder(stack_id: str) -> bytes:
        target = ids[next(s.account_name for s in planned if s.stack_id == stack_id)]
        text = texts[stack_id]
        assert text.count(target.encode()) == text.count(b'"TargetId"') > 0  # the ID is only ever the target
        return text.replace(target.encode(), b"<target-account-id>")

    groups = access_profiles(config, planned)
    assert len(groups) < len(planned)  # accounts share access profiles: something is left out of verification
    _assert_one_template_per_group(list(groups.values()), {s.stack_id: placeholder(s.stack_id) for s in planned})


# A partition's global-events region (us-east-1, us-gov-west-1), and its other region, made the home region here so
# that accounts can leave the global-events region out of their baseline regions and get an Alerts stack.
OTHER_REGION: Final = {"aws": "us-west-2", "aws-us-gov": "us-gov-east-1"}
BREAKGLASS_HOLDER: Final = {"aws": "security", "aws-us-gov": "gov-log-archive"}  # config/org.yaml's breakglass


def _outside_global_events_region(example_data: dict[str, Any], partition: PartitionName) -> dict[str, Any]:
    """The example's `partition` alone, home region its other region: the breakglass users' account, the accounts
    with narrowed regions and three more workload accounts keep to the home region and get Alerts stacks."""
    data = copy.deepcopy(example_data)
    home = OTHER_REGION[partition]
    data["partitions"] = {partition: {**data["partitions"][partition], "home_region": home}}
    data["accounts"] = [a for a in data["accounts"] if a["partition"] == partition]
    for account in data["accounts"]:
        account.pop("backup_plans", None)
        if "regions" in account or account["name"] == BREAKGLASS_HOLDER[partition]:
            account["regions"] = [home]
    workload = next(a for a in data["accounts"] if a["ou"].startswith("Workloads"))
    for n in range(3):
        name = f"outside-{n}"
        account = {**workload, "name": name, "id": f"99999999999{n}", "email": f"{name}@example.com", "regions": [home]}
        data["accounts"].append(account)
    # Sections that name the other partition's accounts or regions (what they build is not the Alerts stacks').
    sections = ("backup", "service_control_policies", "resource_control_policies", "identity_center",
                "organization_policies", "elevation")  # fmt: skip
    for section in sections:
        data.pop(section, None)
    for section in ("breakglass", "atlantis"):
        data[section] = {name: value for name, value in data.get(section, {}).items() if name == partition}
    slack = data.get("alerts", {}).get("slack", {})
    data["alerts"]["slack"] = {name: value for name, value in slack.items() if name == partition}
    return data


def test_every_alerts_stack_of_a_profile_has_its_representatives_template(
    example_data: dict[str, Any], config_from: ConfigFrom, partition: PartitionName, tmp_path: Path
) -> None:
    """Alerts stacks are account-agnostic (decision 0018): one profile, one template; the breakglass users' own
    account has its own (their change alerts)."""
    config = config_from(_outside_global_events_region(example_data, partition))
    app = cdk.App(context=copy.deepcopy(CDK_CONTEXT), outdir=str(tmp_path), analytics_reporting=False)
    built = assemble(app, config, checks=False)
    app.synth()
    texts = {i.stack_id: (tmp_path / i.stack.template_file).read_bytes() for i in built if i.kind is StackKind.ALERTS}
    groups = alerts_profiles(config, plan(config))
    holder = f"Alerts-{BREAKGLASS_HOLDER[partition]}-{GLOBAL_EVENTS_REGION[partition]}"
    assert [ids for ids in groups.values() if holder in ids] == [[holder]]
    assert max(map(len, groups.values())) >= 3  # the three generated accounts at least share one
    _assert_one_template_per_group(list(groups.values()), texts)
    reduced, _ = representatives(config, plan(config))
    assert [s.stack_id for s in reduced if s.kind is StackKind.ALERTS] == [ids[0] for ids in groups.values()]


def test_a_representatives_synth_records_what_each_representative_stands_for(
    example_config: OrgConfig, tmp_path: Path
) -> None:
    app = cdk.App(context=copy.deepcopy(CDK_CONTEXT), outdir=str(tmp_path), analytics_reporting=False)
    assemble(app, example_config, accounts=["web-prod", "payments-prod"], checks=False, representatives=True)
    app.synth()
    stacks = {s.name: s for s in load_assembly(tmp_path)}
    assert "Baseline-web-prod-us-west-2" not in stacks  # payments-prod's stands for it (same profile)
    assert {"Baseline-web-prod-us-east-1", "Baseline-payments-prod-us-east-1"} <= set(stacks)  # different profiles
    assert stacks["Baseline-payments-prod-us-west-2"].stands_for == (
        StoodFor("Baseline-web-prod-us-west-2", "810987654327", "us-west-2", "web-prod"),
    )
    assert not any(s.stands_for for name, s in stacks.items() if name != "Baseline-payments-prod-us-west-2")


def test_a_representative_access_stack_records_the_accounts_it_grants_access_into(
    example_config: OrgConfig, tmp_path: Path
) -> None:
    """Access-log-archive stands for the Access stacks of the accounts with its assignments: deployed, like it, in the
    Identity Center admin account (management, 210987654321), each granting access into its own account."""
    app = cdk.App(context=copy.deepcopy(CDK_CONTEXT), outdir=str(tmp_path), analytics_reporting=False)
    accounts = ["management", "log-archive", "security", "ci"]
    assemble(app, example_config, accounts=accounts, checks=False, representatives=True)
    app.synth()
    stacks = {s.name: s for s in load_assembly(tmp_path)}
    assert not {"Access-security", "Access-ci"} & set(stacks)
    assert stacks["Access-log-archive"].stands_for == (
        StoodFor("Access-security", "210987654321", "us-east-1", "security", "410987654323"),
        StoodFor("Access-ci", "210987654321", "us-east-1", "ci", "610987654325"),
    )
    assert {s.stack for s in stacks["Access-management"].stands_for} == set()  # its own assignments
    distinct = [s for s in distinct_templates(list(stacks.values())) if s.name == "Access-log-archive"]
    assert stands_for_line(distinct[0]) == "Access-log-archive stands for 1 account (3 stacks; access into 3 accounts)"
    (entry,) = [e for e in json.loads(report_json([], distinct))["templates"]]
    assert entry["standsFor"][0] == {"stack": "Access-security", "account": "security", "accountId": "210987654321",
                                     "region": "us-east-1", "targetAccountId": "410987654323"}  # fmt: skip


TOPIC: Final[dict[str, Any]] = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}


def _assembly(tmp_path: Path, templates: dict[str, tuple[str, str, dict[str, Any]]]) -> list[StackTemplate]:
    """A minimal cloud assembly (`tests/test_verify.py`'s), each stack in its own account: {name: (account, region,
    template)}."""
    stacks = assembly(tmp_path, {name: (region, body) for name, (_, region, body) in templates.items()})
    return [replace(stack, account=templates[stack.name][0]) for stack in stacks]


def test_identical_templates_are_checked_once_for_every_stack_and_region(tmp_path: Path) -> None:
    templates = {"A": ("111111111111", "us-east-1", TOPIC), "B": ("222222222222", "eu-west-1", TOPIC),
                 "C": ("333333333333", "us-east-1", {"Resources": {}})}  # fmt: skip
    stacks = _assembly(tmp_path, templates)
    distinct = distinct_templates(stacks)
    assert [s.name for s in distinct] == ["A", "C"]
    assert distinct[0].stands_for == (StoodFor("B", "222222222222", "eu-west-1"),)
    # cfn-lint lints the one template against the regions of both stacks.
    assert "aws: 2 templates in eu-west-1, us-east-1" in run_cfn_lint(distinct, tmp_path).summary
    text = report([], tmp_path, distinct)
    assert "2 distinct templates checked for 3 stacks" in text and "A stands for 2 accounts (2 stacks)" in text
    (entry, _) = json.loads(report_json([], distinct))["templates"]
    assert entry["template"] == "A" and entry["accounts"] == 2
    assert entry["standsFor"] == [{"stack": "B", "account": "", "accountId": "222222222222", "region": "eu-west-1"}]


def test_a_template_standing_for_others_attaches_its_scps_once_per_stack(tmp_path: Path) -> None:
    """SCPs per target (10 with FullAWSAccess, https://docs.aws.amazon.com/organizations/latest/userguide/
    orgs_reference_limits.html): 5 from each of two identical templates make 11 on the OU, though one is checked."""
    scp = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:X", "Resource": "*"}]}
    resources = {
        f"Scp{i}": {"Type": "AWS::Organizations::Policy", "Properties": {
            "Name": f"scp-{i}", "Type": "SERVICE_CONTROL_POLICY", "TargetIds": ["ou-ab12-cd34ef56"], "Content": scp}}
        for i in range(5)
    }  # fmt: skip
    body = {"Resources": resources}
    one = distinct_templates(_assembly(tmp_path, {"A": ("111111111111", "us-east-1", body)}))
    assert run_budgets(one, tmp_path, {}).ok
    two = distinct_templates(
        _assembly(tmp_path, {"A": ("111111111111", "us-east-1", body), "B": ("111111111111", "us-west-2", body)})
    )
    assert len(two) == 1
    findings = [f.message for f in run_budgets(two, tmp_path, {}).findings]
    assert findings == ["11 SCPs including FullAWSAccess, over 10"]


@pytest.mark.parametrize(("value", "on"), [(None, False), ("1", True), ("true", True), ("0", False), (True, True)])
def test_representatives_option(value: object, on: bool) -> None:
    assert settings(None, None, None, value).representatives is on


def test_a_bad_representatives_option_is_named() -> None:
    with pytest.raises(ContextError, match=r"-c representatives='yes': expected 1 \(on\) or 0 \(off\)"):
        settings(None, None, None, "yes")


def test_profiles_read_the_whole_organization_once_per_partition_not_per_stack(
    example_config: OrgConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each of these reads every account: called per baseline stack they made the plan's profiles quadratic in the
    number of accounts (1.1 s of CPU at 1,000 accounts, 0.06 s once per partition)."""
    from stacks import plan as plan_module

    calls: dict[str, int] = defaultdict(int)
    for name in ("breakglass_principals", "atlantis_names", "s3_policy_accounts"):
        original = getattr(plan_module, name)

        def counted(*args: Any, _name: str = name, _original: Any = original) -> Any:
            calls[_name] += 1
            return _original(*args)

        monkeypatch.setattr(plan_module, name, counted)
    profiles = plan_module.profiles_by_stack(example_config, plan(example_config))
    assert len(profiles) == 26
    assert dict(calls) == {"breakglass_principals": 2, "atlantis_names": 2, "s3_policy_accounts": 1}

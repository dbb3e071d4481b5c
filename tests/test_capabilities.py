"""The partition capability matrix (config/capabilities.py) against the installed cfn-lint provider schemas, the
synthesized templates, and the config errors it must give."""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from config.capabilities import (
    BY_NAME,
    CAPABILITIES,
    MATRIX_END,
    MATRIX_START,
    PARTITION_LABELS,
    Use,
    available,
    matrix_markdown,
    problems,
)
from config.models import OrgConfig
from config.problems import ConfigError
from config.regions import PARTITIONS, PartitionName
from tests.conftest import Synthesized
from tests.support.config_data import ConfigFrom, problems_of, set_path
from tests.support.project import ROOT

# cfn-lint (pinned in requirements-dev.txt) keeps one resource type list per region here.
_CFNLINT = importlib.util.find_spec("cfnlint")
assert _CFNLINT is not None and _CFNLINT.origin is not None, "cfn-lint is not installed: make setup"
PROVIDERS = Path(_CFNLINT.origin).parent / "data" / "schemas" / "providers"
# Regions of config/regions.py that the pinned cfn-lint ships no provider schema for: nothing can be checked there.
# Written out so that a region gaining or losing its schema with a cfn-lint update is noticed.
NO_SCHEMA = frozenset({"me-south-1"})


@cache
def schema_types(region: str) -> frozenset[str]:
    types: dict[str, str] = json.loads((PROVIDERS / f"{region}.json").read_text())
    return frozenset(types)


def checked_regions(partition: PartitionName) -> list[str]:
    return sorted(PARTITIONS[partition] - NO_SCHEMA)


def lacking(resource_type: str, partition: PartitionName) -> frozenset[str]:
    """The regions of `partition` whose installed schema has no `resource_type`."""
    return frozenset(region for region in checked_regions(partition) if resource_type not in schema_types(region))


def test_the_regions_without_a_schema_are_the_listed_ones() -> None:
    known = {region for regions in PARTITIONS.values() for region in regions}
    assert {region for region in known if not (PROVIDERS / f"{region}.json").exists()} == NO_SCHEMA


@pytest.mark.parametrize("capability", CAPABILITIES, ids=lambda c: c.name)
def test_schema_gaps_agree_with_the_installed_schemas(capability: Any) -> None:
    """Each resource type of an entry: the regions its gaps name are exactly the regions whose schema lacks it."""
    wrong = []
    for resource_type in capability.resource_types:
        for partition in PARTITIONS:
            written = frozenset().union(
                *(
                    gap.covered_regions() - NO_SCHEMA
                    for gap in capability.gaps
                    if gap.resource_type == resource_type and gap.partition == partition
                )
            )
            actual = lacking(resource_type, partition)
            if written != actual:
                wrong.append(
                    f"{resource_type} in {partition}: table says missing in {sorted(written)}, schemas in {sorted(actual)}"
                )
    for gap in capability.gaps:
        if gap.resource_type and gap.resource_type not in capability.resource_types:
            wrong.append(f"gap for {gap.resource_type}, which is not among the entry's resource_types")
    assert not wrong, "\n".join(wrong)


def test_every_gap_has_a_source_and_a_reason() -> None:
    for capability in CAPABILITIES:
        for gap in capability.gaps:
            assert gap.reason and gap.sources, capability.name
            assert all(source.startswith("https://") for source in gap.sources), capability.name
            assert gap.regions <= PARTITIONS[gap.partition], capability.name


def test_names_are_unique() -> None:
    assert len(BY_NAME) == len(CAPABILITIES)


def test_every_synthesized_resource_type_exists_in_its_stack_region(synth: Synthesized) -> None:
    missing = []
    for info in synth.infos:
        if info.region in NO_SCHEMA:
            continue
        resources = synth.templates[info.stack.stack_name].get("Resources", {})
        for resource_type in sorted({r["Type"] for r in resources.values()}):
            if resource_type.startswith("AWS::") and resource_type not in schema_types(info.region):
                missing.append(f"{info.stack.stack_name}: {resource_type} is not in {info.region}'s schema")
    assert not missing, "\n".join(missing)


def test_every_synthesized_resource_type_exists_in_every_region_or_has_a_gap(synth: Synthesized) -> None:
    """A stack kind deployed to one region could be deployed to any region of its partition a config allows: each
    resource type it uses either exists in all of them or is an entry of the matrix with its gaps written."""
    entries = {resource_type for capability in CAPABILITIES for resource_type in capability.resource_types}
    unknown = []
    for info in synth.infos:
        resources = synth.templates[info.stack.stack_name].get("Resources", {})
        for resource_type in {r["Type"] for r in resources.values()}:
            if not resource_type.startswith("AWS::") or resource_type in entries:
                continue
            gaps = lacking(resource_type, info.partition)
            if gaps:
                unknown.append(f"{resource_type} ({info.kind}) is missing in {sorted(gaps)}: add a capability entry")
    assert not unknown, "\n".join(sorted(set(unknown)))


def test_chatbot_is_unavailable_in_govcloud_only() -> None:
    assert available("chatbot", "aws", "us-east-1")
    assert available("chatbot", "aws")
    assert not available("chatbot", "aws-us-gov", "us-gov-west-1")
    assert not available("chatbot", "aws-us-gov")


def test_a_region_gap_refuses_only_its_regions() -> None:
    assert not available("backup-logically-air-gapped-vault", "aws", "ap-east-2")
    assert available("backup-logically-air-gapped-vault", "aws", "us-east-1")
    assert available("backup-logically-air-gapped-vault", "aws")  # only some regions lack it


def test_chatbot_in_govcloud_is_a_config_error_naming_key_partition_and_reason(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    data = copy.deepcopy(example_data)
    data.setdefault("alerts", {})["slack"] = {"aws-us-gov": {"workspace_id": "T0123ABCDE", "channel_id": "C0456FGHIJ"}}
    with pytest.raises(ConfigError) as raised:
        config_from(data)
    (problem,) = [p for p in raised.value.problems if p.path == "alerts.slack.aws-us-gov"]
    assert problem.message.startswith("AWS Chatbot is not available in GovCloud (aws-us-gov)")
    assert "alerts.emails" in problem.message  # what to do instead
    assert "https://docs.aws.amazon.com/chatbot/latest/adminguide/chatbot-regions.html" in problem.message


def test_partition_labels_cover_every_partition() -> None:
    assert set(PARTITION_LABELS) == set(PARTITIONS)


# Written out from the sources in config/capabilities.py: what GovCloud lacks of what the baseline can use.
GOVCLOUD_GAPS = {
    "chatbot": "AWS Chatbot",
    "backup-logically-air-gapped-vault": "An AWS Backup logically air-gapped vault",
    "backup-restore-testing": "AWS Backup restore testing",
    "backup-multi-party-approval": "AWS Backup multi-party approval",
    "security-hub-policy-features": "The Security Hub organization policy's `features` map",
    "organizations-backup-policy": "The Organizations backup policy",
}


@pytest.mark.parametrize("name", sorted(GOVCLOUD_GAPS))
def test_each_govcloud_gap_is_a_problem_naming_key_partition_reason_and_source(
    name: str, example_config: OrgConfig
) -> None:
    """Every GovCloud entry, turned on at a config key, gives one problem at that key that names GovCloud, the
    reason and the source; the same key in the commercial partition gives none. (Entries without a config key are
    given one here; the real keys are tested in test_every_unavailable_setting_is_reported_at_once.)"""
    key = f"section.{name}"
    uses = [Use(key, "aws-us-gov", frozenset({"us-gov-west-1"})), Use(key, "aws", frozenset({"us-east-1"}))]
    table = [dataclasses.replace(BY_NAME[name], enabled_by=lambda _config: uses)]
    (problem,) = problems(example_config, table)
    assert problem.path == key
    assert problem.message.startswith(f"{GOVCLOUD_GAPS[name]} is not available in GovCloud (aws-us-gov): ")
    assert "(sources: https://" in problem.message


def test_a_region_gap_names_the_regions_in_use(example_config: OrgConfig) -> None:
    key = "section.vault"
    uses = [
        Use(key, "aws", frozenset({"ap-east-2", "us-east-1"})),
        Use("section.other", "aws", frozenset({"us-east-1"})),
    ]
    table = [dataclasses.replace(BY_NAME["backup-logically-air-gapped-vault"], enabled_by=lambda _config: uses)]
    (problem,) = problems(example_config, table)
    assert problem.path == key
    assert problem.message.startswith(
        "An AWS Backup logically air-gapped vault is not available in the commercial partition (aws) region ap-east-2: "
    )


# --- the config errors, written out from the sources -------------------------------------------------------------

GOVCLOUD_ORGANIZATIONS = "https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-organizations.html"
BACKUP_POLICY_IN_GOVCLOUD = (
    "The Organizations backup policy is not available in GovCloud (aws-us-gov): a GovCloud organization cannot create "
    "or use backup policies: target only commercial accounts (or OUs only the commercial partition has) in "
    "backup.organization_policy_targets, and GovCloud accounts keep the plans of their baseline stacks (sources: "
    f"{GOVCLOUD_ORGANIZATIONS})"
)
CHATBOT_IN_GOVCLOUD = (
    "AWS Chatbot is not available in GovCloud (aws-us-gov): AWS Chatbot (Amazon Q Developer in chat applications) "
    "does not exist there: remove this entry and subscribe emails (alerts.emails) or your own HTTPS endpoint to the "
    "GovCloud alert topic (sources: https://docs.aws.amazon.com/chatbot/latest/adminguide/chatbot-regions.html, "
    "https://github.com/aws-cloudformation/cfn-lint/tree/v1.58.0/src/cfnlint/data/schemas/providers)"
)
RDS_PROTECTION_IN_AP_EAST_2 = (
    "GuardDuty RDS Protection (rds_login_events) is not available in the commercial partition (aws) region ap-east-2: "
    "GuardDuty offers no RDS Protection there: remove rds_login_events from the protection plans, or the region from "
    "the partition's allowed_regions (sources: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_regions.html)"
)


SCHEMAS_URL = "https://github.com/aws-cloudformation/cfn-lint/tree/v1.58.0/src/cfnlint/data/schemas/providers"
BACKUP_REGIONS = (
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html#features-by-region"
)
GOVCLOUD_BACKUP = "https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-bkp.html"
AIR_GAPPED_VAULT_IN_GOVCLOUD = (
    "An AWS Backup logically air-gapped vault is not available in GovCloud (aws-us-gov): logically air-gapped vaults "
    "are not offered in GovCloud: remove the aws-us-gov entry; the baseline vault keeps its Vault Lock, and plan rules "
    f"can copy to the other GovCloud region (copy_to_region) (sources: {BACKUP_REGIONS}, {GOVCLOUD_BACKUP}, "
    f"{SCHEMAS_URL})"
)
RESTORE_TESTING_IN_GOVCLOUD = (
    "AWS Backup restore testing is not available in GovCloud (aws-us-gov): restore testing is not offered in "
    "GovCloud: remove the aws-us-gov entry and test restores with your own runbook (sources: "
    f"{BACKUP_REGIONS}, {GOVCLOUD_BACKUP}, {SCHEMAS_URL})"
)
MULTI_PARTY_APPROVAL_IN_GOVCLOUD = (
    "AWS Backup multi-party approval is not available in GovCloud (aws-us-gov): multi-party approval (for logically "
    "air-gapped vaults) is not offered in GovCloud: remove mpa_approval_team_arn with the aws-us-gov vault entry "
    f"(sources: {BACKUP_REGIONS}, {GOVCLOUD_BACKUP})"
)


# Where the backup policy points, and what the config then says: the example's OU Workloads/Prod exists in both
# partitions, so it covers GovCloud accounts too.
BACKUP_POLICY_TARGETS = [
    ({"organizational_units": ["Workloads/Prod"]}, {"backup.organization_policy": [BACKUP_POLICY_IN_GOVCLOUD]}),
    ({"accounts": ["payments-prod", "gov-workload-prod"]}, {"backup.organization_policy": [BACKUP_POLICY_IN_GOVCLOUD]}),
    ({"accounts": ["payments-prod", "web-prod"]}, {}),
]


@pytest.mark.parametrize(("targets", "expected"), BACKUP_POLICY_TARGETS)
def test_the_backup_policy_is_refused_where_it_covers_govcloud_accounts(
    example_data: dict[str, Any], config_from: ConfigFrom, targets: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    data = copy.deepcopy(example_data)
    set_path(data, "backup.organization_policy", True)
    set_path(data, "backup.organization_policy_targets", targets)
    assert problems_of(config_from, data) == expected


def test_rds_protection_is_refused_where_guardduty_lacks_it(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    data = copy.deepcopy(example_data)
    data["partitions"]["aws"]["allowed_regions"].append("ap-east-2")
    assert problems_of(config_from, data) == {
        "security_services.guardduty.protection_plans": [RDS_PROTECTION_IN_AP_EAST_2]
    }
    plans = data["security_services"]["guardduty"]["protection_plans"]
    data["security_services"]["guardduty"]["protection_plans"] = [p for p in plans if p != "rds_login_events"]
    assert problems_of(config_from, data) == {}


def test_rds_protection_is_accepted_in_every_govcloud_region(example_config: OrgConfig) -> None:
    """The GovCloud GuardDuty page names no protection plan as missing (govcloud-guardduty.html)."""
    assert "rds_login_events" in example_config.security_services.guardduty.protection_plans
    assert available("guardduty-rds-protection", "aws-us-gov", "us-gov-west-1")
    assert available("guardduty-rds-protection", "aws-us-gov", "us-gov-east-1")
    assert available("guardduty-rds-protection", "aws", "us-east-1")


def test_every_unavailable_setting_is_reported_at_once(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    data = copy.deepcopy(example_data)
    set_path(data, "alerts.slack", {"aws-us-gov": {"workspace_id": "T0123ABCDE", "channel_id": "C0456FGHIJ"}})
    set_path(data, "backup.organization_policy", True)
    team = "arn:aws-us-gov:mpa:us-gov-west-1:320987654331:approval-team/a1b2c3d4e5"
    data["backup"]["logically_air_gapped_vault"] = {"aws-us-gov": {"mpa_approval_team_arn": team}}
    data["backup"]["restore_testing"] = {"aws-us-gov": {"resource_types": ["EBS"]}}
    data["partitions"]["aws"]["allowed_regions"].append("ap-east-2")
    assert problems_of(config_from, data) == {
        "alerts.slack.aws-us-gov": [CHATBOT_IN_GOVCLOUD],
        "backup.logically_air_gapped_vault.aws-us-gov": [AIR_GAPPED_VAULT_IN_GOVCLOUD],
        "backup.logically_air_gapped_vault.aws-us-gov.mpa_approval_team_arn": [MULTI_PARTY_APPROVAL_IN_GOVCLOUD],
        "backup.organization_policy": [BACKUP_POLICY_IN_GOVCLOUD],
        "backup.restore_testing.aws-us-gov": [RESTORE_TESTING_IN_GOVCLOUD],
        "security_services.guardduty.protection_plans": [RDS_PROTECTION_IN_AP_EAST_2],
    }


def test_a_configurable_capability_names_its_key() -> None:
    for capability in CAPABILITIES:
        assert bool(capability.key) == (capability.enabled_by is not None), capability.name


def test_the_matrix_in_the_docs_is_the_generated_one() -> None:
    page = (ROOT / "docs" / "organization-policies.md").read_text(encoding="utf-8")
    start, end = page.index(MATRIX_START) + len(MATRIX_START), page.index(MATRIX_END)
    assert page[start:end].strip() == matrix_markdown(), (
        "docs/organization-policies.md: the capability matrix is stale; replace it with the output of "
        "`python -m config.capabilities`"
    )

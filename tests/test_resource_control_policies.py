"""The Guardrails stack's resource control policies (the data-perimeter library), their RCP syntax, attachments and
budgets, and the config errors about them."""

from __future__ import annotations

import copy
from typing import Any

from config.naming import organization
from config.policies.resource_control import rcp_budget
from config.regions import PartitionName
from tests.conftest import Synthesized
from tests.support.config_data import ConfigFrom, config_error
from tests.support.templates import by_name, statement

ORG_ID: dict[PartitionName, str] = {"aws": "o-k3x9w2m7q1", "aws-us-gov": "o-g7v4p8d2z5"}
ROOT_ID: dict[PartitionName, str] = {"aws": "r-k3x9", "aws-us-gov": "r-g7v4"}
DATA_ACTIONS = ["s3:*", "sqs:*", "kms:*", "secretsmanager:*"]


def rcps_of(synth: Synthesized, partition: PartitionName) -> dict[str, dict[str, Any]]:
    template = synth.templates[synth.only("guardrails", partition)]
    policies = by_name(template, "AWS::Organizations::Policy")
    return {name: p for name, p in policies.items() if p["Type"] == "RESOURCE_CONTROL_POLICY"}


def test_each_library_rcp_is_attached_to_the_root(synth: Synthesized, partition: PartitionName) -> None:
    rcps = rcps_of(synth, partition)
    assert {name: p["TargetIds"] for name, p in rcps.items()} == {
        "examplecorp-rcp-enforce-org-identities": [ROOT_ID[partition]],
        "examplecorp-rcp-enforce-confused-deputy-protection": [ROOT_ID[partition]],
        "examplecorp-rcp-enforce-secure-transport": [ROOT_ID[partition]],
    }


def test_rcps_keep_the_rcp_syntax_rules(synth: Synthesized, partition: PartitionName) -> None:
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html: Deny only,
    # Principal "*", no bare "*" action, at most 5,120 characters.
    for name, policy in rcps_of(synth, partition).items():
        content = policy["Content"]
        assert content["Version"] == "2012-10-17"
        for each in content["Statement"]:
            assert each["Effect"] == "Deny", name
            assert each["Principal"] == "*", name
            actions = each["Action"] if isinstance(each["Action"], list) else [each["Action"]]
            assert "*" not in actions and all(":" in action for action in actions), name
            assert "NotAction" not in each and "NotPrincipal" not in each, name


def test_the_identity_perimeter_statement(synth: Synthesized, partition: PartitionName) -> None:
    content = rcps_of(synth, partition)["examplecorp-rcp-enforce-org-identities"]["Content"]
    assert statement(content, "EnforceOrgIdentities") == {
        "Sid": "EnforceOrgIdentities",
        "Effect": "Deny",
        "Principal": "*",
        "Action": [
            *DATA_ACTIONS,
            "sts:AssumeRole",
            "sts:DecodeAuthorizationMessage",
            "sts:GetAccessKeyInfo",
            "sts:GetFederationToken",
            "sts:GetServiceBearerToken",
            "sts:GetSessionToken",
            "sts:SetContext",
        ],
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID[partition]},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        },
    }


def test_the_confused_deputy_and_tls_statements(synth: Synthesized, partition: PartitionName) -> None:
    rcps = rcps_of(synth, partition)
    deputy = statement(
        rcps["examplecorp-rcp-enforce-confused-deputy-protection"]["Content"], "EnforceConfusedDeputyProtection"
    )
    assert deputy["Action"] == [*DATA_ACTIONS, "sts:*"]
    assert deputy["Condition"] == {
        "StringNotEqualsIfExists": {"aws:SourceOrgID": ORG_ID[partition]},
        "Null": {"aws:SourceAccount": "false"},
        "Bool": {"aws:PrincipalIsAWSService": "true"},
    }
    tls = statement(rcps["examplecorp-rcp-enforce-secure-transport"]["Content"], "EnforceSecureTransport")
    assert tls["Action"] == [*DATA_ACTIONS, "sts:*"]
    assert tls["Condition"] == {"BoolIfExists": {"aws:SecureTransport": "false"}}


def test_a_disabled_rcp_is_not_deployed_and_exclusions_name_resource_accounts(
    example_data: dict[str, Any], config_from: ConfigFrom, partition: PartitionName
) -> None:
    data = copy.deepcopy(example_data)
    data["resource_control_policies"] = {
        "policies": {
            "enforce-secure-transport": {"enabled": False},
            "enforce-org-identities": {"targets": {"root": True, "exclude_accounts": ["security"]}},
        }
    }
    if partition == "aws-us-gov":
        data["resource_control_policies"]["policies"]["enforce-org-identities"]["targets"]["exclude_accounts"] = [
            "gov-log-archive"
        ]
    config = config_from(data)
    org = organization(config, partition)
    rcps = {rcp.name: rcp for rcp in rcp_budget(config, partition, org).scps}
    assert set(rcps) == {"examplecorp-rcp-enforce-org-identities", "examplecorp-rcp-enforce-confused-deputy-protection"}
    (identity,) = rcps["examplecorp-rcp-enforce-org-identities"].statements
    assert identity["Condition"]["StringNotEquals"] == {"aws:ResourceAccount": [org.security_account_id]}


def test_rcps_are_packed_when_a_target_is_over_its_count(
    example_data: dict[str, Any], config_from: ConfigFrom, partition: PartitionName
) -> None:
    data = copy.deepcopy(example_data)
    data["resource_control_policies"] = {"partitions": {partition: {"max_policies_per_target": 2}}}
    config = config_from(data)
    budget = rcp_budget(config, partition, organization(config, partition))
    assert not budget.problems
    (packed,) = budget.scps
    assert packed.name.startswith("examplecorp-rcp-guardrails-")
    assert [s["Sid"] for s in packed.statements] == [
        "EnforceOrgIdentities",
        "EnforceConfusedDeputyProtection",
        "EnforceSecureTransport",
    ]


def test_config_errors_about_rcps(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    data = copy.deepcopy(example_data)
    del data["partitions"]["aws"]["root_id"]
    data["service_control_policies"] = {
        "policies": {
            name: {"enabled": False}
            for name in (
                "deny-leave-organization",
                "deny-root-user",
                "region-lock",
                "protect-baseline",
                "deny-iam-users",
                "protect-account-settings",
                "network-restricted-credentials",
            )
        }
    }
    own = next(a["id"] for a in data["accounts"] if a["name"] == "security")
    data["resource_control_policies"] = {
        "partitions": {"aws-us-gov": {"reserved_slots": 4}, "aws": {"trusted_accounts": [own]}},
    }
    message = config_error(config_from, data)
    assert (
        "partitions.aws.root_id: required: the RCPs enforce-org-identities, enforce-confused-deputy-protection"
        in message
    )
    assert (
        "resource_control_policies.partitions.aws-us-gov.reserved_slots: 4 reserved slots plus RCPFullAWSAccess"
        in message
    )
    assert (
        f"resource_control_policies.partitions.aws.trusted_accounts[0]: {own} is an account of this organization"
        in message
    )


def test_an_rcp_over_its_size_is_a_config_error(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    data = copy.deepcopy(example_data)
    vendors = [f"{n:012d}" for n in range(700_000_000_000, 700_000_000_350)]
    data["resource_control_policies"] = {"partitions": {"aws": {"trusted_accounts": vendors}}}
    message = config_error(config_from, data)
    assert (
        "resource_control_policies.policies.enforce-org-identities: RCP enforce-org-identities for partitions.aws"
        in message
    )
    assert "over the 5,120 limit" in message

"""The Guardrails stack's SCP resources, the statements of each library policy, and the budgets (size, count)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from config.models import OrgConfig
from config.naming import Organization, organization
from config.policies.service_control import Budget, minified, partition_budget
from config.regions import PartitionName
from tests.conftest import Synthesized
from tests.support.config_data import ConfigFrom, config_error
from tests.support.templates import by_name, statement

EXPECTED_POLICIES: dict[PartitionName, dict[str, list[str]]] = {
    "aws": {
        "examplecorp-scp-deny-leave-organization": ["r-k3x9"],
        "examplecorp-scp-deny-root-user": ["r-k3x9"],
        "examplecorp-scp-region-lock": ["r-k3x9"],
        "examplecorp-scp-region-lock-sandbox": ["ou-k3x9-e2d7b184"],
        "examplecorp-scp-protect-baseline": ["r-k3x9"],
        "examplecorp-scp-deny-iam-users": ["r-k3x9"],
        "examplecorp-scp-protect-account-settings": ["r-k3x9"],
        "examplecorp-scp-network-restricted-credentials": ["r-k3x9"],
    },
    "aws-us-gov": {
        "examplecorp-scp-deny-leave-organization": ["r-g7v4"],
        "examplecorp-scp-deny-root-user": ["r-g7v4"],
        "examplecorp-scp-region-lock": ["r-g7v4"],
        "examplecorp-scp-protect-baseline": ["r-g7v4"],
        "examplecorp-scp-deny-iam-users": ["r-g7v4"],
        "examplecorp-scp-protect-account-settings": ["r-g7v4"],
        "examplecorp-scp-network-restricted-credentials": ["r-g7v4"],
    },
}


def policies_of(synth: Synthesized, partition: PartitionName) -> dict[str, dict[str, Any]]:
    """The Properties of each SCP resource in the partition's Guardrails stack, by policy name."""
    template = synth.templates[synth.only("guardrails", partition)]
    policies = by_name(template, "AWS::Organizations::Policy")
    return {name: p for name, p in policies.items() if p["Type"] == "SERVICE_CONTROL_POLICY"}


def test_guardrails_stack_deploys_each_library_policy_where_configured(
    synth: Synthesized, partition: PartitionName, org: Organization
) -> None:
    info = synth.one("guardrails", partition)
    assert info.stack.account == org.management_account_id and info.stack.region == org.home_region
    assert info.stack.termination_protection is True
    policies = policies_of(synth, partition)
    assert {name: p["TargetIds"] for name, p in policies.items()} == EXPECTED_POLICIES[partition]
    for policy in policies.values():
        assert policy["Type"] == "SERVICE_CONTROL_POLICY"
        assert policy["Content"]["Version"] == "2012-10-17"
        assert len(minified(policy["Content"])) <= 10240
        assert all(s["Effect"] == "Deny" for s in policy["Content"]["Statement"])


def test_deployed_content_is_what_the_budget_measured(
    synth: Synthesized, partition: PartitionName, example_config: OrgConfig, org: Organization
) -> None:
    budget = partition_budget(example_config, partition, org)
    assert {s.name: s.document for s in budget.scps} == {
        n: p["Content"] for n, p in policies_of(synth, partition).items()
    }


def test_root_user_statement(synth: Synthesized, partition: PartitionName) -> None:
    policy = policies_of(synth, partition)["examplecorp-scp-deny-root-user"]
    assert policy["Content"]["Statement"] == [{
        "Sid": "DenyRootUser", "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"ArnLike": {"aws:PrincipalArn": f"arn:{partition}:iam::*:root"},
                      "Null": {"aws:AssumedRoot": "true"}},
    }]  # fmt: skip


# Written out from the design (docs/guardrails.md) after AWS's example region-deny SCP, which exempts the global
# services: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html
REGION_LOCK_EXEMPT_ACTIONS = [
    "account:*", "acm:*", "aws-marketplace-management:*", "aws-marketplace:*", "aws-portal:*", "billing:*",
    "budgets:*", "ce:*", "cloudfront:*", "consolidatedbilling:*", "cur:*", "directconnect:*",
    "ec2:DescribeRegions", "ec2:DescribeTransitGateways", "ec2:DescribeVpnGateways", "fms:*", "freetier:*",
    "globalaccelerator:*", "health:*", "iam:*", "importexport:*", "invoicing:*", "networkmanager:*",
    "organizations:*", "payments:*", "pricing:*", "route53-recovery-cluster:*",
    "route53-recovery-control-config:*", "route53-recovery-readiness:*", "route53:*", "route53domains:*",
    "s3:GetAccountPublic*", "s3:ListAllMyBuckets", "s3:ListMultiRegionAccessPoints", "s3:PutAccountPublic*",
    "shield:*", "sts:*", "support:*", "supportplans:*", "sustainability:*", "tax:*", "trustedadvisor:*",
    "waf-regional:*", "waf:*", "wafv2:*", "wellarchitected:*",
]  # fmt: skip


def test_region_lock_statement_exempts_global_services_deployment_role_and_excluded_account(
    synth: Synthesized, partition: PartitionName, example_config: OrgConfig
) -> None:
    part = example_config.partitions[partition]
    lock = statement(
        policies_of(synth, partition)["examplecorp-scp-region-lock"]["Content"], "DenyOutsideAllowedRegions"
    )
    excluded: list[str] = {"aws": ["012345678929"], "aws-us-gov": []}[partition]
    not_equals = {"aws:RequestedRegion": sorted(part.allowed_regions)}
    if excluded:
        not_equals["aws:PrincipalAccount"] = excluded
    assert lock == {
        "Sid": "DenyOutsideAllowedRegions", "Effect": "Deny", "NotAction": REGION_LOCK_EXEMPT_ACTIONS,
        "Resource": "*",
        "Condition": {"StringNotEquals": not_equals,
                      "ArnNotLike": {"aws:PrincipalArn": [f"arn:{partition}:iam::*:role/cdk-hnb659fds-cfn-exec-role-*"]}},
    }  # fmt: skip
    assert {"iam:*", "sts:*", "organizations:*", "support:*"} <= set(lock["NotAction"])


def test_sandbox_region_override(synth: Synthesized) -> None:
    lock = statement(
        policies_of(synth, "aws")["examplecorp-scp-region-lock-sandbox"]["Content"], "DenyOutsideAllowedRegions"
    )
    assert lock["Condition"]["StringNotEquals"]["aws:RequestedRegion"] == ["us-east-1"]


def test_protect_baseline_names_the_baseline_resources_of_the_partition(
    synth: Synthesized, partition: PartitionName, org: Organization
) -> None:
    policy = policies_of(synth, partition)["examplecorp-scp-protect-baseline"]["Content"]
    exempt = {"ArnNotLike": {"aws:PrincipalArn": [f"arn:{partition}:iam::*:role/cdk-hnb659fds-cfn-exec-role-*"]}}
    deployment_path = {"ProtectSessionDocumentSharing", "DenyPassingTheDeploymentRole",
                       "DenyDeployRoleOutsideDeploymentAccount", "ProtectSecurityServices"}  # fmt: skip
    for s in policy["Statement"]:
        if s["Sid"] not in deployment_path:
            assert s["Condition"]["ArnNotLike"] == exempt["ArnNotLike"], s["Sid"]
    sharing = statement(policy, "ProtectSessionDocumentSharing")
    assert sharing["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == [
        *exempt["ArnNotLike"]["aws:PrincipalArn"],
        f"arn:{partition}:iam::{org.security_account_id}:role/examplecorp-baseline-document-sharer",
    ]
    assert sharing["Action"] == "ssm:ModifyDocumentPermission"
    services = statement(policy, "ProtectSecurityServices")
    assert services["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == [
        *exempt["ArnNotLike"]["aws:PrincipalArn"],
        f"arn:{partition}:iam::{org.security_account_id}:role/examplecorp-baseline-security-services",
    ]
    assert statement(policy, "ProtectOrgTrail")["Resource"] == org.trail_arn
    assert statement(policy, "ProtectLogBuckets")["Resource"] == [
        f"arn:{partition}:s3:::{b}"
        for b in (org.trail_bucket, org.access_log_bucket, org.session_log_bucket, org.config_bucket,
                  org.guardduty_findings_bucket)]  # fmt: skip
    keys = statement(policy, "ProtectBaselineKeys")
    assert keys["Condition"] == {"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/examplecorp-*"}, **exempt}
    assert {"kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"} <= set(keys["Action"])
    assert statement(policy, "ProtectBaselineRoles")["Resource"] == [
        f"arn:{partition}:iam::*:role/examplecorp-baseline-*",
        f"arn:{partition}:iam::*:instance-profile/examplecorp-baseline-*",
        f"arn:{partition}:iam::*:policy/examplecorp-baseline-*",
    ]
    vault = statement(policy, "ProtectBackupVaults")
    assert vault["Resource"] == f"arn:{partition}:backup:*:*:backup-vault:examplecorp-baseline-*"
    assert set(vault["Action"]) == {
        "backup:DeleteBackupVault", "backup:PutBackupVaultAccessPolicy", "backup:DeleteBackupVaultAccessPolicy",
        "backup:PutBackupVaultLockConfiguration", "backup:DeleteBackupVaultLockConfiguration"}  # fmt: skip
    assert statement(policy, "ProtectSessionDocuments")["Resource"] == [
        f"arn:{partition}:ssm:*:*:document/SSM-SessionManagerRunShell",
        f"arn:{partition}:ssm:*:*:document/examplecorp-baseline-*",
    ]
    assert statement(policy, "ProtectSecurityServices")["Resource"] == "*"


def test_network_restriction_statement(synth: Synthesized, partition: PartitionName, example_config: OrgConfig) -> None:
    network = example_config.network_restriction
    assert network is not None
    policy = policies_of(synth, partition)["examplecorp-scp-network-restricted-credentials"]
    deny = statement(policy["Content"], "DenyNetworkRestrictedOutsideAllowedNetworks")
    assert deny["Action"] == "*" and deny["Resource"] == "*"
    assert deny["Condition"] == {
        "StringEquals": {"aws:PrincipalTag/baseline:network-restricted": "true"},
        "NotIpAddressIfExists": {"aws:SourceIp": network.allowed_cidrs},
        "BoolIfExists": {"aws:ViaAWSService": "false"},
        "StringNotEqualsIfExists": {"aws:SourceVpce": network.allowed_vpc_endpoints},
    }


# --- config: defaults and budgets --------------------------------------------------------------------


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data.pop(key, None)
    return data


def _aws_budget(config: OrgConfig) -> Budget:
    """The SCPs (and problems) of the commercial partition for this config."""
    return partition_budget(config, "aws", organization(config, "aws"))


def test_default_is_every_library_policy_on_the_root(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    data = _without(example_data, "service_control_policies")
    config = config_from(data)
    budget = _aws_budget(config)
    assert [s.name.removeprefix("examplecorp-scp-") for s in budget.scps] == [
        "deny-leave-organization", "deny-root-user", "region-lock", "protect-baseline", "deny-iam-users",
        "protect-account-settings", "network-restricted-credentials"]  # fmt: skip
    assert all(s.target_ids == ["r-k3x9"] for s in budget.scps)


def test_a_library_policy_can_be_turned_off_explicitly(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    data = copy.deepcopy(example_data)
    data["service_control_policies"]["policies"]["protect-account-settings"] = {"enabled": False}
    config = config_from(data)
    scp_names = [s.name for s in _aws_budget(config).scps]
    assert "examplecorp-scp-protect-account-settings" not in scp_names
    assert "examplecorp-scp-protect-baseline" in scp_names


def test_network_restriction_policy_is_skipped_without_networks(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    config = config_from(_without(example_data, "network_restriction"))
    scp_names = [s.name for s in _aws_budget(config).scps]
    assert "examplecorp-scp-network-restricted-credentials" not in scp_names and scp_names


def _settings(data: dict[str, Any], partition: PartitionName, **settings: int) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data["service_control_policies"]["partitions"].setdefault(partition, {}).update(settings)
    return data


def test_oversized_policies_are_split_into_numbered_parts(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    config = config_from(_settings(example_data, "aws", max_policy_chars=2500))
    budget = _aws_budget(config)
    assert budget.problems == []
    parts = [s for s in budget.scps if s.name.startswith("examplecorp-scp-protect-baseline")]
    assert [s.name for s in parts] == [f"examplecorp-scp-protect-baseline-{i}" for i in range(1, len(parts) + 1)]
    assert len(parts) >= 3
    assert all(len(s.content) <= 2500 for s in budget.scps)
    whole = _aws_budget(config_from(example_data))
    (original,) = [s for s in whole.scps if s.name == "examplecorp-scp-protect-baseline"]
    assert [st for p in parts for st in p.statements] == list(original.statements)  # nothing lost, order kept


def test_too_many_policies_per_target_are_packed_together(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    config = config_from(_settings(example_data, "aws", max_policies_per_target=4, reserved_slots=1))
    budget = _aws_budget(config)
    assert budget.problems == []
    on_root = [s for s in budget.scps if "r-k3x9" in s.target_ids]
    assert 1 + 1 + len(on_root) <= 4
    assert all(s.name.startswith("examplecorp-scp-guardrails-") or s.policies == ("region-lock",) for s in on_root)
    sids = [st["Sid"] for s in on_root for st in s.statements]
    assert {"DenyLeaveOrganization", "DenyRootUser", "ProtectOrgTrail", "DenyIamUsersAndPasswords"} <= set(sids)
    assert all(len(s.content) <= 10240 for s in budget.scps)


# (SCP settings of the commercial partition, expected fragment of the config error)
BUDGET_OVERRUNS = [
        ({"max_policy_chars": 1100},
         "service_control_policies.policies.region-lock: policy region-lock for partitions.aws: statement "
         "DenyOutsideAllowedRegions alone is 1,121 characters minified, 21 over the 1,100 limit (max_policy_chars)"),
        ({"max_policy_chars": 1100},
         "policy region-lock-sandbox for partitions.aws: statement DenyOutsideAllowedRegions alone is 1,109 characters"),
        ({"max_policies_per_target": 2, "reserved_slots": 0, "max_policy_chars": 6000},
         "service_control_policies.partitions.aws.max_policies_per_target: the root in partitions.aws would have 3 SCPs "
         "attached (FullAWSAccess, 0 reserved, 2 from the library even after packing policies that share targets), 1 "
         "over the limit of 2"),
        ({"max_policies_per_target": 3, "reserved_slots": 1, "max_policy_chars": 6000},
         "over the limit of 3"),
        ({"max_policies_per_target": 3, "reserved_slots": 2}, "service_control_policies.partitions.aws.reserved_slots: "
         "2 reserved slots plus FullAWSAccess leave no room for the library"),
]  # fmt: skip


@pytest.mark.parametrize(("settings", "fragment"), BUDGET_OVERRUNS)
def test_budget_overruns_are_config_errors_naming_policy_or_target_and_amount(
    example_data: dict[str, Any], config_from: ConfigFrom, settings: dict[str, int], fragment: str
) -> None:
    message = config_error(config_from, _settings(example_data, "aws", **settings))
    assert fragment in message, message


def test_count_overrun_message_says_by_how_much(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    settings = _settings(example_data, "aws", max_policies_per_target=3, reserved_slots=1, max_policy_chars=4000)
    message = config_error(config_from, settings)
    assert "the root in partitions.aws would have" in message
    count = int(message.split("would have ")[1].split(" ")[0])
    assert f"{count - 3} over the limit of 3" in message


def test_scp_size_is_measured_minified(synth: Synthesized) -> None:
    # Organizations counts whitespace when a policy is saved: the measure is the minified JSON, character for
    # character (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html).
    policy = policies_of(synth, "aws")["examplecorp-scp-deny-leave-organization"]
    text = (
        '{"Version":"2012-10-17","Statement":[{"Sid":"DenyLeaveOrganization","Effect":"Deny",'
        '"Action":"organizations:LeaveOrganization","Resource":"*"}]}'
    )
    assert minified(policy["Content"]) == text
    assert len(text) == 144


def test_protect_baseline_reserves_the_deployment_path(synth: Synthesized, partition: PartitionName) -> None:
    """Only the deploy role passes the execution role; only the deployment account assumes the deploy role."""
    policy = policies_of(synth, partition)["examplecorp-scp-protect-baseline"]["Content"]
    deployment_account = {"aws": "510987654324", "aws-us-gov": "220987654330"}[partition]
    assert statement(policy, "DenyPassingTheDeploymentRole") == {
        "Sid": "DenyPassingTheDeploymentRole", "Effect": "Deny", "Action": "iam:PassRole",
        "Resource": [f"arn:{partition}:iam::*:role/cdk-hnb659fds-cfn-exec-role-*"],
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": [f"arn:{partition}:iam::*:role/cdk-hnb659fds-deploy-role-*"]}},
    }  # fmt: skip
    assert statement(policy, "DenyDeployRoleOutsideDeploymentAccount") == {
        "Sid": "DenyDeployRoleOutsideDeploymentAccount", "Effect": "Deny", "Action": "sts:AssumeRole",
        "Resource": [f"arn:{partition}:iam::*:role/cdk-hnb659fds-deploy-role-*"],
        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": [deployment_account]}},
    }  # fmt: skip

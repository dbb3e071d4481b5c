"""Bad `service_control_policies`, `identity_center` and target entries: each gives its clear message and path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from config.naming import organization
from config.policies.service_control import partition_budget
from tests.support.config_data import DELETE, ConfigFrom, Mutation, changed, config_error, mutation_ids

SCP = "service_control_policies"
IC = "identity_center"
PS = f"{IC}.permission_sets.0"  # DataEngineer
AS = f"{IC}.assignments"

# (change to the example config, expected "path: message" fragment)
MUTATIONS: list[Mutation] = [
    # targets
    (f"{SCP}.policies.region-lock.targets", {}, "service_control_policies.policies.region-lock.targets: selects nothing"),
    (f"{SCP}.policies.protect-baseline", {"targets": {"organizational_units": ["Workloads/Test"]}},
     "service_control_policies.policies.protect-baseline.targets.organizational_units[0]: OU 'Workloads/Test' is not listed"),
    (f"{SCP}.policies.protect-baseline", {"targets": {"accounts": ["nosuch"]}},
     "service_control_policies.policies.protect-baseline.targets.accounts[0]: no account named 'nosuch' in accounts"),
    (f"{SCP}.policies.protect-baseline", {"targets": {"accounts": ["management"]}},
     "targets.accounts[0]: 'management' is the management account: service control policies never apply to it"),
    (f"{SCP}.policies.region-lock.targets.exclude_accounts", ["nosuch"],
     "service_control_policies.policies.region-lock.targets.exclude_accounts[0]: no account named 'nosuch'"),
    (f"{SCP}.policies.deny-root-user", {"targets": {"organizational_units": ["Sandbox"], "exclude_accounts": ["web-prod"]}},
     "targets.exclude_accounts[0]: account 'web-prod' is not inside any of the targets; excluding it has no effect"),
    (f"{SCP}.policies.region-lock.targets.rooot", True, "region-lock.targets.rooot: unknown key; did you mean 'root'?"),
    (f"{SCP}.policies.no-such-policy", {"enabled": False}, "service_control_policies.policies.no-such-policy"),
    ("partitions.aws.root_id", DELETE,
     "partitions.aws.root_id: required: deny-leave-organization, deny-root-user, region-lock, protect-baseline, "
     "deny-iam-users, protect-account-settings, network-restricted-credentials attach to the root (the default), "
     "which needs the root's ID"),
    ("partitions.aws.root_id", "root-1", "partitions.aws.root_id: 'root-1' is not valid: expected an organization root ID"),
    ("partitions.aws.organizational_units.5.id", DELETE,
     "partitions.aws.organizational_units[5] (Sandbox) has no id; attaching a policy needs it"),
    # SCP settings
    (f"{SCP}.deployment_role_patterns", ["arn:aws:iam::*:role/x"], "deployment_role_patterns[0]: 'arn:aws:iam::*:role/x' is not valid: expected an IAM role name"),
    (f"{SCP}.deployment_role_patterns", [], "deployment_role_patterns: List should have at least 1 item"),
    (f"{SCP}.partitions.aws.max_policy_chars", 100, "max_policy_chars: Input should be greater than or equal to 1024"),
    (f"{SCP}.partitions.aws.region_overrides.0.allowed_regions", ["eu-west-1"],
     "region_overrides[0].allowed_regions[0]: region 'eu-west-1' is not in partitions.aws.allowed_regions; an OU can only narrow them"),
    (f"{SCP}.partitions.aws.region_overrides", [{"organizational_unit": "Workloads", "allowed_regions": ["us-east-1"]}],
     "service_control_policies.partitions.aws.region_overrides[0]: account 'payments-prod' in OU 'Workloads/Prod' has "
     "baseline stacks in us-west-2, which this override denies: give the account regions: ['us-east-1']"),
    (f"{SCP}.partitions.aws.region_overrides.0.organizational_unit", "Nowhere",
     "region_overrides[0].organizational_unit: OU 'Nowhere' is not listed under partitions.aws.organizational_units"),
    (f"{SCP}.partitions.aws.region_overrides", [{"organizational_unit": "Sandbox", "allowed_regions": ["us-east-1"]}] * 2,
     "region_overrides[1].organizational_unit: OU 'Sandbox' is overridden twice"),
    (f"{SCP}.partitions.aws-us-gov", {"reserved_slots": 0, "regoin_overrides": []}, "aws-us-gov.regoin_overrides: unknown key; did you mean 'region_overrides'?"),
    # Identity Center: partitions
    ("partitions.aws.identity_center.delegated_admin_account", "management",
     "delegated_admin_account: the management account cannot be its own delegated administrator"),
    ("partitions.aws.identity_center.delegated_admin_account", "gov-log-archive",
     "delegated_admin_account: account 'gov-log-archive' is in partition 'aws-us-gov', not 'aws'"),
    ("partitions.aws.identity_center.delegated_admin_account", "security",
     "identity_center.assignments[0].targets: includes the management account 'management', which a delegated administrator cannot assign"),
    # permission sets
    (f"{PS}.session_duration", "PT13H", "permission_sets[0].session_duration: PT13H is 13 hours; Identity Center allows PT1H to PT12H"),
    (f"{PS}.session_duration", "PT30M", "PT30M is 0.5 hours; Identity Center allows PT1H to PT12H"),
    (f"{PS}.session_duration", "8h", "permission_sets[0].session_duration: '8h' is not valid: expected an ISO-8601 duration"),
    (f"{PS}.aws_managed_policies", [f"Policy{i}" for i in range(20)],
     "identity_center.permission_sets[0]: 21 managed and customer-managed policies, 1 over Identity Center's limit of 20"),
    (f"{PS}.aws_managed_policies", ["arn:aws:iam::aws:policy/ReadOnlyAccess"], "aws_managed_policies[0]: 'arn:aws:iam::aws:policy/ReadOnlyAccess' is not valid: expected an AWS managed policy name"),
    (f"{PS}.customer_managed_policies", ["missing-policy"],
     "permission_sets[0].customer_managed_policies[0]: no customer-managed policy named 'missing-policy'"),
    (f"{PS}.permissions_boundary", {"aws_managed_policy": "A", "customer_managed_policy": "B"},
     "permission_sets[0].permissions_boundary: set exactly one of aws_managed_policy and customer_managed_policy"),
    (f"{PS}.inline_policy", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                                      "Resource": "arn:aws:s3:::x/*"}]},
     "permission_sets[0].inline_policy: names a partition in an ARN; write arn:${partition}:"),
    (f"{PS}.inline_policy", {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": [f"s3:Action{i:05d}" for i in range(800)], "Resource": "*"}]},
     "permission_sets[0].inline_policy: 13,682 characters without whitespace, 3,442 over Identity Center's limit of 10,240"),
    (f"{PS}.name", "Data Engineer", "permission_sets[0].name: 'Data Engineer' is not valid"),
    (f"{PS}.relay_state", "http://example.com", "relay_state: 'http://example.com' is not valid: expected an https:// URL"),
    (f"{IC}.customer_managed_policies.0.document", {"Version": "2012-10-17"},
     "customer_managed_policies[0].document: is not an IAM policy document: it needs a Statement"),
    (f"{IC}.on_call_window.end", "2026-11-01T00:00:00Z", "identity_center.on_call_window.end: 2026-11-01T00:00:00+00:00 is not after start"),
    (f"{IC}.on_call_window.start", "2026-11-23T08:00:00", "identity_center.on_call_window.start: expected a UTC timestamp ending in Z"),
    (f"{IC}.permission_sets", [{"name": "Twice"}, {"name": "Twice"}], "identity_center.permission_sets[1].name: permission set 'Twice' is already used at identity_center.permission_sets[0].name"),
    (f"{IC}.customer_managed_policies", [{"name": "examplecorp-deny-data-deletion", "document": {"Statement": []}}] * 2,
     "identity_center.customer_managed_policies[1].name: customer-managed policy 'examplecorp-deny-data-deletion' is already used"),
    (f"{PS}.permissions_boundary", {"customer_managed_policy": "no-such-boundary"},
     "permission_sets[0].permissions_boundary.customer_managed_policy: no customer-managed policy named 'no-such-boundary'"),
    (f"{IC}.catalog", False, "identity_center.assignments[0].permission_set: no permission set named 'ReadOnly'"),
    # assignments
    (f"{AS}.1.permission_set", "Nobody", "identity_center.assignments[1].permission_set: no permission set named 'Nobody'"),
    (f"{AS}.1.group_id", "engineers", "identity_center.assignments[1].group_id: 'engineers' is not valid: expected an identity store group ID"),
    (f"{AS}.1.targets", {"accounts": ["gov-workload-prod"]},
     "identity_center.assignments[1].targets.accounts[0]: account 'gov-workload-prod' is in partition 'aws-us-gov', not 'aws'"),
    (f"{AS}.1.targets", {"organizational_units": ["Sandbox"]}, ""),  # OUs need no id for assignments
    (f"{AS}.1.group_name", DELETE, "identity_center.assignments[1].group_name: required key is missing"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "fragment"), MUTATIONS, ids=mutation_ids(MUTATIONS))
def test_each_mistake_has_a_clear_message(
    example_data: dict[str, Any], config_from: ConfigFrom, path: str, value: Any, fragment: str
) -> None:
    data = changed(example_data, {path: value})
    if not fragment:
        config_from(data)  # valid
        return
    message = config_error(config_from, data)
    assert fragment in message, message


def test_excluded_accounts_add_to_a_statement_that_already_exempts_accounts(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    """protect-baseline excluded from an account keeps the deployment account's exemption on the deploy role."""
    data = copy.deepcopy(example_data)
    data["service_control_policies"]["policies"]["protect-baseline"] = {
        "targets": {"root": True, "exclude_accounts": ["sandbox-research"]}
    }
    config = config_from(data)
    budget = partition_budget(config, "aws", organization(config, "aws"))
    (deploy_role,) = [s for scp in budget.scps for s in scp.statements
                      if s.get("Sid") == "DenyDeployRoleOutsideDeploymentAccount"]  # fmt: skip
    assert deploy_role["Condition"]["StringNotEquals"] == {"aws:PrincipalAccount": ["510987654324", "012345678929"]}

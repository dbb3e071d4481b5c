"""Identity Center: permission sets (catalog and config), assignment stacks per account, customer-managed policies."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import pytest

from config.assignments import assignments_by_account
from config.models import Account, OrgConfig
from config.naming import Organization, organization
from config.policies.evaluator import Request, evaluate
from config.policies.permission_sets import access_model
from config.regions import PartitionName
from stacks.plan import plan
from tests.conftest import PARTITIONS, Synthesized, synthesize
from tests.support.config_data import ConfigFrom
from tests.support.templates import by_name, of_type

INSTANCE: dict[PartitionName, str] = {"aws": "ssoins-7223c1a5e8b94d06", "aws-us-gov": "ssoins-79074f2b6d1ca853"}


def permission_sets(synth: Synthesized, partition: PartitionName) -> dict[str, dict[str, Any]]:
    """The Properties of each permission set in the partition's IdentityCenter stack, by name."""
    template = synth.templates[synth.only("identity-center", partition)]
    return by_name(template, "AWS::SSO::PermissionSet")


def test_identity_center_stack_is_in_the_management_account(
    synth: Synthesized, partition: PartitionName, org: Organization
) -> None:
    info = synth.one("identity-center", partition)
    assert (info.stack.account, info.stack.region) == (org.management_account_id, org.home_region)
    assert set(permission_sets(synth, partition)) == {
        "Administrator", "PowerUser", "ReadOnly", "Support", "OnCall", "SessionManager", "DataEngineer",
        "Requester", "Approver"}  # fmt: skip


def test_catalog_permission_sets(synth: Synthesized, partition: PartitionName) -> None:
    sets = permission_sets(synth, partition)
    instance_arn = f"arn:{partition}:sso:::instance/{INSTANCE[partition]}"
    managed = f"arn:{partition}:iam::aws:policy/"
    assert sets["Administrator"] == {
        "Name": "Administrator", "InstanceArn": instance_arn, "SessionDuration": "PT1H",
        "Description": "Full administrative access, in short sessions.",
        "ManagedPolicies": [f"{managed}AdministratorAccess"],
    }  # fmt: skip
    assert sets["PowerUser"]["ManagedPolicies"] == [f"{managed}PowerUserAccess"]
    assert sets["ReadOnly"]["ManagedPolicies"] == [f"{managed}ReadOnlyAccess"]
    support = sets["Support"]
    assert support["ManagedPolicies"] == [f"{managed}AmazonEC2ReadOnlyAccess", f"{managed}AWSSupportAccess"]
    assert support["InlinePolicy"]["Statement"] == [{
        "Sid": "DenyDestructiveEc2Actions", "Effect": "Deny", "Resource": "*", "Action": [
            "ec2:DeleteKeyPair", "ec2:DeleteLaunchTemplate", "ec2:DeleteNetworkInterface", "ec2:DeleteSecurityGroup",
            "ec2:DeleteSnapshot", "ec2:DeleteVolume", "ec2:DeregisterImage", "ec2:DetachVolume",
            "ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:TerminateInstances"]}]  # fmt: skip
    for pset in sets.values():
        assert pset["InstanceArn"] == instance_arn
        assert "PermissionsBoundary" not in pset or pset["PermissionsBoundary"]  # never an empty boundary


def test_on_call_elevation_only_inside_the_configured_window(synth: Synthesized, partition: PartitionName) -> None:
    on_call = permission_sets(synth, partition)["OnCall"]
    assert on_call["SessionDuration"] == "PT2H"
    assert on_call["ManagedPolicies"] == [f"arn:{partition}:iam::aws:policy/ReadOnlyAccess"]
    window = {"DateGreaterThan": {"aws:CurrentTime": "2026-11-23T08:00:00Z"},
              "DateLessThan": {"aws:CurrentTime": "2026-11-30T08:00:00Z"}}  # fmt: skip
    p = partition
    assert on_call["InlinePolicy"]["Statement"] == [
        {"Sid": "OnCallAutoscalingInsideWindow", "Effect": "Allow",
         "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:UpdateAutoScalingGroup"],
         "Resource": f"arn:{p}:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/*", "Condition": window},
        {"Sid": "OnCallEc2InsideWindow", "Effect": "Allow",
         "Action": ["ec2:RebootInstances", "ec2:StartInstances", "ec2:StopInstances"],
         "Resource": f"arn:{p}:ec2:*:*:instance/*", "Condition": window},
        {"Sid": "OnCallEcsInsideWindow", "Effect": "Allow", "Action": ["ecs:UpdateService"],
         "Resource": f"arn:{p}:ecs:*:*:service/*", "Condition": window},
        {"Sid": "OnCallLambdaInsideWindow", "Effect": "Allow", "Action": ["lambda:PutFunctionConcurrency"],
         "Resource": f"arn:{p}:lambda:*:*:function:*", "Condition": window},
        {"Sid": "OnCallRdsInsideWindow", "Effect": "Allow", "Action": ["rds:RebootDBInstance"],
         "Resource": f"arn:{p}:rds:*:*:db:*", "Condition": window},
    ]  # fmt: skip
    instance = f"arn:{p}:ec2:{'us-gov-west-1' if p == 'aws-us-gov' else 'us-east-1'}:123456789012:instance/i-0abc"
    policy = [on_call["InlinePolicy"]]

    def at(moment: str) -> str:
        return evaluate(policy, Request("ec2:RebootInstances", instance, {"aws:CurrentTime": moment}))

    assert at("2026-11-24T03:00:00Z") == "Allow"
    assert at("2026-11-23T07:59:59Z") == "ImplicitDeny" and at("2026-12-01T00:00:00Z") == "ImplicitDeny"
    assert (
        evaluate(policy, Request("ssm:StartSession", instance, {"aws:CurrentTime": "2026-11-24T03:00:00Z"}))
        == "ImplicitDeny"
    )  # shell access only through the SessionManager set


def test_on_call_without_a_window_is_read_only(
    example_data: dict[str, Any], config_from: ConfigFrom, partition: PartitionName
) -> None:
    data = copy.deepcopy(example_data)
    del data["identity_center"]["on_call_window"]
    config = config_from(data)
    on_call = access_model(config, organization(config, partition)).permission_sets["OnCall"]
    assert on_call.inline_policy is None and on_call.aws_managed_policies == ["ReadOnlyAccess"]


def test_session_manager_set_references_the_baseline_policy(synth: Synthesized, partition: PartitionName) -> None:
    sset = permission_sets(synth, partition)["SessionManager"]
    assert sset["CustomerManagedPolicyReferences"] == [{"Name": "examplecorp-baseline-session-access", "Path": "/"}]
    assert "ManagedPolicies" not in sset and "InlinePolicy" not in sset


def test_config_permission_set_with_boundary_job_function_path_and_relay_state(
    synth: Synthesized, partition: PartitionName
) -> None:
    data = permission_sets(synth, partition)["DataEngineer"]
    managed = f"arn:{partition}:iam::aws:policy/"
    assert data["ManagedPolicies"] == [f"{managed}job-function/DataScientist", f"{managed}AmazonAthenaFullAccess"]
    assert data["CustomerManagedPolicyReferences"] == [{"Name": "examplecorp-deny-data-deletion", "Path": "/"}]
    assert data["PermissionsBoundary"] == {"ManagedPolicyArn": f"{managed}PowerUserAccess"}
    host = {"aws": "console.aws.amazon.com", "aws-us-gov": "console.amazonaws-us-gov.com"}[partition]
    assert data["RelayStateType"] == f"https://{host}/athena/home"
    assert data["SessionDuration"] == "PT8H"


def test_permission_set_arns_are_published_for_the_access_stacks(synth: Synthesized, partition: PartitionName) -> None:
    template = synth.template(synth.only("identity-center", partition))
    parameter = {"Name": "/examplecorp/identity-center/permission-sets/Administrator", "Type": "String",
                 "Value": {"Fn::GetAtt": ["PermissionSetAdministrator", "PermissionSetArn"]}}  # fmt: skip
    template.has_resource_properties("AWS::SSM::Parameter", parameter)


# --- assignments -------------------------------------------------------------------------------------


def access(synth: Synthesized, account: str) -> dict[str, dict[str, Any]]:
    """The resources of the account's Access stack (its Identity Center assignments), by logical ID."""
    resources: dict[str, dict[str, Any]] = synth.templates[f"Access-{account}"]["Resources"]
    return resources


def test_access_stack_chains_assignments_of_its_account(
    synth: Synthesized, partition: PartitionName, org: Organization, workload: Account
) -> None:
    info = synth.info(f"Access-{workload.name}")
    assert (info.stack.account, info.stack.region) == (org.management_account_id, org.home_region)
    resources = access(synth, workload.name)
    assert all(r["Type"] == "AWS::SSO::Assignment" for r in resources.values())
    ordered = list(resources)
    for previous, current in itertools.pairwise(ordered):
        assert resources[current]["DependsOn"] == [previous]  # one at a time: no throttling
    assert "DependsOn" not in resources[ordered[0]]
    for resource in resources.values():
        props = resource["Properties"]
        assert props["InstanceArn"] == f"arn:{partition}:sso:::instance/{INSTANCE[partition]}"
        assert props["TargetId"] == workload.id and props["TargetType"] == "AWS_ACCOUNT"
        assert props["PrincipalType"] == "GROUP"
        assert props["PermissionSetArn"].startswith("{{resolve:ssm:/examplecorp/identity-center/permission-sets/")


def test_web_prod_gets_exactly_the_assignments_of_its_ous(synth: Synthesized) -> None:
    got = sorted(
        (r["Properties"]["PermissionSetArn"].rsplit("/", 1)[1].rstrip("}"), r["Metadata"]["GroupName"])
        for r in access(synth, "web-prod").values()
    )
    # Administrator is eligible-only (elevation rule `admin`): platform admins hold ReadOnly here, nothing more.
    assert got == [("OnCall", "sre-oncall"), ("ReadOnly", "engineers"), ("ReadOnly", "platform-admins"),
                   ("SessionManager", "sre-oncall"), ("Support", "support-tier1")]  # fmt: skip


def test_exclusions_and_sub_ous_in_assignments(example_config: OrgConfig) -> None:
    by_account = assignments_by_account(example_config)
    sets = {name: {a.permission_set for a in items} for name, items in by_account.items()}
    assert "SessionManager" not in sets["payments-prod"]  # excluded
    assert "DataEngineer" in sets["payments-prod"]
    assert {"ReadOnly", "PowerUser", "SessionManager"} <= sets["web-dev"]  # Workloads includes Workloads/Dev
    assert "PowerUser" not in sets["web-prod"]
    assert sets["gov-workload-dev"] == {"ReadOnly"}  # Administrator only through elevation (rule gov-admin)


def test_policies_referenced_by_assigned_sets_exist_in_the_accounts_home_region(
    synth: Synthesized, partition: PartitionName, org: Organization, workload_home: dict[str, Any]
) -> None:
    policies = {r["Properties"].get("ManagedPolicyName"): r["Properties"]["PolicyDocument"]
                for r in of_type(workload_home, "AWS::IAM::ManagedPolicy").values()}  # fmt: skip
    # SessionManager is assigned here; its policy is the baseline's session access policy (every account).
    session = policies["examplecorp-baseline-session-access"]
    (start,) = [s for s in session["Statement"] if s["Action"] == "ssm:StartSession"]
    assert start["Condition"] == {"BoolIfExists": {"ssm:SessionDocumentAccessCheck": "true"}}
    others = [i.stack_id for i in synth.infos
              if i.kind == "baseline" and i.partition == partition and i.region != org.home_region]  # fmt: skip
    assert others
    for stack_id in others:
        resources = synth.templates[stack_id]["Resources"]
        assert not [k for k in resources if k.startswith("IdentityCenterPolicy")], stack_id


def test_customer_managed_policy_from_config_is_created_only_where_needed(
    synth: Synthesized, example_config: OrgConfig
) -> None:
    def has(account: str) -> bool:
        policies = of_type(synth.templates[f"Baseline-{account}-us-east-1"], "AWS::IAM::ManagedPolicy").values()
        return any(r["Properties"].get("ManagedPolicyName") == "examplecorp-deny-data-deletion" for r in policies)

    assert has("payments-prod")
    assert not has("web-prod") and not has("management")


def test_access_stacks_deploy_after_the_permission_sets_and_the_accounts_home_baseline(synth: Synthesized) -> None:
    info = synth.info("Access-web-prod")
    assert sorted(d.stack_name for d in info.stack.dependencies) == [
        "Baseline-web-prod-us-east-1",
        "IdentityCenter-management",
    ]


def test_plan_order(example_config: OrgConfig) -> None:
    kinds = [(item.partition, item.kind) for item in plan(example_config)]
    for partition in PARTITIONS:
        order: list[str] = [k for p, k in kinds if p == partition]  # kinds are StrEnum members: compare as text
        firsts = [
            order.index(k)
            for k in ("log-archive", "organization", "guardrails", "identity-center", "baseline", "access")
        ]
        assert firsts == sorted(firsts)
        assert order.index("access") > max(i for i, k in enumerate(order) if k == "baseline")


@pytest.mark.slow
def test_delegated_admin_moves_permission_sets_and_assignments(
    example_data: dict[str, Any], config_from: ConfigFrom, tmp_path: Path
) -> None:
    data = copy.deepcopy(example_data)
    data["partitions"]["aws"]["identity_center"]["delegated_admin_account"] = "security"
    for assignment in data["identity_center"]["assignments"]:
        if assignment["targets"].get("root") and assignment["partition"] == "aws":
            assignment["targets"]["exclude_accounts"] = ["management"]
        if assignment["targets"] == {"accounts": ["management"]}:  # the elevation API moves with the admin
            assignment["targets"] = {"accounts": ["security"]}
    config = config_from(data)
    stack_ids = [item.stack_id for item in plan(config)]
    assert "IdentityCenter-security" in stack_ids and "IdentityCenter-management" not in stack_ids
    assert "Access-management" not in stack_ids
    built = synthesize(config, tmp_path, checks=False)
    security = next(a for a in config.accounts if a.name == "security")
    info = built.info("Access-web-prod")
    assert info.stack.account == security.id

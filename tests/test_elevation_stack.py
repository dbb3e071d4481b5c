"""The elevation engine's stack in both partitions: where it goes, what it keeps, how its API is closed, the order
of its state machine, and what each role may do (decision tests with the IAM evaluator)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from config.models import OrgConfig
from config.naming import Organization
from config.policies.evaluator import Request, evaluate
from config.regions import PartitionName
from stacks.plan import plan
from tests.conftest import Synthesized
from tests.support.elevation_engine import STATE_ORDER
from tests.support.templates import RETAINED, by_name, of_type, only

ADMIN = {"aws": ("management", "210987654321"), "aws-us-gov": ("gov-management", "220987654330")}
INSTANCE = {"aws": "ssoins-7223c1a5e8b94d06", "aws-us-gov": "ssoins-79074f2b6d1ca853"}


def engine(synth: Synthesized, partition: PartitionName) -> dict[str, Any]:
    return synth.templates[synth.only("elevation", partition)]


def test_the_engine_is_in_the_identity_center_admin_account_after_identity_center_and_security(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName, org: Organization
) -> None:
    name, account_id = ADMIN[partition]
    info = synth.one("elevation", partition)
    assert info.stack_id == f"Elevation-{name}"
    assert (info.stack.account, info.stack.region) == (account_id, org.home_region)
    (planned,) = [s for s in plan(example_config) if s.stack_id == info.stack_id]
    security = "Security-security" if partition == "aws" else "Security-gov-log-archive"
    assert planned.after == (f"IdentityCenter-{name}", security)


def test_no_rules_no_engine(example_data: dict[str, Any], config_from: Any) -> None:
    ic = example_data["identity_center"]
    standing = [a for a in ic["assignments"] if a["permission_set"] not in ("Requester", "Approver")]
    data = {**example_data, "elevation": {"rules": []}, "identity_center": {**ic, "assignments": standing}}
    assert not [s for s in plan(config_from(data)) if s.kind == "elevation"]


def test_requests_table_is_retained_encrypted_recoverable_and_pinned(
    synth: Synthesized, partition: PartitionName
) -> None:
    template = engine(synth, partition)
    table = template["Resources"]["ElevationRequests"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert {k: table[k] for k in RETAINED} == RETAINED
    props = table["Properties"]
    assert props["TableName"] == "examplecorp-baseline-elevation-requests"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["SSESpecification"] == {
        "SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": {"Fn::GetAtt": ["ElevationKey", "Arn"]}}  # fmt: skip
    assert props["DeletionProtectionEnabled"] is True
    key = template["Resources"]["ElevationKey"]
    assert {k: key[k] for k in RETAINED} == RETAINED and key["Properties"]["EnableKeyRotation"] is True


def test_every_api_method_needs_sigv4_and_the_api_is_regional_and_account_only(
    synth: Synthesized, partition: PartitionName
) -> None:
    template = engine(synth, partition)
    _, account_id = ADMIN[partition]
    methods = of_type(template, "AWS::ApiGateway::Method")
    assert len(methods) == 5
    assert {m["Properties"]["AuthorizationType"] for m in methods.values()} == {"AWS_IAM"}
    api = only(template, "AWS::ApiGateway::RestApi")["Properties"]
    assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert api["Policy"]["Statement"] == [{
        "Sid": "EngineAccountOnly", "Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
        "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]  # fmt: skip
    stage = only(template, "AWS::ApiGateway::Stage")["Properties"]
    assert stage["StageName"] == "v1"
    assert '"ElevationApiAccessLog"' in json.dumps(stage["AccessLogSetting"]["DestinationArn"])
    assert "$context.identity.userArn" in stage["AccessLogSetting"]["Format"]


def test_the_cli_finds_the_api_url_in_its_parameter(synth: Synthesized, partition: PartitionName) -> None:
    (parameter,) = [
        p for p in by_name(engine(synth, partition), "AWS::SSM::Parameter").values()
        if p["Name"] == "/examplecorp/elevation/api-url"
    ]  # fmt: skip
    assert parameter["Type"] == "String"
    text = json.dumps(parameter["Value"])
    assert ".execute-api." in text and "/v1" in text and "AWS::URLSuffix" in text


def test_state_machine_runs_the_handlers_in_the_order_the_local_gap_fill_drives_them(
    synth: Synthesized, partition: PartitionName
) -> None:
    machine = only(engine(synth, partition), "AWS::StepFunctions::StateMachine")["Properties"]
    definition = machine["Definition"]
    states = definition["States"]
    order, name = [], definition["StartAt"]
    while name is not None:
        order.append(name)
        state = states[name]
        name = state.get("Next") or next((c["Next"] for c in state.get("Choices", [])), None)
    assert tuple(order) == STATE_ORDER
    wait = states["AwaitDecision"]
    assert wait["Resource"] == f"arn:{partition}:states:::lambda:invoke.waitForTaskToken"
    assert wait["Parameters"]["Payload"] == {
        "step": "await_decision", "request_id.$": "$.request_id", "task_token.$": "$$.Task.Token"}  # fmt: skip
    assert wait["TimeoutSecondsPath"] == "$.pending_seconds"
    assert [(c["ErrorEquals"], c["Next"]) for c in wait["Catch"]] == [
        (["Denied"], "Denied"), (["States.Timeout"], "Expire")]  # fmt: skip
    assert states["NeedsApproval"]["Default"] == "Grant"  # rules without approval skip the wait
    assert states["WaitUntilEnd"] == {"Type": "Wait", "TimestampPath": "$.grant.ends_at", "Next": "Revoke"}
    assert states["Revoke"]["Parameters"]["Payload"]["action"] == "end"
    assert states["Expire"]["Parameters"]["Payload"]["action"] == "expire"
    assert machine["LoggingConfiguration"]["Level"] == "ALL"


# --- what each role may do --------------------------------------------------------------------------------------


def _resolved(document: Any, partition: str) -> Any:
    """The policy as CloudFormation deploys it: each `{{resolve:ssm:.../<set>}}` becomes that set's ARN."""
    text = json.dumps(document)
    text = re.sub(
        r"\{\{resolve:ssm:/examplecorp/identity-center/permission-sets/([A-Za-z]+)\}\}",
        lambda m: f"arn:{partition}:sso:::permissionSet/{INSTANCE[partition]}/ps-{m.group(1).lower():0<16}",
        text,
    )
    return json.loads(text)


def role_policies(synth: Synthesized, partition: PartitionName, role_name: str) -> list[dict[str, Any]]:
    """Every managed policy attached to the role (the rules' accounts are in policies of their own), as deployed."""
    template = engine(synth, partition)
    (role_id,) = [k for k, r in of_type(template, "AWS::IAM::Role").items() if r["Properties"]["RoleName"] == role_name]
    policies = [
        p["Properties"]["PolicyDocument"] for p in of_type(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]  # fmt: skip
    assert policies, role_name
    return [dict(_resolved(policy, partition)) for policy in policies]


def _set(partition: str, name: str) -> str:
    return f"arn:{partition}:sso:::permissionSet/{INSTANCE[partition]}/ps-{name.lower():0<16}"


ELIGIBLE = {"aws": {"Administrator", "PowerUser"}, "aws-us-gov": {"Administrator"}}
NOT_ELIGIBLE = {"aws": {"ReadOnly", "Support", "DataEngineer", "Requester", "Approver"},
                "aws-us-gov": {"PowerUser", "ReadOnly", "Requester", "Approver"}}  # fmt: skip
# Accounts no rule targets (gov-admin excludes gov-management), and one of no config at all.
OUTSIDE = {"aws": ["999999999999"], "aws-us-gov": ["220987654330", "999999999999"]}


@pytest.mark.parametrize("handler", ["grant", "revoke"])
def test_grant_and_revoke_assign_only_the_eligible_sets_in_the_rules_accounts(
    synth: Synthesized, partition: PartitionName, handler: str
) -> None:
    action = {"grant": "sso:CreateAccountAssignment", "revoke": "sso:DeleteAccountAssignment"}[handler]
    other = {"grant": "sso:DeleteAccountAssignment", "revoke": "sso:CreateAccountAssignment"}[handler]
    policies = role_policies(synth, partition, f"examplecorp-baseline-elevation-{handler}")
    instance = f"arn:{partition}:sso:::instance/{INSTANCE[partition]}"
    assert evaluate(policies, Request(action, instance)) == "Allow"
    for name in ELIGIBLE[partition]:
        assert evaluate(policies, Request(action, _set(partition, name))) == "Allow", name
    for name in NOT_ELIGIBLE[partition]:
        assert evaluate(policies, Request(action, _set(partition, name))) == "ImplicitDeny", name
    assert evaluate(policies, Request(action, f"arn:{partition}:sso:::account/420987654332")) == (
        "Allow" if partition == "aws-us-gov" else "ImplicitDeny"
    )
    for account in OUTSIDE[partition]:
        assert evaluate(policies, Request(action, f"arn:{partition}:sso:::account/{account}")) == "ImplicitDeny"
    assert evaluate(policies, Request(other, instance)) == "ImplicitDeny"
    rule_account = {"aws": "810987654327", "aws-us-gov": "420987654332"}[partition]  # web-prod, a GovCloud workload
    assert evaluate(policies, Request(action, f"arn:{partition}:sso:::account/{rule_account}")) == "Allow"
    assert evaluate(policies, Request(other, f"arn:{partition}:sso:::account/{rule_account}")) == "ImplicitDeny"
    for forbidden in (
        "sso:CreatePermissionSet",
        "sso:PutInlinePolicyToPermissionSet",
        "sso:ProvisionPermissionSet",
        "iam:CreateRole",
        "identitystore:CreateGroupMembership",
    ):
        assert evaluate(policies, Request(forbidden, "*")) == "ImplicitDeny", forbidden


def test_the_api_role_cannot_assign_anything(synth: Synthesized, partition: PartitionName) -> None:
    policies = role_policies(synth, partition, "examplecorp-baseline-elevation-api")
    for action in ("sso:CreateAccountAssignment", "sso:DeleteAccountAssignment", "identitystore:CreateGroupMembership"):
        assert evaluate(policies, Request(action, f"arn:{partition}:sso:::instance/{INSTANCE[partition]}")) == (
            "ImplicitDeny"
        )
    assert evaluate(policies, Request("identitystore:IsMemberInGroups", f"arn:{partition}:identitystore:::group/g"))


def test_reconcile_removes_nothing_unless_the_config_says_so(synth: Synthesized, partition: PartitionName) -> None:
    policies = role_policies(synth, partition, "examplecorp-baseline-elevation-reconcile")
    resource = _set(partition, "Administrator")
    assert evaluate(policies, Request("sso:ListAccountAssignments", resource)) == "Allow"
    assert evaluate(policies, Request("sso:DeleteAccountAssignment", resource)) == "ImplicitDeny"


def test_requester_and_approver_sets_call_only_the_engines_api_and_read_its_url(
    synth: Synthesized, partition: PartitionName, org: Organization
) -> None:
    sets = by_name(synth.templates[synth.only("identity-center", partition)], "AWS::SSO::PermissionSet")
    _, account_id = ADMIN[partition]
    api = f"arn:{partition}:execute-api:{org.home_region}:{account_id}:a1b2c3d4e5/v1"
    url = f"arn:{partition}:ssm:{org.home_region}:{account_id}:parameter/examplecorp/elevation/api-url"
    requester, approver = sets["Requester"]["InlinePolicy"], sets["Approver"]["InlinePolicy"]
    for policy in (requester, approver):
        assert evaluate([policy], Request("execute-api:Invoke", f"{api}/POST/requests")) == "Allow"
        assert evaluate([policy], Request("execute-api:Invoke", f"{api}/POST/requests/id-1/revoke")) == "Allow"
        assert evaluate([policy], Request("ssm:GetParameter", url)) == "Allow"
        other_account = api.replace(account_id, "999999999999")
        assert evaluate([policy], Request("execute-api:Invoke", f"{other_account}/POST/requests")) == "ImplicitDeny"
        assert evaluate([policy], Request("sso:CreateAccountAssignment", "*")) == "ImplicitDeny"
    assert evaluate([requester], Request("execute-api:Invoke", f"{api}/POST/requests/id-1/approve")) == "ImplicitDeny"
    assert evaluate([approver], Request("execute-api:Invoke", f"{api}/POST/requests/id-1/approve")) == "Allow"


def test_the_alert_hub_takes_elevation_events_only_from_the_engine_account(
    synth: Synthesized, partition: PartitionName
) -> None:
    template = synth.templates[synth.only("security", partition)]
    rules = by_name(template, "AWS::Events::Rule")
    _, account_id = ADMIN[partition]
    rule = rules["examplecorp-baseline-elevation-to-topic"]
    assert rule["EventPattern"] == {"source": ["examplecorp.baseline.elevation"], "account": [account_id]}


# --- decision emails ------------------------------------------------------------------------------------------


def _topic(partition: str, account_id: str, name: str) -> str:
    region = "us-east-1" if partition == "aws" else "us-gov-west-1"
    return f"arn:{partition}:sns:{region}:{account_id}:{name}"


def test_the_decisions_topic_is_encrypted_retained_and_has_no_subscription_in_the_template(
    synth: Synthesized, partition: PartitionName
) -> None:
    """Requesters' email subscriptions are made at run time and confirmed by each person: the topic keeps them
    (retained, pinned ID); the template subscribes nobody to it."""
    template = engine(synth, partition)
    topic = template["Resources"]["ElevationDecisionTopic"]
    assert topic["Type"] == "AWS::SNS::Topic"
    assert {k: topic[k] for k in RETAINED} == RETAINED
    assert topic["Properties"]["TopicName"] == "examplecorp-baseline-elevation-decisions"
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["ElevationKey", "Arn"]}
    subscriptions = of_type(template, "AWS::SNS::Subscription").values()
    assert not [s for s in subscriptions if s["Properties"]["TopicArn"] == {"Ref": "ElevationDecisionTopic"}]
    functions = {
        f["Properties"]["FunctionName"]: f["Properties"] for f in of_type(template, "AWS::Lambda::Function").values()
    }
    _, account_id = ADMIN[partition]
    for handler in ("api", "grant", "revoke"):
        variables = functions[f"examplecorp-baseline-elevation-{handler}"]["Environment"]["Variables"]
        assert variables["DECISION_TOPIC_ARN"] == _topic(
            partition, account_id, "examplecorp-baseline-elevation-decisions"
        )


def test_only_the_api_subscribes_and_only_email_to_the_decisions_topic(
    synth: Synthesized, partition: PartitionName
) -> None:
    _, account_id = ADMIN[partition]
    decisions = _topic(partition, account_id, "examplecorp-baseline-elevation-decisions")
    approvers = _topic(partition, account_id, "examplecorp-baseline-elevation-approvers")
    alerts = _topic(partition, account_id, "examplecorp-baseline-alerts")
    api = role_policies(synth, partition, "examplecorp-baseline-elevation-api")
    email: dict[str, str | list[str]] = {"sns:Protocol": "email"}
    assert evaluate(api, Request("sns:Subscribe", decisions, email)) == "Allow"
    for protocol in ("https", "sqs", "lambda", "sms", "email-json"):
        other_protocol: dict[str, str | list[str]] = {"sns:Protocol": protocol}
        assert evaluate(api, Request("sns:Subscribe", decisions, other_protocol)) == "ImplicitDeny", protocol
    for other in (approvers, alerts):
        assert evaluate(api, Request("sns:Subscribe", other, email)) == "ImplicitDeny", other
        assert evaluate(api, Request("sns:ListSubscriptionsByTopic", other)) == "ImplicitDeny", other
    assert evaluate(api, Request("sns:ListSubscriptionsByTopic", decisions)) == "Allow"
    for action in ("sns:Unsubscribe", "sns:SetSubscriptionAttributes", "sns:SetTopicAttributes", "sns:AddPermission"):
        assert evaluate(api, Request(action, decisions)) == "ImplicitDeny", action
    assert evaluate(api, Request("sns:Publish", alerts)) == "ImplicitDeny"
    assert evaluate(api, Request("identitystore:DescribeUser", f"arn:{partition}:identitystore:::user/u-1")) == (
        "Allow"
    )
    for handler in ("grant", "revoke", "reconcile"):
        policies = role_policies(synth, partition, f"examplecorp-baseline-elevation-{handler}")
        for topic in (decisions, approvers):
            assert evaluate(policies, Request("sns:Subscribe", topic, email)) == "ImplicitDeny", handler


def test_grant_and_revoke_publish_only_to_the_decisions_topic(synth: Synthesized, partition: PartitionName) -> None:
    _, account_id = ADMIN[partition]
    decisions = _topic(partition, account_id, "examplecorp-baseline-elevation-decisions")
    for handler in ("grant", "revoke"):
        policies = role_policies(synth, partition, f"examplecorp-baseline-elevation-{handler}")
        assert evaluate(policies, Request("sns:Publish", decisions)) == "Allow", handler
        for other in ("examplecorp-baseline-elevation-approvers", "examplecorp-baseline-alerts"):
            assert evaluate(policies, Request("sns:Publish", _topic(partition, account_id, other))) == (
                "ImplicitDeny"
            ), (handler, other)
    reconcile = role_policies(synth, partition, "examplecorp-baseline-elevation-reconcile")
    assert evaluate(reconcile, Request("sns:Publish", decisions)) == "ImplicitDeny"

"""Decision tests for every kind of role trust policy: who may assume each role, and with which conditions.

Expected principals and conditions are written out from config/org.yaml (the example org) and the design in
docs/, not taken from the code. The evaluator (tests/support/iam_eval.py) matches Principal as IAM documents:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from config.policies.evaluator import Request, Value, denying_sids, evaluate
from config.regions import PartitionName
from tests.conftest import Synthesized
from tests.support.templates import role_named

ORG_ID: dict[PartitionName, str] = {"aws": "o-k3x9w2m7q1", "aws-us-gov": "o-g7v4p8d2z5"}
# The member account whose home-region baseline is checked, and its home region.
ACCOUNT: dict[PartitionName, tuple[str, str, str]] = {
    "aws": ("web-prod", "810987654327", "us-east-1"),
    "aws-us-gov": ("gov-workload-prod", "420987654332", "us-gov-west-1"),
}
BREAKGLASS_USERS: dict[PartitionName, list[str]] = {
    "aws": ["arn:aws:iam::410987654323:user/breakglass-alice", "arn:aws:iam::410987654323:user/breakglass-bob"],
    "aws-us-gov": ["arn:aws-us-gov:iam::320987654331:user/gov-breakglass-alice",
                   "arn:aws-us-gov:iam::320987654331:user/gov-breakglass-bob"],
}  # fmt: skip
ATLANTIS_SERVER: dict[PartitionName, str] = {
    "aws": "arn:aws:iam::610987654325:role/atlantis-server",
    "aws-us-gov": "arn:aws-us-gov:iam::620987654334:role/atlantis-server",
}
ATLANTIS_EXTERNAL_ID: dict[PartitionName, str | None] = {"aws": "examplecorp-atlantis", "aws-us-gov": None}


def trust(synth: Synthesized, partition: PartitionName, role_name: str) -> dict[str, Any]:
    name, _, region = ACCOUNT[partition]
    _, role = role_named(synth.deployed(f"Baseline-{name}-{region}"), role_name)
    document: dict[str, Any] = role["AssumeRolePolicyDocument"]
    return document


def assume(
    principal: dict[str, str], context: Mapping[str, Value] | None = None, action: str = "sts:AssumeRole"
) -> Request:
    return Request(action=action, principal=principal, context=dict(context or {}))


# --- breakglass: two named users of the security account, MFA within the hour, their own name as source identity


def breakglass_context(user: str, partition: PartitionName, **overrides: Value) -> dict[str, Value]:
    context: dict[str, Value] = {
        "aws:MultiFactorAuthPresent": "true",
        "aws:MultiFactorAuthAge": "120",
        "aws:PrincipalOrgID": ORG_ID[partition],
        "aws:username": user.rsplit("/", 1)[-1],
        "sts:SourceIdentity": user.rsplit("/", 1)[-1],
    }
    return {**context, **overrides}


def test_breakglass_users_with_recent_mfa_and_their_name_may_assume(
    synth: Synthesized, partition: PartitionName
) -> None:
    document = trust(synth, partition, "examplecorp-baseline-breakglass")
    for user in BREAKGLASS_USERS[partition]:
        for action in ("sts:AssumeRole", "sts:SetSourceIdentity"):
            request = assume({"AWS": user}, breakglass_context(user, partition), action)
            assert evaluate([document], request) == "Allow", (user, action, denying_sids([document], request))


@pytest.mark.parametrize(
    ("why", "overrides"),
    [
        ("no MFA", {"aws:MultiFactorAuthPresent": "false"}),
        ("MFA older than the one-hour session", {"aws:MultiFactorAuthAge": "3600"}),
        ("another source identity", {"sts:SourceIdentity": "someone-else"}),
        ("outside the organization", {"aws:PrincipalOrgID": "o-aaaaaaaaaa"}),
    ],
)
def test_breakglass_users_without_every_condition_may_not_assume(
    synth: Synthesized, partition: PartitionName, why: str, overrides: dict[str, Value]
) -> None:
    document = trust(synth, partition, "examplecorp-baseline-breakglass")
    user = BREAKGLASS_USERS[partition][0]
    request = assume({"AWS": user}, breakglass_context(user, partition, **overrides))
    assert evaluate([document], request) != "Allow", why


def test_breakglass_is_denied_without_mfa_context_and_never_tags_sessions(
    synth: Synthesized, partition: PartitionName
) -> None:
    document = trust(synth, partition, "examplecorp-baseline-breakglass")
    user = BREAKGLASS_USERS[partition][0]
    without_mfa = breakglass_context(user, partition)
    del without_mfa["aws:MultiFactorAuthPresent"]  # long-term keys: the key is absent, BoolIfExists denies
    assert evaluate([document], assume({"AWS": user}, without_mfa)) == "Deny"
    tags = assume({"AWS": user}, breakglass_context(user, partition), "sts:TagSession")
    assert evaluate([document], tags) == "Deny"


def test_nobody_else_may_assume_breakglass(synth: Synthesized, partition: PartitionName) -> None:
    document = trust(synth, partition, "examplecorp-baseline-breakglass")
    account_id = ACCOUNT[partition][1]
    for other in (
        f"arn:{partition}:iam::{account_id}:user/breakglass-alice",  # same name, the account itself
        f"arn:{partition}:iam::{BREAKGLASS_USERS[partition][0].split(':')[4]}:user/mallory",
        f"arn:{partition}:iam::{account_id}:root",
    ):
        request = assume({"AWS": other}, breakglass_context(other, partition))
        assert evaluate([document], request) != "Allow", other


# --- Atlantis: only the CI account's server role, inside the organization, with the external ID if configured


@pytest.mark.parametrize("role_name", ["examplecorp-baseline-atlantis-plan", "examplecorp-baseline-atlantis-apply"])
def test_only_the_atlantis_server_role_may_assume_the_atlantis_roles(
    synth: Synthesized, partition: PartitionName, role_name: str
) -> None:
    document = trust(synth, partition, role_name)
    server = ATLANTIS_SERVER[partition]
    context: dict[str, Value] = {"aws:PrincipalOrgID": ORG_ID[partition]}
    external_id = ATLANTIS_EXTERNAL_ID[partition]
    if external_id:
        context["sts:ExternalId"] = external_id
    assert evaluate([document], assume({"AWS": server}, context)) == "Allow"
    assert evaluate([document], assume({"AWS": server}, {**context, "aws:PrincipalOrgID": "o-aaaaaaaaaa"})) != "Allow"
    if external_id:
        wrong = {**context, "sts:ExternalId": "guess"}
        assert evaluate([document], assume({"AWS": server}, wrong)) != "Allow"
        missing = {k: v for k, v in context.items() if k != "sts:ExternalId"}
        assert evaluate([document], assume({"AWS": server}, missing)) != "Allow"
    ci_account = server.split(":")[4]
    for other in (
        f"arn:{partition}:iam::{ci_account}:role/other",
        f"arn:{partition}:iam::{ACCOUNT[partition][1]}:root",
    ):
        assert evaluate([document], assume({"AWS": other}, context)) != "Allow", other


# --- service roles: only their service, and where AWS offers it, only for this account's own resources


def test_alert_forwarder_is_assumable_by_eventbridge_for_the_baseline_rules_of_its_account_only(
    synth: Synthesized, partition: PartitionName
) -> None:
    document = trust(synth, partition, "examplecorp-baseline-alert-forwarder")
    _, account_id, region = ACCOUNT[partition]
    own_rule = f"arn:{partition}:events:{region}:{account_id}:rule/examplecorp-baseline-breakglass-assume-role"
    events = {"Service": "events.amazonaws.com"}
    ok = {"aws:SourceAccount": account_id, "aws:SourceArn": own_rule}
    assert evaluate([document], assume(events, ok)) == "Allow"
    other_rule = f"arn:{partition}:events:{region}:{account_id}:rule/someone-elses-rule"
    assert evaluate([document], assume(events, {**ok, "aws:SourceArn": other_rule})) != "Allow"
    foreign = own_rule.replace(account_id, "999999999999")
    elsewhere = {"aws:SourceAccount": "999999999999", "aws:SourceArn": foreign}
    assert evaluate([document], assume(events, elsewhere)) != "Allow"
    assert evaluate([document], assume({"Service": "lambda.amazonaws.com"}, ok)) != "Allow"


@pytest.mark.parametrize(
    ("role_name", "service"),
    [
        ("examplecorp-baseline-session-handler", "lambda.amazonaws.com"),
        ("examplecorp-baseline-account-settings", "lambda.amazonaws.com"),
        ("examplecorp-baseline-backup", "backup.amazonaws.com"),
        ("examplecorp-baseline-ssm-instance", "ec2.amazonaws.com"),
    ],
)
def test_service_roles_are_assumable_by_their_service_only(
    synth: Synthesized, partition: PartitionName, role_name: str, service: str
) -> None:
    document = trust(synth, partition, role_name)
    assert evaluate([document], assume({"Service": service})) == "Allow"
    for other in ("lambda.amazonaws.com", "backup.amazonaws.com", "ec2.amazonaws.com", "events.amazonaws.com"):
        if other != service:
            assert evaluate([document], assume({"Service": other})) != "Allow", other
    account_id = ACCOUNT[partition][1]
    assert evaluate([document], assume({"AWS": f"arn:{partition}:iam::{account_id}:root"})) != "Allow"


def test_session_access_role_is_for_identity_center_users_of_its_own_account(
    synth: Synthesized, partition: PartitionName
) -> None:
    document = trust(synth, partition, "examplecorp-baseline-session-access")
    account_id = ACCOUNT[partition][1]
    sso = f"arn:{partition}:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_SessionManager_0123"
    assert evaluate([document], assume({"AWS": sso}, {"aws:PrincipalArn": sso})) == "Allow"
    plain = f"arn:{partition}:iam::{account_id}:role/some-role"
    assert evaluate([document], assume({"AWS": plain}, {"aws:PrincipalArn": plain})) != "Allow"
    foreign = sso.replace(account_id, "999999999999")
    assert evaluate([document], assume({"AWS": foreign}, {"aws:PrincipalArn": foreign})) != "Allow"


def test_document_sharer_is_for_session_handler_roles_of_the_organization_only(
    synth: Synthesized, partition: PartitionName
) -> None:
    stack = {"aws": "Security-security", "aws-us-gov": "Security-gov-log-archive"}[partition]
    _, role = role_named(synth.deployed(stack), "examplecorp-baseline-document-sharer")
    document = role["AssumeRolePolicyDocument"]
    handler = f"arn:{partition}:iam::{ACCOUNT[partition][1]}:role/examplecorp-baseline-session-handler"
    inside = {"aws:PrincipalOrgID": ORG_ID[partition], "aws:PrincipalArn": handler}
    assert evaluate([document], assume({"AWS": handler}, inside)) == "Allow"
    outside = {**inside, "aws:PrincipalOrgID": "o-aaaaaaaaaa"}
    assert evaluate([document], assume({"AWS": handler}, outside)) != "Allow"
    other = handler.replace("session-handler", "session-access")
    assert evaluate([document], assume({"AWS": other}, {**inside, "aws:PrincipalArn": other})) != "Allow"

"""The elevation engine's policies at the size of a 1,000-account organization (three team assignments on every
account), built without synthesizing: no policy of the engine grows with the number of accounts, and what does
grow, the rules' accounts, is spread over policies that each stay within IAM's limits
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html: 6,144 characters per managed policy,
whitespace not counted; 10 managed policies per role by default). The benchmark's budgets check measures the
synthesized Elevation stacks of the same organization (`make benchmark N=1000 TEAM_ASSIGNMENTS=3 VERIFY=1`).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from config.elevation import resolved_rules, rule_accounts
from config.models import OrgConfig
from config.regions import PartitionName
from config.validation import elevation as elevation_validation
from constructs.elevation.functions import EngineArns, handler_policies
from tests.support.org_generator import generated_org

IAM_MANAGED_POLICY_CHARS = 6_144
IAM_POLICIES_PER_ROLE = 10
HANDLERS = ("api", "grant", "revoke", "reconcile")
ACCOUNT_ACTIONS = {
    "grant": ["sso:CreateAccountAssignment"],
    "revoke": ["sso:DeleteAccountAssignment"],
    "reconcile": ["sso:ListAccountAssignments", "sso:DeleteAccountAssignment"],  # remove_unexplained: true
}


def iam_chars(document: Any) -> int:
    """Characters as IAM counts them: whitespace excluded."""
    return len(re.sub(r"\s", "", json.dumps(document)))


def engine_arns(config: OrgConfig, partition: PartitionName) -> EngineArns:
    """The engine's ARNs as deployed in the example's admin account (full-length key and table ARNs)."""
    region, account = {"aws": ("us-east-1", "210987654321"), "aws-us-gov": ("us-gov-west-1", "220987654330")}[partition]
    rules = resolved_rules(config, partition)

    def arn(service: str, resource: str) -> str:
        return f"arn:{partition}:{service}:{region}:{account}:{resource}"

    return EngineArns(
        partition=partition,
        account_id=account,
        region=region,
        table=arn("dynamodb", "table/examplecorp-baseline-elevation-requests"),
        key=arn("kms", "key/0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4e"),
        state_machine=arn("states", "stateMachine:examplecorp-baseline-elevation-flow"),
        topic=arn("sns", "examplecorp-baseline-elevation-approvers"),
        decision_topic=arn("sns", "examplecorp-baseline-elevation-decisions"),
        alert_bus=arn("events", "event-bus/examplecorp-baseline-alerts"),
        instance=f"arn:{partition}:sso:::instance/ssoins-7223c1a5e8b94d06",
        identity_store_id="d-9067a3c4e1",
        schedule_group="examplecorp-baseline-elevation",
        scheduler_role=f"arn:{partition}:iam::{account}:role/examplecorp-baseline-elevation-scheduler",
        permission_set_parameters={
            r.permission_set: f"/examplecorp/identity-center/permission-sets/{r.permission_set}" for r in rules
        },
        accounts=rule_accounts(rules),
    )


def policies(config: OrgConfig, partition: PartitionName, handler: str) -> list[dict[str, Any]]:
    arns = engine_arns(config, partition)
    streams = [arns.table.replace(":dynamodb:", ":logs:").replace("table/", "log-group:/aws/lambda/") + ":*"]
    revoke = f"arn:{partition}:lambda:{arns.region}:{arns.account_id}:function:examplecorp-baseline-elevation-revoke"
    return handler_policies(handler, arns, streams, True, revoke)


@pytest.fixture(scope="module")
def thousand() -> OrgConfig:
    return generated_org(1000, team_assignments=3)


@pytest.mark.parametrize("handler", HANDLERS)
def test_no_engine_policy_grows_with_the_number_of_accounts(
    thousand: OrgConfig, example_config: OrgConfig, partition: PartitionName, handler: str
) -> None:
    """Each role's own policy is the same for 1,000 generated accounts as for the example's 14."""
    large, small = policies(thousand, partition, handler), policies(example_config, partition, handler)
    assert large[0] == small[0]
    assert "sso:::account/" not in json.dumps(large[0])


@pytest.mark.parametrize("handler", ["grant", "revoke", "reconcile"])
def test_the_rules_accounts_of_a_thousand_account_org_fit_iams_limits(
    thousand: OrgConfig, partition: PartitionName, handler: str
) -> None:
    every = policies(thousand, partition, handler)
    assert len(every) <= IAM_POLICIES_PER_ROLE
    sizes = [iam_chars(policy) for policy in every]
    assert max(sizes) <= IAM_MANAGED_POLICY_CHARS, sizes
    listed = []
    for policy in every[1:]:
        (statement,) = policy["Statement"]
        assert statement["Action"] == ACCOUNT_ACTIONS[handler]
        listed += statement["Resource"]
    # Every account a rule targets, once, and nothing else.
    accounts = sorted({a for rule in resolved_rules(thousand, partition) for a in rule.accounts})
    assert len(accounts) > 150  # more than one policy holds
    assert listed == [f"arn:{partition}:sso:::account/{a}" for a in accounts]


def test_the_api_role_has_no_account_policy(thousand: OrgConfig, partition: PartitionName) -> None:
    assert len(policies(thousand, partition, "api")) == 1


def test_rules_on_more_accounts_than_the_roles_can_hold_are_refused(
    thousand: OrgConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 1,000-account org needs 7 policies on the commercial roles; with a quota of 6 the config is refused,
    naming the first rule of the partition (`admin`, the root) and the numbers."""
    assert not [p for p in elevation_validation.problems(thousand) if "managed policies" in p.message]
    monkeypatch.setattr(elevation_validation, "ROLE_MAX_MANAGED_POLICIES", 6)
    (problem,) = [p for p in elevation_validation.problems(thousand) if "managed policies" in p.message]
    assert problem.path == "elevation.rules[0].targets"
    assert "the aws rules target" in problem.message and "would need 7 managed policies each, over IAM's 6" in (
        problem.message
    )

"""The parity verdicts offline, in both partitions: the example's SCPs and permission set documents from the config,
judged for actions a retiring user used. Expected verdicts are worked out by hand from config/org.yaml (allowed
regions, the region lock, the on-call window, Support's deny), not taken from the code."""

from __future__ import annotations

from typing import Any

import pytest

from config.models import OrgConfig
from config.naming import Organization
from config.policies.permission_sets import access_model
from config.regions import PartitionName
from ops.access.live_parity import Target, Use, applicable_scps, judge

MEMBER: dict[PartitionName, str] = {"aws": "web-prod", "aws-us-gov": "gov-workload-prod"}
HOME: dict[PartitionName, str] = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}
OUTSIDE: dict[PartitionName, str] = {"aws": "eu-west-1", "aws-us-gov": "us-east-1"}  # not an allowed region
ALLOW_ALL_EC2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}


def verdict(
    config: OrgConfig,
    org: Organization,
    partition: PartitionName,
    documents: list[dict[str, Any]],
    action: str,
    region: str,
) -> str:
    account = next(a for a in config.accounts if a.name == MEMBER[partition])
    role = f"arn:{partition}:iam::{account.id}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_X_0000000000000000"
    target = Target("test", role, identity=documents)
    use = Use(action, "2026-11-25", region, "last-accessed")
    return judge(use, target, applicable_scps(config, org, account), account, org).result


def test_region_lock_makes_a_use_outside_the_allowed_regions_missing(
    example_config: OrgConfig, org: Organization, partition: PartitionName
) -> None:
    assert verdict(example_config, org, partition, [ALLOW_ALL_EC2], "ec2:DescribeInstances", HOME[partition]) == (
        "covered"
    )
    outside = verdict(example_config, org, partition, [ALLOW_ALL_EC2], "ec2:DescribeInstances", OUTSIDE[partition])
    assert outside == "missing"


def test_support_deny_is_missing_and_on_call_window_is_unknown(
    example_config: OrgConfig, org: Organization, partition: PartitionName
) -> None:
    sets = access_model(example_config, org).permission_sets
    support = sets["Support"].inline_policy
    assert support is not None
    # Support's inline deny wins over any allow of EC2.
    home = HOME[partition]
    assert (
        verdict(example_config, org, partition, [ALLOW_ALL_EC2, support], "ec2:TerminateInstances", home) == "missing"
    )
    on_call = sets["OnCall"].inline_policy
    assert on_call is not None
    # Inside the window only (aws:CurrentTime) and on instances only: the evaluator cannot say, so unknown.
    assert verdict(example_config, org, partition, [on_call], "ec2:RebootInstances", HOME[partition]) == "unknown"
    # OnCall has nothing for lambda:InvokeFunction: missing, whatever the window.
    assert verdict(example_config, org, partition, [on_call], "lambda:InvokeFunction", HOME[partition]) == "missing"


@pytest.mark.parametrize("action", ["iam:CreateUser", "iam:CreateLoginProfile"])
def test_deny_iam_users_scp_makes_user_creation_unknown(
    example_config: OrgConfig, org: Organization, partition: PartitionName, action: str
) -> None:
    """deny-iam-users denies these on every user but the configured breakglass users (NotResource), whom only their
    managers may create: which user was created is not in the report, so an administrator's set is not covered
    but unknown, never covered."""
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    assert verdict(example_config, org, partition, [admin], action, HOME[partition]) == "unknown"

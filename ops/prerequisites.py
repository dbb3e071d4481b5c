"""Deploy prerequisites checked against AWS before `python -m ops.deploy` deploys anything.

Organization policy types: an `AWS::Organizations::Policy` of a type the root has not enabled fails to create
("Before you can create a policy of a given type, you must first enable that policy type in your organization",
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-organizations-policy.html), after the
steps before it have deployed. So before the first step, every type the plan's stacks attach must show `ENABLED`
in the root's `PolicyTypes` (Organizations ListRoots,
https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListRoots.html); a missing one is named with the
command that enables it (EnablePolicyType,
https://docs.aws.amazon.com/organizations/latest/APIReference/API_EnablePolicyType.html).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from config.models import OrgConfig
from config.policies.organization_policies import policy_types
from config.regions import GLOBAL_EVENTS_REGION, PartitionName
from stacks.plan import PlannedStack, StackKind

# Which policy types each stack kind attaches (the others attach none).
GUARDRAILS_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY", "DECLARATIVE_POLICY_EC2", "S3_POLICY")
BACKUP_TYPES = ("BACKUP_POLICY",)


class PrerequisiteError(Exception):
    """A prerequisite is missing or cannot be checked: one message, naming what to do."""


def required_policy_types(config: OrgConfig, partition: PartitionName, stacks: Iterable[PlannedStack]) -> list[str]:
    """The policy types the selected stacks attach, in the order config/policies/organization_policies.py lists."""
    kinds = {stack.kind for stack in stacks}
    wanted = (GUARDRAILS_TYPES if StackKind.GUARDRAILS in kinds else ()) + (
        BACKUP_TYPES if StackKind.BACKUP_POLICY in kinds else ()
    )
    return [policy_type for policy_type in policy_types(config, partition) if policy_type in wanted]


def organizations_client(partition: PartitionName) -> Any:
    """Organizations' endpoint is in us-east-1 (commercial) and us-gov-west-1 (GovCloud)."""
    return boto3.client("organizations", region_name=GLOBAL_EVENTS_REGION[partition])


def check_policy_types(
    required: list[str], partition: PartitionName, client_for: Callable[[PartitionName], Any] = organizations_client
) -> None:
    """Raise PrerequisiteError naming every required type the root has not enabled."""
    if not required:
        return
    try:
        roots = client_for(partition).list_roots()["Roots"]
    except (ClientError, BotoCoreError) as err:
        raise PrerequisiteError(
            f"cannot read the organization root's policy types ({err}); the policies of this deploy need "
            f"{', '.join(required)} enabled on the root. Run with credentials that may call organizations:ListRoots "
            "(the management account or a delegated administrator), or check with `aws organizations list-roots` "
            "and pass --skip-policy-type-check"
        ) from None
    if not roots:
        raise PrerequisiteError("organizations:ListRoots returned no root: is this account in an organization?")
    root = roots[0]
    enabled = {t["Type"] for t in root.get("PolicyTypes", []) if t.get("Status") == "ENABLED"}
    missing = [policy_type for policy_type in required if policy_type not in enabled]
    if missing:
        commands = "; ".join(
            f"aws organizations enable-policy-type --root-id {root['Id']} --policy-type {policy_type}"
            for policy_type in missing
        )
        raise PrerequisiteError(
            f"policy type{'s' if len(missing) > 1 else ''} {', '.join(missing)} not enabled on root {root['Id']} of "
            f"partition {partition}: the deploy would fail when it creates those policies. Enable with: {commands} "
            "(from the management account); or turn the policies off in the config "
            "(docs/organization-policies.md) and synthesize again"
        )

"""Identity Center assignments of one target account: group x permission set, created one after another."""

from __future__ import annotations

from aws_cdk import aws_sso as sso

from config.assignments import AccountAssignment
from config.naming import Organization
from constructs import Construct
from constructs.shared.logical_ids import logical_name


class AccountAssignments(Construct):
    """Identity Center provisions a permission set into an account once per set and account at a time, and
    throttles parallel assignment creation; CloudFormation would create every assignment of a stack in parallel.
    Each assignment therefore depends on the previous one (sorted by set and group, so the chain is stable)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        instance_arn: str,
        account_id: str,
        assignments: list[AccountAssignment],
    ) -> None:
        super().__init__(scope, construct_id)
        previous: sso.CfnAssignment | None = None
        self.assignments: list[sso.CfnAssignment] = []
        for item in sorted(set(assignments)):
            resource = sso.CfnAssignment(
                self,
                f"{item.permission_set}-{item.group_id}",
                instance_arn=instance_arn,
                # Resolved at deploy time from the parameter the IdentityCenter stack writes (no export).
                permission_set_arn=f"{{{{resolve:ssm:{org.permission_set_parameter(item.permission_set)}}}}}",
                principal_type="GROUP",
                principal_id=item.group_id,
                target_type="AWS_ACCOUNT",
                target_id=account_id,
            )
            resource.override_logical_id(f"{logical_name(item.permission_set)}{item.group_id.replace('-', '')}")
            resource.add_metadata("GroupName", item.group_name)
            if previous is not None:
                resource.add_resource_dependency(previous)
            previous = resource
            self.assignments.append(resource)

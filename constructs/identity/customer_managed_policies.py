"""Customer-managed policies that Identity Center permission sets reference, created in each assigned account."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from config.models import CustomerManagedPolicy
from constructs import Construct
from constructs.shared.logical_ids import logical_name


class CustomerManagedPolicies(Construct):
    """A permission set that references a customer-managed policy can only be provisioned into an account where
    a policy of that name exists; the account's home-region baseline stack creates it (deploy it before Access-*)."""

    def __init__(self, scope: Construct, construct_id: str, *, policies: list[CustomerManagedPolicy]) -> None:
        super().__init__(scope, construct_id)
        self.policies: dict[str, iam.CfnManagedPolicy] = {}
        for policy in policies:
            resource = iam.CfnManagedPolicy(
                self,
                policy.name,
                managed_policy_name=policy.name,
                description=policy.description or None,
                policy_document=policy.document,
            )
            resource.override_logical_id(f"IdentityCenterPolicy{logical_name(policy.name)}")
            self.policies[policy.name] = resource

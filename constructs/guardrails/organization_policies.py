"""Management-type organization policies of one partition (the EC2 declarative policy, the S3 policy) as
`AWS::Organizations::Policy` resources in the management account."""

from __future__ import annotations

from aws_cdk import aws_organizations as organizations

from config.policies.organization_policies import ManagementPolicy
from constructs import Construct
from constructs.shared.logical_ids import logical_name


class ManagementPolicies(Construct):
    """One resource per policy, content as an object (drift detection works), logical IDs from the names."""

    def __init__(self, scope: Construct, construct_id: str, *, policies: list[ManagementPolicy]) -> None:
        super().__init__(scope, construct_id)
        self.policies: dict[str, organizations.CfnPolicy] = {}
        for policy in policies:
            resource = organizations.CfnPolicy(
                self,
                logical_name(policy.name),
                name=policy.name,
                type=policy.policy_type,
                description=policy.description,
                content=policy.content,
                target_ids=policy.target_ids,
            )
            resource.override_logical_id(logical_name(policy.name))
            self.policies[policy.name] = resource

"""Authorization policies of one partition (service control and resource control policies), as
`AWS::Organizations::Policy` resources in the management account."""

from __future__ import annotations

from aws_cdk import aws_organizations as organizations

from config.policies.service_control import Scp
from constructs import Construct
from constructs.shared.logical_ids import logical_name


class ServiceControlPolicies(Construct):
    """One resource per SCP document, content as an object (so CloudFormation drift detection works). Its size was
    measured minified at synth; CloudFormation sends it to Organizations as compact JSON."""

    def __init__(
        self, scope: Construct, construct_id: str, *, scps: list[Scp], policy_type: str = "SERVICE_CONTROL_POLICY"
    ) -> None:
        super().__init__(scope, construct_id)
        self.policies: dict[str, organizations.CfnPolicy] = {}
        for scp in scps:
            policy = organizations.CfnPolicy(
                self,
                logical_name(scp.name),
                name=scp.name,
                type=policy_type,
                description=scp.description,
                content=scp.document,
                target_ids=scp.target_ids,
            )
            policy.override_logical_id(logical_name(scp.name))
            self.policies[scp.name] = policy

"""The partition's service control and resource control policies, deployed in the management account
(Organizations lives there)."""

from __future__ import annotations

from config.naming import Organization
from config.policies.service_control import Scp
from constructs import Construct
from constructs.guardrails.service_control_policies import ServiceControlPolicies
from stacks.base import OrgBaselineStack


class GuardrailsStack(OrgBaselineStack):
    def __init__(
        self, scope: Construct, construct_id: str, *, org: Organization, scps: list[Scp], rcps: list[Scp]
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=org.management_account_id,
            region=org.home_region,
            description=f"service control and resource control policies for partition {org.partition} (deploy after "
            "the organization stack)",
        )
        self.policies = ServiceControlPolicies(self, "ServiceControlPolicies", scps=scps)
        self.resource_control_policies = ServiceControlPolicies(
            self, "ResourceControlPolicies", scps=rcps, policy_type="RESOURCE_CONTROL_POLICY"
        )

"""The partition's service control, resource control, EC2 declarative and S3 policies, deployed in the management
account (Organizations lives there)."""

from __future__ import annotations

from config.naming import Organization
from config.policies.organization_policies import ManagementPolicy
from config.policies.service_control import Scp
from constructs import Construct
from constructs.guardrails.organization_policies import ManagementPolicies
from constructs.guardrails.service_control_policies import ServiceControlPolicies
from stacks.base import OrgBaselineStack


class GuardrailsStack(OrgBaselineStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        scps: list[Scp],
        rcps: list[Scp],
        management: list[ManagementPolicy],
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=org.management_account_id,
            region=org.home_region,
            description=f"organization policies (SCP, RCP, EC2, S3) for partition {org.partition} (deploy after the "
            "organization stack)",
        )
        self.policies = ServiceControlPolicies(self, "ServiceControlPolicies", scps=scps)
        self.resource_control_policies = ServiceControlPolicies(
            self, "ResourceControlPolicies", scps=rcps, policy_type="RESOURCE_CONTROL_POLICY"
        )
        self.management_policies = ManagementPolicies(self, "ManagementPolicies", policies=management)

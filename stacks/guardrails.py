"""The partition's service control policies, deployed in the management account (Organizations lives there)."""

from __future__ import annotations

from config.naming import PartitionNames
from config.policies.service_control import Scp
from constructs import Construct
from constructs.guardrails.service_control_policies import ServiceControlPolicies
from stacks.base import OrgBaselineStack


class GuardrailsStack(OrgBaselineStack):
    def __init__(self, scope: Construct, construct_id: str, *, names: PartitionNames, scps: list[Scp]) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=names.management_account_id,
            region=names.home_region,
            description=f"service control policies for partition {names.partition} (deploy after the organization "
            "stack)",
        )
        self.policies = ServiceControlPolicies(self, "ServiceControlPolicies", scps=scps)

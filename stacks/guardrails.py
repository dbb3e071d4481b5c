"""The partition's service control policies, deployed in the management account (Organizations lives there)."""

from __future__ import annotations

import aws_cdk as cdk

from config.naming import PartitionNames
from config.policies.service_control import Scp
from constructs import Construct
from constructs.service_control_policies import ServiceControlPolicies


class GuardrailsStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, names: PartitionNames, scps: list[Scp]) -> None:
        super().__init__(
            scope,
            construct_id,
            env=cdk.Environment(account=names.management_account_id, region=names.home_region),
            description=f"org-baseline: service control policies for partition {names.partition} "
            "(deploy after the organization stack)",
            termination_protection=True,
        )
        self.policies = ServiceControlPolicies(self, "ServiceControlPolicies", scps=scps)

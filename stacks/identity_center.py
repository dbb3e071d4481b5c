"""The partition's Identity Center permission sets, in the management account or the delegated administrator."""

from __future__ import annotations

import aws_cdk as cdk

from config.models import PermissionSet
from config.naming import PartitionNames
from constructs import Construct
from constructs.permission_sets import PermissionSets


class IdentityCenterStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: PartitionNames,
        admin_account_id: str,
        instance_arn: str,
        permission_sets: list[PermissionSet],
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            env=cdk.Environment(account=admin_account_id, region=names.home_region),
            description=f"org-baseline: Identity Center permission sets for partition {names.partition} "
            "(deploy before the Access-* stacks)",
        )
        self.permission_sets = PermissionSets(
            self, "PermissionSets", names=names, instance_arn=instance_arn, permission_sets=permission_sets
        )

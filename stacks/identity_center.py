"""The partition's Identity Center permission sets, in the management account or the delegated administrator."""

from __future__ import annotations

from config.models import PermissionSet
from config.naming import Organization
from constructs import Construct
from constructs.identity.permission_sets import PermissionSets
from stacks.base import OrgBaselineStack


class IdentityCenterStack(OrgBaselineStack):
    # Permission sets only, recreated from the config (their ARNs are republished for the Access stacks).
    termination_protected = False

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        admin_account_id: str,
        instance_arn: str,
        permission_sets: list[PermissionSet],
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=admin_account_id,
            region=org.home_region,
            description=f"Identity Center permission sets for partition {org.partition} "
            "(deploy before the Access-* stacks)",
        )
        self.permission_sets = PermissionSets(
            self, "PermissionSets", org=org, instance_arn=instance_arn, permission_sets=permission_sets
        )

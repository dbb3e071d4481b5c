"""The partition's management account: the Organizations backup policy (when `backup.organization_policy`)."""

from __future__ import annotations

import aws_cdk as cdk

from config.models import OrgConfig
from config.naming import PartitionNames
from constructs import Construct
from constructs.org_backup_policy import OrganizationBackupPolicy


class BackupPolicyStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: OrgConfig, names: PartitionNames) -> None:
        super().__init__(
            scope,
            construct_id,
            env=cdk.Environment(account=names.management_account_id, region=names.home_region),
            description=f"org-baseline: Organizations backup policy for partition {names.partition} (deploy after "
            "the baseline stacks of the accounts it targets)",
        )
        self.backup_policy = OrganizationBackupPolicy(self, "BackupPolicy", config=config, names=names)

"""The partition's management account: the Organizations backup policy (when `backup.organization_policy`)."""

from __future__ import annotations

from config.models import OrgConfig
from config.naming import Organization
from constructs import Construct
from constructs.data.org_backup_policy import OrganizationBackupPolicy
from stacks.base import OrgBaselineStack


class BackupPolicyStack(OrgBaselineStack):
    # A policy document only: recovery points live in the accounts' vaults, which their baselines retain.
    termination_protected = False

    def __init__(self, scope: Construct, construct_id: str, *, config: OrgConfig, org: Organization) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=org.management_account_id,
            region=org.home_region,
            description=f"Organizations backup policy for partition {org.partition} (deploy after "
            "the baseline stacks of the accounts it targets)",
        )
        self.backup_policy = OrganizationBackupPolicy(self, "BackupPolicy", config=config, org=org)

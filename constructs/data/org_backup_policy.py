"""The backup plans as an AWS Organizations backup policy, attached from the partition's management account."""

from __future__ import annotations

from aws_cdk import aws_organizations as organizations

from config.models import OrgConfig
from config.naming import Organization
from config.policies.backup_policy import organization_backup_policy, organization_policy_target_ids
from constructs import Construct


class OrganizationBackupPolicy(Construct):
    """Member accounts get the plans as effective policy; vaults, keys and the backup role come from their
    baseline stacks, which must be deployed first (a plan naming a missing vault or role fails its jobs)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: OrgConfig, org: Organization) -> None:
        super().__init__(scope, construct_id)
        self.policy = organizations.CfnPolicy(
            self,
            "Policy",
            name=org.backup_policy,
            type="BACKUP_POLICY",
            description="org-baseline backup plans (from backup.plans in the org config)",
            content=organization_backup_policy(config, org),
            target_ids=organization_policy_target_ids(config, org.partition),
        )

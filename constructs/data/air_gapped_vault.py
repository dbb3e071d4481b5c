"""The account's logically air-gapped vault in one region (`backup.logically_air_gapped_vault`), which every plan
rule copies to.

AWS Backup locks every logically air-gapped vault in Vault Lock's compliance mode and encrypts it with an AWS owned
key unless told otherwise (https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html);
CloudFormation takes its MinRetentionDays, MaxRetentionDays, AccessPolicy and MpaApprovalTeamArn
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-backup-logicallyairgappedbackupvault.html).
The access policy is the baseline vault's: nobody deletes recovery points, and the vault's policy and existence
change only through CloudFormation.
"""

from __future__ import annotations

from aws_cdk import aws_backup as backup

from config.models import AirGappedVault
from config.naming import Organization
from constructs import Construct
from constructs.data.backup_vault import vault_access_policy
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.own_account import bootstrap_qualifier
from constructs.shared.retention import STATEFUL


class LogicallyAirGappedVault(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        account_id: str,
        region: str,
        settings: AirGappedVault,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vault = backup.CfnLogicallyAirGappedBackupVault(
            self,
            "Vault",
            backup_vault_name=org.air_gapped_vault,
            min_retention_days=settings.min_retention_days,
            max_retention_days=settings.max_retention_days,
            access_policy=vault_access_policy(org, account_id, region, bootstrap_qualifier(self)),
            mpa_approval_team_arn=settings.mpa_approval_team_arn,
        )
        self.vault.apply_removal_policy(STATEFUL)
        pin_logical_id(self.vault, "AirGappedBackupVault")

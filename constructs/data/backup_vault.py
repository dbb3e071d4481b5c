"""The account's AWS Backup vault in one region: its KMS key, Vault Lock and an access policy that denies
deleting recovery points or loosening the vault's protection."""

from __future__ import annotations

from aws_cdk import aws_backup as backup

from config.models import VaultLock
from config.naming import Organization
from config.policies.statements import PolicyDocument, Statement, allow, aws, deny, document
from constructs import Construct
from constructs.shared.checkov import skip_checkov
from constructs.shared.keys import retained_key
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.own_account import bootstrap_qualifier
from constructs.shared.retention import STATEFUL


def cloudformation_execution_role_arn(partition: str, account_id: str, region: str, qualifier: str) -> str:
    """The CDK bootstrap's CloudFormation execution role: the one principal that may change the vault's policy
    and lock, so such changes go through a reviewed deploy and nothing else."""
    return f"arn:{partition}:iam::{account_id}:role/cdk-{qualifier}-cfn-exec-role-{account_id}-{region}"


def vault_access_policy(org: Organization, account_id: str, region: str, qualifier: str) -> PolicyDocument:
    """Nobody, account root and administrators included, deletes recovery points or shortens their lifecycle;
    AWS Backup's own expiry at the end of the retention period is not an API call by a principal and still
    happens. The vault's own policy, lock and existence change only through CloudFormation."""
    deployer = cloudformation_execution_role_arn(org.partition, account_id, region, qualifier)
    return document(
        deny(
            sid="DenyDeletingRecoveryPointsOrChangingTheirLifecycle",
            principal=aws("*"),
            action=["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
            resource="*",
        ),
        deny(
            sid="DenyChangingVaultProtectionOutsideCloudFormation",
            principal=aws("*"),
            action=[
                "backup:DeleteBackupVault",
                "backup:DeleteBackupVaultAccessPolicy",
                "backup:DeleteBackupVaultLockConfiguration",
                "backup:PutBackupVaultAccessPolicy",
                "backup:PutBackupVaultLockConfiguration",
            ],
            resource="*",
            condition={"ArnNotEquals": {"aws:PrincipalArn": deployer}},
        ),
    )


def vault_key_statements(
    org: Organization, account_id: str, region: str, *, restore_testing: bool = False
) -> list[Statement]:
    """AWS Backup encrypts recovery points with this key, acting as the baseline backup role (and, with restore
    testing on, decrypts them as the restore testing role).

    The statements name the roles by `aws:PrincipalArn` rather than as principal: KMS rejects a key policy whose
    principal does not exist yet, and the roles live in the home-region stack, which may deploy later.
    """
    via_backup = {
        "kms:CallerAccount": account_id,
        "kms:ViaService": f"backup.{region}.amazonaws.com",
    }
    roles = [org.backup_role_arn(account_id)]
    if restore_testing:
        roles.append(org.restore_testing_role_arn(account_id))
    role = {"aws:PrincipalArn": roles[0] if len(roles) == 1 else roles}
    return [
        allow(
            sid="AllowBaselineBackupRoleToUseKeyThroughAwsBackup",
            principal=aws("*"),
            action=["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            resource="*",
            condition={"StringEquals": via_backup, "ArnEquals": role},
        ),
        allow(
            sid="AllowBaselineBackupRoleGrantsForAwsBackup",
            principal=aws("*"),
            action=["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            resource="*",
            condition={"StringEquals": via_backup, "ArnEquals": role, "Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
    ]


class BackupVault(Construct):
    """Retained vault and key; the lock and access policy come from the config and are asserted by tests."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        account_id: str,
        region: str,
        lock: VaultLock,
        restore_testing: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = retained_key(
            self,
            "Key",
            logical_id="BackupVaultKey",
            partition=org.partition,
            account_id=account_id,
            alias=org.backup_key_alias,
            description=f"Encryption of recovery points in the backup vault {org.backup_vault} ({region})",
            statements=vault_key_statements(org, account_id, region, restore_testing=restore_testing),
        )
        narrowed = (
            "Principal * is narrowed by aws:PrincipalArn to the backup role, kms:CallerAccount and kms:ViaService; "
            "naming the role directly fails while the home-region stack has not created it yet. checkov skips per "
            "key, so the gate's policy lint (OPEN_PRINCIPAL) fails any Allow to * without such a condition."
        )
        skip_checkov(self.key, ("CKV_AWS_33", narrowed))
        # Governance mode is a lock without ChangeableForDays; with it, AWS makes it compliance mode.
        changeable = lock.changeable_for_days if lock.mode == "compliance" else None
        self.vault = backup.CfnBackupVault(
            self,
            "Vault",
            backup_vault_name=org.backup_vault,
            encryption_key_arn=self.key.key_arn,
            access_policy=vault_access_policy(org, account_id, region, bootstrap_qualifier(self)),
            lock_configuration=backup.CfnBackupVault.LockConfigurationTypeProperty(
                min_retention_days=lock.min_retention_days,
                max_retention_days=lock.max_retention_days,
                changeable_for_days=changeable,
            ),
        )
        self.vault.apply_removal_policy(STATEFUL)
        pin_logical_id(self.vault, "BackupVault")

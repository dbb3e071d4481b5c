"""Restore testing (`backup.restore_testing`): a plan and one selection per resource type in every region, and the
role AWS Backup restores with (home-region stack; IAM is global).

On the schedule, AWS Backup restores the latest recovery point made within the selection window from the baseline
vault, with the role the selection names, and then deletes the restored resources with its service-linked role
AWSServiceRoleForBackupRestoreTesting
(https://docs.aws.amazon.com/aws-backup/latest/devguide/using-service-linked-roles-AWSServiceRoleForBackupRestoreTesting.html).
Plan and selection properties:
https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingPlanForCreate.html and
https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingSelectionForCreate.html.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_backup as backup
from aws_cdk import aws_iam as iam

from config.models import RestoreTesting
from config.naming import Organization
from config.policies.statements import service_trust
from constructs import Construct

# The AWS managed policy AWS Backup documents for the role it restores with; it grants restores only, not backups
# (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSBackupServiceRolePolicyForRestores.html).
RESTORES_POLICY = "service-role/AWSBackupServiceRolePolicyForRestores"


class RestoreTestingRole(Construct):
    """The role restore tests restore with: the restores policy only, trusted only by AWS Backup. The vault keys let
    it decrypt through AWS Backup (constructs/data/backup_vault.py)."""

    def __init__(self, scope: Construct, construct_id: str, *, org: Organization) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.CfnRole(
            self,
            "Role",
            role_name=org.restore_testing_role,
            description="AWS Backup restores recovery points of the baseline vault with this role to test them "
            "(restore testing in every region of this account)",
            assume_role_policy_document=service_trust("backup.amazonaws.com"),
            managed_policy_arns=[org.aws_managed_policy_arn(RESTORES_POLICY)],
        )
        cdk.Validations.of(self.role).acknowledge(
            cdk.Acknowledgment(
                # Written out, not read from RESTORES_POLICY: another managed policy is a new cdk-nag finding.
                id=f"AwsSolutions-IAM4[Policy::{org.aws_managed_policy_arn('service-role/AWSBackupServiceRolePolicyForRestores')}]",
                reason="AWS Backup documents this restores-only policy for the role it restores with; AWS updates it "
                "as services gain restore support, which a hand-written copy would miss.",
            )
        )


class RestoreTestingPlan(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        account_id: str,
        region: str,
        settings: RestoreTesting,
        role: cdk.CfnResource | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.plan = backup.CfnRestoreTestingPlan(
            self,
            "Plan",
            restore_testing_plan_name=org.restore_testing_plan,
            schedule_expression=settings.schedule,
            start_window_hours=settings.start_window_hours,
            recovery_point_selection=backup.CfnRestoreTestingPlan.RestoreTestingRecoveryPointSelectionProperty(
                algorithm="LATEST_WITHIN_WINDOW",
                include_vaults=[org.backup_vault_arn(account_id, region)],
                recovery_point_types=["SNAPSHOT"],
                selection_window_days=settings.selection_window_days,
            ),
        )
        for resource_type in settings.resource_types:
            selection = backup.CfnRestoreTestingSelection(
                self,
                f"{resource_type}Selection",
                restore_testing_plan_name=org.restore_testing_plan,
                restore_testing_selection_name=org.restore_testing_selection(resource_type),
                protected_resource_type=resource_type,
                protected_resource_arns=["*"],  # every protected resource of the type
                iam_role_arn=org.restore_testing_role_arn(account_id),
            )
            selection.add_resource_dependency(self.plan)  # the plan is named, not referenced
            # The role is named by ARN (regional stacks cannot reference it); in its own stack it must exist first.
            if role is not None:
                selection.add_resource_dependency(role)

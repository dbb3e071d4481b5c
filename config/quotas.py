"""AWS quotas and limits the baseline is measured against, in one place.

Validation (config/validation/), the SCP budget (config/policies/service_control.py) and the verification gate
(checks/) all read these, so a quota AWS changes is changed here once. Quotas that differ per organization
and have changed before (SCP size and count) are config settings; their defaults live here.
"""

from __future__ import annotations

from typing import Final

# --- AWS Organizations -------------------------------------------------------------------------------------
# SCP size and count per target: raised on 15 May 2026 (from 5,120 characters and 5 policies). Defaults of
# `service_control_policies.partitions.<p>.max_policy_chars` / `max_policies_per_target`.
SCP_MAX_CHARS: Final = 10_240
SCP_MAX_POLICIES_PER_TARGET: Final = 10  # FullAWSAccess and SCPs managed elsewhere count
SCP_MAX_CHARS_SETTING: Final = 10 * SCP_MAX_CHARS  # ours: the highest `max_policy_chars` the config takes
# RCPs: 5,120 characters and 5 per root, OU or account, RCPFullAWSAccess included
# (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html).
RCP_MAX_CHARS: Final = 5_120
RCP_MAX_POLICIES_PER_TARGET: Final = 5
BACKUP_POLICY_MAX_CHARS: Final = 10_000  # characters of the saved backup policy document
MAX_OU_DEPTH: Final = 5  # OUs nest at most five levels below the root

# --- IAM ---------------------------------------------------------------------------------------------------
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html: a customer managed policy holds at
# most 6,144 characters (whitespace not counted); a role has at most 10 managed policies attached by default
# (adjustable to 20).
MANAGED_POLICY_MAX_CHARS: Final = 6_144  # customer-managed policy, whitespace excluded
ROLE_MAX_MANAGED_POLICIES: Final = 10  # managed policies attached to one role, default quota
TRUST_POLICY_MAX_CHARS: Final = 2_048  # role trust policy, default quota
MAX_BREAKGLASS_PRINCIPALS: Final = 10  # ours: keeps the breakglass trust policy far below TRUST_POLICY_MAX_CHARS
MAX_ATLANTIS_SERVER_ROLES: Final = 5  # ours: the same, for the Atlantis roles' trust policies

# --- IAM Identity Center -----------------------------------------------------------------------------------
PERMISSION_SET_INLINE_MAX_BYTES: Final = 32_768
PERMISSION_SET_INLINE_MAX_CHARS: Final = 10_240  # not counting whitespace
PERMISSION_SET_MAX_ATTACHED_POLICIES: Final = 20  # AWS managed plus customer managed
PERMISSION_SET_SESSION_HOURS: Final = (1, 12)  # PT1H .. PT12H

# --- CloudFormation ----------------------------------------------------------------------------------------
STACK_MAX_RESOURCES: Final = 500
STACK_RESOURCE_BUDGET: Final = 450  # ours: headroom below STACK_MAX_RESOURCES for each feature's growth
TEMPLATE_MAX_BYTES: Final = 1_000_000  # from S3; the CDK CLI uploads templates over 51,200 bytes

# --- Systems Manager ---------------------------------------------------------------------------------------
# A private SSM document can be shared with at most 1,000 accounts by default (ModifyDocumentPermission raises
# DocumentPermissionLimit past that; AWS Support can raise it):
# https://docs.aws.amazon.com/botocore/latest/reference/services/ssm/client/exceptions/DocumentPermissionLimit.html
DOCUMENT_MAX_SHARED_ACCOUNTS: Final = 1_000

# --- S3, CloudWatch Logs, AWS Backup -----------------------------------------------------------------------
BUCKET_NAME_MAX_CHARS: Final = 63
# The only retention periods (days) CloudWatch Logs accepts.
LOG_RETENTION_DAYS: Final = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
MIN_LOG_RETENTION_DAYS: Final = 365  # ours: CIS and NIST ask for a year of logs
# AWS::Backup::BackupSelection SelectionName: "1 to 50 alphanumeric or '-_.' characters" (CreateBackupSelection):
# https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupSelection.html
BACKUP_SELECTION_NAME_MAX_CHARS: Final = 50
MAX_BACKUP_DAYS: Final = 36_500  # AWS Backup retention and lock periods: at most 100 years
# Start and completion windows of a backup job: at most 100 years (52,560,000 minutes), per
# https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/backup/aws.sdk.kotlin.services.backup.model/-start-backup-job-request/complete-window-minutes.html
BACKUP_WINDOW_MAX_MINUTES: Final = 52_560_000
MAX_LIFECYCLE_DAYS: Final = 36_500  # ours: S3 lifecycle days have no documented maximum; a century is plenty
MIN_CHANGEABLE_DAYS: Final = 3  # compliance-mode Vault Lock: the shortest cooling-off period
COLD_STORAGE_MIN_DAYS: Final = 90  # recovery points stay at least 90 days in cold storage
GLACIER_MIN_DAYS: Final = 90  # S3 Glacier Flexible Retrieval: minimum storage duration before expiry
# Logically air-gapped vault: "The minimum value accepted is 7 days" (MinRetentionDays of
# https://docs.aws.amazon.com/cli/latest/reference/backup/create-logically-air-gapped-backup-vault.html); its
# maximum, like any Vault Lock's, is MAX_BACKUP_DAYS.
AIR_GAPPED_MIN_RETENTION_DAYS: Final = 7
# Restore testing plans (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingPlanForCreate.html):
# StartWindowHours at most 168 (one week), default 24; SelectionWindowDays 1 to 365, default 30.
RESTORE_TESTING_MAX_START_WINDOW_HOURS: Final = 168
RESTORE_TESTING_MAX_SELECTION_WINDOW_DAYS: Final = 365

"""The organization config: pydantic v2 models for the structure of `config/org.yaml`.

Structure only lives here (types, formats, ranges); rules that relate one part of the config to another
(uniqueness, cross-references, partition/region consistency, AWS limits) live in `config/validation/`, so that
every problem of either kind is collected and reported at once.

A new feature adds its own top-level section as a new optional field of `OrgConfig`, with a default, and a
description on every field: the config reference (docs/config-reference.md) is generated from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from config.quotas import (
    LOG_RETENTION_DAYS,
    MAX_ATLANTIS_SERVER_ROLES,
    MAX_BACKUP_DAYS,
    MAX_BREAKGLASS_PRINCIPALS,
    SCP_MAX_CHARS,
    SCP_MAX_POLICIES_PER_TARGET,
)
from config.regions import PartitionName


@dataclass(frozen=True)
class FormatHint:
    """What a constrained string should look like, with an example; the loader shows it when a value does not match
    (pydantic ignores this metadata)."""

    text: str


# Account names become stack IDs and parts of resource names.
AccountName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$"),
    FormatHint("expected 2-40 lowercase letters, digits and hyphens, starting with a letter, e.g. web-prod"),
]
AccountId = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{12}$"),
    FormatHint('expected a 12-digit account ID in quotes, e.g. "012345678901"'),
]
Email = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"),
    FormatHint("expected an email address, e.g. aws-web-prod@example.com"),
]
Region = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$"),
    FormatHint("expected a region name, e.g. us-east-1 or us-gov-west-1"),
]
# An OU is named by its path below the root, e.g. "Workloads/Prod"; "Root" is the organization root.
OuPath = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*(/[A-Za-z0-9][A-Za-z0-9 _.-]*)*$"),
    FormatHint('expected an OU path below the root such as "Workloads/Prod", or "Root"'),
]
OrganizationId = Annotated[
    str, StringConstraints(pattern=r"^o-[a-z0-9]{10,32}$"), FormatHint("expected an organization ID, e.g. o-a1b2c3d4e5")
]
OuId = Annotated[
    str,
    StringConstraints(pattern=r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$"),
    FormatHint("expected an OU ID, e.g. ou-a1b2-c3d4e5f6"),
]
InstanceId = Annotated[
    str,
    StringConstraints(pattern=r"^ssoins-[0-9a-f]{16}$"),
    FormatHint("expected an Identity Center instance ID, e.g. ssoins-7223a1b2c3d4e5f6"),
]
IdentityStoreId = Annotated[
    str, StringConstraints(pattern=r"^d-[0-9a-f]{10}$"), FormatHint("expected an identity store ID, e.g. d-9067a1b2c3")
]
VpcEndpointId = Annotated[
    str,
    StringConstraints(pattern=r"^vpce-[0-9a-f]{8,17}$"),
    FormatHint("expected a VPC endpoint ID, e.g. vpce-0a1b2c3d4e5f67890"),
]
RootId = Annotated[
    str, StringConstraints(pattern=r"^r-[0-9a-z]{4,32}$"), FormatHint("expected an organization root ID, e.g. r-a1b2")
]
# AWS Backup cron: cron(minutes hours day-of-month month day-of-week year), as in EventBridge.
BackupSchedule = Annotated[
    str,
    StringConstraints(pattern=r"^cron\([^()\s]+( [^()\s]+){5}\)$"),
    FormatHint('expected a cron expression with six fields, e.g. "cron(0 5 ? * * *)" (05:00 UTC daily)'),
]
BackupName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"),
    FormatHint("expected 1-40 letters, digits, hyphens and underscores, starting with a letter or digit, e.g. daily"),
]
TagKey = Annotated[
    str,
    StringConstraints(pattern=r"^[^\s].{0,127}$"),
    FormatHint("expected a tag key (1-128 characters, not starting with a space)"),
]
# A Linux user name the SSM agent can run sessions as (useradd's default rules).
LinuxUser = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z_][a-z0-9_-]{0,31}$"),
    FormatHint("expected a Linux user name: lowercase letters, digits, _ and -, e.g. session-user"),
]
NamePrefix = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$"),
    FormatHint("expected 3-20 lowercase letters, digits and hyphens, starting with a letter, e.g. examplecorp"),
]

IamName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9+=,.@_-]{1,64}$"),
    FormatHint("expected an IAM user or role name (letters, digits and +=,.@_-, at most 64), e.g. breakglass-alice"),
]
ExternalId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9+=,.@:/_-]{2,1224}$"),
    FormatHint("expected 2-1224 letters, digits and +=,.@:/_-"),
]
SlackWorkspaceId = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9A-Z]{1,255}$"),
    FormatHint("expected a Slack workspace (team) ID, e.g. T0123ABCDE"),
]
SlackChannelId = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,255}$"), FormatHint("expected a Slack channel ID, e.g. C0456FGHIJ")
]

ROOT_OU = "Root"


class Model(BaseModel):
    """Strict, immutable and closed: a typo in a key is an error, not a silently ignored setting."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class IdentityCenter(Model):
    """The partition's IAM Identity Center instance (one per organization)."""

    instance_id: InstanceId = Field(
        description="Identity Center instance ID, e.g. ssoins-7223a1b2c3d4e5f6 (the ARN is built with the partition)."
    )
    identity_store_id: IdentityStoreId = Field(description="Identity store ID, e.g. d-9067a1b2c3.")
    delegated_admin_account: AccountName | None = Field(
        default=None,
        description="Account registered as Identity Center's delegated administrator; permission sets and "
        "assignments deploy there. Default: the management account.",
    )


class OrganizationalUnit(Model):
    path: OuPath = Field(description='Path below the root, e.g. "Workloads/Prod". Parents must be listed too.')
    id: OuId | None = Field(
        default=None, description="The OU's ID once it exists (ou-xxxx-xxxxxxxx); needed to attach policies."
    )


class Partition(Model):
    """One AWS partition. GovCloud is a separate organization with its own management account."""

    organization_id: OrganizationId = Field(description="The organization's ID, e.g. o-a1b2c3d4e5.")
    management_account: AccountName = Field(description="Name of the organization's management account.")
    log_archive_account: AccountName = Field(description="Name of the account that holds the org trail bucket.")
    security_account: AccountName = Field(description="Name of the security tooling / audit account.")
    home_region: Region = Field(description="Region of the org trail, its bucket and IAM-bearing stacks.")
    allowed_regions: list[Region] = Field(
        min_length=1, description="Regions in use; every account gets a baseline stack in each unless it narrows them."
    )
    identity_center: IdentityCenter
    root_id: RootId | None = Field(
        default=None, description="The organization root's ID (r-xxxx); needed to attach policies to the root."
    )
    organizational_units: list[OrganizationalUnit] = Field(default_factory=list)


class Account(Model):
    """One account: the whole onboarding entry."""

    name: AccountName = Field(description="Stable, unique name; stack IDs derive from it. Never reuse or rename.")
    id: AccountId = Field(description='12-digit account ID, quoted ("012345678901") so leading zeros survive.')
    email: Email = Field(description="The account's root email address.")
    partition: PartitionName
    ou: OuPath = Field(description=f'OU path of the account, or "{ROOT_OU}".')
    regions: list[Region] | None = Field(
        default=None,
        min_length=1,
        description="Baseline regions for this account; defaults to the partition's allowed_regions.",
    )
    backup_plans: list[BackupName] | None = Field(
        default=None,
        description="Names of backup.plans deployed in this account; defaults to all of them, [] for none.",
    )


class TrailBucketLifecycle(Model):
    glacier_after_days: int = Field(default=90, ge=1, description="Move trail logs to Glacier after N days.")
    expire_after_days: int = Field(default=2557, ge=365, description="Delete trail logs after N days (>= 365).")
    noncurrent_expire_after_days: int = Field(
        default=90, ge=1, description="Delete overwritten or deleted object versions after N days."
    )


class Logging(Model):
    trail_bucket: TrailBucketLifecycle = Field(default_factory=TrailBucketLifecycle)
    access_log_expire_after_days: int = Field(
        default=365, ge=90, description="Delete S3 server access logs of the trail bucket after N days."
    )
    cloudwatch_retention_days: int = Field(
        default=365,
        ge=365,
        description=f"Retention of the trail's CloudWatch log group; >= 365 and one of {LOG_RETENTION_DAYS}.",
    )
    alarm_emails: list[Email] = Field(
        default_factory=list, description="Addresses subscribed to the security alarm topic of each partition."
    )


class NetworkRestriction(Model):
    """Networks that network-restricted credentials may be used from (shared by the SCP and the IAM policy)."""

    allowed_cidrs: list[str] = Field(
        min_length=1, description="Source IP ranges (CIDR), e.g. your offices' and NAT gateways' egress ranges."
    )
    allowed_vpc_endpoints: list[VpcEndpointId] = Field(
        default_factory=list,
        description="VPC endpoint IDs (vpce-...) requests may come through; aws:SourceIp is absent there.",
    )


# --- targets: one shape for everything attached to parts of the organization -------------------------


class Targets(Model):
    """Where a policy or an access assignment applies: the root, OUs and accounts, minus excluded accounts."""

    root: bool = Field(default=False, description="The organization root (every account of the partition).")
    organizational_units: list[OuPath] = Field(
        default_factory=list, description='OU paths, e.g. "Workloads/Prod"; an OU includes the OUs below it.'
    )
    accounts: list[AccountName] = Field(default_factory=list, description="Account names.")
    exclude_accounts: list[AccountName] = Field(
        default_factory=list, description="Accounts left out although the root or one of the OUs contains them."
    )


# --- service control policies ------------------------------------------------------------------------

# The library (`config/policies/service_control.py`); each is attached to the root unless the config says otherwise.
ScpName = Literal[
    "deny-leave-organization",
    "deny-root-user",
    "region-lock",
    "protect-baseline",
    "deny-iam-users",
    "protect-account-settings",
    "network-restricted-credentials",
]
SCP_NAMES: tuple[ScpName, ...] = get_args(ScpName)

RolePattern = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9+=,.@_*?-]{1,64}$"),
    FormatHint("expected an IAM role name, optionally with * or ? wildcards, e.g. cdk-hnb659fds-cfn-exec-role-*"),
]


class ScpAttachment(Model):
    enabled: bool = Field(default=True, description="false turns this library policy off (visible in review).")
    targets: Targets = Field(default_factory=lambda: Targets(root=True), description="Where it is attached.")


class RegionOverride(Model):
    organizational_unit: OuPath = Field(description="OU whose accounts may use fewer regions than the partition.")
    allowed_regions: list[Region] = Field(min_length=1, description="A subset of the partition's allowed_regions.")


class ScpPartitionSettings(Model):
    """Quotas of the partition's organization (configurable: they changed in May 2026) and region overrides."""

    max_policy_chars: int = Field(
        default=SCP_MAX_CHARS, ge=1024, description="Maximum size of one SCP in characters (minified JSON)."
    )
    max_policies_per_target: int = Field(
        default=SCP_MAX_POLICIES_PER_TARGET,
        ge=2,
        le=50,
        description="SCPs allowed per root, OU or account, FullAWSAccess included.",
    )
    reserved_slots: int = Field(
        default=0, ge=0, description="Slots per target kept free for SCPs managed elsewhere (e.g. Control Tower)."
    )
    region_overrides: list[RegionOverride] = Field(
        default_factory=list, description="OUs whose accounts are limited to fewer regions."
    )


class ServiceControlPolicies(Model):
    deployment_role_patterns: list[RolePattern] = Field(
        default_factory=lambda: ["cdk-hnb659fds-cfn-exec-role-*"],
        min_length=1,
        description="Role names (wildcards allowed) the baseline is deployed with; the only principals the "
        "baseline protection and the region lock exempt.",
    )
    policies: dict[ScpName, ScpAttachment] = Field(
        default_factory=dict,
        description="Per library policy: enabled and targets. A policy not listed is attached to the root.",
    )
    partitions: dict[PartitionName, ScpPartitionSettings] = Field(
        default_factory=dict, description="Per-partition quotas and region overrides; defaults apply if absent."
    )

    def attachment(self, name: ScpName) -> ScpAttachment:
        return self.policies.get(name, ScpAttachment())

    def settings(self, partition: PartitionName) -> ScpPartitionSettings:
        return self.partitions.get(partition, ScpPartitionSettings())


# --- IAM Identity Center -----------------------------------------------------------------------------

PermissionSetName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9+=,.@_-]{1,32}$"),
    FormatHint("expected 1-32 letters, digits and +=,.@_- (a permission set name)"),
]
# ISO-8601 durations as Identity Center takes them; the 1-12 h range is checked in config/validation/.
IsoDuration = Annotated[
    str,
    StringConstraints(pattern=r"^PT([0-9]{1,2}H|[0-9]{1,2}H[0-9]{1,3}M|[0-9]{1,3}M)$"),
    FormatHint("expected an ISO-8601 duration such as PT1H, PT8H or PT1H30M"),
]
ManagedPolicyName = Annotated[
    str,
    StringConstraints(pattern=r"^([A-Za-z0-9_-]+/)*[A-Za-z0-9+=,.@_-]{1,128}$"),
    FormatHint("expected an AWS managed policy name, e.g. ReadOnlyAccess or job-function/ViewOnlyAccess (no ARN)"),
]
IamPolicyName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9+=,.@_-]{1,128}$"),
    FormatHint("expected an IAM policy name (letters, digits, +=,.@_-)"),
]
GroupId = Annotated[
    str,
    StringConstraints(pattern=r"^([0-9a-f]{10}-|)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
    FormatHint("expected an identity store group ID, e.g. 9067a3c4e1-2f6b8d0e-4c1a-4b7e-9d3f-5a8c2e1b7d40"),
]
HttpsUrl = Annotated[
    str,
    StringConstraints(pattern=r"^https://[^\s]{1,232}$"),
    FormatHint("expected an https:// URL of at most 240 characters"),
]
# IAM policy documents in the config are plain mappings; `${partition}` in them becomes the partition.
PolicyDocument = dict[str, Any]


class CustomerManagedPolicy(Model):
    """A policy the baseline creates in every account a permission set that references it is assigned to."""

    name: IamPolicyName
    description: str = Field(default="", max_length=1000)
    document: PolicyDocument = Field(
        description="IAM policy document; write ARNs as arn:${partition}:... (the partition is filled in)."
    )


class PermissionsBoundary(Model):
    aws_managed_policy: ManagedPolicyName | None = None
    customer_managed_policy: IamPolicyName | None = None


class PermissionSet(Model):
    name: PermissionSetName
    description: str = Field(default="", max_length=700)
    session_duration: IsoDuration = Field(default="PT1H", description="ISO-8601, PT1H to PT12H.")
    aws_managed_policies: list[ManagedPolicyName] = Field(
        default_factory=list, description="AWS managed policy names; job-function/ policies with their path."
    )
    customer_managed_policies: list[IamPolicyName] = Field(
        default_factory=list,
        description="Names from identity_center.customer_managed_policies (or the catalog's); created in each "
        "account the set is assigned to.",
    )
    inline_policy: PolicyDocument | None = Field(default=None, description="One inline IAM policy document.")
    permissions_boundary: PermissionsBoundary | None = None
    relay_state: HttpsUrl | None = Field(
        default=None,
        description="Console URL users land on after sign-in; ${console} becomes the partition's console host.",
    )


class Assignment(Model):
    group_id: GroupId = Field(description="The group's ID in the partition's identity store.")
    group_name: str = Field(min_length=1, max_length=128, description="Readable name of the group (for review).")
    partition: PartitionName
    permission_set: PermissionSetName
    targets: Targets


class OnCallWindow(Model):
    # Timestamps are written into the OnCall policy at synth (aws:CurrentTime takes no policy variables).
    start: Annotated[datetime, Field(strict=False)] = Field(description="UTC timestamp, e.g. 2026-11-23T08:00:00Z")
    end: Annotated[datetime, Field(strict=False)] = Field(description="UTC timestamp after start.")


class IdentityCenterAccess(Model):
    catalog: bool = Field(default=True, description="Include the default permission set catalog.")
    permission_sets: list[PermissionSet] = Field(
        default_factory=list, description="Permission sets; one named like a catalog set replaces it."
    )
    customer_managed_policies: list[CustomerManagedPolicy] = Field(default_factory=list)
    on_call_window: OnCallWindow | None = Field(
        default=None, description="When OnCall's elevated actions are allowed; unset: OnCall is read-only."
    )
    assignments: list[Assignment] = Field(default_factory=list)


class PrincipalRef(Model):
    """An IAM user or role in one of the organization's accounts, resolved to its exact ARN in the partition."""

    account: AccountName = Field(description="Name of the account (in `accounts`) that holds the identity.")
    user: IamName | None = Field(default=None, description="IAM user name (give user or role, not both).")
    role: IamName | None = Field(default=None, description="IAM role name (give user or role, not both).")


class BreakglassPartition(Model):
    principals: list[PrincipalRef] = Field(
        min_length=1,
        max_length=MAX_BREAKGLASS_PRINCIPALS,
        description="Who may assume the breakglass role in every account of the partition (with MFA).",
    )


class SlackChannel(Model):
    workspace_id: SlackWorkspaceId = Field(description="Slack workspace ID, authorized in the AWS Chatbot console.")
    channel_id: SlackChannelId = Field(description="Slack channel ID (channel details, bottom), e.g. C0456FGHIJ.")


class Alerts(Model):
    """Where the central alert hub (security account) sends breakglass, root and other baseline alerts."""

    emails: list[Email] = Field(
        default_factory=list, description="Addresses subscribed to each partition's alert topic."
    )
    slack: dict[PartitionName, SlackChannel] = Field(
        default_factory=dict, description="Optional AWS Chatbot Slack channel per partition (not in GovCloud)."
    )


class AtlantisPartition(Model):
    ci_account: AccountName = Field(description="Name of the account that runs Atlantis and holds Terraform state.")
    server_roles: list[IamName] = Field(
        min_length=1,
        max_length=MAX_ATLANTIS_SERVER_ROLES,
        description="Names of the Atlantis server roles in the CI account; trusted by exact ARN.",
    )
    external_id: ExternalId | None = Field(default=None, description="Optional sts:ExternalId Atlantis must pass.")
    exclude_accounts: list[AccountName] = Field(
        default_factory=list, description="Accounts that get no Atlantis roles (e.g. the management account)."
    )


class VaultLock(Model):
    """AWS Backup Vault Lock of every baseline vault. Compliance mode is irreversible after its cooling-off period."""

    mode: Literal["governance", "compliance"] = Field(
        default="governance",
        description="governance: removable by principals with IAM permission; compliance: immutable for everyone, "
        "root included, once changeable_for_days have passed.",
    )
    min_retention_days: int = Field(
        default=7, ge=1, le=MAX_BACKUP_DAYS, description="Recovery points must be kept at least N days."
    )
    max_retention_days: int = Field(
        default=3650, ge=1, le=MAX_BACKUP_DAYS, description="Recovery points may be kept at most N days."
    )
    changeable_for_days: int | None = Field(
        default=None,
        le=MAX_BACKUP_DAYS,
        description="Compliance mode only: days (>= 3) during which the lock can still be removed or changed.",
    )


class TagCondition(Model):
    key: TagKey = Field(description="Tag key, e.g. backup.")
    value: str = Field(max_length=256, description="Tag value, e.g. daily.")


class BackupSelection(Model):
    tags: list[TagCondition] = Field(
        min_length=1, description="Resources with ANY of these tags (key = value) are backed up by the plan."
    )


class BackupRule(Model):
    name: BackupName = Field(description="Rule name, unique in its plan.")
    schedule: BackupSchedule = Field(description='When backups start, in UTC, e.g. "cron(0 5 ? * * *)".')
    start_window_minutes: int = Field(
        default=60, ge=60, description="A job that has not started within N minutes is cancelled (>= 60)."
    )
    completion_window_minutes: int = Field(
        default=1440, ge=120, description="A started job that has not completed within N minutes is cancelled."
    )
    delete_after_days: int = Field(
        ge=1, le=MAX_BACKUP_DAYS, description="Retention: recovery points are deleted after N days."
    )
    move_to_cold_storage_after_days: int | None = Field(
        default=None, ge=1, description="Move recovery points to cold storage after N days (supported types only)."
    )
    copy_to_region: dict[PartitionName, Region] | None = Field(
        default=None,
        description="Per partition, a second region whose baseline vault receives a copy of each recovery point.",
    )


class BackupPlan(Model):
    name: BackupName = Field(description="Plan name; deployed as <name_prefix>-baseline-<name>.")
    rules: list[BackupRule] = Field(min_length=1)
    selection: BackupSelection


class BackupPolicyTargets(Model):
    root: bool = Field(default=False, description="Attach to the organization root (needs partitions.*.root_id).")
    organizational_units: list[OuPath] = Field(
        default_factory=list, description="OU paths to attach to; each must have an id in its partition."
    )
    accounts: list[AccountName] = Field(default_factory=list, description="Account names to attach to.")


class Backup(Model):
    vault_lock: VaultLock = Field(default_factory=VaultLock)
    plans: list[BackupPlan] = Field(default_factory=list, description="Backup plans; none by default.")
    organization_policy: bool = Field(
        default=False,
        description="Deploy the plans as an Organizations backup policy from each management account instead of "
        "per-account stacks, for the accounts it targets.",
    )
    organization_policy_targets: BackupPolicyTargets = Field(default_factory=BackupPolicyTargets)


class SessionRunAs(Model):
    """Which OS user Linux and macOS sessions run as.

    The agent's default `ssm-user` gets passwordless sudo, so every session would be root-equivalent. Enabled
    by default with an unprivileged user your AMI or user data creates; if that user does not exist, sessions
    fail rather than fall back to a privileged one. A principal tag `SSMSessionRunAs` overrides it per person.
    """

    enabled: bool = Field(default=True, description="Run sessions as `default_user` (or the SSMSessionRunAs tag).")
    default_user: LinuxUser = Field(
        default="session-user", description="OS user for sessions; must exist on the instances (no sudo rights)."
    )


class SessionShellProfile(Model):
    linux: str = Field(default="", max_length=1024, description="Commands run at the start of Linux/macOS sessions.")
    windows: str = Field(default="", max_length=1024, description="Commands run at the start of Windows sessions.")


class SessionLogBucketLifecycle(Model):
    glacier_after_days: int = Field(default=90, ge=1, description="Move session logs to Glacier after N days.")
    expire_after_days: int = Field(default=1096, ge=365, description="Delete session logs after N days (>= 365).")
    noncurrent_expire_after_days: int = Field(
        default=30, ge=1, description="Delete overwritten or deleted object versions after N days."
    )


class SessionManager(Model):
    """Session Manager preferences for every account and region, and the approved session documents."""

    idle_session_timeout_minutes: int = Field(
        default=20, ge=1, le=60, description="End sessions idle for N minutes (1-60)."
    )
    max_session_duration_minutes: int = Field(
        default=60, ge=1, le=1440, description="End every session after N minutes (1-1440)."
    )
    run_as: SessionRunAs = Field(default_factory=SessionRunAs)
    shell_profile: SessionShellProfile = Field(default_factory=SessionShellProfile)
    cloudwatch_retention_days: int = Field(
        default=365,
        ge=365,
        description=f"Retention of each account's session log group; >= 365 and one of {LOG_RETENTION_DAYS}.",
    )
    log_bucket: SessionLogBucketLifecycle = Field(default_factory=SessionLogBucketLifecycle)


class OrgConfig(Model):
    name_prefix: NamePrefix = Field(
        description="Short lowercase prefix for globally unique resource names (S3 buckets)."
    )
    partitions: dict[PartitionName, Partition] = Field(min_length=1)
    accounts: list[Account] = Field(min_length=1)
    logging: Logging = Field(default_factory=Logging)
    network_restriction: NetworkRestriction | None = Field(
        default=None, description="Where network-restricted credentials may be used from; unset: feature off."
    )
    service_control_policies: ServiceControlPolicies = Field(
        default_factory=ServiceControlPolicies,
        description="The SCP library: where each policy is attached, quotas, exemptions. Default: all on the root.",
    )
    identity_center: IdentityCenterAccess = Field(
        default_factory=IdentityCenterAccess, description="Permission sets and group assignments (IAM Identity Center)."
    )
    breakglass: dict[PartitionName, BreakglassPartition] = Field(
        default_factory=dict, description="Breakglass principals per partition; a partition without one gets no role."
    )
    alerts: Alerts = Field(default_factory=Alerts)
    atlantis: dict[PartitionName, AtlantisPartition] = Field(
        default_factory=dict, description="Atlantis (Terraform) per partition; unset: no Atlantis roles or state."
    )
    backup: Backup = Field(default_factory=Backup)
    session_manager: SessionManager = Field(
        default_factory=SessionManager, description="Session Manager preferences and session log retention."
    )


def _format_hints() -> dict[str, str]:
    """Pattern -> hint, from every constrained string type above (pydantic reports the pattern that failed)."""
    hints: dict[str, str] = {}
    for value in list(globals().values()):
        if get_origin(value) is not Annotated:
            continue
        metadata = value.__metadata__
        pattern = next((m.pattern for m in metadata if isinstance(m, StringConstraints) and m.pattern), None)
        hint = next((m.text for m in metadata if isinstance(m, FormatHint)), None)
        if pattern is not None and hint is not None:
            hints[str(pattern)] = hint
    return hints


FORMAT_HINTS: dict[str, str] = _format_hints()

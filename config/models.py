"""The organization config: pydantic v2 models for the structure of `config/org.yaml`.

Structure only lives here (types, formats, ranges); rules that relate one part of the config to another
(uniqueness, cross-references, partition/region consistency, AWS limits) live in `config/validation/`, so that
every problem of either kind is collected and reported at once.

A new feature adds its own top-level section as a new optional field of `OrgConfig`, with a default, and a
description on every field: the config reference (docs/config-reference.md) is generated from them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from config.quotas import (
    AIR_GAPPED_MIN_RETENTION_DAYS,
    BACKUP_WINDOW_MAX_MINUTES,
    LOG_RETENTION_DAYS,
    MAX_ATLANTIS_SERVER_ROLES,
    MAX_BACKUP_DAYS,
    MAX_BREAKGLASS_PRINCIPALS,
    MAX_LIFECYCLE_DAYS,
    RCP_MAX_CHARS,
    RCP_MAX_POLICIES_PER_TARGET,
    RESTORE_TESTING_MAX_SELECTION_WINDOW_DAYS,
    RESTORE_TESTING_MAX_START_WINDOW_HOURS,
    SCP_MAX_CHARS,
    SCP_MAX_CHARS_SETTING,
    SCP_MAX_POLICIES_PER_TARGET,
)
from config.regions import PartitionName


@dataclass(frozen=True)
class FormatHint:
    """What a constrained string should look like, with an example; the loader shows it when a value does not match
    (pydantic ignores this metadata)."""

    text: str
    allowed: Callable[[str], bool] | None = None  # one character AWS accepts: names the first one it would not


def latin1_printable(char: str) -> bool:
    """IAM Identity Center's description characters: tab, line feed, carriage return, U+0020-U+007E, U+00A1-U+00FF
    (https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreatePermissionSet.html)."""
    return char in "\t\n\r" or " " <= char <= "~" or "\u00a1" <= char <= "\u00ff"


def tag_character(char: str) -> bool:
    """Tag keys and values: Unicode letters, separators (spaces) and digits, and _ . : / = + - @
    (pattern ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$, https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_Tag.html)."""
    return unicodedata.category(char)[0] in "LZN" or char in "_.:/=+-@"


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
# AWS tag rules (see tag_character): 1-128 characters for a key, at most 256 for a value.
TagKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, pattern=r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$"),
    FormatHint(
        "expected a tag key: 1-128 letters, digits, spaces and _ . : / = + - @ (the characters AWS tags accept)",
        tag_character,
    ),
]
TagValue = Annotated[
    str,
    StringConstraints(max_length=256, pattern=r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$"),
    FormatHint(
        "expected a tag value: at most 256 letters, digits, spaces and _ . : / = + - @ (the characters AWS tags "
        "accept)",
        tag_character,
    ),
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
    """The partition's IAM Identity Center instance (one per organization). Enable Identity Center in the home
    region once (console) and copy its IDs here."""

    instance_id: InstanceId = Field(
        description="Identity Center instance ID: `ssoins-` and 16 hex digits. The ARN is built with the partition."
    )
    identity_store_id: IdentityStoreId = Field(description="Identity store ID: `d-` and 10 hex digits.")
    delegated_admin_account: AccountName | None = Field(
        default=None,
        description="Account registered as Identity Center's delegated administrator (register it first); the "
        "IdentityCenter and Access stacks deploy there instead of the management account. A delegated "
        "administrator cannot assign sets in the management account: exclude it. Default: the management account.",
    )


class OrganizationalUnit(Model):
    """An organizational unit, named by its path below the root."""

    path: OuPath = Field(
        description="Path below the root, such as `Workloads/Prod`. Its parents must be listed too (at most 5 levels)."
    )
    id: OuId | None = Field(
        default=None,
        description="The OU's ID (`ou-...`) once it exists. Optional until a policy (an SCP or the organization "
        "backup policy) is attached to the OU.",
    )


class Partition(Model):
    """One AWS partition's organization. GovCloud (`aws-us-gov`) is a separate organization, with its own
    management account, trail, log archive and Identity Center; each partition entry describes one organization."""

    organization_id: OrganizationId = Field(description="The organization's ID: `o-` and 10 to 32 characters.")
    management_account: AccountName = Field(
        description="Name of the management account (an entry in `accounts` of this partition). The organization "
        "trail, the CIS alarms and the service control policies deploy here."
    )
    log_archive_account: AccountName = Field(
        description="Name of the account that holds the trail bucket and the session log bucket. Must not be the "
        "management account."
    )
    security_account: AccountName = Field(
        description="Name of the security tooling / audit account. It may decrypt trail logs, and it holds the alert "
        "hub and the approved session documents. A small organization may use the log-archive account."
    )
    deployment_account: AccountName = Field(
        description="Name of the account the baseline is deployed from (the CDK CLI runs there): every account's CDK "
        "bootstrap trusts it (`cdk bootstrap --trust`), and the service control policies let only its principals "
        "assume the CDK deploy roles. Must not be the Atlantis CI account, or Atlantis could deploy the baseline."
    )
    home_region: Region = Field(
        description="Region of the trail, its bucket and the IAM-bearing stacks. Must be in `allowed_regions`."
    )
    allowed_regions: list[Region] = Field(
        min_length=1,
        description="Regions of this partition in use. Every account gets a baseline stack in each, unless it lists "
        "its own `regions`; the region-lock SCP denies the others.",
    )
    identity_center: IdentityCenter = Field(description="The organization's IAM Identity Center instance.")
    root_id: RootId | None = Field(
        default=None,
        description="The organization root's ID (`r-` and 4 to 32 characters, from `aws organizations list-roots`). "
        "Needed to attach policies to the root: the SCP library (on the root by default) and "
        "`backup.organization_policy_targets.root`.",
    )
    organizational_units: list[OrganizationalUnit] = Field(
        default_factory=list,
        description="The OUs that accounts, policies and assignments name (a parent before its children).",
    )


class Account(Model):
    """One account: the whole onboarding entry."""

    name: AccountName = Field(
        description="Unique across partitions. Stack IDs derive from it (`Baseline-<name>-<region>`), so never rename "
        "or reuse it."
    )
    id: AccountId = Field(
        description="The 12-digit account ID, quoted: YAML reads an unquoted `010234567012` as an octal number, and "
        "unquoted numbers lose leading zeros."
    )
    email: Email = Field(description="The account's root email address; unique (case-insensitive).")
    partition: PartitionName = Field(
        description="The account's partition, `aws` or `aws-us-gov`. It must have an entry under `partitions`."
    )
    ou: OuPath = Field(
        description=f"The account's OU path, listed under its partition's `organizational_units`, or `{ROOT_OU}`."
    )
    regions: list[Region] | None = Field(
        default=None,
        min_length=1,
        description="The baseline regions of this account: a subset of the partition's `allowed_regions` that "
        "includes its `home_region`. Defaults to all allowed regions.",
    )
    backup_plans: list[BackupName] | None = Field(
        default=None,
        description="Names of `backup.plans` this account's stacks deploy. Defaults to all of them; `[]` deploys none "
        "(the vault is always there). Use it to leave out plans that copy to a region the account does not use.",
    )


class TrailBucketLifecycle(Model):
    """Lifecycle of the organization trail's logs in the trail bucket (log-archive account)."""

    glacier_after_days: int = Field(
        default=90,
        ge=1,
        le=MAX_LIFECYCLE_DAYS,
        description="Move trail logs to S3 Glacier Flexible Retrieval after N days.",
    )
    expire_after_days: int = Field(
        default=2557,
        ge=365,
        le=MAX_LIFECYCLE_DAYS,
        description="Delete trail logs after N days (at least 365, and at least 90 days after the Glacier move).",
    )
    noncurrent_expire_after_days: int = Field(
        default=90,
        ge=1,
        le=MAX_LIFECYCLE_DAYS,
        description="Delete overwritten or deleted object versions after N days.",
    )


class Logging(Model):
    """Central logging: the organization trail's bucket and log group, and who receives the security alarms."""

    trail_bucket: TrailBucketLifecycle = Field(
        default_factory=TrailBucketLifecycle, description="Lifecycle of the trail logs in the trail bucket."
    )
    access_log_expire_after_days: int = Field(
        default=365,
        ge=90,
        le=MAX_LIFECYCLE_DAYS,
        description="Delete S3 server access logs of the trail bucket after N days (at least 90).",
    )
    cloudwatch_retention_days: int = Field(
        default=365,
        ge=365,
        description="Retention of the trail's CloudWatch Logs group: at least 365 and a value CloudWatch Logs accepts "
        f"({', '.join(str(days) for days in LOG_RETENTION_DAYS if days >= 365)}).",
    )
    alarm_emails: list[Email] = Field(
        default_factory=list,
        description="Addresses subscribed to each partition's security alarm topic "
        "(`<name_prefix>-baseline-security-alarms`). Each must confirm its subscription.",
    )


class NetworkRestriction(Model):
    """Networks that network-restricted credentials may be used from. Credentials of principals tagged
    `baseline:network-restricted=true` work only from these networks, or through an AWS service acting for them
    (`aws:ViaAWSService`); the `network-restricted-credentials` SCP and the IAM policy
    `<name_prefix>-baseline-network-restricted` share these values."""

    allowed_cidrs: list[str] = Field(
        min_length=1,
        description="Source IP ranges in CIDR notation, such as office and NAT egress ranges. Host bits must be "
        "zero, and `0.0.0.0/0` is refused.",
    )
    allowed_vpc_endpoints: list[VpcEndpointId] = Field(
        default_factory=list,
        description="VPC endpoint IDs that may be used. Requests through a VPC endpoint carry no `aws:SourceIp`, so "
        "they are judged by `aws:SourceVpce` against this list (without it, every endpoint request counts as outside).",
    )


# --- targets: one shape for everything attached to parts of the organization -------------------------


class Targets(Model):
    """Where a policy or an access assignment applies: the root, OUs and accounts, minus excluded accounts.

    A target must select something, its OUs and accounts must exist in the partition, and an exclusion that no
    target covers is an error, because it would do nothing."""

    root: bool = Field(default=False, description="The organization root: every account of the partition.")
    organizational_units: list[OuPath] = Field(
        default_factory=list, description="OU paths such as `Workloads/Prod`; an OU includes the OUs below it."
    )
    accounts: list[AccountName] = Field(
        default_factory=list, description="Account names (an account of the other partition is an error)."
    )
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
    """Whether one library policy is attached, and where."""

    enabled: bool = Field(
        default=True, description="`false` turns the library policy off, which stays visible in review."
    )
    targets: Targets = Field(
        default_factory=lambda: Targets(root=True),
        description="Where the policy is attached. The root needs the partition's `root_id` and each OU its `id`; "
        "the management account is refused, because SCPs never apply to it.",
    )


class RegionOverride(Model):
    """An OU whose accounts may use fewer regions than the partition's `allowed_regions` (it can only narrow them)."""

    organizational_unit: OuPath = Field(description="The OU path; the override applies to the accounts in it.")
    allowed_regions: list[Region] = Field(
        min_length=1,
        description="A subset of the partition's `allowed_regions`. Each account in the OU must have `regions` "
        "within it, or its baseline could not deploy there.",
    )


class ScpPartitionSettings(Model):
    """Quotas of the partition's organization (configurable: they changed in May 2026) and region overrides."""

    max_policy_chars: int = Field(
        default=SCP_MAX_CHARS,
        ge=1024,
        le=SCP_MAX_CHARS_SETTING,
        description="Maximum SCP size in characters, minified: the quota since 15 May 2026 (5,120 before). A larger "
        "library policy is split into numbered parts.",
    )
    max_policies_per_target: int = Field(
        default=SCP_MAX_POLICIES_PER_TARGET,
        ge=2,
        le=50,
        description="SCPs per root, OU or account, `FullAWSAccess` included (5 before May 2026). Library policies that "
        "share targets are packed together to fit.",
    )
    reserved_slots: int = Field(
        default=0,
        ge=0,
        le=50,
        description="Slots per target kept free for SCPs managed elsewhere, for example Control Tower's.",
    )
    region_overrides: list[RegionOverride] = Field(
        default_factory=list, description="OUs whose accounts the region lock limits to fewer regions."
    )


class ServiceControlPolicies(Model):
    """The SCP library (`config/policies/service_control.py`): where each policy is attached, the quotas it is
    measured against, and the one role it exempts."""

    deployment_role_patterns: list[RolePattern] = Field(
        default_factory=lambda: ["cdk-hnb659fds-cfn-exec-role-*"],
        min_length=1,
        description="Role names (with `*`/`?`) the baseline is deployed with: the CDK bootstrap's CloudFormation "
        "execution role. The only principals exempt from the baseline protection, the region lock and the tag "
        "protections, matched with `ArnNotLike aws:PrincipalArn arn:<partition>:iam::*:role/<pattern>`.",
    )
    deploy_role_patterns: list[RolePattern] = Field(
        default_factory=lambda: ["cdk-hnb659fds-deploy-role-*"],
        min_length=1,
        description="Role names (with `*`/`?`) of the CDK bootstrap's deploy role: the only principals that may pass "
        "the deployment role (`deployment_role_patterns`) to CloudFormation, and that only principals of the "
        "partition's `deployment_account` may assume.",
    )
    policies: dict[ScpName, ScpAttachment] = Field(
        default_factory=dict,
        description="Per library policy: enabled and targets. A policy not listed is attached to the root.",
    )
    partitions: dict[PartitionName, ScpPartitionSettings] = Field(
        default_factory=dict, description="Per partition: quotas and region overrides; defaults apply if absent."
    )

    def attachment(self, name: ScpName) -> ScpAttachment:
        return self.policies.get(name, ScpAttachment())

    def settings(self, partition: PartitionName) -> ScpPartitionSettings:
        return self.partitions.get(partition, ScpPartitionSettings())


# --- resource control policies -----------------------------------------------------------------------

# The data-perimeter library (`config/policies/resource_control.py`); each is attached to the root unless the config
# says otherwise.
RcpName = Literal["enforce-org-identities", "enforce-confused-deputy-protection", "enforce-secure-transport"]
RCP_NAMES: tuple[RcpName, ...] = get_args(RcpName)


class RcpPartitionSettings(Model):
    """The RCP quotas of the partition's organization, and the accounts outside it trusted with its resources."""

    max_policy_chars: int = Field(
        default=RCP_MAX_CHARS,
        ge=1024,
        le=SCP_MAX_CHARS_SETTING,
        description="Maximum RCP size in characters, minified (5,120 today). A larger library policy is split.",
    )
    max_policies_per_target: int = Field(
        default=RCP_MAX_POLICIES_PER_TARGET,
        ge=2,
        le=50,
        description="RCPs per root, OU or account, `RCPFullAWSAccess` included (5 today).",
    )
    reserved_slots: int = Field(
        default=0, ge=0, le=50, description="Slots per target kept free for RCPs managed elsewhere."
    )
    trusted_accounts: list[AccountId] = Field(
        default_factory=list,
        description="Account IDs outside the organization whose principals (and AWS services acting for them) may "
        "still use the organization's resources, for example a vendor that reads a bucket. Each is a hole in the "
        "perimeter: keep it short.",
    )


class ResourceControlPolicies(Model):
    """The resource control policy library: a data perimeter on the organization's S3, STS, KMS, SQS and Secrets
    Manager resources (only principals of the organization, AWS services acting for it, TLS only)."""

    policies: dict[RcpName, ScpAttachment] = Field(
        default_factory=dict,
        description="Per library policy: enabled and targets (the same shape as the SCPs'). A policy not listed is "
        "attached to the root. `exclude_accounts` leaves those accounts' resources outside the policy.",
    )
    partitions: dict[PartitionName, RcpPartitionSettings] = Field(
        default_factory=dict, description="Per partition: quotas and trusted accounts; defaults apply if absent."
    )

    def attachment(self, name: RcpName) -> ScpAttachment:
        return self.policies.get(name, ScpAttachment())

    def settings(self, partition: PartitionName) -> RcpPartitionSettings:
        return self.partitions.get(partition, RcpPartitionSettings())


# --- organization policies beyond SCPs and RCPs: EC2 declarative policy, S3 policy -------------------

VpcOrSubnetId = Annotated[
    str,
    StringConstraints(pattern=r"^(vpc|subnet)-[0-9a-f]{8,17}$"),
    FormatHint("expected a VPC ID (vpc-0a1b2c3d) or a subnet ID (subnet-0a1b2c3d)"),
]


class VpcBpaExclusion(Model):
    """A VPC or subnet of one account and region that VPC Block Public Access leaves open."""

    account: AccountName = Field(description="The account that owns the VPC or subnet.")
    region: Region = Field(description="Its region: one of the account's baseline regions.")
    id: VpcOrSubnetId = Field(description="The VPC ID (`vpc-...`) or subnet ID (`subnet-...`).")
    mode: Literal["allow-bidirectional", "allow-egress"] = Field(
        default="allow-egress",
        description="`allow-egress`: outbound through the internet gateway only; `allow-bidirectional`: both ways.",
    )


class VpcBlockPublicAccess(Model):
    """VPC Block Public Access: internet gateway traffic of every VPC blocked, except the exclusions."""

    mode: Literal["off", "block_ingress", "block_bidirectional"] = Field(
        default="block_ingress",
        description="`block_ingress`: no inbound internet traffic (NAT and egress-only gateways still work); "
        "`block_bidirectional`: none either way; `off`.",
    )
    exclusions: list[VpcBpaExclusion] = Field(
        default_factory=list,
        description="VPCs and subnets left open, each created as an exclusion in its account's baseline stack. The "
        "policy allows exclusions only if this list is not empty.",
    )


class Ec2DeclarativePolicy(Model):
    """The declarative policy for EC2 (`DECLARATIVE_POLICY_EC2`): account-level EC2 settings enforced by Organizations,
    which account administrators cannot change."""

    enabled: bool = Field(default=True, description="`false` turns the policy off in every partition.")
    targets: Targets = Field(
        default_factory=lambda: Targets(root=True),
        description="Where the policy is attached in each partition (the root needs `root_id`).",
    )
    exclude_partitions: list[PartitionName] = Field(
        default_factory=list,
        description="Partitions whose organization does not get the policy (for example one that has not enabled "
        "the policy type).",
    )
    imdsv2_required: bool = Field(
        default=True, description="New instances default to IMDSv2 only (`http_tokens: required`)."
    )
    serial_console_access: bool = Field(default=False, description="EC2 serial console access; off by default.")
    image_block_public_access: bool = Field(
        default=True, description="No new public sharing of AMIs (`block_new_sharing`)."
    )
    snapshot_block_public_access: Literal["block_all_sharing", "block_new_sharing", "unblocked"] = Field(
        default="block_all_sharing", description="Public sharing of EBS snapshots."
    )
    vpc_block_public_access: VpcBlockPublicAccess = Field(
        default_factory=VpcBlockPublicAccess, description="VPC Block Public Access and its exclusions."
    )


class S3OrganizationPolicy(Model):
    """The S3 policy (`S3_POLICY`): all four S3 Block Public Access settings for every targeted account, set by
    Organizations. Accounts it covers get no per-account setting from their baseline; the others keep it."""

    enabled: bool = Field(default=True, description="`false`: every account keeps the per-account setting instead.")
    targets: Targets = Field(
        default_factory=lambda: Targets(root=True),
        description="Where the policy is attached in each partition (the root needs `root_id`).",
    )
    exclude_partitions: list[PartitionName] = Field(
        default_factory=list, description="Partitions whose accounts keep the per-account setting instead."
    )


class OrganizationPolicies(Model):
    """Organization policies that set service configuration for whole OUs in one document."""

    ec2: Ec2DeclarativePolicy = Field(
        default_factory=Ec2DeclarativePolicy, description="The declarative policy for EC2."
    )
    s3_block_public_access: S3OrganizationPolicy = Field(
        default_factory=S3OrganizationPolicy, description="The S3 policy for Block Public Access."
    )


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
# CreatePermissionSet's Description: 1-700 characters matching [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*
# (https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreatePermissionSet.html); an empty string
# leaves the description out.
PermissionSetDescription = Annotated[
    str,
    StringConstraints(max_length=700, pattern=r"^[\t\n\r\x20-\x7E\xA1-\xFF]*$"),
    FormatHint(
        "expected printable ASCII or Latin-1 characters (Identity Center refuses emoji, typographic dashes and "
        "quotes, and other characters above U+00FF)",
        latin1_printable,
    ),
]
# IAM policy documents in the config are plain mappings; `${partition}` in them becomes the partition.
PolicyDocument = dict[str, Any]


class CustomerManagedPolicy(Model):
    """A policy the baseline creates in every account a permission set that references it is assigned to (in the
    account's home-region baseline stack, before the Access stack assigns the set)."""

    name: IamPolicyName = Field(
        description="The IAM policy's name, which permission sets reference in `customer_managed_policies` or "
        "`permissions_boundary`."
    )
    description: str = Field(default="", max_length=1000, description="The IAM policy's description.")
    document: PolicyDocument = Field(
        description="IAM policy document. Write ARNs as `arn:${partition}:...` (the partition is filled in); an ARN "
        "that names a partition is refused, because a commercial ARN would not match in GovCloud. At most 6,144 "
        "characters minified."
    )


class PermissionsBoundary(Model):
    """The permissions boundary of a permission set: exactly one of the two keys."""

    aws_managed_policy: ManagedPolicyName | None = Field(
        default=None, description="An AWS managed policy name, such as `PowerUserAccess` (no ARN)."
    )
    customer_managed_policy: IamPolicyName | None = Field(
        default=None,
        description="The name of a customer-managed policy from `identity_center.customer_managed_policies`.",
    )


class PermissionSet(Model):
    """A permission set, created in each partition's Identity Center instance."""

    name: PermissionSetName = Field(description="The set's name; a set named like a catalog set replaces it.")
    description: PermissionSetDescription = Field(
        default="",
        description="The set's description, shown in the Identity Center console: at most 700 characters of "
        "printable ASCII and Latin-1 (no emoji or typographic dashes and quotes: Identity Center refuses them).",
    )
    session_duration: IsoDuration = Field(
        default="PT1H", description="Session length, ISO-8601, `PT1H` to `PT12H` (for example `PT8H`, `PT1H30M`)."
    )
    aws_managed_policies: list[ManagedPolicyName] = Field(
        default_factory=list,
        description="Names, not ARNs: `ReadOnlyAccess`, `job-function/ViewOnlyAccess`. The ARN is "
        "`arn:<partition>:iam::aws:policy/<name>`.",
    )
    customer_managed_policies: list[IamPolicyName] = Field(
        default_factory=list,
        description="Names from `identity_center.customer_managed_policies` (or the catalog's); created in each "
        "account the set is assigned to. At most 20 AWS-managed and customer-managed policies together.",
    )
    inline_policy: PolicyDocument | None = Field(
        default=None,
        description="One inline IAM policy document (`arn:${partition}:` for ARNs). At most 32,768 bytes and 10,240 "
        "characters without whitespace.",
    )
    permissions_boundary: PermissionsBoundary | None = Field(
        default=None, description="A permissions boundary for the set's roles in every assigned account."
    )
    relay_state: HttpsUrl | None = Field(
        default=None,
        description="The `https://` URL users land on after sign-in. `${console}` becomes the partition's console host "
        "(`console.aws.amazon.com` or `console.amazonaws-us-gov.com`).",
    )


class Assignment(Model):
    """One IdP group gets one permission set on the targeted accounts of one partition."""

    group_id: GroupId = Field(description="The group's ID in the partition's identity store.")
    group_name: str = Field(
        min_length=1,
        max_length=128,
        description="The group's readable name, for review; it is written into the template metadata.",
    )
    partition: PartitionName = Field(
        description="`aws` or `aws-us-gov`: group IDs belong to one partition's identity store."
    )
    permission_set: PermissionSetName = Field(description="A catalog set or one of `identity_center.permission_sets`.")
    targets: Targets = Field(
        description="Where the set is assigned. OUs include their sub-OUs and expand to their accounts at synth."
    )


_UTC_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})"
)


def _utc_timestamp(value: Any) -> datetime:
    """Only `YYYY-MM-DDTHH:MM[:SS]Z` (or +00:00): aws:CurrentTime is UTC, so another offset or none would shift the
    window silently, and a number would be read as seconds since 1970."""
    example = '"2026-11-23T08:00:00Z"'
    if not isinstance(value, str):
        raise PydanticCustomError("utc_timestamp", f"expected a UTC timestamp in quotes, e.g. {example}")
    match = _UTC_TIMESTAMP.fullmatch(value)
    if match is None:
        raise PydanticCustomError("utc_timestamp", f"expected a UTC timestamp ending in Z, e.g. {example}")
    if match.group(3) not in ("Z", "+00:00"):
        raise PydanticCustomError(
            "utc_timestamp",
            f"has the offset {match.group(3)}; aws:CurrentTime is UTC, so write the time in UTC with a Z, "
            f"e.g. {example}",
        )
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PydanticCustomError("utc_timestamp", f"is not a real date and time; e.g. {example}") from None


UtcTimestamp = Annotated[
    datetime,
    BeforeValidator(_utc_timestamp),
    FormatHint('a UTC timestamp in quotes, ending in Z, e.g. "2026-11-23T08:00:00Z"'),
]


class OnCallWindow(Model):
    """When the OnCall set's elevated actions are allowed (`DateGreaterThan`/`DateLessThan aws:CurrentTime`)."""

    # Timestamps are written into the OnCall policy at synth (aws:CurrentTime takes no policy variables).
    start: UtcTimestamp = Field(description='UTC timestamp in quotes, e.g. `"2026-11-23T08:00:00Z"`.')
    end: UtcTimestamp = Field(description="UTC timestamp in quotes, after `start`.")


class IdentityCenterAccess(Model):
    """Access through IAM Identity Center: permission sets (the default catalog and your own), the customer-managed
    policies they reference, the on-call window and which IdP groups get which set where."""

    catalog: bool = Field(
        default=True,
        description="Include the default permission set catalog (Administrator, PowerUser, ReadOnly, Support, "
        "OnCall, SessionManager).",
    )
    permission_sets: list[PermissionSet] = Field(
        default_factory=list, description="Your own permission sets; one named like a catalog set replaces it."
    )
    customer_managed_policies: list[CustomerManagedPolicy] = Field(
        default_factory=list,
        description="Policies created in every account that a set referencing them is assigned to.",
    )
    on_call_window: OnCallWindow | None = Field(
        default=None,
        description="When OnCall's elevated actions are allowed; written into the policy at synth, because "
        "`aws:CurrentTime` takes no variables. Without a window, OnCall is read-only.",
    )
    assignments: list[Assignment] = Field(
        default_factory=list, description="Which IdP group gets which permission set where."
    )


class PrincipalRef(Model):
    """An IAM user or role in one of the organization's accounts, resolved to its exact ARN with the partition, such
    as `arn:aws-us-gov:iam::320987654331:user/gov-breakglass-alice`."""

    account: AccountName = Field(
        description="Name of the account (in `accounts`, same partition) that holds the identity, usually the "
        "security account."
    )
    user: IamName | None = Field(
        default=None,
        description="IAM user name, without a path (give `user` or `role`, not both). Preferred: a user with an MFA "
        "device.",
    )
    role: IamName | None = Field(
        default=None,
        description="IAM role name, without a path (give `user` or `role`, not both). Its own session must carry MFA "
        "and a source identity.",
    )


class BreakglassPartition(Model):
    """Who may assume the breakglass role `<name_prefix>-baseline-breakglass` in every account of one partition."""

    principals: list[PrincipalRef] = Field(
        min_length=1,
        max_length=MAX_BREAKGLASS_PRINCIPALS,
        description="The identities allowed to break glass (with MFA). They must exist before the baselines are "
        "deployed: IAM rejects a trust policy that names a principal that does not exist.",
    )


class SlackChannel(Model):
    """A Slack channel that receives the alert topic's notifications through AWS Chatbot. It only receives: its role
    has no permissions and its guardrail is `AWSDenyAll`, so no AWS command can be run from Slack."""

    workspace_id: SlackWorkspaceId = Field(
        description="Slack workspace ID (`T...`). Authorize the workspace once in the AWS Chatbot console of the "
        "security account first."
    )
    channel_id: SlackChannelId = Field(
        description="Slack channel ID (`C...`, in the channel details). For a private channel, invite `@aws` first."
    )


class Alerts(Model):
    """Where the central alert hub (security account) sends breakglass, root and other baseline alerts."""

    emails: list[Email] = Field(
        default_factory=list,
        description="Addresses subscribed to each partition's alert topic `<name_prefix>-baseline-alerts`. Each must "
        "confirm its subscription.",
    )
    slack: dict[PartitionName, SlackChannel] = Field(
        default_factory=dict,
        description="An optional AWS Chatbot Slack channel per partition. AWS Chatbot is not available in GovCloud, "
        "so an `aws-us-gov` entry is an error.",
    )


class AtlantisPartition(Model):
    """Terraform through Atlantis in one partition: plan and apply roles in every account, trusted only by the
    Atlantis server roles, and the Terraform state bucket in the CI account."""

    ci_account: AccountName = Field(
        description="Name of the account that runs Atlantis. The Terraform state bucket is created there."
    )
    server_roles: list[IamName] = Field(
        min_length=1,
        max_length=MAX_ATLANTIS_SERVER_ROLES,
        description="Names of the Atlantis server's IAM roles in the CI account (for example its IRSA or ECS task "
        "role). Trusted by exact ARN (`arn:<partition>:iam::<ci-account>:role/<name>`); they must exist before the "
        "baselines are deployed.",
    )
    external_id: ExternalId | None = Field(
        default=None,
        description="An `sts:ExternalId` that Atlantis must pass. Use it if the server roles also assume roles of "
        "third parties.",
    )
    exclude_accounts: list[AccountName] = Field(
        default_factory=list,
        description="Accounts that get no Atlantis roles, such as the management account (service control policies "
        "do not bind it).",
    )


class VaultLock(Model):
    """AWS Backup Vault Lock of every baseline vault. Compliance mode is irreversible after its cooling-off period."""

    mode: Literal["governance", "compliance"] = Field(
        default="governance",
        description="`governance`: the lock enforces retention, and principals with IAM permission can remove it. "
        "`compliance`: immutable for everyone, root included, once `changeable_for_days` have passed; used only "
        "when you write it here.",
    )
    min_retention_days: int = Field(
        default=7, ge=1, le=MAX_BACKUP_DAYS, description="Recovery points must be kept at least N days."
    )
    max_retention_days: int = Field(
        default=3650,
        ge=1,
        le=MAX_BACKUP_DAYS,
        description="Recovery points may be kept at most N days (at least `min_retention_days`).",
    )
    changeable_for_days: int | None = Field(
        default=None,
        le=MAX_BACKUP_DAYS,
        description="Compliance mode only, and required there: the cooling-off period in days (at least 3) during "
        "which the lock can still be changed or removed. Governance mode must not set it: AWS treats a lock with it "
        "as compliance mode.",
    )


class TagCondition(Model):
    """One selection tag: a resource carrying this key with this value is selected."""

    key: TagKey = Field(description="Tag key, e.g. `backup`.")
    value: TagValue = Field(description="Tag value, e.g. `standard`.")


class BackupSelection(Model):
    """Which resources a backup plan backs up."""

    tags: list[TagCondition] = Field(
        min_length=1, description="Resources with ANY of these tags (key = value) are backed up by the plan."
    )


class BackupRule(Model):
    """One schedule of a backup plan, with the lifecycle of its recovery points."""

    name: BackupName = Field(description="Rule name, unique within its plan.")
    schedule: BackupSchedule = Field(
        description="A six-field cron expression in UTC with `?` in exactly one of day-of-month and day-of-week, e.g. "
        "`cron(0 5 ? * * *)`."
    )
    start_window_minutes: int = Field(
        default=60,
        ge=60,
        le=BACKUP_WINDOW_MAX_MINUTES,
        description="A job that has not started within N minutes (at least 60) is cancelled.",
    )
    completion_window_minutes: int = Field(
        default=1440,
        ge=120,
        le=BACKUP_WINDOW_MAX_MINUTES,
        description="A started job that has not completed within N minutes is cancelled; at least 60 more than the "
        "start window.",
    )
    delete_after_days: int = Field(
        ge=1,
        le=MAX_BACKUP_DAYS,
        description="Retention in days. It must lie within the vault lock's `min_retention_days` and "
        "`max_retention_days`: AWS Backup accepts a plan outside them and then fails every one of its jobs, so "
        "synthesis refuses it.",
    )
    move_to_cold_storage_after_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_BACKUP_DAYS,
        description="Move recovery points to cold storage after N days (resource types that support it). "
        "`delete_after_days` must then be at least 90 days later.",
    )
    copy_to_region: dict[PartitionName, Region] | None = Field(
        default=None,
        description="Per partition, a region whose baseline vault receives a copy of each recovery point, e.g. "
        "`{aws: us-west-2, aws-us-gov: us-gov-east-1}`. It must be in the partition's `allowed_regions` and among the "
        "regions of every account that deploys the plan. Copies keep the rule's lifecycle; in the copy region itself "
        "the rule copies nowhere.",
    )


class BackupPlan(Model):
    """A backup plan, deployed as `<name_prefix>-baseline-<name>` in every region of every account, unless an
    account narrows its plans with `backup_plans` or the organization backup policy covers it."""

    name: BackupName = Field(description="Plan name, unique; part of the deployed plan's name.")
    rules: list[BackupRule] = Field(min_length=1, description="The plan's schedules and retention.")
    selection: BackupSelection = Field(description="The tags that select the resources the plan backs up.")


class BackupPolicyTargets(Model):
    """Where the organization backup policy is attached (with `backup.organization_policy: true`)."""

    root: bool = Field(
        default=False,
        description="Attach the policy to the organization root (needs `partitions.<partition>.root_id`).",
    )
    organizational_units: list[OuPath] = Field(
        default_factory=list,
        description="OU paths; each attaches in every partition that lists it, and needs an `id` there. Accounts in "
        "OUs below are covered too.",
    )
    accounts: list[AccountName] = Field(default_factory=list, description="Account names to attach the policy to.")


class AirGappedVault(Model):
    """A logically air-gapped vault (`<name_prefix>-baseline-air-gapped-vault`) in every region of every account of
    the partition: AWS Backup locks it in compliance mode, so nobody, root included, deletes its recovery points
    early. Every rule of the baseline plans copies each recovery point there. Commercial partition only."""

    min_retention_days: int = Field(
        default=AIR_GAPPED_MIN_RETENTION_DAYS,
        ge=AIR_GAPPED_MIN_RETENTION_DAYS,
        le=MAX_BACKUP_DAYS,
        description="Copies must be kept at least N days (AWS accepts at least 7). Every plan rule's "
        "`delete_after_days` must lie within this vault's bounds, or its copy jobs fail.",
    )
    max_retention_days: int = Field(
        default=3650,
        ge=AIR_GAPPED_MIN_RETENTION_DAYS,
        le=MAX_BACKUP_DAYS,
        description="Copies may be kept at most N days (at least `min_retention_days`, at most 36,500).",
    )
    mpa_approval_team_arn: str | None = Field(
        default=None,
        description="An existing multi-party approval team (`arn:<partition>:mpa:...`) that can approve recovering "
        "this vault's backups from another account when the owning account is lost. Commercial partition only.",
    )


# The ProtectedResourceType values the restore testing page lists as supported (those this project has checked:
# https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingSelectionForCreate.html).
RestoreTestingResourceType = Literal["Aurora", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "Neptune", "RDS"]


class RestoreTesting(Model):
    """AWS Backup restore testing in every region of every account of the partition: on the schedule, AWS Backup
    restores the latest recovery point of each protected resource type from the baseline vault, then deletes what it
    restored. Commercial partition only."""

    schedule: BackupSchedule = Field(
        default="cron(0 5 ? * * *)",
        description="When restore tests start: a six-field cron expression in UTC, as for plan rules.",
    )
    start_window_hours: int = Field(
        default=24,
        ge=1,
        le=RESTORE_TESTING_MAX_START_WINDOW_HOURS,
        description="A restore test that has not started within N hours (at most 168) is cancelled.",
    )
    selection_window_days: int = Field(
        default=30,
        ge=1,
        le=RESTORE_TESTING_MAX_SELECTION_WINDOW_DAYS,
        description="Test the latest recovery point made in the last N days (1 to 365).",
    )
    resource_types: list[RestoreTestingResourceType] = Field(
        min_length=1,
        description="The protected resource types to test, one restore testing selection each, e.g. `[EBS, RDS]`.",
    )


class Backup(Model):
    """AWS Backup. Every account gets a vault (`<name_prefix>-baseline-vault`) with its own KMS key in each of its
    regions, whether or not any plan is configured; plans back up the resources that carry one of their selection
    tags."""

    vault_lock: VaultLock = Field(default_factory=VaultLock, description="The Vault Lock of every baseline vault.")
    plans: list[BackupPlan] = Field(default_factory=list, description="Backup plans; none by default.")
    organization_policy: bool = Field(
        default=False,
        description="`true`: deploy the plans as an Organizations backup policy from each management account (stack "
        "`BackupPolicy-<management>`) to `organization_policy_targets`. Targeted accounts then get no plans from "
        "their own stacks, so nothing is backed up twice. Commercial partition only: a GovCloud organization cannot "
        "use backup policies, so targets that cover a GovCloud account are refused.",
    )
    organization_policy_targets: BackupPolicyTargets = Field(
        default_factory=BackupPolicyTargets, description="Where the organization backup policy is attached."
    )
    logically_air_gapped_vault: dict[PartitionName, AirGappedVault] = Field(
        default_factory=dict,
        description="Per partition, a logically air-gapped vault in every account and region, receiving a copy from "
        "every plan rule. Not available in GovCloud, so an `aws-us-gov` entry is an error.",
    )
    restore_testing: dict[PartitionName, RestoreTesting] = Field(
        default_factory=dict,
        description="Per partition, scheduled restore tests of the baseline vault's recovery points in every account "
        "and region. Not available in GovCloud, so an `aws-us-gov` entry is an error.",
    )


class SessionRunAs(Model):
    """Which OS user Linux and macOS sessions run as.

    The agent's default `ssm-user` gets passwordless sudo, so every session would be root-equivalent. Enabled
    by default with an unprivileged user your AMI or user data creates; if that user does not exist, sessions
    fail rather than fall back to a privileged one. A principal tag `SSMSessionRunAs` overrides it per person.
    """

    enabled: bool = Field(
        default=True,
        description="Run Linux and macOS sessions as `default_user` (or the user in the caller's `SSMSessionRunAs` "
        "principal tag) instead of the agent's `ssm-user`.",
    )
    default_user: LinuxUser = Field(
        default="session-user",
        description="OS user for sessions. It must exist on the instances (create it, without sudo, in your AMI or "
        "user data).",
    )


class SessionShellProfile(Model):
    """Commands run at the start of every session, per platform."""

    linux: str = Field(
        default="", max_length=1024, description="Commands run at the start of Linux and macOS sessions."
    )
    windows: str = Field(default="", max_length=1024, description="Commands run at the start of Windows sessions.")


class SessionLogBucketLifecycle(Model):
    """Lifecycle of the session logs in the central session log bucket (log-archive account)."""

    glacier_after_days: int = Field(
        default=90,
        ge=1,
        le=MAX_LIFECYCLE_DAYS,
        description="Move session logs to S3 Glacier Flexible Retrieval after N days.",
    )
    expire_after_days: int = Field(
        default=1096,
        ge=365,
        le=MAX_LIFECYCLE_DAYS,
        description="Delete session logs after N days (at least 365, and at least 90 days after the Glacier move).",
    )
    noncurrent_expire_after_days: int = Field(
        default=30,
        ge=1,
        le=MAX_LIFECYCLE_DAYS,
        description="Delete overwritten or deleted object versions after N days.",
    )


class SessionManager(Model):
    """Session Manager preferences: the same for every account and region, and for the approved session documents."""

    idle_session_timeout_minutes: int = Field(
        default=20,
        ge=1,
        le=60,
        description="End sessions idle for N minutes (1-60; not longer than `max_session_duration_minutes`).",
    )
    max_session_duration_minutes: int = Field(
        default=60, ge=1, le=1440, description="End every session after N minutes (1-1440)."
    )
    run_as: SessionRunAs = Field(
        default_factory=SessionRunAs, description="Which OS user Linux and macOS sessions run as."
    )
    shell_profile: SessionShellProfile = Field(
        default_factory=SessionShellProfile, description="Commands run at the start of every session."
    )
    cloudwatch_retention_days: int = Field(
        default=365,
        ge=365,
        description="Retention of each account's session log group: at least 365 and a value CloudWatch Logs accepts "
        f"({', '.join(str(days) for days in LOG_RETENTION_DAYS if days >= 365)}).",
    )
    log_bucket: SessionLogBucketLifecycle = Field(
        default_factory=SessionLogBucketLifecycle, description="Lifecycle of the central session log bucket."
    )


# GuardDuty protection plans, by their config name; the values are the detector feature names
# (AWS::GuardDuty::Detector CFNFeatureConfiguration.Name in cfn-lint's schemas, the same in both partitions).
GUARDDUTY_PLANS: dict[str, str] = {
    "s3_data_events": "S3_DATA_EVENTS",
    "eks_audit_logs": "EKS_AUDIT_LOGS",
    "ebs_malware_protection": "EBS_MALWARE_PROTECTION",
    "rds_login_events": "RDS_LOGIN_EVENTS",
    "lambda_network_logs": "LAMBDA_NETWORK_LOGS",
    "runtime_monitoring": "RUNTIME_MONITORING",
}
GuardDutyPlan = Literal[
    "s3_data_events",
    "eks_audit_logs",
    "ebs_malware_protection",
    "rds_login_events",
    "lambda_network_logs",
    "runtime_monitoring",
]
SecurityHubStandard = Literal["aws_foundational_security_best_practices", "cis_aws_foundations", "nist_800_53"]
# A Security Hub security control ID as Security Hub writes it, e.g. IAM.6, EC2.10, CloudFront.1.
SecurityControlId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z][A-Za-z0-9]{1,29}\.[0-9]{1,3}$"),
    FormatHint("expected a Security Hub control ID: service, a dot and a number, e.g. IAM.6 or CloudFront.1"),
]
FindingSeverity = Literal["medium", "high", "critical"]


def _all_guardduty_plans() -> list[GuardDutyPlan]:
    return list(get_args(GuardDutyPlan))


def _all_standards() -> list[SecurityHubStandard]:
    return list(get_args(SecurityHubStandard))


class GuardDuty(Model):
    """Amazon GuardDuty, run from the security account (delegated administrator) in every allowed region."""

    enabled: bool = Field(default=True, description="Turn GuardDuty on for every account and allowed region.")
    protection_plans: list[GuardDutyPlan] = Field(
        default_factory=_all_guardduty_plans,
        description="Protection plans turned on for every account (each billed by usage; see "
        "docs/security-services.md): `s3_data_events`, `eks_audit_logs`, `ebs_malware_protection`, "
        "`rds_login_events`, `lambda_network_logs`, `runtime_monitoring` (agent managed by GuardDuty for EC2, EKS "
        "and ECS Fargate). Foundational threat detection (CloudTrail, VPC flow and DNS logs) is always on. Default: "
        "all of them; `[]` for foundational only.",
    )
    export_findings: bool = Field(
        default=True,
        description="Export the findings of every account and allowed region (GuardDuty keeps them 90 days) to the "
        "bucket `<prefix>-guardduty-<log-archive>-<home>` in the log-archive account, encrypted with its own KMS key "
        "and kept with the trail bucket's lifecycle (docs/security-services.md).",
    )


class DisabledControl(Model):
    """A Security Hub control turned off for the whole organization, with why."""

    control: SecurityControlId = Field(description="The security control ID, e.g. `IAM.6`.")
    reason: str = Field(
        min_length=10, max_length=500, description="Why the control is off (shown in reviews; at least 10 characters)."
    )


class SecurityHub(Model):
    """AWS Security Hub CSPM, centrally configured from the security account."""

    enabled: bool = Field(default=True, description="Turn Security Hub on in every account and allowed region.")
    standards: list[SecurityHubStandard] = Field(
        default_factory=_all_standards,
        description="Standards enabled by the configuration policy: `aws_foundational_security_best_practices`, "
        "`cis_aws_foundations` (v3.0.0), `nist_800_53` (Rev. 5). Each control "
        "check is billed per account and region; see docs/security-services.md.",
    )
    disabled_controls: list[DisabledControl] = Field(
        default_factory=list,
        description="Controls turned off in every account, each with its reason. None by default.",
    )


class AwsConfig(Model):
    """AWS Config: a recorder and delivery channel in every account and region of the baseline, their bucket in the
    log-archive account, and the organization aggregator in the security account."""

    enabled: bool = Field(
        default=True,
        description="Record every supported resource type in every baseline account and region (IAM and the other "
        "global types in the home region only), deliver to the Config bucket in the log-archive account, register "
        "the security account as AWS Config's delegated administrator and give it an organization aggregator "
        "(home region, all allowed regions).",
    )


class AccessAnalyzer(Model):
    """IAM Access Analyzer analyzers with the organization as zone of trust, in the security account."""

    enabled: bool = Field(
        default=True,
        description="An external access analyzer for the organization in every allowed region (no charge).",
    )
    unused_access: bool = Field(
        default=False,
        description="Also an unused access analyzer for the organization (home region). Priced per IAM role and "
        "user analyzed per month, in every account: off by default.",
    )
    unused_access_age_days: int = Field(
        default=90, ge=1, le=365, description="Access unused for this many days is reported (1-365)."
    )


class SecurityServices(Model):
    """GuardDuty, Security Hub, AWS Config and IAM Access Analyzer for the whole organization, administered from
    each partition's security account. Every service can be turned off here."""

    guardduty: GuardDuty = Field(default_factory=GuardDuty, description="Amazon GuardDuty.")
    security_hub: SecurityHub = Field(default_factory=SecurityHub, description="AWS Security Hub CSPM.")
    config: AwsConfig = Field(default_factory=AwsConfig, description="AWS Config aggregation.")
    access_analyzer: AccessAnalyzer = Field(default_factory=AccessAnalyzer, description="IAM Access Analyzer.")
    centralized_root_access: bool = Field(
        default=True,
        description="Commercial partition (`aws`) only: centralized root access for member accounts, turned on from "
        "the management account (root credentials management and `sts:AssumeRoot` task sessions), so the root "
        "credentials of member accounts can be audited and deleted (`python -m ops.root_credentials`). Not turned on "
        "in `aws-us-gov` (docs/security-services.md says why).",
    )
    alert_severity: FindingSeverity = Field(
        default="high",
        description="Findings of GuardDuty, Security Hub and Access Analyzer at this severity or above go to the "
        "alert hub: `medium`, `high` (default: high and critical) or `critical`.",
    )


# --- just-in-time elevation --------------------------------------------------------------------------------

RuleName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$"),
    FormatHint("expected 2-40 lowercase letters, digits and hyphens, starting with a letter, e.g. prod-admin"),
]
# A group named by its ID, or by the `group_name` an `identity_center.assignments` entry of the partition gives it.
GroupRef = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128),
    FormatHint("expected a group name from identity_center.assignments, or an identity store group ID"),
]


class ElevationRule(Model):
    """Who may ask for which permission set where, for how long, and who approves. A request that matches a rule is
    granted to the requesting user alone (a USER assignment) and removed when its time is up."""

    name: RuleName = Field(description="Unique rule name; requests and alerts name it.")
    partition: PartitionName = Field(description="`aws` or `aws-us-gov`: groups and accounts of one partition.")
    groups: list[GroupRef] = Field(
        min_length=1,
        description="Requester groups: a `group_name` or `group_id` of an `identity_center.assignments` entry of the "
        "partition (give them the `Requester` set in the Identity Center admin account).",
    )
    permission_set: PermissionSetName = Field(
        description="The set granted. These groups must have no standing assignment of it on the rule's accounts."
    )
    targets: Targets = Field(description="The accounts it may be granted in (OUs include their sub-OUs).")
    max_duration: IsoDuration = Field(
        description="Longest grant, e.g. `PT1H`; at most the set's `session_duration` and at most `PT12H`."
    )
    approver_groups: list[GroupRef] = Field(
        default_factory=list,
        description="Groups whose members approve (never their own requests); required unless `approval_required` "
        "is false. Give them the `Approver` set in the Identity Center admin account.",
    )
    approver_emails: list[Email] = Field(
        default_factory=list,
        description="Addresses told of each pending request of this rule (SNS email; each confirms once).",
    )
    ticket_required: bool = Field(default=False, description="Requests must carry a ticket reference.")
    approval_required: bool = Field(
        default=True,
        description="`false` grants at once, without approval: only for on-call style rules with a short "
        "`max_duration`. Every grant still alerts.",
    )
    pending_timeout: IsoDuration = Field(
        default="PT1H", description="A request not decided within this time expires (`PT5M` to `PT24H`)."
    )


class Reconciliation(Model):
    """The scheduled check for user assignments of the eligible sets that no active grant explains."""

    remove_unexplained: bool = Field(
        default=False,
        description="`true`: remove such assignments after alerting; `false`: alert only.",
    )
    every_minutes: int = Field(default=60, ge=5, le=1440, description="How often the check runs, in minutes.")


class Elevation(Model):
    """Just-in-time elevation: requests, approvals and time-bound grants of permission sets to single users, run by
    the engine (stack `Elevation-<Identity Center admin account>`) in each partition that has rules."""

    rules: list[ElevationRule] = Field(default_factory=list, description="The eligibility rules; none by default.")
    reconciliation: Reconciliation = Field(
        default_factory=Reconciliation, description="The scheduled check for unexplained user assignments."
    )


class StackSets(Model):
    """How the StackSets of `deployment.mode: stacksets` deploy (docs/decisions/0021-stacksets-deployment-mode.md)."""

    administrator: Literal["management", "delegated_admin"] = Field(
        default="management",
        description="Where the StackSets are created and run from: `management` (the partition's management account, "
        "CallAs SELF) or `delegated_admin` (the partition's `deployment_account`, registered as a CloudFormation "
        "StackSets delegated administrator in the management account: CallAs DELEGATED_ADMIN).",
    )
    max_concurrent_percentage: int = Field(
        default=25,
        ge=1,
        le=100,
        description="Percentage of target accounts per region that a StackSet operation deploys to at once (1-100).",
    )
    failure_tolerance_percentage: int = Field(
        default=0,
        ge=0,
        le=100,
        description="Percentage of target accounts per region that may fail before the operation stops in that "
        "region (0-100). 0: the first failure stops it.",
    )
    region_concurrency: Literal["SEQUENTIAL", "PARALLEL"] = Field(
        default="SEQUENTIAL",
        description="Deploy to one region at a time (`SEQUENTIAL`) or to all at once (`PARALLEL`).",
    )
    retain_stacks_on_account_removal: bool = Field(
        default=True,
        description="When an account leaves a targeted OU, keep its baseline stack (and resources) instead of "
        "deleting it.",
    )


class Deployment(Model):
    """How the account baselines deploy: a stack per account and region with `cdk deploy` (`stacks`), or one
    service-managed StackSet per baseline profile (`stacksets`)."""

    mode: Literal["stacks", "stacksets"] = Field(
        default="stacks",
        description="`stacks`: every account's baseline is its own stack, deployed with `make deploy`. `stacksets`: "
        "accounts of OUs whose accounts share a baseline profile get it from a service-managed StackSet with "
        "automatic deployment; the management account keeps its own stacks ([Deploying](deploying.md#two-deployment-"
        "modes)).",
    )
    stacksets: StackSets = Field(
        default_factory=StackSets,
        description="Administrator account and operation preferences of the StackSets (`mode: stacksets`).",
    )


class OrgConfig(Model):
    """The organization config: both partitions' organizations, their accounts, and the settings of every baseline
    feature. Only `name_prefix`, `partitions` and `accounts` are required; every other section has defaults or is off
    when left out."""

    name_prefix: NamePrefix = Field(
        description="Prefix of globally unique names (S3 buckets), the trail name, `<name_prefix>-baseline-*` "
        "resources and SSM parameter paths. Never change it after deploying."
    )
    partitions: dict[PartitionName, Partition] = Field(
        min_length=1,
        description="One entry per organization, keyed by partition (`aws` and/or `aws-us-gov`).",
    )
    accounts: list[Account] = Field(min_length=1, description="Every account of both organizations, one entry each.")
    logging: Logging = Field(default_factory=Logging, description="Central logging settings; every key has a default.")
    network_restriction: NetworkRestriction | None = Field(
        default=None,
        description="Networks that network-restricted credentials may be used from. Leave it out to turn the feature "
        "off.",
    )
    service_control_policies: ServiceControlPolicies = Field(
        default_factory=ServiceControlPolicies,
        description="Where the SCP library is attached, quotas, exemptions. Default: every library policy on the root.",
    )
    resource_control_policies: ResourceControlPolicies = Field(
        default_factory=ResourceControlPolicies,
        description="Where the RCP data-perimeter library is attached, quotas, trusted accounts. Default: every "
        "library policy on the root.",
    )
    organization_policies: OrganizationPolicies = Field(
        default_factory=OrganizationPolicies,
        description="The EC2 declarative policy and the S3 Block Public Access policy. Default: both on the root.",
    )
    identity_center: IdentityCenterAccess = Field(
        default_factory=IdentityCenterAccess,
        description="Permission sets, customer-managed policies, on-call window, group assignments. Default: the "
        "catalog, no assignments.",
    )
    breakglass: dict[PartitionName, BreakglassPartition] = Field(
        default_factory=dict,
        description="Per partition, who may assume the breakglass role. A partition without an entry gets no "
        "breakglass role; its root-activity alerts still deploy.",
    )
    alerts: Alerts = Field(
        default_factory=Alerts,
        description="Email addresses and an optional Slack channel for the central alert hub.",
    )
    atlantis: dict[PartitionName, AtlantisPartition] = Field(
        default_factory=dict,
        description="Per partition, the CI account and Atlantis server roles. A partition without an entry gets no "
        "Atlantis roles and no state bucket.",
    )
    backup: Backup = Field(
        default_factory=Backup,
        description="AWS Backup vault lock, plans and the optional organization backup policy; every key has a "
        "default.",
    )
    session_manager: SessionManager = Field(
        default_factory=SessionManager,
        description="Session Manager preferences and session log retention; every key has a secure default.",
    )
    security_services: SecurityServices = Field(
        default_factory=SecurityServices,
        description="GuardDuty, Security Hub, AWS Config aggregation and IAM Access Analyzer, organization-wide from "
        "the security account; every service is on by default (the unused access analyzer is not).",
    )
    elevation: Elevation = Field(
        default_factory=Elevation,
        description="Just-in-time elevation rules: who may request which permission set where, for how long, "
        "approved by whom. Default: none (no engine is deployed).",
    )
    deployment: Deployment = Field(
        default_factory=Deployment,
        description="Deployment mode: per-account stacks (default) or StackSets per baseline profile.",
    )


def _format_hints() -> dict[str, FormatHint]:
    """Pattern -> hint, from every constrained string type above (pydantic reports the pattern that failed)."""
    hints: dict[str, FormatHint] = {}
    for value in list(globals().values()):
        if get_origin(value) is not Annotated:
            continue
        metadata = value.__metadata__
        pattern = next((m.pattern for m in metadata if isinstance(m, StringConstraints) and m.pattern), None)
        hint = next((m for m in metadata if isinstance(m, FormatHint)), None)
        if pattern is not None and hint is not None:
            hints[str(pattern)] = hint
    return hints


FORMAT_HINTS: dict[str, FormatHint] = _format_hints()

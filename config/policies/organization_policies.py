"""The management-type organization policies the baseline attaches besides backup policies: the declarative policy
for EC2 and the S3 policy (Block Public Access), their documents and targets per partition, and which accounts
the S3 policy covers (those get no per-account Block Public Access setting from their baseline).

Documents follow the management policy syntax (`@@assign`):
- EC2: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_declarative_syntax.html
  (`ec2_attributes`: `instance_metadata_defaults`, `serial_console_access`, `image_block_public_access`,
  `snapshot_block_public_access`, `vpc_block_public_access`).
- S3: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_s3_syntax.html
  (`s3_attributes.public_access_block_configuration` = `all`: the four settings at once).

Organization-level S3 Block Public Access overrides the account's own and makes `PutPublicAccessBlock` fail with
403 in covered accounts (https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_PutPublicAccessBlock.html),
which is why covered accounts do not run the per-account setter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from config.backup import organization_policy_partitions
from config.models import Account, Ec2DeclarativePolicy, OrgConfig, S3OrganizationPolicy, VpcBpaExclusion
from config.naming import Organization
from config.policies.resource_control import enabled_rcps
from config.policies.service_control import enabled_policies
from config.regions import PartitionName
from config.targets import Target, accounts_of, targets_in

PolicyType = Literal["DECLARATIVE_POLICY_EC2", "S3_POLICY"]


@dataclass(frozen=True)
class ManagementPolicy:
    """One organization policy document and where it is attached."""

    name: str
    policy_type: PolicyType
    content: dict[str, Any]
    targets: tuple[Target, ...]
    description: str

    @property
    def target_ids(self) -> list[str]:
        return sorted(t.id for t in self.targets if t.id)


def _assign(value: str) -> dict[str, str]:
    return {"@@assign": value}


def ec2_content(policy: Ec2DeclarativePolicy) -> dict[str, Any]:
    vpc = policy.vpc_block_public_access
    return {
        "ec2_attributes": {
            "instance_metadata_defaults": {
                "http_tokens": _assign("required" if policy.imdsv2_required else "no_preference")
            },
            "serial_console_access": {"status": _assign("enabled" if policy.serial_console_access else "disabled")},
            "image_block_public_access": {
                "state": _assign("block_new_sharing" if policy.image_block_public_access else "unblocked")
            },
            "snapshot_block_public_access": {"state": _assign(policy.snapshot_block_public_access)},
            "vpc_block_public_access": {
                "internet_gateway_block": {
                    "mode": _assign(vpc.mode),
                    "exclusions_allowed": _assign("enabled" if vpc.exclusions else "disabled"),
                }
            },
        }
    }


S3_CONTENT: dict[str, Any] = {"s3_attributes": {"public_access_block_configuration": _assign("all")}}


def _applies(policy: Ec2DeclarativePolicy | S3OrganizationPolicy, partition: PartitionName) -> bool:
    return policy.enabled and partition not in policy.exclude_partitions


def management_policies(config: OrgConfig, partition: PartitionName, org: Organization) -> list[ManagementPolicy]:
    """The EC2 declarative policy and the S3 policy of the partition, where the config turns them on."""
    policies = config.organization_policies
    out = []
    ec2, s3 = policies.ec2, policies.s3_block_public_access
    if _applies(ec2, partition) and (targets := tuple(targets_in(config, partition, ec2.targets))):
        description = "org-baseline EC2 settings: IMDSv2, serial console, AMI/snapshot/VPC block public access"
        out.append(
            ManagementPolicy(
                f"{org.name_prefix}-ec2-settings", "DECLARATIVE_POLICY_EC2", ec2_content(ec2), targets, description
            )
        )
    if _applies(s3, partition) and (targets := tuple(targets_in(config, partition, s3.targets))):
        description = "org-baseline S3 Block Public Access for every covered account"
        out.append(
            ManagementPolicy(f"{org.name_prefix}-s3-block-public-access", "S3_POLICY", S3_CONTENT, targets, description)
        )
    return out


def policy_types(config: OrgConfig, partition: PartitionName) -> list[str]:
    """Every organization policy type the partition's plan attaches: each must be enabled on the root first."""
    types = []
    if enabled_policies(config):
        types.append("SERVICE_CONTROL_POLICY")
    if enabled_rcps(config):
        types.append("RESOURCE_CONTROL_POLICY")
    policies = config.organization_policies
    if _applies(policies.ec2, partition):
        types.append("DECLARATIVE_POLICY_EC2")
    if _applies(policies.s3_block_public_access, partition):
        types.append("S3_POLICY")
    if partition in organization_policy_partitions(config):
        types.append("BACKUP_POLICY")
    return types


def covered_by_s3_policy(config: OrgConfig, account: Account) -> bool:
    """Whether the S3 policy sets Block Public Access for this account (its baseline then sets none itself)."""
    return account.name in s3_policy_accounts(config)


def s3_policy_accounts(config: OrgConfig) -> set[str]:
    """The names of the accounts the S3 policy covers (`covered_by_s3_policy`), of every partition: once for all."""
    s3 = config.organization_policies.s3_block_public_access
    partitions = {account.partition for account in config.accounts if _applies(s3, account.partition)}
    return {a.name for partition in partitions for a in accounts_of(config, partition, s3.targets)}


def vpc_bpa_exclusions(config: OrgConfig, account: Account, region: str) -> list[VpcBpaExclusion]:
    """The VPC Block Public Access exclusions of one account's baseline stack in `region` (none when the EC2 policy
    does not apply to the account's partition: the account then has no VPC Block Public Access to be excluded from)."""
    ec2 = config.organization_policies.ec2
    if not _applies(ec2, account.partition):
        return []
    return [e for e in ec2.vpc_block_public_access.exclusions if e.account == account.name and e.region == region]

"""`organization_policies`: where the EC2 declarative policy and the S3 policy attach, and the VPC Block Public
Access exclusions."""

from __future__ import annotations

from collections.abc import Iterable

from config.models import OrgConfig
from config.policies.resource_control import enabled_rcps
from config.problems import Problem
from config.regions import PartitionName
from config.validation.common import target_problems


def problems(config: OrgConfig) -> Iterable[Problem]:
    policies = config.organization_policies
    for key, policy in (("ec2", policies.ec2), ("s3_block_public_access", policies.s3_block_public_access)):
        where = f"organization_policies.{key}"
        if not policy.enabled:
            continue
        partitions = {p: part for p, part in config.partitions.items() if p not in policy.exclude_partitions}
        yield from target_problems(config, f"{where}.targets", policy.targets, partitions, attaching=True)
        if policy.targets.exclude_accounts:
            # Management policies have no conditions: an account is excluded by attaching elsewhere.
            yield Problem(
                f"{where}.targets.exclude_accounts",
                "an organization policy cannot leave accounts out of the root or an OU it is attached to: attach it "
                "to the OUs and accounts that should have it instead",
            )
        for index, partition_name in enumerate(policy.exclude_partitions):
            if partition_name not in config.partitions:
                yield Problem(f"{where}.exclude_partitions[{index}]", f"partition {partition_name!r} is not configured")
    accounts = {account.name: account for account in config.accounts}
    seen: set[tuple[str, str, str]] = set()
    for index, exclusion in enumerate(policies.ec2.vpc_block_public_access.exclusions):
        at = f"organization_policies.ec2.vpc_block_public_access.exclusions[{index}]"
        account = accounts.get(exclusion.account)
        if account is None:
            yield Problem(f"{at}.account", f"no account named {exclusion.account!r} in accounts")
            continue
        home = config.partitions.get(account.partition)
        regions = account.regions or (home.allowed_regions if home else [])
        if exclusion.region not in regions:
            yield Problem(
                f"{at}.region",
                f"{exclusion.region!r} is not one of account {account.name!r}'s baseline regions "
                f"({', '.join(regions)})",
            )
        entry = (exclusion.account, exclusion.region, exclusion.id)
        if entry in seen:
            yield Problem(f"{at}.id", f"{exclusion.id} is excluded twice in {exclusion.region}")
        seen.add(entry)


def other_root_policies(config: OrgConfig, partition: PartitionName) -> list[str]:
    """The RCPs and organization policies attached to the partition's root (which needs its ID), for the one
    root_id message `service_control_policies` gives."""
    out = []
    rcps = [name for name in enabled_rcps(config) if config.resource_control_policies.attachment(name).targets.root]
    if rcps:
        out.append(f"the RCPs {', '.join(rcps)}")
    policies = config.organization_policies
    for key, policy in (("ec2", policies.ec2), ("s3_block_public_access", policies.s3_block_public_access)):
        if policy.enabled and partition not in policy.exclude_partitions and policy.targets.root:
            out.append(f"organization_policies.{key}")
    if config.security_services.security_hub.enabled:
        out.append("the Security Hub configuration policy (security_services.security_hub)")
    return out

"""Deterministic names and ARNs computed from the config alone.

Stacks in different accounts find each other through these names (never through CloudFormation exports or
lookups), so every stack synthesizes offline and deploys in any order that respects the documented one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config.models import OrgConfig


def bucket_names(prefix: str, log_archive_id: str, region: str) -> dict[str, str]:
    """S3 names are global: the account ID and region make them unique, the prefix makes them readable."""
    return {
        "trail": f"{prefix}-org-trail-{log_archive_id}-{region}",
        "access_logs": f"{prefix}-s3-access-logs-{log_archive_id}-{region}",
    }


@dataclass(frozen=True)
class PartitionNames:
    """Everything one partition's stacks need to know about each other."""

    partition: str
    organization_id: str
    home_region: str
    management_account_id: str
    log_archive_account_id: str
    security_account_id: str
    trail_name: str
    trail_bucket: str
    access_log_bucket: str
    trail_log_group: str
    alarm_topic: str

    @property
    def trail_arn(self) -> str:
        return (
            f"arn:{self.partition}:cloudtrail:{self.home_region}:{self.management_account_id}:trail/{self.trail_name}"
        )

    @property
    def trail_bucket_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.trail_bucket}"

    def account_root_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:root"


def partition_names(config: OrgConfig, partition: str) -> PartitionNames:
    part = config.partitions[partition]
    ids = {account.name: account.id for account in config.accounts}
    log_archive_id = ids[part.log_archive_account]
    buckets = bucket_names(config.name_prefix, log_archive_id, part.home_region)
    return PartitionNames(
        partition=partition,
        organization_id=part.organization_id,
        home_region=part.home_region,
        management_account_id=ids[part.management_account],
        log_archive_account_id=log_archive_id,
        security_account_id=ids[part.security_account],
        trail_name=f"{config.name_prefix}-org-trail",
        trail_bucket=buckets["trail"],
        access_log_bucket=buckets["access_logs"],
        trail_log_group=f"/{config.name_prefix}/org-trail",
        alarm_topic=f"{config.name_prefix}-security-alarms",
    )

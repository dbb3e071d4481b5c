"""`logging`: the trail log group, the trail bucket's lifecycle and the log-archive bucket names."""

from __future__ import annotations

from collections.abc import Iterable

from config.models import OrgConfig
from config.naming import bucket_names
from config.problems import Problem
from config.validation.common import (
    bucket_name_problems,
    email_duplicates,
    lifecycle_problems,
    retention_problems,
)


def problems(config: OrgConfig) -> Iterable[Problem]:
    yield from _settings(config)
    yield from _bucket_names(config)


def _settings(config: OrgConfig) -> Iterable[Problem]:
    logging = config.logging
    yield from retention_problems("logging.cloudwatch_retention_days", logging.cloudwatch_retention_days)
    yield from lifecycle_problems("logging.trail_bucket", logging.trail_bucket)
    yield from email_duplicates("logging.alarm_emails", logging.alarm_emails)


def _bucket_names(config: OrgConfig) -> Iterable[Problem]:
    for part in config.partitions.values():
        log_archive = next((a for a in config.accounts if a.name == part.log_archive_account), None)
        if log_archive is None:
            continue  # reported by the organization checks
        yield from bucket_name_problems(bucket_names(config.name_prefix, log_archive.id, part.home_region).values())

"""`session_manager`: retention, the session log bucket's lifecycle, the timeouts, and how many accounts the
approved documents can be shared with."""

from __future__ import annotations

from collections.abc import Iterable

from config.models import OrgConfig
from config.problems import Problem
from config.quotas import DOCUMENT_MAX_SHARED_ACCOUNTS
from config.validation.common import lifecycle_problems, retention_problems


def problems(config: OrgConfig) -> Iterable[Problem]:
    sessions = config.session_manager
    yield from retention_problems("session_manager.cloudwatch_retention_days", sessions.cloudwatch_retention_days)
    yield from lifecycle_problems("session_manager.log_bucket", sessions.log_bucket)
    if sessions.idle_session_timeout_minutes > sessions.max_session_duration_minutes:
        yield Problem(
            "session_manager.idle_session_timeout_minutes",
            f"{sessions.idle_session_timeout_minutes} minutes is longer than max_session_duration_minutes "
            f"({sessions.max_session_duration_minutes}); the idle timeout would never apply",
        )
    yield from _shared_accounts(config)


def _shared_accounts(config: OrgConfig) -> Iterable[Problem]:
    """Every account of a partition but the security account (which owns them) shares the approved documents."""
    for name, part in config.partitions.items():
        sharing = [a.name for a in config.accounts if a.partition == name and a.name != part.security_account]
        if len(sharing) > DOCUMENT_MAX_SHARED_ACCOUNTS:
            yield Problem(
                f"partitions.{name}",
                f"{len(sharing):,} accounts would share the approved session documents; SSM shares a document with "
                f"at most {DOCUMENT_MAX_SHARED_ACCOUNTS:,} accounts (DocumentPermissionLimit). Ask AWS Support to "
                "raise the quota first, then raise DOCUMENT_MAX_SHARED_ACCOUNTS in config/quotas.py",
            )

"""`session_manager`: retention, the session log bucket's lifecycle and the timeouts."""

from __future__ import annotations

from collections.abc import Iterable

from config.models import OrgConfig
from config.problems import Problem
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

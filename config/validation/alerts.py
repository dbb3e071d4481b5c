"""`alerts`: where the alert hub sends alerts. Whether AWS Chatbot exists in a partition is the capability matrix's
call (`config/capabilities.py`, entry `chatbot`)."""

from __future__ import annotations

from collections.abc import Iterable

from config.models import OrgConfig
from config.problems import Problem
from config.validation.common import configured_partition, email_duplicates


def problems(config: OrgConfig) -> Iterable[Problem]:
    yield from email_duplicates("alerts.emails", config.alerts.emails)
    for partition in config.alerts.slack:
        yield from configured_partition(config, f"alerts.slack.{partition}", partition)

"""`alerts`: where the alert hub sends alerts; AWS Chatbot only where it exists."""

from __future__ import annotations

from collections.abc import Iterable

from config.models import OrgConfig
from config.problems import Problem
from config.validation.common import configured_partition, email_duplicates


def problems(config: OrgConfig) -> Iterable[Problem]:
    yield from email_duplicates("alerts.emails", config.alerts.emails)
    for partition in config.alerts.slack:
        where = f"alerts.slack.{partition}"
        yield from configured_partition(config, where, partition)
        if partition == "aws-us-gov":
            yield Problem(
                where,
                "AWS Chatbot is not available in GovCloud (us-gov-west-1, us-gov-east-1): remove this entry and "
                "subscribe emails (alerts.emails) or your own HTTPS endpoint to the GovCloud alert topic",
            )

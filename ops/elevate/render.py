"""How `elevate` shows requests: a table for `list`, a few lines for one request, JSON for scripts (`--json`).

Every value shown comes from the API, and some were typed by another person (reason, comment, ticket): they are
printed through `printable`, so a control character cannot recolour, move or hide part of what an approver reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from config.problems import printable

REASON_CHARS = 40  # the reason column of the table is cut to this; `--json` has it whole
EMPTY = {
    "mine": "You have no elevation requests.",
    "pending": "No requests await your approval.",
    "active": "No active elevated access.",
}


def duration(minutes: Any) -> str:
    """60 -> `1h`, 90 -> `1h30m`, 30 -> `30m`."""
    if not isinstance(minutes, int) or minutes < 0:
        return "?"
    hours, rest = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + (f"{rest}m" if rest or not hours else "")


def shown(value: Any) -> str:
    return printable(str(value)) if value not in (None, "") else "-"


def account(record: Mapping[str, Any], names: Mapping[str, str]) -> str:
    account_id = str(record.get("account_id", ""))
    return f"{names[account_id]} ({account_id})" if account_id in names else shown(account_id)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def until(record: Mapping[str, Any]) -> str:
    """The moment that matters next for a request: when a pending one expires, when a grant ends."""
    status = record.get("status")
    if status == "pending":
        return shown(record.get("pending_until"))
    if status in ("approved", "active"):
        return shown(record.get("ends_at"))
    return shown(record.get("decision_at") or record.get("ends_at"))


def table(records: Sequence[Mapping[str, Any]], names: Mapping[str, str], scope: str) -> str:
    if not records:
        return EMPTY[scope]
    header = ("ID", "STATUS", "REQUESTER", "ACCOUNT", "PERMISSION SET", "FOR", "UNTIL", "REASON")
    rows = [
        (
            shown(r.get("id")),
            shown(r.get("status")),
            shown(r.get("requester")),
            account(r, names),
            shown(r.get("permission_set")),
            duration(r.get("duration_minutes")),
            until(r),
            _cut(shown(r.get("reason")), REASON_CHARS),
        )
        for r in records
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in [header, *rows]]
    return "\n".join(line.rstrip() for line in lines)


def one(record: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """`<id>: <status>` and what the request is, who decided and until when."""
    status = shown(record.get("status"))
    lines = [
        f"{shown(record.get('id'))}: {status}",
        f"  {shown(record.get('permission_set'))} on {account(record, names)} for "
        f"{duration(record.get('duration_minutes'))}, requested by {shown(record.get('requester'))}",
        f"  reason: {shown(record.get('reason'))}"
        + (f" (ticket {shown(record.get('ticket'))})" if record.get("ticket") else ""),
    ]
    if record.get("approver"):
        comment = record.get("decision_comment")
        lines.append(f"  decided by {shown(record.get('approver'))}" + (f": {shown(comment)}" if comment else ""))
    moment = until(record)
    if record.get("status") == "pending":
        lines.append(f"  awaiting approval until {moment}")
    elif record.get("status") == "approved" and not record.get("ends_at"):
        lines.append("  the engine is granting it now: `elevate list` shows it active, with its end")
    elif record.get("status") in ("approved", "active"):
        lines.append(f"  access until {moment}")
    return "\n".join(lines)


def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True)


def decision_email(notice: Any) -> str | None:
    """The line saying where the decision will be emailed (the API's `decision_email`), or None."""
    if not isinstance(notice, Mapping):
        return None
    email, state = shown(notice.get("email")), notice.get("state")
    if state == "confirmation_sent":
        return (
            f"  decisions are emailed to {email} once you confirm: Amazon SNS has just emailed you a confirmation "
            "link (valid for three days)"
        )
    if state == "pending_confirmation":
        return f"  decisions are emailed to {email} once you confirm the link Amazon SNS emailed you"
    if state == "subscribed":
        return f"  decisions are emailed to {email}"
    if state == "no_email":
        return "  no decision email: your Identity Center user has no email address; `elevate list` shows it"
    return "  the decision email could not be set up (see the engine's logs); `elevate list` shows the decision"

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


def _text(value: Any) -> str:
    return printable(str(value)) if value not in (None, "") else "-"


def account(record: Mapping[str, Any], names: Mapping[str, str]) -> str:
    account_id = str(record.get("account_id", ""))
    return f"{names[account_id]} ({account_id})" if account_id in names else _text(account_id)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def until(record: Mapping[str, Any]) -> str:
    """The moment that matters next for a request: when a pending one expires, when a grant ends."""
    status = record.get("status")
    if status == "pending":
        return _text(record.get("pending_until"))
    if status in ("approved", "active"):
        return _text(record.get("ends_at"))
    return _text(record.get("decision_at") or record.get("ends_at"))


def table(records: Sequence[Mapping[str, Any]], names: Mapping[str, str], scope: str) -> str:
    if not records:
        return EMPTY[scope]
    header = ("ID", "STATUS", "REQUESTER", "ACCOUNT", "PERMISSION SET", "FOR", "UNTIL", "REASON")
    rows = [
        (
            _text(r.get("id")),
            _text(r.get("status")),
            _text(r.get("requester")),
            account(r, names),
            _text(r.get("permission_set")),
            duration(r.get("duration_minutes")),
            until(r),
            _cut(_text(r.get("reason")), REASON_CHARS),
        )
        for r in records
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in [header, *rows]]
    return "\n".join(line.rstrip() for line in lines)


def one(record: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """`<id>: <status>` and what the request is, who decided and until when."""
    status = _text(record.get("status"))
    lines = [
        f"{_text(record.get('id'))}: {status}",
        f"  {_text(record.get('permission_set'))} on {account(record, names)} for "
        f"{duration(record.get('duration_minutes'))}, requested by {_text(record.get('requester'))}",
        f"  reason: {_text(record.get('reason'))}"
        + (f" (ticket {_text(record.get('ticket'))})" if record.get("ticket") else ""),
    ]
    if record.get("approver"):
        comment = record.get("decision_comment")
        lines.append(f"  decided by {_text(record.get('approver'))}" + (f": {_text(comment)}" if comment else ""))
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

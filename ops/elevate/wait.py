"""`elevate request --wait`: ask the API about the request until it is decided and granted (or not), saying what
changes on the way, for at most the given time.

The engine grants an approved request within seconds to minutes (Identity Center's assignment is asynchronous), so
waiting ends at `active` or at an end that grants nothing (denied, expired, failed); `approved` is on the way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from ops.elevate import client, render
from ops.elevate.inputs import ElevateError

POLL_SECONDS = 10  # the API allows 10 requests a second per stage; one caller polling every 10 s is nothing
ON_THE_WAY = ("pending", "approved")

# The clock and the pause (tests replace them).
monotonic: Callable[[], float] = time.monotonic
sleep: Callable[[float], None] = time.sleep


def _mine(connection: client.Connection, url: str, request_id: str) -> dict[str, Any]:
    answer = client.call(connection, url, "GET", "/requests?scope=mine")
    records = answer.get("requests") if isinstance(answer, dict) else None
    found = [r for r in records or [] if isinstance(r, dict) and r.get("id") == request_id]
    if not found:
        raise ElevateError(f"request {request_id} is no longer among your requests (`elevate list`)")
    return found[0]


def _progress(record: Mapping[str, Any]) -> str:
    status = record.get("status")
    if status == "pending":
        return f"waiting for an approver (until {render.until(record)})"
    if status == "approved":
        return f"approved by {render.shown(record.get('approver'))}; Identity Center is granting it"
    return str(render.shown(status))


def _outcome(record: Mapping[str, Any]) -> str:
    """The one message for a request that ended without access."""
    status = record.get("status")
    request_id = render.shown(record.get("id"))
    if status == "denied":
        comment = record.get("decision_comment")
        by = render.shown(record.get("approver"))
        return f"request {request_id} was denied by {by}" + (f": {render.shown(comment)}" if comment else "")
    if status == "expired":
        return f"request {request_id} expired: no approver decided before {render.until(record)}"
    if status == "failed":
        return f"request {request_id} was approved but could not be granted; the engine's alert says why"
    return f"request {request_id} is {render.shown(status)}"


def wait(
    connection: client.Connection,
    url: str,
    record: Mapping[str, Any],
    timeout_minutes: int,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Poll until the request is active (returned) or ended without access (ElevateError), at most
    `timeout_minutes`; `say` gets one line per change of status."""
    request_id = str(record.get("id"))
    current = dict(record)
    said = _progress(current)
    say(f"{request_id}: {said}")
    deadline = monotonic() + timeout_minutes * 60
    while current.get("status") in ON_THE_WAY:
        if monotonic() >= deadline:
            raise ElevateError(
                f"request {request_id} is still {current.get('status')} after {render.duration(timeout_minutes)} "
                "of waiting; `elevate list` shows it later"
            )
        sleep(POLL_SECONDS)
        current = _mine(connection, url, request_id)
        if _progress(current) != said:
            said = _progress(current)
            say(f"{request_id}: {said}")
    if current.get("status") != "active":
        raise ElevateError(_outcome(current))
    return current

"""What goes wrong in a config, and how it is reported: every problem at once, each with its line and path.

A leaf module: the loader, validation and the policy budgets all produce `Problem`s without importing each other.
It also renders what a config holds the way the file says it (YAML, not Python): `key_text` for mapping keys,
`shown` for values cut to a readable length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

SHOWN_CHARS = 60  # a value echoed in a message is cut to this many characters


@dataclass(frozen=True, order=True)
class Problem:
    path: str  # "accounts[3].id"; "" for the document itself
    message: str
    line: int | None = None  # for problems found before there are paths (encoding, characters, YAML syntax)


class ConfigError(Exception):
    """The config has problems; `str()` lists all of them, one per line, with file, line and path."""

    def __init__(self, source: str, problems: list[Problem], lines: dict[str, int] | None = None):
        self.source = source
        self.lines = lines or {}
        unique = list(dict.fromkeys(problems))
        self.problems = sorted(unique, key=lambda problem: self.line_of(problem.path, problem.line) or 0)  # file order
        super().__init__(self.render())

    def line_of(self, path: str, line: int | None = None) -> int | None:
        if line is not None:
            return line
        # A missing key has no line of its own: point at the nearest enclosing node that exists.
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""

    def render(self) -> str:
        count = len(self.problems)
        out = [f"{self.source}: {count} problem{'s' if count != 1 else ''} in the organization config:"]
        for problem in self.problems:
            line = self.line_of(problem.path, problem.line)
            where = f"{self.source}:{line}" if line else self.source
            path = problem.path if len(problem.path) <= SHOWN_CHARS * 2 else problem.path[: SHOWN_CHARS * 2] + "..."
            label = f"{path}: " if path else ""
            out.append(printable(f"  {where}: {label}{problem.message}"))
        return "\n".join(out)


def printable(text: str) -> str:
    """`text` with every character a terminal would not show as itself (controls, line separators, bidirectional
    overrides) written as an escape, so a key or value from the file cannot colour, split or reorder the message."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char == " " else repr(char)[1:-1] for char in text)


def key_text(key: Any) -> str:
    """A mapping key as written in YAML (`true`, `1`, `2026-01-01`), for paths such as `partitions.1`."""
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, date):
        return key.isoformat()
    return str(key)


def shown(value: Any) -> str:
    """A value from the config as a message shows it: YAML words for YAML types, text quoted and cut short."""
    if isinstance(value, str):
        if len(value) > SHOWN_CHARS:
            return repr(value[:SHOWN_CHARS]) + f"... ({len(value):,} characters)"
        return repr(value)
    if isinstance(value, bool):
        return "the boolean " + ("true" if value else "false")
    if value is None:
        return "an empty value (null)"
    if isinstance(value, int):
        digits = str(value)
        return f"the number {digits}" if len(digits) <= 20 else f"the number {digits[:12]}... ({len(digits)} digits)"
    if isinstance(value, float):
        if math.isnan(value):
            return "the special number .nan"
        if math.isinf(value):
            return "the special number .inf" if value > 0 else "the special number -.inf"
        return f"the decimal number {value!r}"
    if isinstance(value, datetime):
        return f"the timestamp {value.isoformat()}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return "a value YAML cannot give here"

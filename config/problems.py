"""What goes wrong in a config, and how it is reported: every problem at once, each with its line and path.

A leaf module: the loader, validation and the policy budgets all produce `Problem`s without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str  # "accounts[3].id"; "" for the document itself
    message: str


class ConfigError(Exception):
    """The config has problems; `str()` lists all of them, one per line, with file, line and path."""

    def __init__(self, source: str, problems: list[Problem], lines: dict[str, int] | None = None):
        self.source = source
        self.lines = lines or {}
        self.problems = sorted(problems, key=lambda problem: self.line_of(problem.path) or 0)  # file order
        super().__init__(self.render())

    def line_of(self, path: str) -> int | None:
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
            line = self.line_of(problem.path)
            where = f"{self.source}:{line}" if line else self.source
            label = f"{problem.path}: " if problem.path else ""
            out.append(f"  {where}: {label}{problem.message}")
        return "\n".join(out)

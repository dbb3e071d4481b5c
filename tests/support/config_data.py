"""Changing config data (the example's YAML as dicts and lists) by path, as a person editing org.yaml would.

Paths are dotted, with list positions as numbers: `accounts.3.id`, `partitions.aws.organizational_units.5.id`.
"""

from __future__ import annotations

from typing import Any, Final

DELETE: Final = object()
"""A value for `set_path` that removes the key (or list item) instead of setting it."""

Mutation = tuple[str, Any, str]
"""(path in the config data, new value or DELETE, the fragment the config error must contain)."""


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set (or, with DELETE, remove) the value at `path` in `data`, in place."""
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is DELETE:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value


def mutation_ids(mutations: list[Mutation]) -> list[str]:
    """Test IDs for a table of mutations: `path=value` (the value cut to 20 characters)."""
    return [path + "=" + str(value)[:20] for path, value, _ in mutations]

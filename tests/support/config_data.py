"""Changing config data (the example's YAML as dicts and lists) by path, as a person editing org.yaml would, and
reading the error that validation gives.

Paths are dotted, with list positions as numbers: `accounts.3.id`, `partitions.aws.organizational_units.5.id`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any, Final

import pytest

from config.models import OrgConfig
from config.problems import ConfigError

ConfigFrom = Callable[[dict[str, Any]], OrgConfig]
"""The `config_from` fixture (conftest): validates config data (a changed copy of `example_data`) as a file would be."""

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


def changed(data: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of `data` with each path of `changes` set to its value (or, with DELETE, removed), in order."""
    result = copy.deepcopy(data)
    for path, value in changes.items():
        set_path(result, path, value)
    return result


def mutation_ids(mutations: list[Mutation]) -> list[str]:
    """Test IDs for a table of mutations: `path=value` (the value cut to 20 characters)."""
    return [path + "=" + str(value)[:20] for path, value, _ in mutations]


def config_error(config_from: ConfigFrom, data: dict[str, Any]) -> str:
    """The message of the ConfigError that validating `data` raises; the test fails if `data` is valid."""
    with pytest.raises(ConfigError) as caught:
        config_from(data)
    return str(caught.value)


def problems_of(config_from: ConfigFrom, data: dict[str, Any]) -> dict[str, list[str]]:
    """Every problem validating `data` finds, by path (empty when it is valid)."""
    try:
        config_from(data)
    except ConfigError as err:
        found: dict[str, list[str]] = {}
        for problem in err.problems:
            found.setdefault(problem.path, []).append(problem.message)
        return found
    return {}


def commercial_only(example_data: dict[str, Any]) -> dict[str, Any]:
    """A commercial-only org with home region us-west-2, where web-dev runs in us-west-2 only: the accounts' global
    events (us-east-1) land outside web-dev's baseline regions, so it gets an Alerts stack."""
    data = copy.deepcopy(example_data)
    keep = {"management", "log-archive", "security", "shared-services", "ci", "web-dev"}  # shared-services deploys
    data["partitions"] = {"aws": {**data["partitions"]["aws"], "home_region": "us-west-2"}}
    data["accounts"] = [a for a in data["accounts"] if a["name"] in keep]
    for account in data["accounts"]:
        account.pop("backup_plans", None)
        if account["name"] == "web-dev":
            account["regions"] = ["us-west-2"]
    data.pop("backup", None)  # its copy rules name GovCloud regions
    for section in (
        "service_control_policies",
        "identity_center",
        "organization_policies",
        "elevation",
    ):  # name accounts, GovCloud
        data.pop(section, None)
    data["breakglass"] = {"aws": data["breakglass"]["aws"]}
    data["atlantis"] = {"aws": data["atlantis"]["aws"]}
    return data

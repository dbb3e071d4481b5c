"""Load `org.yaml` into an `OrgConfig`, collecting every problem (YAML, structure, semantics) at once.

Each problem is reported with its path in the file (`accounts[3].id`) and its line, so a config with
several mistakes is fixed in one round instead of one traceback at a time.
"""

from __future__ import annotations

import copy
import difflib
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from config.models import FORMAT_HINTS, OrgConfig
from config.problems import ConfigError, Problem
from config.validation import semantic_problems


def load_config(path: str | Path) -> OrgConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(str(path), [Problem("", f"cannot read the config file: {err.strerror or err}")]) from None
    return parse_config(text, source=str(path))


def parse_config(text: str, source: str = "<config>") -> OrgConfig:
    data, lines, problems = _parse_yaml(text)
    if problems:
        raise ConfigError(source, problems, lines)
    if not isinstance(data, dict):
        raise ConfigError(source, [Problem("", "the config must be a YAML mapping (key: value) at the top level")])
    try:
        config = OrgConfig.model_validate(data)
    except ValidationError as err:
        problems = sorted({_describe(error) for error in err.errors()})
        raise ConfigError(source, problems + _semantics_of_the_rest(data, err.errors()), lines) from None
    problems = semantic_problems(config)
    if problems:
        raise ConfigError(source, problems, lines)
    return config


def _semantics_of_the_rest(data: dict[str, Any], errors: list[Any]) -> list[Problem]:
    """Semantic problems of the config without the entries that failed structure, so one run shows both kinds.

    Findings that may only follow from a pruned entry (they name it) are left out; they show up, if real, once
    the structural problem is fixed. Paths keep the indices of the file.
    """
    pruned = _prune(data, errors)
    if pruned is None:
        return []
    data, kept_indices, removed_names = pruned
    try:
        config = OrgConfig.model_validate(data)
    except ValidationError:
        return []  # pruning left something required empty; the structural problems come first
    problems = []
    for problem in semantic_problems(config):
        if any(f"{name!r}" in problem.message for name in removed_names):
            continue
        path = problem.path
        for container in sorted(kept_indices, key=len):  # outer lists first, so inner paths match
            prefix = f"{container}["
            if path.startswith(prefix):
                index, rest = path[len(prefix) :].split("]", 1)
                path = f"{prefix}{kept_indices[container][int(index)]}]{rest}"
        problems.append(Problem(path, problem.message))
    return problems


def _prune(data: dict[str, Any], errors: list[Any]) -> tuple[dict[str, Any], dict[str, list[int]], set[str]] | None:
    """A copy of `data` without each error's innermost list item or mapping entry (or unknown key)."""
    data = copy.deepcopy(data)
    doomed: dict[tuple[Any, ...], set[Any]] = {}
    for error in errors:
        loc = tuple(part for part in error["loc"] if part != "[key]")
        parent = _get(data, loc[:-1])
        if error["type"] == "string_type" and isinstance(error.get("input"), int) and isinstance(parent, dict):
            parent[loc[-1]] = str(error["input"])  # an unquoted ID: check the rest as if it were quoted
            continue
        if error["type"] == "extra_forbidden":
            doomed.setdefault(loc[:-1], set()).add(loc[-1])
            continue
        for cut in range(len(loc) - 1, -1, -1):
            container, value = loc[:cut], _get(data, loc[:cut])
            if isinstance(value, list) or (isinstance(value, dict) and cut and _model_at(container) is None):
                doomed.setdefault(container, set()).add(loc[cut])
                break
        else:
            return None
    kept_indices: dict[str, list[int]] = {}
    removed_names: set[str] = set()
    for container, keys in sorted(doomed.items(), key=lambda item: -len(item[0])):
        value = _get(data, container)
        if isinstance(value, list):
            kept_indices[_path(container)] = [i for i in range(len(value)) if i not in keys]
            for index in sorted(keys, reverse=True):
                item = value.pop(index)
                if isinstance(item, dict):
                    removed_names.update(str(item[k]) for k in ("name", "path") if isinstance(item.get(k), str))
        elif isinstance(value, dict):
            for key in keys:
                value.pop(key, None)
                if _model_at(container) is None:
                    removed_names.add(str(key))
    return data, kept_indices, removed_names


def _get(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


# --- YAML -------------------------------------------------------------------------------------------


def _parse_yaml(text: str) -> tuple[Any, dict[str, int], list[Problem]]:
    """Parse YAML into plain data plus a map from each node's path to its line; flag duplicate keys."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        reason = getattr(err, "problem", None) or str(err)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        return None, {}, [Problem("", f"not valid YAML: {where}{reason}")]
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    if node is not None:
        _index(node, "", lines, problems)
    return data, lines, problems


def _index(node: yaml.Node, path: str, lines: dict[str, int], problems: list[Problem]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                problems.append(
                    Problem(
                        _join(path, key),
                        f"duplicate key (first defined on line {seen[key]}); "
                        "YAML would silently keep only the last one",
                    )
                )
            seen[key] = key_node.start_mark.line + 1
            _index(value_node, _join(path, key), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, f"{path}[{index}]", lines, problems)


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


# --- pydantic errors to readable problems -----------------------------------------------------------


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out = _join(out, part)
    return out


def _describe(error: Any) -> Problem:
    loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    owner = _model_at(loc[:-1])
    field = owner.model_fields.get(str(loc[-1])) if owner and loc else None
    if loc and loc[-1] == "[key]":
        return Problem(_path(loc), f"{value!r} is not allowed here: {error['msg'].lower()}")
    if kind == "missing":
        hint = f" ({field.description})" if field and field.description else ""
        return Problem(_path(loc), f"required key is missing{hint}")
    if kind == "extra_forbidden":
        allowed = sorted(owner.model_fields) if owner else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return Problem(_path(loc), f"unknown key; {hint}allowed keys here: {', '.join(allowed)}")
    if kind == "string_pattern_mismatch":
        hint = FORMAT_HINTS.get(ctx.get("pattern", ""), f"expected text matching {ctx.get('pattern')}")
        return Problem(_path(loc), f"{value!r} is not valid: {hint}")
    if kind == "string_type" and isinstance(value, (int, float)):
        return Problem(
            _path(loc), f"expected text, got the number {value}: put it in quotes (unquoted numbers lose leading zeros)"
        )
    if kind in ("int_type", "string_type", "list_type", "dict_type", "model_type", "bool_type"):
        expected = {
            "int_type": "a whole number",
            "string_type": "text",
            "list_type": "a list",
            "dict_type": "a mapping",
            "model_type": "a mapping",
            "bool_type": "true or false",
        }[kind]
        return Problem(_path(loc), f"expected {expected}, got {type(value).__name__} {value!r}")
    return Problem(_path(loc), f"{error['msg']} (got {value!r})" if "input" in error else error["msg"])


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class whose fields live at `loc`, walking OrgConfig's annotations (lists, dicts, optionals)."""
    current: Any = OrgConfig
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int) or part == "[key]":
            args = typing.get_args(current)
            current = args[-1] if args else None
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            current = field.annotation if field else None
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional[...] / X | None so that the interesting type is left."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation

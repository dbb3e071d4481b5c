"""Load `org.yaml` into an `OrgConfig`, collecting every problem (YAML, structure, semantics) at once.

Each problem is reported with its path in the file (`accounts[3].id`) and its line, so a config with
several mistakes is fixed in one round instead of one traceback at a time. Reading and parsing the file safely
(size, encoding, characters, YAML bombs) is `config/source.py`; this module turns what pydantic and the semantic
checks find into messages in the words of YAML and AWS.
"""

from __future__ import annotations

import copy
import difflib
import re
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from config.models import FORMAT_HINTS, OrgConfig
from config.problems import ConfigError, Problem, key_text, shown
from config.source import character_name, parse_yaml, read_config_text
from config.validation import semantic_problems


def load_config(path: str | Path) -> OrgConfig:
    path = Path(path)
    return parse_config(read_config_text(path), source=str(path))


def parse_config(text: str, source: str = "<config>") -> OrgConfig:
    parsed = parse_yaml(text)
    if parsed.data is None and parsed.problems:
        raise ConfigError(source, parsed.problems, parsed.lines)
    data = parsed.data
    if not isinstance(data, dict):
        raise ConfigError(
            source, [Problem("", "the config must be a YAML mapping (key: value) at the top level", line=1)]
        )
    found = list(parsed.problems)  # duplicate keys, values YAML typed on its own: reported with everything else
    flagged = {problem.path for problem in found}
    try:
        config = OrgConfig.model_validate(data)
    except ValidationError as err:
        errors = err.errors()
        structural = [_describe(error, data, parsed.written, parsed.key_lines) for error in errors]
        found += [problem for problem in structural if problem.path not in flagged]  # one mistake, one problem
        flagged |= {problem.path for problem in structural}
        found += [p for p in _semantics_of_the_rest(data, errors, parsed.written) if p.path not in flagged]
        raise ConfigError(source, found, parsed.lines) from None
    found += semantic_problems(config)
    if found:
        raise ConfigError(source, found, parsed.lines)
    return config


def _semantics_of_the_rest(data: dict[str, Any], errors: list[Any], written: dict[str, str]) -> list[Problem]:
    """Semantic problems of the config without the entries that failed structure, so one run shows both kinds.

    Findings that may only follow from a pruned entry (they name it) are left out; they show up, if real, once
    the structural problem is fixed. Paths and the paths inside messages keep the indices of the file.
    """
    pruned = _prune(data, errors, written)
    if pruned is None:
        return []
    data, kept_indices, removed_names, defaulted = pruned
    try:
        config = OrgConfig.model_validate(data)
    except ValidationError:
        return []  # pruning left something required empty; the structural problems come first
    problems = []
    for problem in semantic_problems(config):
        if any(f"{name!r}" in problem.message for name in removed_names):
            continue
        path = _map_back(problem.path, kept_indices)
        if any(path == p or path.startswith((p + ".", p + "[")) for p in defaulted):
            continue  # about the default that stood in for a wrong value
        problems.append(Problem(path, _map_back(problem.message, kept_indices)))
    return problems


def _map_back(text: str, kept_indices: dict[str, list[int]]) -> str:
    """Rewrite `accounts[3]` (an index after pruning) to the index of the same entry in the file."""
    for container in sorted(kept_indices, key=len):  # outer lists first, so inner paths match
        kept = kept_indices[container]
        pattern = re.compile(r"(?<![\w.\]])" + re.escape(container) + r"\[(\d+)\]")

        def original(match: re.Match[str], container: str = container, kept: list[int] = kept) -> str:
            index = int(match.group(1))
            return f"{container}[{kept[index]}]" if index < len(kept) else match.group(0)

        text = pattern.sub(original, text)
    return text


def _prune(
    data: dict[str, Any], errors: list[Any], written: dict[str, str]
) -> tuple[dict[str, Any], dict[str, list[int]], set[str], set[str]] | None:
    """A copy of `data` without each error's innermost list item, free-form mapping entry, unknown key or
    optional key (whose default then applies)."""
    data = copy.deepcopy(data)
    doomed: dict[tuple[Any, ...], set[Any]] = {}
    defaulted: set[str] = set()
    for error in errors:
        loc = tuple(part for part in error["loc"] if part != "[key]")
        parent = _get(data, loc[:-1])
        value = error.get("input")
        if error["type"] == "string_type" and isinstance(value, int | float) and isinstance(parent, dict):
            # an unquoted ID: check the rest as if it were quoted, as written
            parent[loc[-1]] = written.get(_path(loc, data), str(value))
            continue
        for cut in range(len(loc), 0, -1):
            container, key = loc[: cut - 1], loc[cut - 1]
            holder = _get(data, container)
            model = _model_at(container)
            if isinstance(holder, list) or (isinstance(holder, dict) and (model is None or _optional(model, key))):
                doomed.setdefault(container, set()).add(key)
                if model is not None and key in model.model_fields:
                    defaulted.add(_path((*container, key), data))
                break
        else:
            return None
    if ("partitions",) in doomed:
        return None  # every other section refers to the partitions: without one, their findings would mislead
    kept_indices: dict[str, list[int]] = {}
    removed_names: set[str] = set()
    for container, keys in sorted(doomed.items(), key=lambda item: -len(item[0])):
        value = _get(data, container)
        if isinstance(value, list):
            kept_indices[_path(container, data)] = [i for i in range(len(value)) if i not in keys]
            for index in sorted(keys, reverse=True):
                item = value.pop(index)
                if isinstance(item, dict):
                    removed_names.update(str(item[k]) for k in ("name", "path") if isinstance(item.get(k), str))
        elif isinstance(value, dict):
            for key in keys:
                value.pop(key, None)
                if _model_at(container) is None:  # a misspelt key stands for the one meant: 'AWS' for 'aws'
                    removed_names.update({key_text(key), key_text(key).lower()})
    return data, kept_indices, removed_names, defaulted


def _optional(model: type[BaseModel], key: Any) -> bool:
    field = model.model_fields.get(key) if isinstance(key, str) else None
    return field is None or not field.is_required()


def _get(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


# --- pydantic errors to readable problems -----------------------------------------------------------


def _path(loc: tuple[Any, ...], data: Any) -> str:
    """`accounts[3].id` for a pydantic location; walks the data so a mapping key `1` is not shown as a list index."""
    out = ""
    node = data
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int) and not isinstance(part, bool) and isinstance(node, list):
            out += f"[{part}]"
        else:
            out = f"{out}.{key_text(part)}" if out else key_text(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return out


_TYPES = {
    "int_type": "a whole number",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "bool_type": "true or false",
    "float_type": "a number",
}


def _describe(error: Any, data: Any, written: dict[str, str], key_lines: dict[str, int]) -> Problem:
    loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    path = _path(loc, data)
    owner = _model_at(loc[:-1])
    field = owner.model_fields.get(str(loc[-1])) if owner and loc else None
    if loc and loc[-1] == "[key]":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        close = [option for option in options if option.lower() == key_text(value).lower()]
        hint = f"; did you mean '{close[0]}'?" if close else ""
        message = f"{shown(value)} is not allowed here: {str(error['msg']).lower()}{hint}"
        return Problem(path, message, line=key_lines.get(path))
    if kind == "missing":
        hint = f" ({field.description})" if field and field.description else ""
        return Problem(path, f"required key is missing{hint}")
    if kind == "extra_forbidden":
        allowed = sorted(owner.model_fields) if owner else []
        close = difflib.get_close_matches(key_text(loc[-1]), allowed, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return Problem(path, f"unknown key; {hint}allowed keys here: {', '.join(allowed)}")
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        format_hint = FORMAT_HINTS.get(pattern)
        if format_hint is None:
            return Problem(path, f"{shown(value)} is not valid: expected text matching {pattern}")
        accepts = format_hint.allowed
        bad = next((c for c in value if not accepts(c)), None) if accepts and isinstance(value, str) else None
        if bad is not None:
            return Problem(
                path,
                f"the character {character_name(bad)} at position {value.index(bad) + 1} is not accepted: "
                f"{format_hint.text}",
            )
        return Problem(path, f"{shown(value)} is not valid: {format_hint.text}")
    if kind == "string_type" and value is not None and not isinstance(value, list | dict):
        written_as = written.get(path)
        read = f" (YAML reads the unquoted {written_as} as one)" if written_as and isinstance(value, bool) else ""
        zeros = (
            " (unquoted numbers lose leading zeros)" if isinstance(value, int) and not isinstance(value, bool) else ""
        )
        return Problem(path, f"expected text, got {shown(value)}{read}: put it in quotes{zeros}")
    if kind in _TYPES:
        unquote = ": remove the quotes" if isinstance(value, str) and kind in ("int_type", "bool_type") else ""
        return Problem(path, f"expected {_TYPES[kind]}, got {shown(value)}{unquote}")
    message = str(error["msg"]).removeprefix("Value error, ")
    return Problem(path, f"{message} (got {shown(value)})" if "input" in error else message)


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

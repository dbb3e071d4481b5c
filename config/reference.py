"""Render the config reference, docs/config-reference.md, from the config models (`make docs`).

    python -m config.reference > docs/config-reference.md     # regenerate (make docs)
    python -m config.reference --check                       # exit 1 when the committed page is stale

The page cannot drift from `config/models.py`: one section per model in document order (depth first from
`OrgConfig`), the model's docstring as its introduction, and a table of its keys with their type (the format
hint of constrained strings included), whether they are required or their default, and their description.
A test keeps the committed page equal to this output. No CDK here.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from config import models, regions
from config.models import FormatHint, OrgConfig

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_FILE = ROOT / "docs" / "config-reference.md"
ROOT_MODEL: type[BaseModel] = OrgConfig

HEADER = """\
<!-- Generated from config/models.py by `make docs` (python -m config.reference); do not edit by hand. -->

# Config reference

Every key of the organization config (`config/org.yaml`), generated from the pydantic models in
`config/models.py`, so it always matches what the loader accepts. How the config is validated, worked
examples and the choices behind some keys are in [Configuration](configuration.md); the same descriptions
appear in `config/schema.json` for editor completion.

Types name the project's constrained string types (such as `AccountName`) with the format they expect.
Keys marked *required* must be present; every other key has the default shown. Rules that relate one key
to another (an account's OU must exist, retention must fit the vault lock, ...) are checked after these
types; the descriptions mention them.
"""


@dataclass
class Section:
    """One model of the config and every place in the document where it appears."""

    model: type[BaseModel]
    paths: list[str] = field(default_factory=list)


# --- names of the types the models use ------------------------------------------------------------------------


def _type_aliases() -> dict[str, object]:
    """Name -> value of each named type in the models' modules: constrained strings, literals, generic aliases."""
    aliases: dict[str, object] = {}
    for module in (regions, models):
        for name, value in vars(module).items():
            if name[:1].isupper() and get_origin(value) in (Annotated, Literal, dict, list):
                aliases[name] = value
    return aliases


TYPE_ALIASES = _type_aliases()


def _alias_of(annotation: object) -> str | None:
    return next((name for name, value in TYPE_ALIASES.items() if value == annotation), None)


def _placeholder(key_type: object) -> str:
    """`<partition>` for a mapping keyed by PartitionName, `<scp>` for ScpName, `<key>` otherwise."""
    alias = _alias_of(key_type)
    if alias is None:
        return "<key>"
    words = re.findall(r"[A-Z][a-z]*", alias.removesuffix("Name"))
    return "<" + "-".join(word.lower() for word in words) + ">"


def _is_model(annotation: object) -> typing.TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _without_none(annotation: object) -> list[object]:
    """The members of a union other than None, or the annotation itself."""
    if get_origin(annotation) in (Union, types.UnionType):
        return [arg for arg in get_args(annotation) if arg is not type(None)]
    return [annotation]


def _field_annotations(model: type[BaseModel]) -> dict[str, object]:
    """Each field's annotation as written, with `Annotated` metadata kept (pydantic strips it from `annotation`)."""
    hints = typing.get_type_hints(model, include_extras=True)
    return {name: hints[name] for name in model.model_fields}


# --- walking the models ---------------------------------------------------------------------------------------


def _child_models(annotation: object, path: str) -> Iterator[tuple[type[BaseModel], str]]:
    """The models an annotation holds, each with its key path (`name[]` for list items, `name.<p>` for mappings)."""
    if get_origin(annotation) is Annotated:
        yield from _child_models(get_args(annotation)[0], path)
    elif _is_model(annotation):
        yield annotation, path
    elif get_origin(annotation) in (Union, types.UnionType):
        for member in _without_none(annotation):
            yield from _child_models(member, path)
    elif get_origin(annotation) is list:
        yield from _child_models(get_args(annotation)[0], f"{path}[]")
    elif get_origin(annotation) is dict:
        key, value = get_args(annotation)
        yield from _child_models(value, f"{path}.{_placeholder(key)}")


def sections(root: type[BaseModel] = ROOT_MODEL) -> list[Section]:
    """Every model reachable from `root`, in document order (depth first), each with the paths it appears at."""
    found: dict[type[BaseModel], Section] = {}

    def visit(model: type[BaseModel], path: str) -> None:
        if model in found:
            found[model].paths.append(path)
            return
        found[model] = Section(model, [path])
        for name, annotation in _field_annotations(model).items():
            for child, child_path in _child_models(annotation, f"{path}.{name}" if path else name):
                visit(child, child_path)

    visit(root, "")
    return list(found.values())


def undescribed_fields(root: type[BaseModel] = ROOT_MODEL) -> list[str]:
    """`Model.field` for every field without a description, and `Model` for every model without a docstring."""
    missing = []
    for section in sections(root):
        if not _docstring(section.model):
            missing.append(section.model.__name__)
        fields = section.model.model_fields.items()
        missing += [f"{section.model.__name__}.{name}" for name, info in fields if not (info.description or "").strip()]
    return missing


# --- rendering --------------------------------------------------------------------------------------------------


def _docstring(model: type[BaseModel]) -> str:
    doc = model.__dict__.get("__doc__")
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def _anchor(model: type[BaseModel]) -> str:
    return model.__name__.lower()


def _link(model: type[BaseModel]) -> str:
    return f"[{model.__name__}](#{_anchor(model)})"


def _code(text: str) -> str:
    return f"``{text}``" if "`" in text else f"`{text}`"


def _yaml(value: object) -> str:
    """A value as it would be written in the YAML config (flow style)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.*?/:-]*", value) else json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_yaml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_yaml(item)}" for key, item in value.items()) + "}"
    return str(value)


def _literal(values: tuple[object, ...]) -> str:
    return ", ".join(_code(_yaml(value)) for value in values)


def _type_text(annotation: object, hints: dict[str, str]) -> str:
    """How a type reads in the table: named types in code, models as links. The format hints of constrained strings
    are collected in `hints` (name -> hint) for the caller to append."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        alias = _alias_of(annotation)
        if alias is None:
            return _type_text(base, hints)
        hint = next((m.text for m in metadata if isinstance(m, FormatHint)), None)
        if hint:
            hints[alias] = hint
        return _code(alias)
    if origin in (Union, types.UnionType):
        return " or ".join(_type_text(member, hints) for member in _without_none(annotation))
    if origin is Literal:
        alias = _alias_of(annotation)
        values = _literal(get_args(annotation))
        return f"{_code(alias)}: one of {values}" if alias else f"one of {values}"
    if origin is list:
        return f"list of {_type_text(get_args(annotation)[0], hints)}"
    if origin is dict:
        alias = _alias_of(annotation)
        key, value = get_args(annotation)
        if alias is not None:
            return f"{_code(alias)} (a mapping)"
        keys = f"{_code(_placeholder(key))} ({_literal(get_args(key))})" if get_origin(key) is Literal else "key"
        return f"mapping of {keys} to {_type_text(value, hints)}"
    if _is_model(annotation):
        return _link(annotation)
    names: dict[object, str] = {str: "string", int: "integer", bool: "boolean", float: "number"}
    if annotation in names:
        return names[annotation]
    if annotation is datetime:
        return "timestamp (ISO 8601 with time zone, e.g. 2026-11-23T08:00:00Z)"
    return _code(getattr(annotation, "__name__", str(annotation)))


def _count(number: object, unit: str) -> str:
    return f"{number} {unit.removesuffix('s') if number == 1 else unit}"


def _limits(info: FieldInfo, annotation: object) -> list[str]:
    """The field's own range and length limits (limits of a named type are in its format hint)."""
    base = _without_none(annotation)[0]
    unit = "items" if get_origin(base) in (list, dict) else "characters"
    limits = []
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            limits.append(f"at least {item.ge}")
        elif isinstance(item, annotated_types.Gt):
            limits.append(f"more than {item.gt}")
        elif isinstance(item, annotated_types.Le):
            limits.append(f"at most {item.le}")
        elif isinstance(item, annotated_types.Lt):
            limits.append(f"less than {item.lt}")
        elif isinstance(item, annotated_types.MinLen):
            limits.append(f"at least {_count(item.min_length, unit)}")
        elif isinstance(item, annotated_types.MaxLen):
            limits.append(f"at most {_count(item.max_length, unit)}")
    return limits


def _kind(info: FieldInfo, annotation: object) -> str:
    """The type column: the type, the field's limits, then each named string type's format hint."""
    hints: dict[str, str] = {}
    text = ", ".join([_type_text(annotation, hints), *_limits(info, annotation)])
    if len(hints) == 1 and text == _code(next(iter(hints))):
        return f"{text}: {next(iter(hints.values()))}"
    return "; ".join([text, *(f"{_code(alias)}: {hint}" for alias, hint in hints.items())])


def _default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "*required*"
    value: object = info.get_default(call_default_factory=True, validated_data={})
    if value is None:
        return "not set"
    if isinstance(value, BaseModel):
        changed = value.model_dump(mode="json", exclude_defaults=True)
        return _code(_yaml(changed)) if changed else "the defaults of its keys"
    return _code(_yaml(value))


def _escape(text: str) -> str:
    """Text for a Markdown table cell or paragraph: `|` escaped everywhere, `<` and `*` outside code spans."""
    parts = re.split(r"(`[^`]*`)", " ".join(text.split()))
    escaped = [part if part.startswith("`") else re.sub(r"([<*])", r"\\\1", part) for part in parts]
    return "".join(escaped).replace("|", "\\|")


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _prefix(section: Section) -> str:
    """Each row's key as the path it has in the file, so no two rows of the page name the same key. A model used
    at several places (targets) is keyed by the key it always sits under: `targets.accounts`."""
    if len(section.paths) == 1:
        return f"{section.paths[0]}." if section.paths[0] else ""
    last = {path.rsplit(".", 1)[-1] for path in section.paths}
    return f"{last.pop()}." if len(last) == 1 else f"<{section.model.__name__}>."


def _render_section(section: Section) -> list[str]:
    model = section.model
    shared = len(section.paths) > 1
    lines = [f"## {model.__name__}", ""]
    where = ", ".join(_code(path) if path else "the top level" for path in section.paths)
    lines += [("Used at " if shared else "At ") + where + ".", ""]
    for paragraph in _docstring(model).split("\n\n"):
        if paragraph.strip():
            lines += [_escape(paragraph), ""]
    lines += [_row("key", "type", "required / default", "description"), _row("---", "---", "---", "---")]
    annotations = _field_annotations(model)
    for name, info in model.model_fields.items():
        annotation = annotations[name]
        key = f"{_prefix(section)}{name}"
        description = _escape(info.description or "")
        lines.append(_row(_code(key), _escape(_kind(info, annotation)), _default_text(info), description))
    return [*lines, ""]


def reference_text(root: type[BaseModel] = ROOT_MODEL) -> str:
    """The whole page."""
    found = sections(root)
    lines = [HEADER, "## Sections", ""]
    lines += [f"- {_link(s.model)}: " + ", ".join(_code(p) if p else "the top level" for p in s.paths) for s in found]
    lines.append("")
    for section in found:
        lines += _render_section(section)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        if not REFERENCE_FILE.exists() or REFERENCE_FILE.read_text(encoding="utf-8") != reference_text():
            print(f"{REFERENCE_FILE.relative_to(ROOT)} is stale: run make docs", file=sys.stderr)
            return 1
        return 0
    if argv:
        print("usage: python -m config.reference [--check]", file=sys.stderr)
        return 2
    sys.stdout.write(reference_text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

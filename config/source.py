"""From the config file's bytes to plain data and a line for every path, refusing what would crash, hang or
mislead later: a size limit, an explicit encoding, no control characters, and a YAML loader bounded in nesting
depth and in alias expansion (a "billion laughs" document fails in milliseconds instead of filling memory).

Values YAML types by itself (an unquoted `2012-10-17` is a date, `yes` a boolean) are reported with the advice to
quote them, and are then checked as the text the author wrote, so one mistake gives one problem.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import yaml

from config.problems import ConfigError, Problem, key_text

MAX_CONFIG_BYTES: Final = 1_048_576  # 1 MiB: about 6,000 accounts; the example is 15 KB
MAX_DEPTH: Final = 40  # nesting levels; the deepest real config (a policy Condition) is about 10
# Values that aliases and merge keys may add to the document when expanded, beyond the values written: an anchor
# reused for a few region lists adds hundreds, a "billion laughs" document adds a billion.
MAX_ALIAS_EXPANSION: Final = 100_000
MAX_REPORTED: Final = 10  # characters of one kind reported one by one before the rest are counted

# Characters no config value needs and that hide in copied text: C0 and C1 controls other than tab, line feed and
# carriage return (ANSI colour codes start with ESC), DEL, the byte order mark inside the text, the Unicode line
# separators (they change line numbers between tools), the bidirectional overrides (text that displays
# differently from what it is) and the noncharacters U+FFFE and U+FFFF (which YAML refuses).
FORBIDDEN: Final = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]"
)
_CONTROL_NAMES: Final = {
    0x00: "NUL", 0x07: "BEL", 0x08: "BACKSPACE", 0x0B: "VERTICAL TAB", 0x0C: "FORM FEED", 0x1B: "ESC",
    0x7F: "DEL", 0x85: "NEXT LINE",
}  # fmt: skip
_MERGE_TAG: Final = "tag:yaml.org,2002:merge"


def character_name(char: str) -> str:
    """`U+001B (ESC)`: how a message names a character the reader may not see."""
    name = _CONTROL_NAMES.get(ord(char)) or unicodedata.name(char, "") or "a control character"
    return f"U+{ord(char):04X} ({name})"


@dataclass
class Parsed:
    """The YAML document as plain data, a line for each path, and the problems found on the way."""

    data: Any = None
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)  # path -> the text of a scalar YAML typed as non-text
    key_lines: dict[str, int] = field(default_factory=dict)  # path -> the line of the key that holds it


def read_config_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 (a byte order mark is allowed), at most MAX_CONFIG_BYTES."""
    source = str(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_CONFIG_BYTES + 1)
    except OSError as err:
        raise ConfigError(source, [Problem("", f"cannot read the config file: {err.strerror or err}")]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            source,
            [
                Problem(
                    "",
                    f"the file is larger than {MAX_CONFIG_BYTES:,} bytes, the limit for a config (the example is "
                    "15 KB); is this the right file?",
                )
            ],
        )
    return decode(raw, source)


def decode(raw: bytes, source: str) -> str:
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    raw = raw[bom:]
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in raw[:1024]:
        raise ConfigError(
            source,
            [
                Problem(
                    "",
                    "the file is UTF-16 or UTF-32 (it has a UTF-16 byte order mark or NUL bytes); save it as UTF-8",
                    line=1,
                )
            ],
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        byte = raw[err.start]
        guess = " (it looks like Latin-1 or Windows-1252, e.g. an accented letter)" if byte >= 0xA0 else ""
        raise ConfigError(
            source,
            [
                Problem(
                    "",
                    f"byte {bom + err.start} (column {column}) is 0x{byte:02X}, which is not UTF-8{guess}: "
                    "save the file as UTF-8",
                    line=line,
                )
            ],
        ) from None


def parse_yaml(text: str) -> Parsed:
    """Parse `text`; stop at forbidden characters, invalid YAML and bombs, collect everything else."""
    parsed = Parsed()
    parsed.problems = _forbidden_characters(text)
    if parsed.problems:
        return parsed
    loader: yaml.SafeLoader | None = None
    try:
        loader = _fast_loader(text) or _BoundedLoader(text)
        node = loader.get_single_node()
        if node is None:
            return parsed
        _check_expansion(node)
        _index(loader, node, "", parsed, merged=False)
        parsed.data = loader.construct_document(node)
    except yaml.YAMLError as err:
        parsed.problems = [_yaml_problem(err)]
        return parsed
    finally:
        if loader is not None:
            loader.dispose()
    parsed.data = _scrub(parsed.data, "", parsed)
    return parsed


def _forbidden_characters(text: str) -> list[Problem]:
    found = list(FORBIDDEN.finditer(text))
    problems = []
    for match in found[:MAX_REPORTED]:
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        problems.append(
            Problem(
                "",
                f"column {column}: the invisible character {character_name(match.group())} is not allowed "
                "(a terminal colour code or text pasted from elsewhere?); delete it",
                line=line,
            )
        )
    if len(found) > MAX_REPORTED:
        first = found[MAX_REPORTED].start()
        line = text.count("\n", 0, first) + 1
        problems.append(Problem("", f"and {len(found) - MAX_REPORTED} more such characters from here on", line=line))
    return problems


def _fast_loader(text: str) -> yaml.SafeLoader | None:
    """PyYAML's safe loader on libyaml's C parser (`CSafeLoader`: the same constructor and resolver, written in
    Python), for a document that parses and nests at most MAX_DEPTH levels deep: about ten times faster than the
    Python parser, which took most of the time to load a 1,000-account config (issue #14). None for anything else
    (or without libyaml), which the Python loader then parses, so a mistake gets the messages it always got. The
    depth is counted on the parser's events, which come one after another (the composer would recurse per level)."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is None:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=fast):
            if isinstance(event, yaml.NodeEvent) and depth + 1 > MAX_DEPTH:  # a node as deep as _BoundedLoader's
                return None
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    loader: yaml.SafeLoader = fast(text)
    return loader


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with a nesting limit: its composer recurses once per level."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Bomb(yaml.YAMLError):
    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.problem = message
        self.problem_mark = node.start_mark


def _check_expansion(root: yaml.Node) -> None:
    """Aliases share nodes; count what they expand to (memoized per node, so this is linear in the file)."""
    limit = _distinct_nodes(root) + MAX_ALIAS_EXPANSION
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _Bomb("an alias refers to a node that contains it (a structure without end)", node)
        if depth > MAX_DEPTH:
            raise _Bomb(f"aliases nest this value more than {MAX_DEPTH} levels deep", node)
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item, depth + 1) for item in node.value)
        open_nodes.discard(key)
        if total > limit:
            raise _Bomb(
                f"aliases (*name) expand this value by more than {MAX_ALIAS_EXPANSION:,} values beyond those written; "
                "a config needs far fewer (is this a 'billion laughs' document?)",
                node,
            )
        sizes[key] = total
        return total

    size(root, 1)


def _distinct_nodes(root: yaml.Node) -> int:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return len(seen)


def _yaml_problem(err: yaml.YAMLError) -> Problem:
    mark = getattr(err, "problem_mark", None)
    reason = getattr(err, "problem", None) or str(err)
    if mark is None:
        return Problem("", f"not valid YAML: {reason}")
    return Problem("", f"not valid YAML: line {mark.line + 1}, column {mark.column + 1}: {reason}", line=mark.line + 1)


def _index(loader: yaml.SafeLoader, node: yaml.Node, path: str, parsed: Parsed, *, merged: bool) -> None:
    """Record each path's line (merged values keep the lines of their own keys) and flag duplicate keys."""
    if merged:
        parsed.lines.setdefault(path, node.start_mark.line + 1)
    else:
        parsed.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        if node.tag != "tag:yaml.org,2002:str" and not merged:
            parsed.written[path] = node.value
    elif isinstance(node, yaml.MappingNode):
        own = [(k, v) for k, v in node.value if k.tag != _MERGE_TAG]
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:  # `<<: *base` or `<<: [*a, *b]`: keys of its own override these
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    if isinstance(source, yaml.MappingNode):
                        _index(loader, source, path, parsed, merged=True)
        seen: dict[str, int] = {}
        for key_node, value_node in own:
            key = _key(loader, key_node)
            child = f"{path}.{key}" if path else key
            if key in seen and not merged:
                parsed.problems.append(
                    Problem(
                        child,
                        f"duplicate key (first defined on line {seen[key]}); YAML would silently keep only this "
                        "last one",
                    )
                )
            seen[key] = key_node.start_mark.line + 1
            parsed.key_lines.setdefault(child, seen[key])
            _index(loader, value_node, child, parsed, merged=merged)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(loader, item, f"{path}[{index}]", parsed, merged=merged)


def _key(loader: yaml.SafeLoader, key_node: yaml.Node) -> str:
    if isinstance(key_node, yaml.ScalarNode):
        return key_text(loader.construct_object(key_node))
    return "[a list or mapping used as a key]"  # constructing the document refuses it


def _scrub(value: Any, path: str, parsed: Parsed) -> Any:
    """Report what YAML typed on its own or cannot be a config value, and continue with what the author wrote."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            child = f"{path}.{key_text(key)}" if path else key_text(key)
            if isinstance(key, date):
                parsed.problems.append(Problem(child, _quote_it(key, key_text(key), "key")))
                key = key_text(key)
            out[key] = _scrub(item, child, parsed)
        return out
    if isinstance(value, list):
        return [_scrub(item, f"{path}[{index}]", parsed) for index, item in enumerate(value)]
    if isinstance(value, date):  # datetime too
        written = parsed.written.get(path, value.isoformat())
        parsed.problems.append(Problem(path, _quote_it(value, written, "value")))
        return written
    if isinstance(value, str):
        match = FORBIDDEN.search(value)
        if match:
            parsed.problems.append(
                Problem(
                    path,
                    f"contains the invisible character {character_name(match.group())} at position "
                    f"{match.start() + 1} (from an escape such as \\e or \\a in double quotes?); remove it",
                )
            )
        return value
    if value is None or isinstance(value, int | float):
        return value
    kinds: dict[type, str] = {bytes: "binary data (!!binary)", set: "a set (!!set)", tuple: "a pair (!!omap, !!pairs)"}
    kind = kinds.get(type(value), "a YAML type")
    parsed.problems.append(Problem(path, f"is {kind}, which no config value takes; write text, a list or a mapping"))
    return None


def _quote_it(value: date, written: str, what: str) -> str:
    kind = "a timestamp" if isinstance(value, datetime) else "a date"
    return f'YAML reads the unquoted {what} {written} as {kind}, not as text: put it in quotes ("{written}")'

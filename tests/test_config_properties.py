"""Property-based tests of the config loader (Hypothesis): whatever the input, the loader accepts it or raises
ConfigError whose every line names a location (file and line, or a path); never another exception, never more than
a second per input, never more than a bounded amount of memory.

Inputs: configs generated from the pydantic models (valid shapes with hostile values mixed in), and mutations of the
example config as text, as data and as bytes. CI runs a budgeted number of examples, derandomized so a run is
repeatable; `make fuzz` (FUZZ_EXAMPLES=2000, random) runs many more.
"""

from __future__ import annotations

import os
import re
import resource
import tempfile
import time
import types
import typing
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from config.loader import load_config, parse_config
from config.models import OrgConfig
from config.problems import ConfigError
from tests.support.project import EXAMPLE_CONFIG

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))  # `make fuzz` sets it; 0: the CI budget below
MAX_SECONDS = 1.0  # CPU time: wall time on a shared CI machine is not repeatable
# The process's peak resident memory may not grow more than this during one loader call, past the peak just before
# it (cheap enough for every input; earlier tests of the same run raise the peak, so a call below it reads as no
# growth: tests/test_hostile_input.py measures the bombs exactly with tracemalloc).
MAX_GROWTH_KB = 256 * 1024


def budget(ci_examples: int) -> settings:
    return settings(
        max_examples=FUZZ_EXAMPLES or ci_examples,
        deadline=None,  # timed by the invariant itself, on the loader call only
        derandomize=not FUZZ_EXAMPLES,
        database=None,
        # CI reports a failing input as found (shrinking a slow loader call can take minutes); `make fuzz` shrinks it
        phases=list(Phase) if FUZZ_EXAMPLES else [Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


EXAMPLE_TEXT = EXAMPLE_CONFIG.read_text(encoding="utf-8")
EXAMPLE_DATA: dict[str, Any] = yaml.safe_load(EXAMPLE_TEXT)
LOCATED = re.compile(r"^  (?P<source>[^:]+)(?::(?P<line>\d+))?: (?P<path>[A-Za-z0-9_.\[\]<>-]+: )?")


def assert_invariant(load: typing.Callable[[], object], source: str) -> None:
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    try:
        load()
    except ConfigError as err:
        lines = str(err).splitlines()
        assert lines[0].startswith(f"{source}: "), lines[0]
        assert len(lines) > 1, "a ConfigError without problems"
        for line in lines[1:]:
            match = LOCATED.match(line)
            assert match and match.group("source") == source, line
            assert match.group("line") or match.group("path"), f"no line and no path: {line}"
            assert len(line) < 2_000, f"message not cut short: {line[:200]}..."
    finally:
        elapsed = time.process_time() - started
    assert elapsed < MAX_SECONDS, f"took {elapsed:.2f} s of CPU"
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert growth < MAX_GROWTH_KB, f"peak memory grew by {growth:,} KB"


# --- hostile scalars: what careless editing, copying and attacks put into YAML ----------------------------

HOSTILE_TEXT = [
    "yes", "No", "on", "~", "null", "2012-10-17", "2026-11-23T08:00:00+05:00", "0", "010", "0x1F", "0o17", "1e400",
    ".nan", "-.inf", "12:30:00", "1_000", "", " ", "*", "&a", "*a", "!!binary aGk=", "!!set {a}", "!!omap [a: 1]",
    "!!python/object/apply:os.system [echo]", "<<: 1", "'unterminated", '"\\e[31mred"', '"\\a\\u202e"', "{", "[", "]",
    "- -", "? [a]", "|", ">", "%TAG", "@x", "`x", "é", "\u2014", "\U0001f4a5", "AWS", "aws-cn", "-1",
    "99999999999999999999999999999999999999999", "3.5",
]  # fmt: skip
hostile_scalars = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=30),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(),
)
json_like = st.recursive(
    hostile_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


# --- configs generated from the models ---------------------------------------------------------------------


def _for(annotation: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """A strategy for values of `annotation`: usually of the right shape, sometimes anything hostile."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        base, *metadata = args
        pattern = next((getattr(m, "pattern", None) for m in metadata if getattr(m, "pattern", None)), None)
        if pattern and "\\p{" not in pattern:
            return st.one_of(st.from_regex(pattern, fullmatch=True), hostile_scalars)
        return _for(base, depth)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(_for(arg, depth) for arg in args))
    if origin is typing.Literal:
        return st.one_of(st.sampled_from(args), hostile_scalars)
    if origin is list:
        return st.lists(_for(args[0], depth + 1), max_size=3) if depth < 6 else st.just([])
    if origin is dict:
        return (
            st.dictionaries(_for(args[0], depth + 1), _for(args[1], depth + 1), max_size=2)
            if depth < 6
            else st.just({})
        )
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if depth >= 6:
            return st.just({})
        required = {n: _for(f.annotation, depth + 1) for n, f in annotation.model_fields.items() if f.is_required()}
        optional = {n: _for(f.annotation, depth + 1) for n, f in annotation.model_fields.items() if not f.is_required()}
        return st.fixed_dictionaries(required, optional=optional)
    simple: dict[Any, st.SearchStrategy[Any]] = {
        str: st.text(max_size=20),
        int: st.integers(min_value=-10, max_value=100_000),
        bool: st.booleans(),
        datetime: st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat()),
        type(None): st.none(),
    }
    if annotation in simple:
        return st.one_of(simple[annotation], hostile_scalars)
    return json_like  # Any: policy documents


@given(data=_for(OrgConfig))
@budget(ci_examples=120)
def test_configs_generated_from_the_models(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    assert_invariant(lambda: parse_config(text, source="generated.yaml"), "generated.yaml")


# --- mutations of the example ------------------------------------------------------------------------------


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    lines = EXAMPLE_TEXT.splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        action = draw(st.sampled_from(["value", "delete", "duplicate", "indent", "insert", "truncate"]))
        line = lines[index]
        if action == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[index] = f"{key}: {draw(st.sampled_from(HOSTILE_TEXT))}"
        elif action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, line)
        elif action == "indent":
            lines[index] = " " * draw(st.integers(min_value=0, max_value=9)) + line.lstrip()
        elif action == "insert":
            position = draw(st.integers(min_value=0, max_value=len(line)))
            lines[index] = line[:position] + draw(st.text(max_size=10)) + line[position:]
        else:
            lines = lines[:index]
        if not lines:
            break
    return "\n".join(lines) + "\n"


@given(text=mutated_text())
@budget(ci_examples=30)
def test_mutations_of_the_example_text(text: str) -> None:
    assert_invariant(lambda: parse_config(text, source="org.yaml"), "org.yaml")


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


EXAMPLE_PATHS = _paths(EXAMPLE_DATA)[1:]


@st.composite
def mutated_data(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE_TEXT)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        *parents, last = draw(st.sampled_from(EXAMPLE_PATHS))
        node: Any = data
        for part in parents:  # an earlier change may have replaced a parent: then this change is skipped
            node = node[part] if isinstance(node, dict | list) and _has(node, part) else None
        if isinstance(node, dict | list) and _has(node, last):
            node[last] = draw(json_like)
    return data


def _has(node: dict[Any, Any] | list[Any], part: Any) -> bool:
    return part in node if isinstance(node, dict) else isinstance(part, int) and part < len(node)


@given(data=mutated_data())
@budget(ci_examples=30)
def test_mutations_of_the_example_data(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    assert_invariant(lambda: parse_config(text, source="org.yaml"), "org.yaml")


@given(
    flips=st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(EXAMPLE_TEXT) - 1), st.integers(0, 255)), max_size=4
    ),
    prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00"]),
)
@budget(ci_examples=30)
def test_mutations_of_the_example_bytes(flips: list[tuple[int, int]], prefix: bytes) -> None:
    raw = bytearray(EXAMPLE_TEXT.encode())
    for position, byte in flips:
        raw[position] = byte
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "org.yaml"
        path.write_bytes(prefix + bytes(raw))
        assert_invariant(lambda: load_config(path), str(path))


def test_the_generators_reach_valid_configs_too() -> None:
    """The example survives the round trip the generators use, so accepting is exercised, not only refusing."""
    assert parse_config(yaml.safe_dump(EXAMPLE_DATA, sort_keys=False)).name_prefix == "examplecorp"

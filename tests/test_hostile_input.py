"""Careless and hostile input never crashes: encodings, characters, YAML traps and bombs, values AWS would refuse,
several mistakes at once, and the command line and cdk.json context. Each gives a clear message with its location
(config/source.py, config/loader.py, config/context.py)."""

from __future__ import annotations

import copy
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import source
from config.context import ContextError, settings
from config.loader import load_config, parse_config
from config.problems import ConfigError
from config.source import MAX_CONFIG_BYTES, parse_yaml
from tests.support.project import EXAMPLE_CONFIG, ROOT

EXAMPLE = EXAMPLE_CONFIG.read_text(encoding="utf-8")


# Time limits are in CPU seconds (time.process_time): wall time on a shared machine is not repeatable.


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="org.yaml")
    return str(caught.value)


def file_error(tmp_path: Path, raw: bytes) -> str:
    path = tmp_path / "org.yaml"
    path.write_bytes(raw)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def replaced(old: str, new: str, text: str = EXAMPLE) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def dumped(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# --- encodings and characters --------------------------------------------------------------------------


def test_latin1_file_names_the_byte_its_line_and_the_fix(tmp_path: Path) -> None:
    raw = EXAMPLE.replace("# The example organization", "# The example organization, caf\u00e9", 1).encode("latin-1")
    message = file_error(tmp_path, raw)
    assert "org.yaml:3: byte " in message and "is 0xE9, which is not UTF-8" in message
    assert "Latin-1" in message and "save the file as UTF-8" in message


def test_byte_offset_counts_the_byte_order_mark(tmp_path: Path) -> None:
    assert "org.yaml:1: byte 6 (column 4) is 0xE9" in file_error(tmp_path, b"\xef\xbb\xbfa: \xe9\n")


def test_utf16_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    message = file_error(tmp_path, EXAMPLE.encode("utf-16"))
    assert "the file is UTF-16 or UTF-32" in message and "save it as UTF-8" in message


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.encode())
    assert load_config(path).name_prefix == "examplecorp"


def test_a_file_over_the_size_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    message = file_error(tmp_path, EXAMPLE.encode() + b"#" * (MAX_CONFIG_BYTES + 1))
    assert f"larger than {MAX_CONFIG_BYTES:,} bytes" in message


@pytest.mark.parametrize(("char", "name"), [("\x1b", "U+001B (ESC)"), ("\x07", "U+0007 (BEL)"), ("\x85", "U+0085")])
def test_control_character_pasted_into_the_file_is_named_with_line_and_column(char: str, name: str) -> None:
    message = error_of(replaced("name_prefix: examplecorp", f"name_prefix: example{char}corp  # {char}[31m"))
    assert f"org.yaml:9: column 21: the invisible character {name}" in message
    assert "column 30" in message  # every occurrence, not only the first


@pytest.mark.parametrize("escape", ["\\e", "\\a", "\\u202e"])
def test_control_character_from_an_escape_in_a_value_is_refused(escape: str) -> None:
    text = replaced("group_name: platform-admins", f'group_name: "platform{escape}admins"')
    assert "identity_center.assignments[0].group_name: contains the invisible character U+" in error_of(text)
    tag = replaced("{key: backup, value: standard}", f'{{key: backup, value: "stan{escape}dard"}}')
    message = error_of(tag)
    assert "backup.plans[0].selection.tags[0].value: contains the invisible character" in message
    assert message.count("tags[0].value") == 1  # one mistake, one problem


# --- YAML auto-typing -----------------------------------------------------------------------------------


def test_unquoted_policy_version_is_a_date_and_gets_quote_it() -> None:
    message = error_of(replaced('Version: "2012-10-17"', "Version: 2012-10-17"))
    assert "document.Version: YAML reads the unquoted value 2012-10-17 as a date, not as text" in message
    assert 'put it in quotes ("2012-10-17")' in message
    assert "1 problem" in message


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (
            "0",
            'on_call_window.start: expected a UTC timestamp in quotes, e.g. "2026-11-23T08:00:00Z" (got the number 0)',
        ),
        ('"2026-11-23T08:00:00+05:00"', "on_call_window.start: has the offset +05:00; aws:CurrentTime is UTC"),
        (
            "2026-11-23T08:00:00Z",
            "on_call_window.start: YAML reads the unquoted value 2026-11-23T08:00:00Z as a timestamp",
        ),
        ("2026-11-23", "on_call_window.start: YAML reads the unquoted value 2026-11-23 as a date"),
        ('"2026-02-30T08:00:00Z"', "on_call_window.start: is not a real date and time"),
    ],
)
def test_on_call_window_takes_only_utc_timestamps(value: str, fragment: str) -> None:
    message = error_of(replaced('start: "2026-11-23T08:00:00Z"', f"start: {value}"))
    assert fragment in message
    assert "1 problem" in message


def test_boolean_where_text_belongs_says_boolean_and_quote_it() -> None:
    message = error_of(replaced("    security_account: security\n", "    security_account: yes\n"))
    assert (
        "partitions.aws.security_account: expected text, got the boolean true (YAML reads the unquoted yes" in message
    )
    assert "put it in quotes" in message and "leading zeros" not in message and "number True" not in message
    assert "1 problem" in message  # not also "no account named 'yes'"


def test_messages_speak_yaml_not_python() -> None:
    message = error_of(replaced("    home_region: us-east-1\n", "    home_region:\n"))
    assert "partitions.aws.home_region: expected text, got an empty value (null)" in message
    assert "NoneType" not in message and "datetime" not in message


def test_special_numbers_in_policy_documents_are_refused() -> None:
    message = error_of(replaced('Resource: "*"', "Resource: .nan"))
    assert "Statement[0].Resource: is the special number .nan, which JSON cannot hold" in message
    message = error_of(replaced('Resource: "*"', "Resource:"))
    assert "Statement[0].Resource: is empty (null)" in message


# --- bombs and depth -------------------------------------------------------------------------------------

LAUGHS = "\n".join(
    ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
)


@pytest.mark.parametrize(
    "text",
    [
        LAUGHS,
        EXAMPLE + "\n" + LAUGHS.replace("a0: ", "x0: ").replace("\na", "\nx"),
        replaced('Resource: "*"', "Resource: *a9", LAUGHS.replace("\n", "\n# ") + "\n" + EXAMPLE),
        "- " + LAUGHS.replace("\n", "\n- "),
    ],
    ids=["top-level", "beside-the-config", "in-a-policy-document", "as-a-list"],
)
def test_billion_laughs_fails_fast_with_bounded_memory(text: str) -> None:
    started = time.process_time()
    message = error_of(text)
    assert time.process_time() - started < 1.0
    assert "not valid YAML" in message
    tracemalloc.start()
    try:
        error_of(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000


def test_bomb_message_names_aliases_and_the_line() -> None:
    message = error_of(LAUGHS)
    assert (
        "org.yaml:" in message
        and "aliases (*name) expand this value by more than 100,000 values beyond those written" in message
    )


def test_recursive_alias_is_refused() -> None:
    assert "an alias refers to a node that contains it" in error_of("a: &a [1, *a]\n")


@pytest.mark.parametrize(
    "text", ["[" * 20_000 + "]" * 20_000, "a:\n" + "".join(f"{' ' * i} b:\n" for i in range(1, 200))]
)
def test_deep_nesting_fails_fast_without_recursion_error(text: str) -> None:
    started = time.process_time()
    message = error_of(text)
    assert time.process_time() - started < 1.0
    assert "nested more than 40 levels deep" in message


@pytest.mark.parametrize("levels", [39, 40, 41])  # the limit is 40 nodes deep, the scalar inside counted
def test_the_c_parser_and_the_python_parser_agree_at_the_depth_limit(
    levels: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "[" * (levels - 1) + "x" + "]" * (levels - 1)
    fast = parse_yaml(text).problems
    monkeypatch.setattr(source, "_fast_loader", lambda text: None)
    assert parse_yaml(text).problems == fast
    assert bool(fast) is (levels > 40)


def test_a_config_is_parsed_by_libyaml_with_the_same_data_and_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """The C parser loads a 1,000-account config in a fifth of the Python parser's time (issue #14); what it gives
    must be what the Python parser gives: data, each path's line, the text of scalars YAML typed, key lines."""
    text = EXAMPLE_CONFIG.read_text()
    assert isinstance(source._fast_loader(text), yaml.CSafeLoader)
    fast = parse_yaml(text)
    monkeypatch.setattr(source, "_fast_loader", lambda text: None)
    slow = parse_yaml(text)
    assert (fast.data, fast.lines, fast.written, fast.key_lines) == (
        slow.data,
        slow.lines,
        slow.written,
        slow.key_lines,
    )
    assert fast.problems == slow.problems == [] and len(fast.lines) > 500


# --- values AWS rejects at deploy time --------------------------------------------------------------------


def test_emoji_or_em_dash_in_a_permission_set_description_is_named() -> None:
    message = error_of(
        replaced("description: Analytics services,", "description: Analytics \u2014 services \U0001f600,")
    )
    assert "permission_sets[0].description: the character U+2014 (EM DASH) at position 11 is not accepted" in message
    assert "Identity Center refuses emoji" in message


def test_emoji_in_a_policy_document_is_named() -> None:
    message = error_of(replaced("Sid: DenyDataDeletion", "Sid: Deny\U0001f600"))
    assert "Statement[0].Sid: the value has the character" in message and "U+1F600" in message


def test_tag_value_outside_aws_tag_characters_is_named() -> None:
    message = error_of(replaced("{key: backup, value: standard}", "{key: backup, value: stan*dard}"))
    assert "tags[0].value: the character U+002A (ASTERISK) at position 5 is not accepted" in message


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (
            "delete_after_days: 35",
            "delete_after_days: " + "1" * 56,
            "delete_after_days: Input should be less than or equal to 36500 (got the number 111111111111... (56 digits))",
        ),
        (
            "completion_window_minutes: 480",
            "completion_window_minutes: 100000000000000000000",
            "completion_window_minutes: Input should be less than or equal to 52560000 (got the number 100000000000...",
        ),
        (
            "cloudwatch_retention_days: 365      #",
            "cloudwatch_retention_days: " + "9" * 55 + " #",
            "logging.cloudwatch_retention_days: 999999999999... (55 digits) is not a CloudWatch Logs retention",
        ),
    ],
)
def test_absurd_numbers_are_refused_and_shown_short(old: str, new: str, fragment: str) -> None:
    message = error_of(replaced(old, new))
    assert fragment in message
    assert "9" * 30 not in message and "1" * 30 not in message


def test_the_same_alert_email_twice_in_any_case_is_a_config_error() -> None:
    twice = replaced(
        "    - security-oncall@example.com\n", "    - security-oncall@example.com\n    - Security-OnCall@example.com\n"
    )
    message = error_of(twice)
    assert (
        "alerts.emails[1]: 'Security-OnCall@example.com' is already listed at alerts.emails[0] (ignoring case)"
        in message
    )
    alarms = replaced(
        "    - security-alerts@example.com\n", "    - security-alerts@example.com\n    - security-alerts@example.com\n"
    )
    assert "logging.alarm_emails[1]: 'security-alerts@example.com' is already listed" in error_of(alarms)


def test_a_long_bad_value_is_cut_in_the_message() -> None:
    message = error_of(replaced("description: Analytics services,", "description: " + "x" * 100_000 + "\u00a0\u2014,"))
    assert len(message) < 2_000
    long_name = error_of(replaced("name_prefix: examplecorp", "name_prefix: " + "Q" * 1_000_000))
    assert len(long_name) < 2_000 and "(1,000,000 characters)" in long_name


# --- several mistakes at once, reported right -----------------------------------------------------------


def test_noncharacters_and_huge_keys_give_a_short_located_message() -> None:
    assert "U+FFFF" in error_of(replaced("name_prefix: examplecorp", "name_prefix: example\uffffcorp"))
    message = error_of(replaced("name_prefix: examplecorp", "name_prefix: examplecorp\n? " + "k" * 100_000 + "\n: 1"))
    assert len(message) < 2_000 and "unknown key" in message


def test_a_control_character_in_a_key_cannot_split_or_colour_the_message() -> None:
    # Found by tests/test_config_properties.py: "\x1e" in a key split the message line.
    message = error_of(replaced("breakglass:\n  aws:\n", 'breakglass:\n  "a\\x1e\\e[31m":\n'))
    assert "breakglass.a\\x1e\\x1b[31m: " in message
    assert "\x1e" not in message and "\x1b" not in message


def test_a_duplicate_key_does_not_hide_the_other_problems() -> None:
    text = replaced("name_prefix: examplecorp", "name_prefix: examplecorp\nname_prefix: othercorp")
    text = replaced('id: "410987654323"', 'id: "12345"', text)
    message = error_of(text)
    assert "org.yaml:10: name_prefix: duplicate key (first defined on line 9)" in message
    assert "accounts[2].id: '12345' is not valid" in message


def test_a_structural_error_outside_a_list_keeps_the_semantic_checks() -> None:
    text = replaced("cloudwatch_retention_days: 365      #", 'cloudwatch_retention_days: "365"     #')
    text = replaced("    home_region: us-east-1\n", "    home_region: eu-west-1\n", text)
    message = error_of(text)
    assert "logging.cloudwatch_retention_days: expected a whole number, got '365': remove the quotes" in message
    assert "partitions.aws.home_region: home region 'eu-west-1' is not in allowed_regions" in message


def test_indices_inside_messages_are_mapped_back_after_pruning() -> None:
    text = replaced("  - name: log-archive\n", "  - name: Log_Archive\n")  # accounts[1] fails structure and is pruned
    text = replaced('id: "510987654324"', 'id: "410987654323"', text)  # shared-services reuses security's ID
    message = error_of(text)
    assert "accounts[3].id: account ID '410987654323' is already used at accounts[2].id" in message


def test_merge_key_override_is_accepted() -> None:
    text = replaced(
        '  - name: web-prod\n    id: "810987654327"\n    email: aws-web-prod@example.com\n    partition: aws\n'
        "    ou: Workloads/Prod\n",
        '  - &prod {name: web-prod, id: "810987654327", email: aws-web-prod@example.com, partition: aws, '
        "ou: Workloads/Prod}\n",
    )
    text = replaced("  - name: web-dev\n", "  - <<: *prod\n    name: web-dev\n", text)
    text = replaced(
        '    id: "910987654328"\n    email: aws-web-dev@example.com\n',
        '    id: "910987654328"\n    email: aws-web-dev@example.com\n',
        text,
    )
    config = parse_config(text)
    dev = next(a for a in config.accounts if a.name == "web-dev")
    assert dev.ou == "Workloads/Dev" and dev.id == "910987654328"


def test_integer_mapping_keys_are_shown_as_keys_with_their_line() -> None:
    text = replaced("  aws-us-gov:\n    organization_id", "  1:\n    organization_id")
    line = text.splitlines().index("  1:") + 1  # the key's own line, counted here from the text
    message = error_of(text)
    assert "partitions.1: 1 is not allowed here" not in message
    assert f"org.yaml:{line}: partitions.1: the number 1 is not allowed here" in message


def test_one_case_typo_in_a_partition_key_gives_one_problem() -> None:
    message = error_of(replaced("partitions:\n  aws:\n", "partitions:\n  AWS:\n"))
    assert "partitions.AWS: 'AWS' is not allowed here" in message and "did you mean 'aws'?" in message
    assert "1 problem" in message, message


# --- the command line and cdk.json ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "accounts", "partition", "fragment"),
    [
        (None, ",", None, "-c accounts=, names no account"),
        (None, " , ", None, "names no account"),
        ("", None, None, "-c config= is empty"),
        ("  ", None, None, "-c config= is empty"),
        (["org.yaml"], None, None, "config: expected the path of a config file as text, got a list of 1"),
        (None, ["web-prod"], None, "accounts: expected account names separated by commas"),
        (None, 5, None, "got the number 5"),
        (None, "web-prod,Web Prod", None, "-c accounts: 'Web Prod' is not an account name"),
        (None, None, "aws-cn", "-c partition='aws-cn' (did you mean aws?): expected aws or aws-us-gov"),
        (None, None, 1, "got the number 1"),
    ],
)
def test_bad_context_gives_one_clear_message(config: Any, accounts: Any, partition: Any, fragment: str) -> None:
    with pytest.raises(ContextError) as caught:
        settings(config, accounts, partition)
    assert fragment in str(caught.value)
    assert len(caught.value.problems) == 1


def test_good_context() -> None:
    assert settings(None, None).config == "config/org.yaml"
    chosen = settings("my/org.yaml", " web-prod , ci ,", "aws-us-gov")
    assert (chosen.config, chosen.accounts, chosen.partition) == ("my/org.yaml", ["web-prod", "ci"], "aws-us-gov")


@pytest.mark.parametrize(
    ("context", "fragment"),
    [
        ({"accounts": ","}, "names no account"),
        ({"config": ""}, "-c config= is empty"),
        ({"config": 5}, "config: expected the path of a config file as text, got the number 5"),
        ({"config": "tests/fixtures/configs/does_not_exist.yaml"}, "cannot read the config file"),
    ],
)
def test_the_app_exits_1_without_a_traceback_on_bad_context(context: dict[str, Any], fragment: str) -> None:
    import json

    env_context = {"CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": "/tmp/hostile-cdk-out"}
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, **env_context},
        check=False,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_check_config_on_a_bomb_exits_1_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(LAUGHS)
    result = subprocess.run(
        [sys.executable, "-m", "config", str(path)], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr and "aliases" in result.stderr


def test_example_still_loads() -> None:
    data = yaml.safe_load(EXAMPLE)
    assert parse_config(dumped(copy.deepcopy(data))).name_prefix == "examplecorp"

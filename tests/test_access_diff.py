"""`python -m ops.access diff`: what a config change does to access, in plain words; exit 2 when access widens.

Each case changes the example config the way a pull request would and names, written out by hand, the sentences
the reviewer must see. One test runs the command on a real git history (a temporary repository, two commits).
"""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ops.access.__main__ import main
from ops.access.diff import compare
from tests.support.config_data import ConfigFrom, changed
from tests.support.project import EXAMPLE_CONFIG

SUPPORT_WITHOUT_TERMINATE_DENY = {
    "name": "Support",
    "description": "Read-only EC2 and AWS Support cases.",
    "session_duration": "PT8H",
    "aws_managed_policies": ["AmazonEC2ReadOnlyAccess", "AWSSupportAccess"],
    "inline_policy": {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "DenySome", "Effect": "Deny", "Action": ["ec2:DeleteVolume"], "Resource": "*"}],
    },
}


def _index(data: dict[str, Any], group: str, permission_set: str) -> int:
    """Position of the example's assignment of `permission_set` to `group` (positions move as the example grows)."""
    assignments = data["identity_center"]["assignments"]
    return next(
        i for i, a in enumerate(assignments) if (a["group_name"], a["permission_set"]) == (group, permission_set)
    )


def _open_payments(data: dict[str, Any]) -> dict[str, Any]:
    """sre-oncall's SessionManager without its payments-prod exclusion."""
    where = _index(data, "sre-oncall", "SessionManager")
    return changed(data, {f"identity_center.assignments.{where}.targets.exclude_accounts": []})


def _sentences(base: dict[str, Any], head: dict[str, Any], config_from: ConfigFrom) -> dict[str, bool]:
    return {c.text: c.widens for c in compare(config_from(base), config_from(head))}


def test_unchanged_config_has_no_changes(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    assert _sentences(example_data, example_data, config_from) == {}


def test_a_group_gains_a_set_on_an_account(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    # sre-oncall's SessionManager excluded payments-prod; dropping the exclusion opens it there.
    head = _open_payments(example_data)
    assert _sentences(example_data, head, config_from) == {
        "group sre-oncall gains SessionManager on payments-prod": True
    }


def test_a_new_group_on_an_ou(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    head = copy.deepcopy(example_data)
    head["identity_center"]["assignments"].append(
        {
            "group_id": "9067a3c4e1-5a5a5a5a-5a5a-4a5a-8a5a-5a5a5a5a5a5a",
            "group_name": "platform-oncall",
            "partition": "aws",
            "permission_set": "OnCall",
            "targets": {"organizational_units": ["Workloads/Prod"]},
        }
    )
    assert _sentences(example_data, head, config_from) == {
        "group platform-oncall gains OnCall on payments-prod, web-prod": True
    }


def test_support_loses_a_deny(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    """Replacing the catalog's Support with a set whose deny no longer names ec2:TerminateInstances."""
    head = copy.deepcopy(example_data)
    head["identity_center"]["permission_sets"].append(SUPPORT_WITHOUT_TERMINATE_DENY)
    found = _sentences(example_data, head, config_from)
    assert found["Support loses ec2:TerminateInstances deny"] is True
    assert found["Support loses ec2:StopInstances deny"] is True
    assert "Support loses ec2:DeleteVolume deny" not in found
    assert found["Support inline policy changes (no new Allow statement)"] is False


def test_narrowing_only(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    head = copy.deepcopy(example_data)
    del head["identity_center"]["assignments"][_index(example_data, "engineers", "PowerUser")]  # Workloads/Dev, Sandbox
    assert _sentences(example_data, head, config_from) == {
        "group engineers loses PowerUser on sandbox-research, web-dev": False
    }


def test_a_capability_rising_and_a_boundary_removed(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    """DataEngineer without its PowerUserAccess boundary: the long DataScientist policy is unknown on IAM."""
    head = changed(example_data, {"identity_center.permission_sets.0.permissions_boundary": None})
    found = _sentences(example_data, head, config_from)
    assert found["DataEngineer loses its permissions boundary PowerUserAccess"] is True
    assert found["DataEngineer can change IAM: no -> unknown"] is True  # unknown is never safe


def test_breakglass_trusts_one_more_identity(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    head = copy.deepcopy(example_data)
    head["breakglass"]["aws"]["principals"].append({"account": "security", "user": "breakglass-carol"})
    assert _sentences(example_data, head, config_from) == {
        "role examplecorp-baseline-breakglass now trusts arn:aws:iam::410987654323:user/breakglass-carol": True
    }


def test_longer_sessions_widen(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    head = changed(example_data, {"identity_center.permission_sets.0.session_duration": "PT12H"})
    assert _sentences(example_data, head, config_from) == {"DataEngineer sessions last PT12H instead of PT8H": True}


def test_gaining_eligible_access_widens(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    """A new elevation rule makes its set eligible: a wider grant, even though nothing is standing."""
    head = copy.deepcopy(example_data)
    rule = {"name": "web-admin", "partition": "aws", "groups": ["sre-oncall"], "permission_set": "Administrator",
            "targets": {"accounts": ["web-prod"]}, "max_duration": "PT1H", "approver_groups": ["platform-leads"]}  # fmt: skip
    head["elevation"]["rules"].append(rule)
    assert _sentences(example_data, head, config_from) == {
        "group sre-oncall gains Administrator (eligible) on web-prod": True
    }


def test_losing_eligible_access_narrows(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    """Dropping the example's on-call rule: sre-oncall can no longer ask for PowerUser in Workloads/Prod (but
    payments-prod, which the rule excludes)."""
    head = copy.deepcopy(example_data)
    head["elevation"]["rules"] = [r for r in head["elevation"]["rules"] if r["name"] != "oncall-poweruser"]
    assert _sentences(example_data, head, config_from) == {
        "group sre-oncall loses PowerUser (eligible) on web-prod": False
    }


def _rule(data: dict[str, Any], name: str) -> int:
    return next(i for i, r in enumerate(data["elevation"]["rules"]) if r["name"] == name)


def test_elevation_rule_limits_widen(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    """The example's `admin` rule without its ticket and with one more approver group, and on-call PowerUser grants
    of up to four hours instead of two: the same groups stay eligible, but the limits loosen."""
    admin, oncall = _rule(example_data, "admin"), _rule(example_data, "oncall-poweruser")
    head = changed(
        example_data,
        {
            f"elevation.rules.{admin}.ticket_required": False,
            f"elevation.rules.{admin}.approver_groups": ["platform-leads", "engineers"],
            f"elevation.rules.{oncall}.max_duration": "PT4H",
        },
    )
    assert _sentences(example_data, head, config_from) == {
        "rule admin no longer needs a ticket": True,
        "group engineers can approve rule admin": True,
        "rule oncall-poweruser grants last up to PT4H instead of PT2H": True,
    }


def test_elevation_rule_without_approval_widens(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    admin = _rule(example_data, "admin")
    head = changed(
        example_data,
        {
            f"elevation.rules.{admin}.approval_required": False,
            f"elevation.rules.{admin}.approver_groups": [],
            f"elevation.rules.{admin}.approver_emails": [],
        },
    )
    assert _sentences(example_data, head, config_from) == {"rule admin no longer needs an approval": True}


def test_elevation_rule_limits_narrow(
    example_data: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On-call PowerUser now needs an approval by platform-leads and a ticket, for one hour at most; admin loses an
    approver group: only narrowing, exit 0."""
    oncall, admin = _rule(example_data, "oncall-poweruser"), _rule(example_data, "admin")
    base = copy.deepcopy(example_data)
    base["elevation"]["rules"][admin]["approver_groups"] = ["platform-leads", "engineers"]
    head = changed(
        base,
        {
            f"elevation.rules.{oncall}.approval_required": True,
            f"elevation.rules.{oncall}.approver_groups": ["platform-leads"],
            f"elevation.rules.{oncall}.ticket_required": True,
            f"elevation.rules.{oncall}.max_duration": "PT1H",
            f"elevation.rules.{admin}.approver_groups": ["platform-leads"],
        },
    )
    base_path, head_path = _write(tmp_path / "base.yaml", base), _write(tmp_path / "head.yaml", head)
    assert main(["diff", "--base-config", str(base_path), "--head-config", str(head_path)]) == 0
    out = capsys.readouterr().out
    assert "No access widens (only narrowing)." in out
    assert [line for line in out.splitlines() if line.startswith("- ")] == [
        "- group engineers can no longer approve rule admin",
        "- rule oncall-poweruser grants last up to PT1H instead of PT2H",
        "- rule oncall-poweruser now needs an approval",
        "- rule oncall-poweruser now needs a ticket",
        "- group platform-leads can approve rule oncall-poweruser",
    ]


# --- the command, on files and on a real git history -------------------------------------------------------------


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_two_files_exit_codes(example_data: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _write(tmp_path / "base.yaml", example_data)
    wider = _write(tmp_path / "wider.yaml", _open_payments(example_data))
    narrower = copy.deepcopy(example_data)
    del narrower["identity_center"]["assignments"][_index(example_data, "engineers", "PowerUser")]
    narrower_path = _write(tmp_path / "narrower.yaml", narrower)

    assert main(["diff", "--base-config", str(base), "--head-config", str(base)]) == 0
    assert "No access changes." in capsys.readouterr().out
    assert main(["diff", "--base-config", str(base), "--head-config", str(wider)]) == 2
    out = capsys.readouterr().out
    assert "**Access widens.**" in out
    assert "- group sre-oncall gains SessionManager on payments-prod" in out
    assert main(["diff", "--base-config", str(base), "--head-config", str(narrower_path)]) == 0
    assert "No access widens (only narrowing)." in capsys.readouterr().out


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def history(example_data: dict[str, Any], tmp_path: Path) -> Path:
    """A repository whose first commit has the example config and whose second widens sre-oncall."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "test@example.com")
    _git(repo, "config", "user.name", "test")
    _write(repo / "config" / "org.yaml", example_data)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    _write(repo / "config" / "org.yaml", _open_payments(example_data))
    _git(repo, "commit", "-q", "-am", "sre-oncall everywhere")
    return repo


def test_diff_against_a_git_ref(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = history / "config" / "org.yaml"
    comment = tmp_path / "comment.md"
    assert main(["diff", "HEAD~1", "--config", str(config), "--output", str(comment)]) == 2
    out = capsys.readouterr().out
    assert "## Access changes: HEAD~1 -> " in out
    assert "- group sre-oncall gains SessionManager on payments-prod" in out
    assert comment.read_text() == out
    assert main(["diff", "HEAD", "--config", str(config)]) == 0
    assert "No access changes." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-branch"], "unknown git ref 'no-such-branch'"),
        (["HEAD", "--config", "{repo}/config/other.yaml"], "config/other.yaml does not exist at HEAD"),
        (["--base-config", "{repo}/missing.yaml"], "missing.yaml"),
        ([], "give either BASE_REF or --base-config"),
    ],
)
def test_bad_input_is_a_clear_error(
    history: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (history / "config" / "other.yaml").write_text(EXAMPLE_CONFIG.read_text())  # in the work tree, not in HEAD
    monkeypatch.chdir(history)
    assert main(["diff", *(a.format(repo=history) for a in args)]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err

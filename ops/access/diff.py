"""`python -m ops.access diff BASE_REF [--config PATH]` or `diff --base-config A --head-config B`: what a config
change does to access, in plain words, as Markdown for a pull request comment.

With BASE_REF, the base config is `git show BASE_REF:<config>` (the same path in the repository at that ref) and
the head config is the file in the work tree. Both are turned into access matrices (ops/access/model.py) and
compared:

- grants: "group sre-oncall gains OnCall on payments-prod" (widening), "... loses ..." (narrowing);
- what each permission set can do: summary values rising (no -> unknown -> yes) widen, falling narrow;
  a removed explicit deny widens ("Support loses ec2:TerminateInstances deny"); added or removed policies, a
  removed or changed boundary and a longer session also count;
- roles: breakglass and Atlantis roles trusting more principals or reaching more accounts widen;
- elevation rules' limits: "rule admin grants last up to PT4H instead of PT1H", "rule admin no longer needs an
  approval", "... no longer needs a ticket", "group X can approve rule admin": longer grants, dropped approvals or
  tickets and more approvers widen; the opposite narrows (who gains eligible access is in the grants above).

An unknown value is never read as safe: `no -> unknown` widens. Exit status: 0 when no access widens (nothing
changed, or only narrowing), 2 when access widens, 1 on bad input (unknown ref, missing or invalid config).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.elevation import minutes
from config.loader import load_config, parse_config
from config.models import OrgConfig
from config.policies.permission_sets import duration_hours
from config.problems import ConfigError
from ops.access.model import matrices

WIDENED = 2
RANK = {"no": 0, "denied": 0, "approved documents only": 1, "unknown": 2, "yes": 3, "any document": 3}
CAPABILITIES = {
    "admin_equivalent": "admin-equivalent",
    "can_change_iam": "can change IAM",
    "can_start_sessions": "can start sessions",
}


@dataclass(frozen=True)
class Change:
    partition: str
    text: str
    widens: bool


class InputError(Exception):
    """Bad input: the message says what and where."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="what a config change does to access (exit 2 if it widens)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("base_ref", nargs="?", help="git ref of the base (e.g. main, origin/main, a commit)")
    parser.add_argument("--config", type=Path, default=Path("config/org.yaml"), help="the head config file")
    parser.add_argument("--base-config", type=Path, help="the base config file (instead of BASE_REF)")
    parser.add_argument("--head-config", type=Path, help="the head config file (same as --config)")
    parser.add_argument("--output", type=Path, help="also write the Markdown to this file")


def run(args: argparse.Namespace) -> int:
    head_path: Path = args.head_config or args.config
    try:
        if (args.base_ref is None) == (args.base_config is None):
            raise InputError("give either BASE_REF or --base-config (and optionally --head-config)")
        base = load(args.base_config) if args.base_config else config_at(args.base_ref, head_path)
        head = load(head_path)
    except InputError as err:
        print(f"access diff: {err}", file=sys.stderr)
        return 1
    changes = compare(base, head)
    text = render(changes, base_label=args.base_ref or str(args.base_config), head_label=str(head_path))
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return WIDENED if any(c.widens for c in changes) else 0


def load(path: Path) -> OrgConfig:
    try:
        return load_config(path)
    except ConfigError as err:
        raise InputError(str(err)) from err


def config_at(ref: str, path: Path) -> OrgConfig:
    """The config at `path` as it was at git `ref`."""
    where = path.resolve().parent if path.resolve().parent.exists() else Path.cwd()
    top = _git(where, "rev-parse", "--show-toplevel").strip()
    relative = path.resolve().relative_to(Path(top).resolve()).as_posix()
    _git(where, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=f"unknown git ref {ref!r}")
    text = _git(where, "show", f"{ref}:{relative}", what=f"{relative} does not exist at {ref}")
    try:
        return parse_config(text, source=f"{ref}:{relative}")
    except ConfigError as err:
        raise InputError(str(err)) from err


def _git(where: Path, *args: str, what: str | None = None) -> str:
    try:
        done = subprocess.run(["git", "-C", str(where), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError as err:
        raise InputError("git is not installed; use --base-config instead of BASE_REF") from err
    if done.returncode != 0:
        raise InputError(what or f"git {' '.join(args)} failed: {done.stderr.strip() or 'not a git repository'}")
    return done.stdout


# --- comparing ----------------------------------------------------------------------------------------------


def compare(base: OrgConfig, head: OrgConfig) -> list[Change]:
    before, after = matrices(base), matrices(head)
    changes: list[Change] = []
    for partition in sorted(set(before) | set(after)):
        old, new = before.get(partition), after.get(partition)
        if new is None:
            changes.append(Change(partition, f"partition {partition} is removed", widens=False))
            continue
        if old is None:
            changes.append(Change(partition, f"partition {partition} is added", widens=True))
            old = {"grants": [], "permission_sets": {}, "roles": []}
        changes += _grants(partition, old, new)
        changes += _permission_sets(partition, old, new)
        changes += _roles(partition, old, new)
        changes += _rules(partition, old, new)
    return changes


def _grants(partition: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    def keyed(matrix: dict[str, Any]) -> set[tuple[str, str, str]]:
        return {
            (g["group"], g["permission_set"] + ("" if g["access"] == "standing" else f" ({g['access']})"), g["account"])
            for g in matrix["grants"]
        }

    was, now = keyed(old), keyed(new)
    out = []
    for verb, items, widens in (("gains", now - was, True), ("loses", was - now, False)):
        by_set: dict[tuple[str, str], list[str]] = {}
        for group, pset, account in sorted(items):
            by_set.setdefault((group, pset), []).append(account)
        out += [
            Change(partition, f"group {group} {verb} {pset} on {', '.join(accounts)}", widens)
            for (group, pset), accounts in by_set.items()
        ]
    return out


def _permission_sets(partition: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    out = []
    for name in sorted(set(old["permission_sets"]) & set(new["permission_sets"])):
        a, b = old["permission_sets"][name], new["permission_sets"][name]

        def change(text: str, widens: bool, name: str = name) -> None:
            out.append(Change(partition, f"{name} {text}", widens))

        for key, label in CAPABILITIES.items():
            _rank_change(a["summary"][key], b["summary"][key], label, change)
        for store, value in b["summary"]["can_read_data"].items():
            _rank_change(a["summary"]["can_read_data"][store], value, f"can read {store}", change)
        was, now = set(a["summary"]["denied_actions"]), set(b["summary"]["denied_actions"])
        for action in sorted(was - now):
            change(f"loses {action} deny", True)
        for action in sorted(now - was):
            change(f"gains {action} deny", False)
        for kind in ("aws_managed_policies", "customer_managed_policies"):
            label = kind.removesuffix("_policies").replace("_", " ")
            for policy in sorted(set(b[kind]) - set(a[kind])):
                change(f"gains {label} policy {policy}", True)
            for policy in sorted(set(a[kind]) - set(b[kind])):
                change(f"loses {label} policy {policy}", False)
        for policy in sorted(set(a["customer_managed_policies"]) & set(b["customer_managed_policies"])):
            _document_change(
                a["customer_managed_policies"][policy],
                b["customer_managed_policies"][policy],
                f"customer managed policy {policy}",
                change,
            )
        _document_change(a["inline_policy"], b["inline_policy"], "inline policy", change)
        if a["permissions_boundary"] != b["permissions_boundary"]:
            if b["permissions_boundary"] is None:
                change(f"loses its permissions boundary {a['permissions_boundary']['name']}", True)
            elif a["permissions_boundary"] is None:
                change(f"gains the permissions boundary {b['permissions_boundary']['name']}", False)
            else:
                old_name, new_name = a["permissions_boundary"]["name"], b["permissions_boundary"]["name"]
                change(f"permissions boundary changes from {old_name} to {new_name}", True)
        if a["session_duration"] != b["session_duration"]:
            longer = duration_hours(b["session_duration"]) > duration_hours(a["session_duration"])
            change(f"sessions last {b['session_duration']} instead of {a['session_duration']}", longer)
    return out


def _rank_change(was: str, now: str, label: str, change: Any) -> None:
    if was != now:
        change(f"{label}: {was} -> {now}", RANK.get(now, 2) > RANK.get(was, 2))


def _document_change(was: dict[str, Any] | None, now: dict[str, Any] | None, label: str, change: Any) -> None:
    """A policy document that allows a statement it did not allow before widens; otherwise it narrows."""
    if was == now:
        return
    old_allows = [s for s in _statements(was) if s.get("Effect") == "Allow"]
    new_allows = [s for s in _statements(now) if s.get("Effect") == "Allow"]
    added = [s for s in new_allows if s not in old_allows]
    if added:
        sids = ", ".join(s.get("Sid", "(no Sid)") for s in added)
        change(f"{label} allows more: {sids}", True)
    elif was is None:
        change(f"gains an {label}", False)
    else:
        change(f"{label} changes (no new Allow statement)", False)


def _statements(document: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not document:
        return []
    statements = document.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _roles(partition: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    out = []
    was = {r["role"]: r for r in old["roles"]}
    now = {r["role"]: r for r in new["roles"]}
    for name in sorted(set(now) - set(was)):
        out.append(Change(partition, f"role {name} is added in {len(now[name]['accounts'])} accounts", True))
    for name in sorted(set(was) - set(now)):
        out.append(Change(partition, f"role {name} is removed", False))
    for name in sorted(set(was) & set(now)):
        a, b = was[name], now[name]
        for principal in sorted(set(b["trusted"]) - set(a["trusted"])):
            out.append(Change(partition, f"role {name} now trusts {principal}", True))
        for principal in sorted(set(a["trusted"]) - set(b["trusted"])):
            out.append(Change(partition, f"role {name} no longer trusts {principal}", False))
        gained = sorted(set(b["accounts"]) - set(a["accounts"]))
        lost = sorted(set(a["accounts"]) - set(b["accounts"]))
        if gained:
            out.append(Change(partition, f"role {name} is added in {', '.join(gained)}", True))
        if lost:
            out.append(Change(partition, f"role {name} is removed from {', '.join(lost)}", False))
        policies = ("aws_managed_policies", "customer_managed_policies", "permissions_boundary")
        if any(a[key] != b[key] for key in policies):
            out.append(Change(partition, f"role {name} policies change", True))
    return out


def _rules(partition: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """The limits of each elevation rule that exists on both sides (a new or removed rule shows in the grants)."""
    was = {r["name"]: r for r in old.get("elevation_rules", [])}
    now = {r["name"]: r for r in new.get("elevation_rules", [])}
    out = []
    for name in sorted(set(was) & set(now)):
        a, b = was[name], now[name]

        def change(text: str, widens: bool, name: str = name) -> None:
            out.append(Change(partition, f"rule {name} {text}", widens))

        if a["max_duration"] != b["max_duration"]:
            longer = minutes(b["max_duration"]) > minutes(a["max_duration"])
            change(f"grants last up to {b['max_duration']} instead of {a['max_duration']}", longer)
        for key, what in (("approval_required", "an approval"), ("ticket_required", "a ticket")):
            if a[key] and not b[key]:
                change(f"no longer needs {what}", True)
            elif b[key] and not a[key]:
                change(f"now needs {what}", False)
        if not b["approval_required"]:
            continue  # nobody approves any more: the line above says so
        # More approvers widen only where an approval was already needed (before, nobody had to approve).
        for group in sorted(set(b["approver_groups"]) - set(a["approver_groups"])):
            out.append(Change(partition, f"group {group} can approve rule {name}", bool(a["approval_required"])))
        for group in sorted(set(a["approver_groups"]) - set(b["approver_groups"])):
            out.append(Change(partition, f"group {group} can no longer approve rule {name}", False))
    return out


def render(changes: list[Change], *, base_label: str, head_label: str) -> str:
    widened = any(c.widens for c in changes)
    out = [f"## Access changes: {base_label} -> {head_label}", ""]
    if not changes:
        return "\n".join([*out, "No access changes."])
    out += ["**Access widens.**" if widened else "No access widens (only narrowing).", ""]
    for partition in sorted({c.partition for c in changes}):
        out += [f"### {partition}", ""]
        for title, widens in (("Widens", True), ("Narrows", False)):
            items = [c.text for c in changes if c.partition == partition and c.widens is widens]
            if items:
                out += [f"{title}:", "", *(f"- {text}" for text in items), ""]
    return "\n".join(out).rstrip()

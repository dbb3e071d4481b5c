"""The access matrix as a Markdown report and as one self-contained HTML page.

The HTML page has no external scripts, styles, fonts or images (it opens offline and inside GovCloud networks):
the matrices are embedded as JSON and a few lines of inline JavaScript draw a filterable account x group grid;
clicking a cell shows the permission sets, their summaries and their policies.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SUMMARY_COLUMNS = ("admin", "IAM", "S3", "DynamoDB", "RDS", "Secrets", "sessions", "denies")


def _cell(grants: list[dict[str, Any]]) -> str:
    return ", ".join(g["permission_set"] + (" (eligible)" if g["access"] != "standing" else "") for g in grants)


def summary_row(name: str, pset: dict[str, Any]) -> list[str]:
    s = pset["summary"]
    data = s["can_read_data"]
    denies = len(s["denied_actions"])
    return [
        name,
        pset["session_duration"],
        s["admin_equivalent"],
        s["can_change_iam"],
        data["s3"],
        data["dynamodb"],
        data["rds"],
        data["secrets"],
        s["can_start_sessions"],
        f"{denies} action{'s' if denies != 1 else ''}" if denies else "none",
    ]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") or " " for c in cells) + " |"

    return [line(header), "|" + "---|" * len(header), *(line(r) for r in rows)]


def grid(matrix: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the account x group grid."""
    groups = [g["name"] for g in matrix["groups"]]
    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for grant in matrix["grants"]:
        cells.setdefault((grant["account"], grant["group"]), []).append(grant)
    rows = [[a["name"], *(_cell(cells.get((a["name"], g), [])) for g in groups)] for a in matrix["accounts"]]
    return ["account", *groups], rows


def markdown(matrix: dict[str, Any]) -> str:
    p = matrix["partition"]
    out = [f"# Access matrix: {p}", "", "Generated from the config by `python -m ops.access matrix` (docs/access.md)."]
    out.append("")
    out += ["## Who has which permission set where", ""]
    header, rows = grid(matrix)
    out += [*_table(header, rows), ""]
    out += ["## What each permission set can do", ""]
    out += ['Derived from the policy documents (docs/access.md, "Summaries"); `unknown` is never `no`.', ""]
    header = ["permission set", "session", *SUMMARY_COLUMNS]
    rows = [summary_row(name, pset) for name, pset in matrix["permission_sets"].items()]
    out += [*_table(header, rows), ""]
    for name, pset in matrix["permission_sets"].items():
        out += [f"### {name}", "", pset["description"] or "(no description)", ""]
        out.append(f"- AWS managed: {', '.join(pset['aws_managed_policies']) or 'none'}")
        out.append(f"- customer managed: {', '.join(pset['customer_managed_policies']) or 'none'}")
        out.append(f"- inline policy: {'yes' if pset['inline_policy'] else 'none'}")
        boundary = pset["permissions_boundary"]
        shown = f"{boundary['name']} ({boundary['kind']})" if boundary else "none"
        out.append(f"- permissions boundary: {shown}")
        denied = pset["summary"]["denied_actions"]
        out.append(f"- denied actions: {', '.join(f'`{a}`' for a in denied) if denied else 'none'}")
        out.append("")
    out += ["## Eligible access (elevation rules)", ""]
    if matrix.get("elevation_rules"):
        out += ["Granted only after a request (docs/elevation.md); the grid marks these `(eligible)`.", ""]
        rows = [
            [r["name"], ", ".join(r["groups"]), r["permission_set"], ", ".join(r["accounts"]), r["max_duration"],
             ", ".join(r["approver_groups"]) if r["approval_required"] else "none: granted at once",
             "required" if r["ticket_required"] else "no"]
            for r in matrix["elevation_rules"]
        ]  # fmt: skip
        header = ["rule", "requester groups", "permission set", "accounts", "longest grant", "approvers", "ticket"]
        out += [*_table(header, rows), ""]
    else:
        out += ["No elevation rules in this partition.", ""]
    out += ["## Roles", ""]
    rows = [
        [r["role"], r["kind"], "<br>".join(r["trusted"]), r["conditions"],
         ", ".join([*r["aws_managed_policies"], *r["customer_managed_policies"]])
         + (f" (boundary {r['permissions_boundary']})" if r["permissions_boundary"] else ""),
         f"{len(r['accounts'])} of {len(matrix['accounts'])}"]
        for r in matrix["roles"]
    ]  # fmt: skip
    out += [*_table(["role", "kind", "trusted", "conditions", "policies", "accounts"], rows), ""]
    out += ["## Session Manager", ""]
    rows = [
        [account, "<br>".join(f"{e['group']} ({e['permission_set']}): {e['documents']}" for e in entries)]
        for account, entries in matrix["session_manager"].items()
        if entries
    ]
    out += [*_table(["account", "who can start sessions (documents)"], rows), ""]
    out += ["## AWS managed policies", ""]
    rows = [[name, entry["meaning"], entry["url"] or "unknown"] for name, entry in matrix["managed_policies"].items()]
    out += [*_table(["policy", "meaning", "reference"], rows), ""]
    return "\n".join(out)


# The page: inline CSS and JavaScript only, and a Content-Security-Policy that forbids loading anything else.
_PAGE = Path(__file__).with_name("page.html")


def html_page(matrices: Mapping[str, dict[str, Any]]) -> str:
    # `<` escaped so that no `</script>` in a policy can end the data block.
    data = json.dumps(matrices, sort_keys=True).replace("<", "\\u003c")
    roles = "".join(
        f"<h3>{html.escape(p)}</h3><ul>"
        + "".join(
            f"<li>{html.escape(r['role'])} ({html.escape(r['kind'])}): {html.escape(', '.join(r['trusted']))}; "
            f"{html.escape(r['conditions'])}; {len(r['accounts'])} accounts</li>"
            for r in m["roles"]
        )
        + "</ul>"
        for p, m in matrices.items()
    )
    return _PAGE.read_text().replace("__DATA__", data).replace("__ROLES__", roles)

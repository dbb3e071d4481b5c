"""`python -m ops.access matrix`: who has which permission set where, and what each set can do.

Expected values are written out by hand from config/org.yaml, the catalog's documented policies
(docs/identity-center.md) and the AWS managed policy reference; they are not computed by the code under test.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from config.models import OrgConfig
from config.regions import PartitionName
from ops.access.__main__ import main
from ops.access.model import partition_matrix
from ops.access.report import html_page, markdown
from tests.support.config_data import ConfigFrom, changed
from tests.support.project import ROOT

SCHEMA = json.loads((ROOT / "docs" / "access-matrix.schema.json").read_text())


def cells(matrix: dict[str, Any], group: str) -> dict[str, list[str]]:
    """account -> the sets `group` has there, eligible ones written `Set (eligible)` as in the grid."""
    out: dict[str, list[str]] = {}
    for grant in matrix["grants"]:
        if grant["group"] == group:
            eligible = " (eligible)" if grant["access"] == "eligible" else ""
            out.setdefault(grant["account"], []).append(grant["permission_set"] + eligible)
    return out


# --- the example config ---------------------------------------------------------------------------------------

# Hand-computed from config/org.yaml: Workloads = payments-prod, web-prod (Workloads/Prod) and web-dev
# (Workloads/Dev); sandbox-research is in Sandbox; sre-oncall's SessionManager excludes payments-prod; sre-oncall
# has the Requester set in the management account (the Identity Center admin account) and the `oncall-poweruser`
# elevation rule makes PowerUser eligible on Workloads/Prod except payments-prod (PCI scope: breakglass only).
EXAMPLE_THREE_GROUPS = {
    "sre-oncall": {"management": ["Requester"], "payments-prod": ["OnCall"],
                   "web-prod": ["OnCall", "PowerUser (eligible)", "SessionManager"],
                   "web-dev": ["SessionManager"]},
    "engineers": {"payments-prod": ["ReadOnly"], "web-prod": ["ReadOnly"], "web-dev": ["PowerUser", "ReadOnly"],
                  "sandbox-research": ["PowerUser"]},
    "data-engineering": {"payments-prod": ["DataEngineer"]},
}  # fmt: skip


def test_example_grid_of_three_groups(example_config: OrgConfig) -> None:
    matrix = partition_matrix(example_config, "aws")
    for group, expected in EXAMPLE_THREE_GROUPS.items():
        assert cells(matrix, group) == expected, group
    # platform-admins: ReadOnly on the root, Requester in management, and Administrator only eligible (the `admin`
    # rule on the root); platform-leads approve, with the Approver set in management only.
    admins = cells(matrix, "platform-admins")
    assert sorted(admins) == sorted(a.name for a in example_config.accounts if a.partition == "aws")
    assert admins.pop("management") == ["Administrator (eligible)", "ReadOnly", "Requester"]
    assert all(sets == ["Administrator (eligible)", "ReadOnly"] for sets in admins.values())
    assert cells(matrix, "platform-leads") == {"management": ["Approver"]}
    assert not [g for g in matrix["grants"] if g["permission_set"] == "Administrator" and g["access"] == "standing"]


# Hand-computed from config/org.yaml's GovCloud partition: gov-management is the root's only direct account;
# gov-log-archive is in Security, gov-workload-prod in Workloads/Prod, gov-workload-dev in Workloads/Dev, gov-ci in
# Infrastructure. The `gov-admin` rule makes Administrator eligible for gov-platform-admins on the root except
# gov-management, for PT1H, after an approval by gov-platform-leads, with a ticket.
GOV_GRID = {
    "gov-platform-admins": {"gov-management": ["ReadOnly", "Requester"],
                            "gov-log-archive": ["Administrator (eligible)", "ReadOnly"],
                            "gov-workload-prod": ["Administrator (eligible)", "ReadOnly"],
                            "gov-workload-dev": ["Administrator (eligible)", "ReadOnly"],
                            "gov-ci": ["Administrator (eligible)", "ReadOnly"]},
    "gov-platform-leads": {"gov-management": ["Approver"]},
    "gov-engineers": {"gov-workload-prod": ["ReadOnly", "SessionManager"], "gov-workload-dev": ["ReadOnly"]},
}  # fmt: skip
GOV_ELIGIBLE = [
    {"account": account, "group": "gov-platform-admins", "permission_set": "Administrator", "access": "eligible",
     "rule": "gov-admin", "max_duration": "PT1H", "approval_required": True}
    for account in ("gov-log-archive", "gov-workload-prod", "gov-workload-dev", "gov-ci")
]  # fmt: skip


def test_govcloud_eligible_access_by_hand(example_config: OrgConfig) -> None:
    matrix = partition_matrix(example_config, "aws-us-gov")
    assert {g["name"] for g in matrix["groups"]} == set(GOV_GRID)
    for group, expected in GOV_GRID.items():
        assert cells(matrix, group) == expected, group
    eligible = [g for g in matrix["grants"] if g["access"] == "eligible"]
    assert sorted(eligible, key=lambda g: g["account"]) == sorted(GOV_ELIGIBLE, key=lambda g: g["account"])
    assert matrix["elevation_rules"] == [
        {"name": "gov-admin", "permission_set": "Administrator", "groups": ["gov-platform-admins"],
         "accounts": ["gov-log-archive", "gov-workload-prod", "gov-workload-dev", "gov-ci"], "max_duration": "PT1H",
         "approval_required": True, "ticket_required": True, "approver_groups": ["gov-platform-leads"]}
    ]  # fmt: skip
    # Nothing of the commercial rules leaks into GovCloud.
    assert not [g for g in matrix["grants"] if g.get("rule") in ("admin", "oncall-poweruser")]


# (admin, IAM, S3, DynamoDB, RDS, Secrets, sessions): AdministratorAccess allows `*`; PowerUserAccess all but
# iam/organizations/account; ReadOnlyAccess reads S3 objects and DynamoDB items, RDS data and secrets are not
# documented in the table (unknown); Support has EC2 read-only and support:* only; SessionManager only the
# baseline's session access policy.
CATALOG = {
    "Administrator": ("yes", "yes", "yes", "yes", "yes", "yes", "any document"),
    "PowerUser": ("no", "no", "yes", "yes", "yes", "yes", "any document"),
    "ReadOnly": ("no", "no", "yes", "yes", "unknown", "unknown", "no"),
    "OnCall": ("no", "no", "yes", "yes", "unknown", "unknown", "no"),
    "Support": ("no", "no", "no", "no", "no", "no", "no"),
    "SessionManager": ("no", "no", "no", "no", "no", "no", "approved documents only"),
}


def row(summary: dict[str, Any]) -> tuple[str, ...]:
    data = summary["can_read_data"]
    return (summary["admin_equivalent"], summary["can_change_iam"], data["s3"], data["dynamodb"], data["rds"],
            data["secrets"], summary["can_start_sessions"])  # fmt: skip


def test_catalog_summaries(example_config: OrgConfig, partition: PartitionName) -> None:
    sets = partition_matrix(example_config, partition)["permission_sets"]
    for name, pset in sets.items():
        if name in CATALOG:
            assert row(pset["summary"]) == CATALOG[name], name
    assert {"Administrator", "ReadOnly", "SessionManager"} <= set(sets)


def test_support_denies_destructive_ec2_actions(example_config: OrgConfig) -> None:
    denied = partition_matrix(example_config, "aws")["permission_sets"]["Support"]["summary"]["denied_actions"]
    assert "ec2:TerminateInstances" in denied
    assert "ec2:StopInstances" in denied


def test_data_engineer_is_bounded_by_power_user(example_config: OrgConfig) -> None:
    """DataScientist and Athena are long policies (unknown on IAM), but the PowerUserAccess boundary allows no IAM
    writes, so the set cannot change IAM and is not admin-equivalent; its customer-managed deny is listed."""
    summary = partition_matrix(example_config, "aws")["permission_sets"]["DataEngineer"]["summary"]
    assert summary["can_change_iam"] == "no"
    assert summary["admin_equivalent"] == "no"
    assert summary["can_read_data"]["dynamodb"] == "yes"  # DataScientist: dynamodb:*
    assert summary["can_read_data"]["s3"] == "unknown"
    assert summary["denied_actions"] == ["dynamodb:DeleteTable", "rds:DeleteDBCluster", "rds:DeleteDBInstance",
                                         "s3:DeleteBucket"]  # fmt: skip


def test_roles_and_session_manager(example_config: OrgConfig) -> None:
    matrix = partition_matrix(example_config, "aws")
    roles = {r["kind"]: r for r in matrix["roles"]}
    assert roles["breakglass"]["role"] == "examplecorp-baseline-breakglass"
    assert roles["breakglass"]["trusted"] == [
        "arn:aws:iam::410987654323:user/breakglass-alice",
        "arn:aws:iam::410987654323:user/breakglass-bob",
    ]
    assert len(roles["breakglass"]["accounts"]) == 9
    assert "management" not in roles["atlantis-apply"]["accounts"]  # exclude_accounts: [management]
    assert len(roles["atlantis-plan"]["accounts"]) == 8
    assert roles["atlantis-apply"]["trusted"] == ["arn:aws:iam::610987654325:role/atlantis-server"]
    assert roles["session-access"]["customer_managed_policies"] == ["examplecorp-baseline-session-access"]
    assert len(roles["session-access"]["accounts"]) == 9
    sessions = {e["group"]: (e["access"], e["documents"]) for e in matrix["session_manager"]["web-dev"]}
    # PowerUserAccess allows ssm:StartSession without the document check; SessionManager only with it; platform
    # admins' Administrator is eligible only (ReadOnly starts no session).
    assert sessions == {"engineers": ("standing", "any document"), "platform-admins": ("eligible", "any document"),
                        "sre-oncall": ("standing", "approved documents only")}  # fmt: skip
    # payments-prod (PCI scope: breakglass only): sre-oncall has no session access there, standing or eligible
    # (SessionManager and the on-call rule both exclude it).
    payments = [(e["group"], e["permission_set"], e["access"]) for e in matrix["session_manager"]["payments-prod"]]
    assert [e for e in payments if e[0] == "sre-oncall"] == []


# --- a small config of three groups, hand-computed -----------------------------------------------------------

SMALL = {
    "identity_center.customer_managed_policies": [
        {"name": "examplecorp-no-iam-boundary", "description": "Everything but IAM",
         "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*",
                                                              "Resource": "*"}]}},
    ],
    "identity_center.permission_sets": [
        {"name": "Auditor", "session_duration": "PT2H",
         "inline_policy": {"Version": "2012-10-17", "Statement": [
             {"Sid": "ReadObjects", "Effect": "Allow", "Action": ["s3:GetObject", "iam:Get*"], "Resource": "*"},
             {"Sid": "NoSecrets", "Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"}]}},
        {"name": "Builder", "session_duration": "PT1H", "aws_managed_policies": ["AdministratorAccess"],
         "permissions_boundary": {"customer_managed_policy": "examplecorp-no-iam-boundary"}},
        {"name": "Mystery", "aws_managed_policies": ["AmazonMysteryServiceFullAccess"]},
    ],
    "identity_center.assignments": [
        {"group_id": "9067a3c4e1-11111111-1111-4111-8111-111111111111", "group_name": "auditors",
         "partition": "aws", "permission_set": "Auditor", "targets": {"root": True, "exclude_accounts": ["management"]}},
        {"group_id": "9067a3c4e1-22222222-2222-4222-8222-222222222222", "group_name": "builders",
         "partition": "aws", "permission_set": "Builder", "targets": {"organizational_units": ["Workloads/Dev"]}},
        {"group_id": "9067a3c4e1-33333333-3333-4333-8333-333333333333", "group_name": "mystery",
         "partition": "aws", "permission_set": "Mystery", "targets": {"accounts": ["web-prod", "ci"]}},
    ],
}  # fmt: skip

SMALL_GRID = {
    "auditors": {name: ["Auditor"] for name in ("log-archive", "security", "shared-services", "ci", "payments-prod",
                                                "web-prod", "web-dev", "sandbox-research")},
    "builders": {"web-dev": ["Builder"]},
    "mystery": {"ci": ["Mystery"], "web-prod": ["Mystery"]},
}  # fmt: skip
SMALL_SUMMARIES = {
    # inline: s3:GetObject allowed, iam:Get* is no write, secretsmanager:* explicitly denied
    "Auditor": ("no", "no", "yes", "no", "no", "denied", "no"),
    # AdministratorAccess inside a boundary of NotAction iam:*: everything but IAM
    "Builder": ("no", "no", "yes", "yes", "yes", "yes", "any document"),
    # an AWS managed policy the table does not know: unknown, never no
    "Mystery": ("unknown", "unknown", "unknown", "unknown", "unknown", "unknown", "unknown"),
}


@pytest.fixture
def small(example_data: dict[str, Any], config_from: ConfigFrom) -> dict[str, Any]:
    # The example's elevation rules name the example's groups, which SMALL replaces.
    return partition_matrix(config_from(changed(example_data, {**SMALL, "elevation.rules": []})), "aws")


def test_small_config_grid(small: dict[str, Any]) -> None:
    assert {g["name"] for g in small["groups"]} == set(SMALL_GRID)
    for group, expected in SMALL_GRID.items():
        assert cells(small, group) == expected, group


def test_small_config_summaries(small: dict[str, Any]) -> None:
    assert {name: row(s["summary"]) for name, s in small["permission_sets"].items()} == SMALL_SUMMARIES
    assert small["permission_sets"]["Auditor"]["summary"]["denied_actions"] == ["secretsmanager:*"]
    assert small["managed_policies"]["AmazonMysteryServiceFullAccess"]["known"] is False
    assert small["permission_sets"]["Builder"]["permissions_boundary"] == {
        "kind": "customer-managed",
        "name": "examplecorp-no-iam-boundary",
    }


# --- outputs --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("access")
    assert main(["matrix", "--config", str(ROOT / "config" / "org.yaml"), "--out", str(out)]) == 0
    return out


def test_writes_json_markdown_and_html_per_partition(written: Path) -> None:
    assert sorted(p.name for p in written.iterdir()) == [
        "aws-us-gov.json", "aws-us-gov.md", "aws.json", "aws.md", "index.html",
    ]  # fmt: skip


@pytest.mark.parametrize("partition", ["aws", "aws-us-gov"])
def test_json_follows_the_documented_schema(written: Path, partition: str) -> None:
    document = json.loads((written / f"{partition}.json").read_text())
    jsonschema.validate(document, SCHEMA)
    assert document["partition"] == partition


def test_schema_rejects_a_wrong_shape(written: Path) -> None:
    document = json.loads((written / "aws.json").read_text())
    document["permission_sets"]["ReadOnly"]["summary"]["can_change_iam"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


def test_html_is_self_contained(written: Path) -> None:
    page = (written / "index.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert not re.search(r"<(link|iframe|img|object|embed)\b", page, re.IGNORECASE)
    assert not re.search(r"@import|url\(", page, re.IGNORECASE)
    assert "default-src 'none'" in page  # the browser itself refuses anything external
    assert "payments-prod" in page and "gov-workload-prod" in page  # both partitions embedded


def test_html_page_draws_the_grid_and_shows_a_cell(written: Path) -> None:
    """The page's own script, run under Node (the pinned one from package.json): 54 cells for 9 accounts x 6 groups;
    a click shows the set, its summary and its customer-managed policy document; a filter keeps one group."""
    node = ROOT / "node_modules" / ".bin" / "node"
    harness = ROOT / "tests" / "support" / "access_page.js"
    args = [str(node), str(harness), str(written / "index.html"), "payments-prod", "data-engineering", "sre-oncall"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    assert out.startswith("cells 54\n")
    assert "<h2>data-engineering in payments-prod</h2><h3>DataEngineer (standing, PT8H)</h3>" in out
    assert "can change IAM: <span class='no'>no</span>" in out
    assert "examplecorp-deny-data-deletion" in out and "rds:DeleteDBCluster" in out
    assert out.endswith("filtered cells 9\n")  # one column left, 9 accounts


def test_html_panel_names_the_elevation_rule(written: Path) -> None:
    """A click on an eligible grant says under which rule, for how long, and who approves (config/org.yaml: `admin`
    makes Administrator eligible for platform-admins on every account, PT1H, approved by platform-leads, with a
    ticket)."""
    node = ROOT / "node_modules" / ".bin" / "node"
    harness = ROOT / "tests" / "support" / "access_page.js"
    args = [str(node), str(harness), str(written / "index.html"), "web-dev", "platform-admins", "admins"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    assert (
        "<h3>Administrator (eligible, PT1H)</h3><p class='rule'>Eligible under rule <b>admin</b>: up to PT1H per "
        "grant, after an approval by platform-leads, with a ticket.</p>"
    ) in out
    assert "<h3>ReadOnly (standing, PT8H)</h3><p>" in out  # a standing grant names no rule


def test_markdown_lists_the_elevation_rules(written: Path) -> None:
    aws, gov = (written / "aws.md").read_text(), (written / "aws-us-gov.md").read_text()
    header = "| rule | requester groups | permission set | accounts | longest grant | approvers | ticket |"
    assert header in aws and header in gov
    assert (
        "| admin | platform-admins | Administrator | management, log-archive, security, shared-services, ci, "
        "payments-prod, web-prod, web-dev, sandbox-research | PT1H | platform-leads | required |"
    ) in aws
    assert (
        "| gov-admin | gov-platform-admins | Administrator | gov-log-archive, gov-workload-prod, gov-workload-dev, "
        "gov-ci | PT1H | gov-platform-leads | required |"
    ) in gov


def test_html_data_cannot_close_its_script(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    data = changed(example_data, {"identity_center.permission_sets.0.description": "x</script><script>alert(1)"})
    page = html_page({"aws": partition_matrix(config_from(data), "aws")})
    assert "</script><script>alert" not in page


def test_markdown_grid_row(written: Path) -> None:
    text = (written / "aws.md").read_text()
    assert (
        "| account | data-engineering | engineers | platform-admins | platform-leads | sre-oncall | support-tier1 |"
        in text
    )
    assert "| web-dev |   | PowerUser, ReadOnly | Administrator (eligible), ReadOnly |   | SessionManager |   |" in text
    assert "| Administrator | PT1H | yes | yes | yes | yes | yes | yes | any document | none |" in text


def test_eligible_grants_are_marked(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    """A rule in `elevation.rules` makes its set eligible for its groups on its accounts, with the rule's name,
    longest grant and approval; the group gets no standing assignment from it, the grid marks it so that a reviewer
    never reads it as standing access, and the schema accepts it."""
    rule = {"name": "payments-admin", "partition": "aws", "groups": ["data-engineering"],
            "permission_set": "Administrator", "targets": {"accounts": ["payments-prod"]}, "max_duration": "PT30M",
            "approver_groups": ["platform-leads"]}  # fmt: skip
    data = copy.deepcopy(example_data)
    data["elevation"]["rules"].append(rule)
    matrix = partition_matrix(config_from(data), "aws")
    jsonschema.validate(matrix, SCHEMA)
    assert cells(matrix, "data-engineering") == {"payments-prod": ["Administrator (eligible)", "DataEngineer"]}
    assert {"account": "payments-prod", "group": "data-engineering", "permission_set": "Administrator",
            "access": "eligible", "rule": "payments-admin", "max_duration": "PT30M",
            "approval_required": True} in matrix["grants"]  # fmt: skip
    standing = {(g["group"], g["permission_set"]) for g in matrix["grants"] if g["access"] == "standing"}
    assert ("data-engineering", "Administrator") not in standing
    assert (
        "| payments-prod | Administrator (eligible), DataEngineer | ReadOnly | Administrator (eligible), ReadOnly |   "
        "| OnCall | Support |"
    ) in markdown(matrix)
    # The example's on-call rule: no approval, two hours.
    assert {"account": "web-prod", "group": "sre-oncall", "permission_set": "PowerUser", "access": "eligible",
            "rule": "oncall-poweruser", "max_duration": "PT2H", "approval_required": False} in matrix["grants"]  # fmt: skip


def test_offline_no_cdk_no_aws() -> None:
    """The matrix and the diff run from the config alone: building them loads neither CDK nor boto3."""
    code = (
        "import sys; from ops.access.__main__ import main; "
        "assert main(['diff', '--base-config', 'config/org.yaml', '--head-config', 'config/org.yaml']) == 0; "
        "loaded = [m for m in ('aws_cdk', 'jsii', 'constructs', 'boto3', 'botocore') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_missing_config_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--config", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "nope.yaml" in err
    assert "Traceback" not in err

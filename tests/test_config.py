"""The config: the example loads; every kind of mistake gives a clear message with its path and line."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from config.loader import load_config, parse_config
from config.models import OrgConfig
from config.problems import ConfigError
from config.schema import schema_text
from tests.support.config_data import DELETE, ConfigFrom, Mutation, changed, config_error, mutation_ids, set_path
from tests.support.project import CDK_CONTEXT, CONFIG_FIXTURES, EXAMPLE_CONFIG, ROOT


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.render().splitlines()[1:]


def test_example_config_describes_both_partitions(example_config: OrgConfig) -> None:
    assert set(example_config.partitions) == {"aws", "aws-us-gov"}
    commercial = [a for a in example_config.accounts if a.partition == "aws"]
    gov = [a for a in example_config.accounts if a.partition == "aws-us-gov"]
    assert len(commercial) >= 9 and len(gov) >= 4
    assert {a.ou for a in commercial} >= {"Workloads/Prod", "Workloads/Dev", "Sandbox"}
    assert example_config.partitions["aws"].allowed_regions == ["us-east-1", "us-west-2"]
    assert example_config.partitions["aws-us-gov"].allowed_regions == ["us-gov-west-1", "us-gov-east-1"]


def test_account_id_with_leading_zero_survives(example_config: OrgConfig) -> None:
    assert "012345678929" in {a.id for a in example_config.accounts}


def test_many_problems_are_all_reported_at_once_with_lines() -> None:
    lines = problems_of(CONFIG_FIXTURES / "many_problems.yaml")
    source = str(CONFIG_FIXTURES / "many_problems.yaml")
    assert len(lines) == 8, "\n".join(lines)
    expected = [
        ":5: partitions.aws.root_id: required: deny-leave-organization, deny-root-user, region-lock",
        ":11: partitions.aws.allowed_regions[1]: region 'us-gov-west-1' belongs to partition 'aws-us-gov', not 'aws'",
        ":24: accounts[1].id: expected text, got the number 310987654322: put it in quotes",
        ":29: accounts[2].id: account ID '210987654321' is already used at accounts[0].id",
        ":32: accounts[2].ou: OU 'Security' of account 'security' is not listed",
        ":35: accounts[3].email: 'not-an-email' is not valid: expected an email address",
        ":43: accounts[4].regoins: unknown key; did you mean 'regions'?",
        ":45: logging.cloudwatch_retention_days: 400000 is not a CloudWatch Logs retention",
    ]
    for line, fragment in zip(lines, expected, strict=True):
        assert line.strip().startswith(source + ":"), line
        assert fragment in line, line


def test_semantic_problems_are_all_reported() -> None:
    text = "\n".join(problems_of(CONFIG_FIXTURES / "semantic_problems.yaml"))
    for fragment in [
        "partitions.aws.root_id: required: deny-leave-organization, deny-root-user, region-lock, protect-baseline",
        "partitions.aws.log_archive_account: the log archive must be a separate account",
        "partitions.aws.security_account: no account named 'auditor' in accounts",
        "partitions.aws.home_region: home region 'eu-west-1' is not in allowed_regions",
        "partitions.aws.allowed_regions[1]: region 'us-east-1' is listed twice",
        "partitions.aws.organizational_units[0].path: parent OU 'Workloads' is not listed",
        "accounts[1].email: email 'aws-management@example.com' is already used at accounts[0].email",
        "accounts[1].regions[0]: region 'us-west-2' is not in partitions.aws.allowed_regions",
        "accounts[1].regions: must include the partition's home region 'eu-west-1'",
        "accounts[2].partition: account 'gov-web' is in partition 'aws-us-gov', which has no entry under partitions",
        "logging.trail_bucket.glacier_after_days: 400 must be less than expire_after_days (365)",
    ]:
        assert fragment in text, f"missing {fragment!r} in:\n{text}"


@pytest.mark.parametrize(
    ("fixture", "fragment"),
    [
        ("duplicate_keys.yaml", ":2: name_prefix: duplicate key (first defined on line 1)"),
        ("syntax_error.yaml", "not valid YAML: line 4, column 1"),
        ("not_a_mapping.yaml", "the config must be a YAML mapping"),
        ("does_not_exist.yaml", "cannot read the config file: No such file or directory"),
    ],
)
def test_unreadable_configs(fixture: str, fragment: str) -> None:
    lines = problems_of(CONFIG_FIXTURES / fixture)
    assert any(fragment in line for line in lines), lines


# (change to the example config, expected "path: message" fragment)
MUTATIONS: list[Mutation] = [
    ("accounts.3.id", "12345", "accounts[3].id: '12345' is not valid: expected a 12-digit account ID in quotes"),
    ("accounts.3.name", "Web_Prod", "accounts[3].name: 'Web_Prod' is not valid: expected 2-40 lowercase letters"),
    ("accounts.3.partition", "aws-cn", "accounts[3].partition: Input should be 'aws' or 'aws-us-gov'"),
    ("accounts.3.regions", ["us-gov-east-1", "us-east-1"],
     "accounts[3].regions[0]: region 'us-gov-east-1' belongs to partition 'aws-us-gov', not 'aws'"),
    ("accounts.3.regions", ["us-east-1", "xx-north-9"], "accounts[3].regions[1]: unknown region 'xx-north-9'"),
    ("accounts.3.email", DELETE, "accounts[3].email: required key is missing"),
    ("accounts.3.ou", "Workloads/Staging", "accounts[3].ou: OU 'Workloads/Staging' of account 'shared-services'"),
    ("accounts.4.name", "security", "accounts[4].name: account name 'security' is already used at accounts[2].name"),
    ("partitions.aws.home_region", "us-gov-west-1", "partitions.aws.home_region: home region 'us-gov-west-1' is not in"),
    ("partitions.aws.organization_id", "org-123", "partitions.aws.organization_id: 'org-123' is not valid"),
    ("partitions.aws.identity_center.instance_id", "ssoins-xyz",
     "partitions.aws.identity_center.instance_id: 'ssoins-xyz' is not valid: expected an Identity Center instance ID"),
    ("partitions.aws.management_account", "gov-management",
     "partitions.aws.management_account: account 'gov-management' is in partition 'aws-us-gov', not 'aws'"),
    ("partitions.aws-us-gov.log_archive_account", "nobody",
     "partitions.aws-us-gov.log_archive_account: no account named 'nobody' in accounts"),
    ("partitions.aws.organizational_units.3.path", "Root/Prod", "OU paths start below the root: write 'Prod'"),
    ("partitions.aws.organizational_units.5.path", "Workloads/Prod/A/B/C/D", "nested 6 levels deep; AWS allows 5"),
    ("name_prefix", "examplecorp-with-a-very-long-name", "name_prefix: 'examplecorp-with-a-very-long-name' is not valid"),
    ("logging.cloudwatch_retention_days", 90, "logging.cloudwatch_retention_days: Input should be greater than or equal to 365"),
    ("logging.trail_bucket.expire_after_days", 120, "logging.trail_bucket.expire_after_days: Input should be greater"),
    ("logging.trail_bucket.glacier_after_days", 2500, "must stay in Glacier Flexible Retrieval at least 90 days"),
    ("logging.alarm_emails", "security@example.com", "logging.alarm_emails: expected a list, got 'security@example.com'"),
    ("network_restriction.allowed_cidrs", ["10.0.0.0/33"], "network_restriction.allowed_cidrs[0]: '10.0.0.0/33' is not a CIDR range"),
    ("network_restriction.allowed_cidrs", ["10.0.0.1/8"], "network_restriction.allowed_cidrs[0]: '10.0.0.1/8' is not a CIDR range: 10.0.0.1/8 has host bits set"),
    ("network_restriction.allowed_cidrs", ["0.0.0.0/0"], "'0.0.0.0/0' allows every address, which restricts nothing"),
    ("network_restriction.allowed_vpc_endpoints", ["vpc-123"], "network_restriction.allowed_vpc_endpoints[0]: 'vpc-123' is not valid: expected a VPC endpoint ID"),
    ("logging.retention", 5, "logging.retention: unknown key; allowed keys here: access_log_expire_after_days"),
    ("breakglass.aws.principals.0", {"account": "security"},
     "breakglass.aws.principals[0]: give exactly one of user or role"),
    ("breakglass.aws.principals.0", {"account": "security", "user": "a", "role": "b"},
     "breakglass.aws.principals[0]: give exactly one of user or role"),
    ("breakglass.aws.principals.0.account", "nobody", "breakglass.aws.principals[0].account: no account named 'nobody'"),
    ("breakglass.aws.principals.0.account", "gov-log-archive",
     "breakglass.aws.principals[0].account: account 'gov-log-archive' is in partition 'aws-us-gov', not 'aws'"),
    ("breakglass.aws.principals.1.user", "breakglass-alice",
     "breakglass.aws.principals[1]: user 'breakglass-alice' of account 'security' is already listed at breakglass.aws.principals[0]"),
    ("breakglass.aws.principals.0.user", "bad name!", "breakglass.aws.principals[0].user: 'bad name!' is not valid: expected an IAM user or role name"),
    ("breakglass.aws.principals", [], "breakglass.aws.principals: List should have at least 1 item"),
    ("alerts.slack.aws-us-gov", {"workspace_id": "T0123ABCDE", "channel_id": "C0456FGHIJ"},
     "alerts.slack.aws-us-gov: AWS Chatbot is not available in GovCloud"),
    ("alerts.slack.aws.workspace_id", "t-lower", "alerts.slack.aws.workspace_id: 't-lower' is not valid: expected a Slack workspace"),
    ("alerts.emails", ["oncall"], "alerts.emails[0]: 'oncall' is not valid: expected an email address"),
    ("atlantis.aws.ci_account", "nobody", "atlantis.aws.ci_account: no account named 'nobody' in accounts"),
    ("atlantis.aws.ci_account", "shared-services",
     "atlantis.aws.ci_account: account 'shared-services' is also partitions.aws.deployment_account: the account "
     "that deploys the baseline must not run Atlantis"),
    ("partitions.aws.deployment_account", "ci",
     "atlantis.aws.ci_account: account 'ci' is also partitions.aws.deployment_account"),
    ("partitions.aws.deployment_account", "nobody",
     "partitions.aws.deployment_account: no account named 'nobody' in accounts"),
    ("partitions.aws.deployment_account", "gov-ci",
     "partitions.aws.deployment_account: account 'gov-ci' is in partition 'aws-us-gov', not 'aws'"),
    ("partitions.aws.deployment_account", DELETE, "partitions.aws.deployment_account: required"),
    ("atlantis.aws.ci_account", "gov-ci", "atlantis.aws.ci_account: account 'gov-ci' is in partition 'aws-us-gov', not 'aws'"),
    ("atlantis.aws.server_roles", ["atlantis-server", "atlantis-server"],
     "atlantis.aws.server_roles[1]: server role 'atlantis-server' is already used at atlantis.aws.server_roles[0]"),
    ("atlantis.aws.server_roles", [], "atlantis.aws.server_roles: List should have at least 1 item"),
    ("atlantis.aws.exclude_accounts", ["gov-management"],
     "atlantis.aws.exclude_accounts[0]: account 'gov-management' is in partition 'aws-us-gov', not 'aws'"),
    ("atlantis.aws.external_id", "x", "atlantis.aws.external_id: 'x' is not valid: expected 2-1224 letters"),
    ("atlantis.aws.server_role_arns", ["arn"], "atlantis.aws.server_role_arns: unknown key"),
    ("partitions.aws-us-gov", DELETE, "atlantis.aws-us-gov: partition 'aws-us-gov' has no entry under partitions"),
    ("partitions.aws-us-gov", DELETE, "breakglass.aws-us-gov: partition 'aws-us-gov' has no entry under partitions"),
    # backup: vault lock
    ("backup.vault_lock", {"mode": "compliance", "changeable_for_days": 2},
     "backup.vault_lock.changeable_for_days: 2 is too short: compliance mode needs at least 3 days of cooling-off; after it nobody, root included, can remove the lock"),
    ("backup.vault_lock", {"mode": "compliance"},
     "backup.vault_lock.changeable_for_days: compliance mode needs changeable_for_days (at least 3)"),
    ("backup.vault_lock.changeable_for_days", 7,
     "backup.vault_lock.changeable_for_days: only compliance mode takes changeable_for_days"),
    ("backup.vault_lock.mode", "strict", "backup.vault_lock.mode: Input should be 'governance' or 'compliance'"),
    ("backup.vault_lock.min_retention_days", 5000,
     "backup.vault_lock.min_retention_days: min_retention_days (5000) is greater than max_retention_days (3650)"),
    ("backup.vault_lock.max_retention_days", 40000, "backup.vault_lock.max_retention_days: Input should be less than or equal to 36500"),
    # backup: plans
    ("backup.plans.0.rules.0.delete_after_days", 3,
     "backup.plans[0].rules[0].delete_after_days: retention 3 days is outside the vault lock's bounds [7, 3650] (backup.vault_lock); AWS Backup would accept the plan and fail every backup and copy job later"),
    ("backup.vault_lock.max_retention_days", 100,
     "backup.plans[0].rules[2].delete_after_days: retention 365 days is outside the vault lock's bounds [7, 100]"),
    ("backup.plans.0.rules.2.move_to_cold_storage_after_days", 300,
     "backup.plans[0].rules[2].delete_after_days: 365 is too early: recovery points must stay at least 90 days in cold storage (move_to_cold_storage_after_days 300 + 90 = 390)"),
    ("backup.plans.0.rules.1.copy_to_region", {"aws": "us-gov-east-1"},
     "backup.plans[0].rules[1].copy_to_region.aws: region 'us-gov-east-1' belongs to partition 'aws-us-gov', not 'aws': copies stay in their partition"),
    ("backup.plans.0.rules.1.copy_to_region", {"aws-us-gov": "us-west-2"},
     "backup.plans[0].rules[1].copy_to_region.aws-us-gov: region 'us-west-2' belongs to partition 'aws', not 'aws-us-gov'"),
    ("backup.plans.0.rules.1.copy_to_region", {"aws": "xx-north-9"},
     "backup.plans[0].rules[1].copy_to_region.aws: unknown region 'xx-north-9' (known in aws:"),
    ("backup.plans.0.rules.1.copy_to_region", {"aws": "eu-west-1"},
     "backup.plans[0].rules[1].copy_to_region.aws: region 'eu-west-1' is not in partitions.aws.allowed_regions, so no baseline vault receives the copies"),
    ("backup.plans.0.rules.1.copy_to_region", {"aws-cn": "cn-north-1"},
     "backup.plans[0].rules[1].copy_to_region.aws-cn: 'aws-cn' is not allowed here: input should be 'aws' or 'aws-us-gov'"),
    ("backup.plans.0.rules.0.schedule", "rate(1 day)",
     "backup.plans[0].rules[0].schedule: 'rate(1 day)' is not valid: expected a cron expression with six fields"),
    ("backup.plans.0.rules.0.schedule", "cron(0 5 * * *)", "backup.plans[0].rules[0].schedule: 'cron(0 5 * * *)' is not valid: expected a cron expression with six fields"),
    ("backup.plans.0.rules.0.schedule", "cron(0 5 * * * *)",
     "backup.plans[0].rules[0].schedule: 'cron(0 5 * * * *)' needs '?' in exactly one of day-of-month (3rd field) and day-of-week (5th field)"),
    ("backup.plans.1.rules.0.start_window_minutes", 480,
     "backup.plans[1].rules[0].completion_window_minutes: 480 must be at least 60 minutes more than start_window_minutes (480)"),
    ("backup.plans.1.name", "standard", "backup.plans[1].name: plan name 'standard' is already used at backup.plans[0].name"),
    ("backup.plans.0.rules.1.name", "daily", "backup.plans[0].rules[1].name: rule name 'daily' is already used at backup.plans[0].rules[0].name"),
    ("backup.plans.0.selection.tags", [], "backup.plans[0].selection.tags: List should have at least 1 item"),
    ("accounts.7.backup_plans", ["dev", "standard"],
     "accounts[7].regions: plan 'standard' (rules weekly, monthly) copies to us-west-2, where account 'web-dev' has no baseline vault: add the region, or leave the plan out with backup_plans"),
    ("accounts.7.backup_plans", ["nightly"], "accounts[7].backup_plans[0]: no plan named 'nightly' in backup.plans (known: dev, standard)"),
    # backup: organization policy targets
    ("backup.organization_policy_targets.organizational_units", ["Workloads/Staging"],
     "backup.organization_policy_targets.organizational_units[0]: OU 'Workloads/Staging' is not listed under any partition's organizational_units"),
    ("backup.organization_policy_targets.accounts", ["nobody"], "backup.organization_policy_targets.accounts[0]: no account named 'nobody' in accounts"),
    ("partitions.aws.root_id", "root-1", "partitions.aws.root_id: 'root-1' is not valid: expected an organization root ID"),
    ("session_manager.idle_session_timeout_minutes", 61,
     "session_manager.idle_session_timeout_minutes: Input should be less than or equal to 60"),
    ("session_manager.idle_session_timeout_minutes", 0,
     "session_manager.idle_session_timeout_minutes: Input should be greater than or equal to 1"),
    ("session_manager.max_session_duration_minutes", 1441,
     "session_manager.max_session_duration_minutes: Input should be less than or equal to 1440"),
    ("session_manager.max_session_duration_minutes", 10,
     "session_manager.idle_session_timeout_minutes: 15 minutes is longer than max_session_duration_minutes (10)"),
    ("session_manager.cloudwatch_retention_days", 500,
     "session_manager.cloudwatch_retention_days: 500 is not a CloudWatch Logs retention; use one of 365, 400"),
    ("session_manager.cloudwatch_retention_days", 30,
     "session_manager.cloudwatch_retention_days: Input should be greater than or equal to 365"),
    ("session_manager.run_as.default_user", "Root User",
     "session_manager.run_as.default_user: 'Root User' is not valid: expected a Linux user name"),
    ("session_manager.shell_profile.linux", "x" * 1025, "session_manager.shell_profile.linux: String should have at most 1024"),
    ("session_manager.log_bucket.glacier_after_days", 1096,
     "session_manager.log_bucket.glacier_after_days: 1096 must be less than expire_after_days (1096)"),
    ("session_manager.log_bucket.expire_after_days", 150,
     "session_manager.log_bucket.expire_after_days: Input should be greater than or equal to 365"),
    ("session_manager.log_bucket.glacier_after_days", 1010,
     "session_manager.log_bucket.expire_after_days: objects must stay in Glacier Flexible Retrieval at least 90 days"),
    ("session_manager.idle_timeout", 5, "session_manager.idle_timeout: unknown key; did you mean 'idle_session_timeout_minutes'?"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "fragment"), MUTATIONS, ids=mutation_ids(MUTATIONS))
def test_each_mistake_has_a_clear_message(
    example_data: dict[str, Any], config_from: ConfigFrom, path: str, value: Any, fragment: str
) -> None:
    data = changed(example_data, {path: value})
    message = config_error(config_from, data)
    assert fragment in message, message


def _many_plans(count: int) -> list[dict[str, Any]]:
    rule = {"schedule": "cron(0 5 ? * * *)", "delete_after_days": 35,
            "copy_to_region": {"aws": "us-west-2", "aws-us-gov": "us-gov-east-1"}}  # fmt: skip
    return [{"name": f"plan{i}", "rules": [{"name": f"rule{j}", **rule} for j in range(3)],
             "selection": {"tags": [{"key": "backup", "value": f"plan{i}"}]}} for i in range(count)]  # fmt: skip


# The organization backup policy: several changes at once (paths as in MUTATIONS), expected fragments.
BACKUP_POLICY_MISTAKES = [
    ({"backup.organization_policy": True, "backup.organization_policy_targets": {}},
     ["backup.organization_policy_targets: organization_policy is on but targets nothing"]),
    ({"backup.organization_policy": True, "backup.organization_policy_targets": {"root": True},
      "partitions.aws.root_id": DELETE},
     ["partitions.aws.root_id: needed to attach the backup policy to the root"]),
    ({"backup.organization_policy": True, "partitions.aws.organizational_units.3.id": DELETE},
     ["backup.organization_policy_targets.organizational_units[0]: OU 'Workloads/Prod' of partition 'aws' has no id; policies attach by ID"]),
    ({"backup.organization_policy": True, "backup.organization_policy_targets": {"accounts": ["web-dev"]}},
     ["accounts[7].regions: account 'web-dev' is targeted by the organization backup policy, which applies the plans in every allowed region, but has no baseline vault in us-west-2"]),
    ({"backup.organization_policy": True, "backup.plans": _many_plans(4), "accounts.7.backup_plans": DELETE,
      "accounts.8.backup_plans": DELETE, "accounts.7.regions": DELETE, "accounts.8.regions": DELETE},
     ["backup.plans: the organization backup policy for aws would be", "Organizations allows 10000: use fewer plans",
      "backup.plans: the organization backup policy for aws-us-gov would be"]),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "fragments"), BACKUP_POLICY_MISTAKES)
def test_organization_backup_policy_mistakes(
    example_data: dict[str, Any], config_from: ConfigFrom, changes: dict[str, Any], fragments: list[str]
) -> None:
    data = changed(example_data, changes)
    message = config_error(config_from, data)
    for fragment in fragments:
        assert fragment in message, message


def test_organization_backup_policy_just_under_the_limit_is_accepted(
    example_data: dict[str, Any], config_from: ConfigFrom
) -> None:
    data = copy.deepcopy(example_data)
    set_path(data, "backup.organization_policy", True)
    # Commercial accounts only: a GovCloud organization cannot have backup policies (config/capabilities.py).
    set_path(data, "backup.organization_policy_targets", {"accounts": ["payments-prod", "web-prod"]})
    set_path(data, "backup.plans", _many_plans(3))
    for path in ("accounts.7.backup_plans", "accounts.8.backup_plans", "accounts.7.regions", "accounts.8.regions"):
        set_path(data, path, DELETE)
    # The organization policy needs every account in all regions; the Sandbox SCP override would deny one.
    set_path(data, "service_control_policies.partitions.aws.region_overrides", [])
    config_from(data)


def test_unquoted_id_that_yaml_reads_as_octal_is_explained() -> None:
    # YAML 1.1 reads 010234567012 as an octal number: a different account ID, silently, without this check.
    text = EXAMPLE_CONFIG.read_text().replace('id: "012345678929"', "id: 010234567012")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="org.yaml")
    assert f"got the number {0o10234567012}: put it in quotes" in str(caught.value)


def test_schema_json_is_in_sync_with_the_models() -> None:
    committed = (ROOT / "config" / "schema.json").read_text()
    assert committed == schema_text(), "config/schema.json is stale: run `make schema` and commit it"


def test_schema_forbids_unknown_keys_everywhere() -> None:
    schema = json.loads(schema_text())
    for name, definition in [("OrgConfig", schema), *schema["$defs"].items()]:
        assert definition.get("additionalProperties") is False, name


def _run_app(config: Path, accounts: str | None = None, outdir: Path | None = None) -> subprocess.CompletedProcess[str]:
    context = {**CDK_CONTEXT, "config": str(config)}
    if accounts:
        context["accounts"] = accounts
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context)}
    if outdir:
        env["CDK_OUTDIR"] = str(outdir)
    return subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_app_reports_config_problems_without_traceback() -> None:
    result = _run_app(CONFIG_FIXTURES / "many_problems.yaml")
    assert result.returncode == 1
    assert "8 problems in the organization config" in result.stderr
    assert "accounts[3].email" in result.stderr and "logging.cloudwatch_retention_days" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_app_rejects_unknown_account_filter() -> None:
    result = _run_app(EXAMPLE_CONFIG, accounts="web-prod,nosuch")
    assert result.returncode == 1
    assert "unknown account name(s) in -c accounts=...: nosuch" in result.stderr
    assert "Traceback" not in result.stderr

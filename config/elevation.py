"""Just-in-time elevation resolved from the config (no CDK): the rules with group IDs and account IDs, as the
engine's handlers read them, and the names of the engine's resources, which the Identity Center catalog (the
Requester and Approver sets) and the operator CLI compute too."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

from config.assignments import identity_center_admin
from config.models import ElevationRule, OrgConfig
from config.naming import baseline_prefix
from config.quotas import MANAGED_POLICY_MAX_CHARS
from config.regions import PartitionName
from config.targets import accounts_of

# Characters of account ARNs one managed policy of the engine holds: IAM's limit less room for the Version, Sid,
# Effect and Action around them (tests/test_elevation_size.py measures the whole documents).
ACCOUNT_ARNS_MAX_CHARS = MANAGED_POLICY_MAX_CHARS - 400

# The engine's permission sets for people: ask for elevation, or also decide on requests.
REQUESTER_SET = "Requester"
APPROVER_SET = "Approver"
API_STAGE = "v1"


@dataclass(frozen=True)
class ResolvedRule:
    """One rule as the handlers see it: IDs only, durations in minutes."""

    name: str
    groups: list[str]  # requester group IDs
    permission_set: str
    accounts: list[str]  # account IDs
    max_minutes: int
    approver_groups: list[str]  # group IDs
    ticket_required: bool
    approval_required: bool
    pending_minutes: int


@dataclass(frozen=True)
class EngineNames:
    """Names of the engine's resources in the Identity Center admin account of one partition."""

    prefix: str  # "<name_prefix>-baseline-elevation"
    name_prefix: str

    @property
    def api_url_parameter(self) -> str:
        """The contract with the CLI: the invoke URL of the API's stage."""
        return f"/{self.name_prefix}/elevation/api-url"

    @property
    def table(self) -> str:
        return f"{self.prefix}-requests"

    @property
    def state_machine(self) -> str:
        return f"{self.prefix}-flow"

    @property
    def schedule_group(self) -> str:
        return f"{self.prefix}"

    @property
    def topic(self) -> str:
        return f"{self.prefix}-approvers"

    @property
    def decision_topic(self) -> str:
        """Requesters' decision emails: one email subscription per requester, made by the engine."""
        return f"{self.prefix}-decisions"

    @property
    def event_source(self) -> str:
        """The `source` of the engine's events on the alert hub (PutEvents refuses `aws.` sources from callers)."""
        return f"{self.name_prefix}.baseline.elevation"

    def function(self, handler: str) -> str:
        return f"{self.prefix}-{handler}"

    def role(self, what: str) -> str:
        return f"{self.prefix}-{what}"


def engine_names(config: OrgConfig) -> EngineNames:
    return EngineNames(prefix=f"{baseline_prefix(config.name_prefix)}elevation", name_prefix=config.name_prefix)


def minutes(duration: str) -> int:
    """`PT1H30M` -> 90 (the models allow only hours and minutes)."""
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?", duration)
    return 0 if match is None else int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def rules_in(config: OrgConfig, partition: PartitionName) -> list[ElevationRule]:
    return [rule for rule in config.elevation.rules if rule.partition == partition]


def group_ids(config: OrgConfig, partition: PartitionName) -> dict[str, str]:
    """Group name or ID -> ID, for the groups the partition's assignments name."""
    out: dict[str, str] = {}
    for assignment in config.identity_center.assignments:
        if assignment.partition == partition:
            out[assignment.group_name] = assignment.group_id
            out[assignment.group_id] = assignment.group_id
    return out


def resolved_rules(config: OrgConfig, partition: PartitionName) -> list[ResolvedRule]:
    """The partition's rules with IDs (validation has made sure every name resolves)."""
    ids = group_ids(config, partition)
    return [
        ResolvedRule(
            name=rule.name,
            groups=sorted({ids[group] for group in rule.groups}),
            permission_set=rule.permission_set,
            accounts=sorted(a.id for a in accounts_of(config, partition, rule.targets)),
            max_minutes=minutes(rule.max_duration),
            approver_groups=sorted({ids[group] for group in rule.approver_groups}),
            ticket_required=rule.ticket_required,
            approval_required=rule.approval_required,
            pending_minutes=minutes(rule.pending_timeout),
        )
        for rule in rules_in(config, partition)
    ]


def rules_json(rules: list[ResolvedRule]) -> str:
    """The rules as the handlers read them (`rules.json` next to the handler code). Not an environment variable:
    Lambda limits a function's whole environment to 4 KB (https://docs.aws.amazon.com/lambda/latest/dg/
    gettingstarted-limits.html), which a rule on the root of a 1,000-account organization exceeds."""
    return json.dumps([asdict(rule) for rule in rules], indent=1, sort_keys=True) + "\n"


def engine_account(config: OrgConfig, partition: PartitionName) -> str:
    """Name of the account the engine runs in: the Identity Center administration account."""
    return identity_center_admin(config, partition)


def eligible_sets(config: OrgConfig, partition: PartitionName) -> list[str]:
    return sorted({rule.permission_set for rule in rules_in(config, partition)})


def account_arn_chunks(partition: str, accounts: list[str]) -> list[list[str]]:
    """The Identity Center account ARNs (`arn:<partition>:sso:::account/<id>`) of `accounts`, sorted, in groups that
    each fit one managed policy. IAM scopes Identity Center's Account resource by its ARN alone (it has no condition
    key: https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetdelegation.html), so a role that may
    assign in the rules' accounts lists them, in as many policies as they need (docs/decisions/0023)."""
    chunks: list[list[str]] = []
    size = ACCOUNT_ARNS_MAX_CHARS
    for account in sorted(set(accounts)):
        arn = f"arn:{partition}:sso:::account/{account}"
        if size + len(arn) + 3 > ACCOUNT_ARNS_MAX_CHARS:  # its quotes and comma count too
            chunks.append([])
            size = 0
        chunks[-1].append(arn)
        size += len(arn) + 3
    return chunks


def rule_accounts(rules: list[ResolvedRule]) -> list[str]:
    """Every account some rule of the partition targets: where the engine may assign and remove."""
    return sorted({account for rule in rules for account in rule.accounts})

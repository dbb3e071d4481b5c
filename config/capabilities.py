"""The partition capability matrix: what each partition and region lacks of what the baseline can use.

One table, `CAPABILITIES`. Each entry is a feature: the CloudFormation resource types it needs, the gaps (a
partition, optionally some of its regions, where it is missing, with the reason and the source), and, if the config
can turn it on, `enabled_by`, which says where (config path, partition, regions). Validation (`problems`, one of
the sections of `config/validation/`) turns every enabled feature that meets a gap into a problem naming the key, the
partition and the reason; synthesis asks `available()` to choose a fallback.

Two kinds of gap, told apart by `resource_type`:
- schema gaps: a resource type absent from a region's CloudFormation schema. They are copied from the cfn-lint
  provider schemas the project pins (per-region resource type lists in `cfnlint/data/schemas/providers/`), and
  `tests/test_capabilities.py` fails when the table and the installed schemas disagree, printing the entry to write.
- documented gaps (`resource_type` empty): what schemas do not show (a property value, an API, a policy type), each
  with the documentation page that says so.

To add an entry: append a `Capability` to `CAPABILITIES` with its `resource_types` and `gaps` (run
`pytest tests/test_capabilities.py` to get the schema gaps), and an `enabled_by` function if a config key turns it on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

from config.backup import organization_policy_partitions
from config.models import OrgConfig
from config.problems import Problem
from config.regions import PARTITIONS, PartitionName

# Where the schema gaps come from: the cfn-lint release pinned in requirements-dev.txt (schema_date 2026-10-20).
SCHEMAS: Final = "https://github.com/aws-cloudformation/cfn-lint/tree/v1.58.0/src/cfnlint/data/schemas/providers"

PARTITION_LABELS: Final[dict[PartitionName, str]] = {
    "aws": "the commercial partition (aws)",
    "aws-us-gov": "GovCloud (aws-us-gov)",
}


@dataclass(frozen=True)
class Gap:
    """Where a capability is missing: a whole partition (`regions` empty) or some of its regions."""

    partition: PartitionName
    reason: str  # what is missing and what to do instead
    sources: tuple[str, ...]  # documentation URLs (SCHEMAS for a schema gap)
    regions: frozenset[str] = frozenset()
    resource_type: str = ""  # set for a schema gap: this CloudFormation type is absent from these regions

    def covered_regions(self) -> frozenset[str]:
        return self.regions or PARTITIONS[self.partition]


@dataclass(frozen=True)
class Use:
    """Where the config turns a capability on: the key, its partition and the regions it deploys to (empty for a
    partition-wide thing such as an organization policy, which only a whole-partition gap can refuse)."""

    path: str
    partition: PartitionName
    regions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Capability:
    name: str  # stable key, e.g. "chatbot"
    summary: str  # what it is, as a message names it: "AWS Chatbot"
    resource_types: tuple[str, ...] = ()
    gaps: tuple[Gap, ...] = ()
    enabled_by: Callable[[OrgConfig], Iterable[Use]] | None = field(default=None, compare=False)
    key: str = ""  # the config key `enabled_by` reads, as docs name it (empty: nothing in the config turns it on)

    def gaps_for(self, partition: PartitionName, regions: Iterable[str] = ()) -> list[Gap]:
        """The gaps that refuse this capability in `partition` (in any of `regions`; with none, only gaps that
        cover the whole partition)."""
        wanted = frozenset(regions)
        return [
            gap
            for gap in self.gaps
            if gap.partition == partition
            and (not gap.regions or gap.regions & wanted or gap.regions >= PARTITIONS[partition])
        ]


def _schema_gap(resource_type: str, partition: PartitionName, regions: Iterable[str], reason: str) -> Gap:
    return Gap(partition, reason, (SCHEMAS,), frozenset(regions), resource_type)


# --- where the config turns capabilities on ----------------------------------------------------------------------


def _home_regions(config: OrgConfig, partition: PartitionName) -> frozenset[str]:
    found = config.partitions.get(partition)
    return frozenset({found.home_region}) if found else frozenset()


def _slack_channels(config: OrgConfig) -> Iterator[Use]:
    # The Chatbot channel is created in the security account's home region (constructs/alerting).
    for partition in config.alerts.slack:
        yield Use(f"alerts.slack.{partition}", partition, _home_regions(config, partition))


def _security_services(config: OrgConfig, service: str, *, home_only: bool) -> Iterator[Use]:
    # The security services' stacks: the security account's allowed regions, or only its home region.
    for partition, part in config.partitions.items():
        if getattr(config.security_services, service).enabled:
            regions = frozenset({part.home_region}) if home_only else frozenset(part.allowed_regions)
            yield Use(f"security_services.{service}.enabled", partition, regions)


def _guardduty_plan(plan: str) -> Callable[[OrgConfig], Iterator[Use]]:
    # The security account configures GuardDuty, with the same plans, in every allowed region (constructs/security).
    def uses(config: OrgConfig) -> Iterator[Use]:
        guardduty = config.security_services.guardduty
        if guardduty.enabled and plan in guardduty.protection_plans:
            for partition, part in config.partitions.items():
                yield Use("security_services.guardduty.protection_plans", partition, frozenset(part.allowed_regions))

    return uses


def _backup_policy(config: OrgConfig) -> Iterator[Use]:
    # A partition gets the backup policy (stack BackupPolicy-<management>) when its targets cover one of its accounts.
    for partition in organization_policy_partitions(config):
        yield Use("backup.organization_policy", partition)


def _partition_regions(config: OrgConfig, partition: PartitionName) -> frozenset[str]:
    part = config.partitions.get(partition)
    return frozenset(part.allowed_regions) if part else frozenset()


# The account baselines deploy the air-gapped vault and restore testing in every region of every account of the
# partition (constructs/data/air_gapped_vault.py, constructs/data/restore_testing.py).
def _air_gapped_vaults(config: OrgConfig) -> Iterator[Use]:
    for partition in config.backup.logically_air_gapped_vault:
        yield Use(f"backup.logically_air_gapped_vault.{partition}", partition, _partition_regions(config, partition))


def _mpa_approval_teams(config: OrgConfig) -> Iterator[Use]:
    for partition, vault in config.backup.logically_air_gapped_vault.items():
        if vault.mpa_approval_team_arn:
            path = f"backup.logically_air_gapped_vault.{partition}.mpa_approval_team_arn"
            yield Use(path, partition, _partition_regions(config, partition))


def _restore_testing(config: OrgConfig) -> Iterator[Use]:
    for partition in config.backup.restore_testing:
        yield Use(f"backup.restore_testing.{partition}", partition, _partition_regions(config, partition))


def _unused_access_analyzer(config: OrgConfig) -> Iterator[Use]:
    analyzers = config.security_services.access_analyzer
    if analyzers.enabled and analyzers.unused_access:
        for partition, part in config.partitions.items():
            yield Use("security_services.access_analyzer.unused_access", partition, frozenset({part.home_region}))


# --- the table ---------------------------------------------------------------------------------------------------

_CHATBOT_REGIONS = "https://docs.aws.amazon.com/chatbot/latest/adminguide/chatbot-regions.html"
_BACKUP_REGIONS = (
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html#features-by-region"
)
_GOVCLOUD_BACKUP = (
    "https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-bkp.html"  # "Restore testing is not available."
)
_GOV = ("us-gov-east-1", "us-gov-west-1")

# The security services (docs/security-services.md). No GovCloud gap is documented for what the config can turn on;
# the schema check keeps them honest for every region. The Organizations Security Hub policy's `features` map is
# documented as commercial-only; the baseline configures Security Hub through a CloudFormation configuration policy
# instead, so nothing enables it (recorded for whoever adds it).
_NO_CENTRAL_CONFIGURATION_TYPES = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1",
    "me-central-1", "mx-central-1",
)  # fmt: skip
_SECURITY_HUB_POLICY_SYNTAX = (
    "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_security_hub_syntax.html"
)
# "You can use only the following policy types in an AWS GovCloud (US) organization": SCPs, RCPs, tag policies and the
# declarative policies for EC2 and S3; "You can't create or use backup policies, chat application policies, or AI
# services opt-out policies".
_GOVCLOUD_ORGANIZATIONS = "https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-organizations.html"
# "RDS Protection is not supported in Asia Pacific (Taipei) (ap-east-2) Region." The GovCloud page it links to
# (_GOVCLOUD_GUARDDUTY) names no protection plan as missing there, only Runtime Monitoring's FIPS endpoint and agent
# repositories, finding types and entity lists.
_GUARDDUTY_REGIONS = "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_regions.html"
_GOVCLOUD_GUARDDUTY = "https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-guardduty.html"
CAPABILITIES: Final[tuple[Capability, ...]] = (
    Capability(
        "chatbot",
        "AWS Chatbot",
        ("AWS::Chatbot::SlackChannelConfiguration",),
        (
            Gap(
                "aws-us-gov",
                "AWS Chatbot (Amazon Q Developer in chat applications) does not exist there: remove this entry and "
                "subscribe emails (alerts.emails) or your own HTTPS endpoint to the GovCloud alert topic",
                (_CHATBOT_REGIONS, SCHEMAS),
                frozenset(_GOV),
                "AWS::Chatbot::SlackChannelConfiguration",
            ),
        ),
        _slack_channels,
        "alerts.slack.<partition>",
    ),
    Capability(
        "backup-logically-air-gapped-vault",
        "An AWS Backup logically air-gapped vault",
        ("AWS::Backup::LogicallyAirGappedBackupVault",),
        (
            _schema_gap(
                "AWS::Backup::LogicallyAirGappedBackupVault",
                "aws",
                ("ap-east-2", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "mx-central-1"),
                "CloudFormation has no logically air-gapped vault type in these regions: copy to a vault in another "
                "region",
            ),
            Gap(
                "aws-us-gov",
                "logically air-gapped vaults are not offered in GovCloud: remove the aws-us-gov entry; the baseline "
                "vault keeps its Vault Lock, and plan rules can copy to the other GovCloud region (copy_to_region)",
                (_BACKUP_REGIONS, _GOVCLOUD_BACKUP, SCHEMAS),
                frozenset(_GOV),
                "AWS::Backup::LogicallyAirGappedBackupVault",
            ),
        ),
        _air_gapped_vaults,
        "backup.logically_air_gapped_vault.<partition>",
    ),
    Capability(
        "backup-restore-testing",
        "AWS Backup restore testing",
        ("AWS::Backup::RestoreTestingPlan", "AWS::Backup::RestoreTestingSelection"),
        tuple(
            gap
            for resource_type in ("AWS::Backup::RestoreTestingPlan", "AWS::Backup::RestoreTestingSelection")
            for gap in (
                _schema_gap(
                    resource_type,
                    "aws",
                    ("ap-southeast-5", "ap-southeast-7"),
                    "CloudFormation has no restore testing types in these regions",
                ),
                Gap(
                    "aws-us-gov",
                    "restore testing is not offered in GovCloud: remove the aws-us-gov entry and test restores "
                    "with your own runbook",
                    (_BACKUP_REGIONS, _GOVCLOUD_BACKUP, SCHEMAS),
                    frozenset(_GOV),
                    resource_type,
                ),
            )
        ),
        _restore_testing,
        "backup.restore_testing.<partition>",
    ),
    Capability(
        "backup-multi-party-approval",
        "AWS Backup multi-party approval",
        (),
        (
            Gap(
                "aws-us-gov",
                "multi-party approval (for logically air-gapped vaults) is not offered in GovCloud: remove "
                "mpa_approval_team_arn with the aws-us-gov vault entry",
                (_BACKUP_REGIONS, _GOVCLOUD_BACKUP),
            ),
        ),
        _mpa_approval_teams,
        "backup.logically_air_gapped_vault.<partition>.mpa_approval_team_arn",
    ),
    Capability(
        "security-hub-central-configuration",
        "Security Hub central configuration",
        (
            "AWS::SecurityHub::DelegatedAdmin",
            "AWS::SecurityHub::FindingAggregator",
            "AWS::SecurityHub::OrganizationConfiguration",
            "AWS::SecurityHub::ConfigurationPolicy",
            "AWS::SecurityHub::PolicyAssociation",
        ),
        (
            *(
                _schema_gap(
                    resource_type,
                    "aws",
                    _NO_CENTRAL_CONFIGURATION_TYPES,
                    "CloudFormation has no Security Hub central configuration types in this home region: choose a "
                    "home region that has them, or set security_services.security_hub.enabled to false",
                )
                for resource_type in (
                    "AWS::SecurityHub::FindingAggregator",
                    "AWS::SecurityHub::ConfigurationPolicy",
                    "AWS::SecurityHub::PolicyAssociation",
                )
            ),
            _schema_gap(
                "AWS::SecurityHub::OrganizationConfiguration",
                "aws",
                ("ap-southeast-6",),
                "CloudFormation has no Security Hub organization configuration type in this home region: choose "
                "another home region, or set security_services.security_hub.enabled to false",
            ),
        ),
        lambda config: _security_services(config, "security_hub", home_only=True),
        "security_services.security_hub.enabled",
    ),
    Capability(
        "security-hub-policy-features",
        "The Security Hub organization policy's `features` map",
        (),
        (
            Gap(
                "aws-us-gov",
                "the `features` map of Security Hub policies is available only in commercial regions, and a GovCloud "
                "organization cannot use Security Hub policies at all",
                (_SECURITY_HUB_POLICY_SYNTAX, _GOVCLOUD_ORGANIZATIONS),
            ),
        ),
    ),
    Capability(
        "config-organization-aggregator",
        "The AWS Config organization aggregator",
        ("AWS::Config::ConfigurationAggregator",),
        (),
        lambda config: _security_services(config, "config", home_only=True),
        "security_services.config.enabled",
    ),
    Capability(
        "access-analyzer-organization",
        "IAM Access Analyzer organization analyzers",
        ("AWS::AccessAnalyzer::Analyzer",),
        (),
        lambda config: _security_services(config, "access_analyzer", home_only=False),
        "security_services.access_analyzer.enabled",
    ),
    Capability(
        "access-analyzer-unused-access",
        "The IAM Access Analyzer unused access analyzer",
        ("AWS::AccessAnalyzer::Analyzer",),
        (),
        _unused_access_analyzer,
        "security_services.access_analyzer.unused_access",
    ),
    Capability(
        "organizations-backup-policy",
        "The Organizations backup policy",
        (),
        (
            Gap(
                "aws-us-gov",
                "a GovCloud organization cannot create or use backup policies: target only commercial accounts (or OUs "
                "only the commercial partition has) in backup.organization_policy_targets, and GovCloud accounts keep "
                "the plans of their baseline stacks",
                (_GOVCLOUD_ORGANIZATIONS,),
            ),
        ),
        _backup_policy,
        "backup.organization_policy",
    ),
    Capability(
        "guardduty-rds-protection",
        "GuardDuty RDS Protection (rds_login_events)",
        (),
        (
            Gap(
                "aws",
                "GuardDuty offers no RDS Protection there: remove rds_login_events from the protection plans, or the "
                "region from the partition's allowed_regions",
                (_GUARDDUTY_REGIONS,),
                frozenset({"ap-east-2"}),
            ),
        ),
        _guardduty_plan("rds_login_events"),
        "security_services.guardduty.protection_plans",
    ),
)

BY_NAME: Final[dict[str, Capability]] = {capability.name: capability for capability in CAPABILITIES}


def available(name: str, partition: PartitionName, region: str | None = None) -> bool:
    """Whether capability `name` exists in the partition (in `region`, if given; else in the whole partition)."""
    return not BY_NAME[name].gaps_for(partition, (region,) if region else ())


def describe(capability: Capability, gaps: list[Gap], regions: Iterable[str]) -> str:
    """The message for using `capability` where `gaps` refuse it."""
    gap = gaps[0]
    partition = gap.partition
    covered = frozenset().union(*(g.covered_regions() for g in gaps))
    missing = sorted(covered & set(regions))
    where = PARTITION_LABELS[partition]
    if missing and covered != PARTITIONS[partition]:  # only some regions lack it: name the ones in use
        where += f" region{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
    sources = ", ".join(dict.fromkeys(source for g in gaps for source in g.sources))
    return f"{capability.summary} is not available in {where}: {gap.reason} (sources: {sources})"


def problems(config: OrgConfig, table: Iterable[Capability] = CAPABILITIES) -> Iterator[Problem]:
    """Every capability of `table` the config turns on where its partition or region lacks it."""
    for capability in table:
        if capability.enabled_by is None:
            continue
        for use in capability.enabled_by(config):
            gaps = capability.gaps_for(use.partition, use.regions)
            if gaps:
                yield Problem(use.path, describe(capability, gaps, use.regions))


# --- the table in the docs ---------------------------------------------------------------------------------------

MATRIX_START: Final = "<!-- capability-matrix:start (generated: python -m config.capabilities) -->"
MATRIX_END: Final = "<!-- capability-matrix:end -->"


def _link(source: str) -> str:
    label = "cfn-lint schemas" if source == SCHEMAS else source.rstrip("/").rsplit("/", 1)[-1].split("#")[0]
    return f"[{label}]({source})"


def matrix_markdown(table: Iterable[Capability] = CAPABILITIES) -> str:
    """The matrix as a Markdown table, one row per capability: where each partition lacks it, and why.

    docs/organization-policies.md holds it between MATRIX_START and MATRIX_END; tests/test_capabilities.py keeps it
    in sync."""
    rows = [
        "| capability | config key (refused where missing) | commercial (`aws`) | GovCloud (`aws-us-gov`) | sources |",
        "|---|---|---|---|---|",
    ]
    for capability in table:
        cells: dict[PartitionName, list[str]] = {partition: [] for partition in PARTITIONS}
        sources: list[str] = []
        for gap in capability.gaps:
            regions = gap.regions if gap.regions != PARTITIONS[gap.partition] else frozenset()
            cell = f"missing in {', '.join(sorted(regions)) if regions else 'every region'}: {gap.reason}"
            if cell not in cells[gap.partition]:  # the gaps of several resource types at the same places: once
                cells[gap.partition].append(cell)
            sources.extend(source for source in gap.sources if source not in sources)
        key = f"`{capability.key}`" if capability.key else "none (nothing in the config turns it on)"
        where = " | ".join("; ".join(cells[partition]) or "available" for partition in PARTITIONS)
        links = ", ".join(_link(source) for source in sources) or "cfn-lint schemas (no gap)"
        rows.append(f"| {capability.summary} | {key} | {where} | {links} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(f"{MATRIX_START}\n\n{matrix_markdown()}\n\n{MATRIX_END}")

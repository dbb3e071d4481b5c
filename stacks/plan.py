"""Which stacks the config asks for, and where: decided from the config alone, without CDK.

The plan is the flow of a deployment: every stack's ID, kind, partition, account and region, in deploy order
within each partition, with the stacks each one must follow (`after`). `stacks/assembly.py` turns it into CDK
stacks and `after` into stack dependencies, which the assembly's manifest records and `python -m ops.deploy`
deploys in order; the summary at the end of `make synth`, the snapshot list and the tests read the plan directly.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from config.assignments import AccountAssignment, assignments_by_account, identity_center_admin
from config.backup import (
    copy_region,
    covered_by_organization_policy,
    organization_policy_partitions,
    plans_for_account,
)
from config.context import partition_choice
from config.elevation import rules_in
from config.models import OrgConfig
from config.naming import atlantis_names, breakglass_principals, organization
from config.policies.organization_policies import s3_policy_accounts, vpc_bpa_exclusions
from config.policies.permission_sets import access_model
from config.regions import GLOBAL_EVENTS_REGION, PartitionName


class StackKind(StrEnum):
    """What a stack holds. Each kind has exactly one builder in `stacks/assembly.py`."""

    LOG_ARCHIVE = "log-archive"  # trail and session log buckets (log-archive account)
    ORGANIZATION = "organization"  # organization trail, CIS alarms (management account)
    BACKUP_POLICY = "backup-policy"  # Organizations backup policy (management account), when configured
    GUARDRAILS = "guardrails"  # service control policies (management account)
    IDENTITY_CENTER = "identity-center"  # permission sets (Identity Center admin account)
    SECURITY = "security"  # alert hub, approved session documents, their sharer (security account, home region)
    SESSION_DOCUMENTS = "session-documents"  # approved session documents (security account, other regions)
    SECURITY_SERVICES = "security-services"  # GuardDuty, Security Hub, Config, Access Analyzer (security account)
    BASELINE = "baseline"  # the account baseline, one per account and region
    ALERTS = "alerts"  # access alert rules only, where global events land outside an account's regions
    ACCESS = "access"  # Identity Center assignments into one account (Identity Center admin account)
    ELEVATION = "elevation"  # just-in-time elevation engine (Identity Center admin account), when rules exist
    # deployment.mode: stacksets (docs/decisions/0021-stacksets-deployment-mode.md):
    STACKSET_ASSETS = "stackset-assets"  # the StackSets' Lambda code bucket of one region (StackSets administrator)
    STACKSETS = "stacksets"  # one service-managed StackSet per baseline profile group (StackSets administrator)


@dataclass(frozen=True)
class PlannedStack:
    """One stack the config asks for: what it is and where it goes."""

    stack_id: str
    kind: StackKind
    partition: PartitionName
    account_name: str  # in the config (for ACCESS: the account whose access it grants)
    region: str
    after: tuple[str, ...] = ()  # stack IDs that must be deployed first (when they are planned too)


class SelectionError(ValueError):
    """`-c accounts=...` or `-c partition=...` asks for something the config does not have."""


class UnknownAccounts(SelectionError):
    """`-c accounts=...` names accounts the config (or the selected partition) does not have."""


class UnknownPartition(SelectionError):
    """`-c partition=...` is not a partition name, or one the config has no organization in."""


def partition_option(value: object, option: str = "-c partition") -> PartitionName | None:
    """The partition a `-c partition=...` (or `--partition`) value selects: None when it is not given.

    Anything but `aws` or `aws-us-gov` is an UnknownPartition naming the option and the value.
    """
    chosen, problem = partition_choice(value, option)
    if problem:
        raise UnknownPartition(problem)
    return chosen


def plan(
    config: OrgConfig, accounts: Iterable[str] | None = None, partition: PartitionName | None = None
) -> list[PlannedStack]:
    """Every stack of the organization (or of the named accounts, or of one partition), in deploy order within each
    partition; each stack's `after` names only stacks of this same plan, so a subset is deployable on its own
    (the stacks it leaves out must exist already).

    Stack IDs come from account names, never positions, so adding an account touches no other stack.
    """
    selected = select_accounts(config, accounts)
    partitions = list(config.partitions) if partition is None else [partition]
    if partition is not None:
        if partition not in config.partitions:
            raise UnknownPartition(
                f"partition {partition} selected, but the config has no organization there "
                f"(partitions in the config: {', '.join(config.partitions)})"
            )
        if accounts is not None:
            elsewhere = sorted(a.name for a in config.accounts if a.name in selected and a.partition != partition)
            if elsewhere:
                raise UnknownAccounts(
                    f"account(s) {', '.join(elsewhere)} selected, but not in the selected partition {partition}"
                )
    with_access = set(assignments_by_account(config))
    planned = [stack for name in partitions for stack in _plan_partition(config, name, selected, with_access)]
    if config.deployment.mode == "stacksets":
        # A StackSet targets every account of its profile group, selected or not: grouped from the whole plan.
        everyone = {account.name for account in config.accounts}
        whole = [stack for name in partitions for stack in _plan_partition(config, name, everyone, with_access)]
        planned = _with_stacksets(config, planned, stacksets_of(config, whole), selected)
    ids = {stack.stack_id for stack in planned}
    return [replace(stack, after=tuple(earlier for earlier in stack.after if earlier in ids)) for stack in planned]


def _plan_partition(
    config: OrgConfig, partition: PartitionName, selected: set[str], with_access: set[str]
) -> list[PlannedStack]:
    """The partition's stacks in deploy order, each with every stack it must follow (planned or not).

    Why each `after` (docs/deploying.md, "Why this order"):
    - Organization after LogArchive: the organization trail delivers into the log-archive account's bucket.
    - Guardrails after Organization: the SCPs go on once the organization trail records what they deny.
    - SessionDocuments after Security: the security account's stacks go out as one set, the home region's hub,
      documents and sharer role first (nothing of Security is needed; it costs no step, the baselines wait anyway).
    - Baseline and Alerts after Security: their alert rules send to the hub's bus, and each baseline shares the
      approved session documents with its account through the sharer role; a baseline in another region also
      after SessionDocuments of its region, the documents it shares there.
    - Baseline after LogArchive when AWS Config is on: its delivery channel names the log-archive Config bucket,
      whose policy AWS Config checks when the channel is created.
    - Baseline (other regions) and Alerts after the account's home-region Baseline: it holds the IAM roles they
      use (session handler, backup service role, alert forwarder role); IAM is global, so they exist once.
    - Access after IdentityCenter and the account's home-region Baseline: it assigns the permission sets, which
      reference the customer-managed policies the home baseline creates.
    - BackupPolicy after the Baselines of the accounts it targets: its plans name their vaults and backup role.
    - SecurityServices (each region) after Organization, which registers the security account as the services'
      delegated administrator (it must be one before it can configure the organization), after Security (the
      hub's bus its findings rule targets) and after the security account's home-region Baseline (the alert
      forwarder role of that rule); in another region also after the home-region SecurityServices (its handler
      role). With GuardDuty findings exported, also after LogArchive: the publishing destination names the findings
      bucket and its key, which GuardDuty checks when the destination is created. Member accounts get their
      GuardDuty detectors and Security Hub from these stacks' organization configuration, so the members'
      Baselines need not wait for them.
    - Elevation after IdentityCenter (it resolves the eligible sets' ARN parameters and the Requester/Approver sets
      point at it) and Security (its events go to the alert hub, whose rule must accept them).
    """
    part = config.partitions[partition]
    home = part.home_region
    planned: list[PlannedStack] = []

    def add(stack_id: str, kind: StackKind, account_name: str, region: str = home, after: tuple[str, ...] = ()) -> None:
        planned.append(PlannedStack(stack_id, kind, partition, account_name, region, after))

    management, security_account = part.management_account, part.security_account
    log_archive = f"LogArchive-{part.log_archive_account}"
    organization = f"Organization-{management}"
    security = f"Security-{security_account}"
    admin = identity_center_admin(config, partition)
    identity_center = f"IdentityCenter-{admin}"

    if part.log_archive_account in selected:
        add(log_archive, StackKind.LOG_ARCHIVE, part.log_archive_account)
    if management in selected:
        add(organization, StackKind.ORGANIZATION, management, after=(log_archive,))
        add(f"Guardrails-{management}", StackKind.GUARDRAILS, management, after=(organization,))
    if admin in selected:
        add(identity_center, StackKind.IDENTITY_CENTER, admin)
    if security_account in selected:
        add(security, StackKind.SECURITY, security_account)
        for region in part.allowed_regions:
            if region != home:
                add(
                    f"SessionDocuments-{security_account}-{region}",
                    StackKind.SESSION_DOCUMENTS,
                    security_account,
                    region,
                    after=(security,),
                )
    global_region = GLOBAL_EVENTS_REGION[partition]
    members = [a for a in config.accounts if a.partition == partition and a.name in selected]
    follows: tuple[str, ...]
    # AWS Config checks the bucket's policy when the delivery channel is created (InsufficientDeliveryPolicy).
    config_bucket = (log_archive,) if config.security_services.config.enabled else ()
    for member in members:
        home_baseline = f"Baseline-{member.name}-{home}"
        regions = member.regions or part.allowed_regions  # validation: they include the home region
        add(home_baseline, StackKind.BASELINE, member.name, after=(security, *config_bucket))
        for region in regions:
            if region != home:
                documents = f"SessionDocuments-{security_account}-{region}"
                follows = (security, documents, home_baseline, *config_bucket)
                add(f"Baseline-{member.name}-{region}", StackKind.BASELINE, member.name, region, after=follows)
        if global_region not in regions:
            follows = (security, home_baseline)
            add(f"Alerts-{member.name}-{global_region}", StackKind.ALERTS, member.name, global_region, after=follows)
    if security_account in selected and _security_services_on(config):
        home_services = f"SecurityServices-{security_account}-{home}"
        security_home_baseline = f"Baseline-{security_account}-{home}"
        guardduty = config.security_services.guardduty
        findings_bucket = (log_archive,) if guardduty.enabled and guardduty.export_findings else ()
        for region in [home, *(r for r in part.allowed_regions if r != home)]:  # the home stack first
            follows = (organization, security, security_home_baseline, *findings_bucket)
            if region != home:
                follows += (home_services,)
            add(
                f"SecurityServices-{security_account}-{region}",
                StackKind.SECURITY_SERVICES,
                security_account,
                region,
                after=follows,
            )
    if admin in selected and rules_in(config, partition):
        add(f"Elevation-{admin}", StackKind.ELEVATION, admin, after=(identity_center, security))
    for member in members:
        if member.name in with_access:
            follows = (identity_center, f"Baseline-{member.name}-{home}")
            add(f"Access-{member.name}", StackKind.ACCESS, member.name, after=follows)
    # No policy in a partition where it covers no account (a GovCloud organization cannot have one).
    if management in selected and partition in organization_policy_partitions(config):
        covered = {member.name for member in members if covered_by_organization_policy(config, member)}
        targeted = tuple(s.stack_id for s in planned if s.kind is StackKind.BASELINE and s.account_name in covered)
        add(f"BackupPolicy-{management}", StackKind.BACKUP_POLICY, management, after=targeted)
    return planned


@dataclass(frozen=True)
class PlannedStackSet:
    """One service-managed StackSet of `deployment.mode: stacksets`: the baseline of one profile, deployed to
    `regions` of the accounts it targets (`stacks`, the per-account baseline stacks it replaces). Targets are the
    OUs (`organizational_units`, IDs; nested OUs included) when the group's accounts are exactly the config's
    accounts of those OUs and below, so an account that joins them gets the baseline with no template change
    (automatic deployment); otherwise the same OUs intersected with `account_ids` (decision 0021)."""

    name: str  # the StackSet's name (also its construct ID), from its targets: `_stackset_name`
    partition: PartitionName
    profile: BaselineProfile
    regions: tuple[str, ...]
    accounts: tuple[str, ...]  # account names, config order
    stacks: tuple[str, ...]  # the baseline stack IDs it stands for, plan order
    organizational_units: tuple[str, ...]  # OU IDs
    account_ids: tuple[str, ...] = ()  # only these accounts of the OUs (AccountFilterType INTERSECTION), or all

    @property
    def follows_home(self) -> bool:
        """A StackSet of other regions: it uses the IAM roles of the home-region StackSets' stacks."""
        return not self.profile.home


def stacksets_admin(config: OrgConfig, partition: PartitionName) -> str:
    """The account (name) the partition's StackSets are created in and run from."""
    part = config.partitions[partition]
    if config.deployment.stacksets.administrator == "delegated_admin":
        return part.deployment_account
    return part.management_account


def stacksets_of(config: OrgConfig, planned: Iterable[PlannedStack]) -> list[PlannedStackSet]:
    """The StackSets that replace the baseline stacks of `planned` (the plan of `deployment.mode: stacks`).

    Service-managed StackSets never deploy to the management account, so its baseline stays stacks. The stacks of
    one profile are grouped by their accounts' regions (a StackSet deploys every region to every target account:
    each group must be a full accounts x regions product)."""
    accounts = {account.name: account for account in config.accounts}
    stacks = [s for s in planned if s.kind is StackKind.BASELINE]
    profiles = profiles_by_stack(config, stacks)
    groups: dict[tuple[BaselineProfile, tuple[str, ...]], list[PlannedStack]] = {}
    regions_of: dict[tuple[PartitionName, str, bool], list[str]] = {}
    for stack in stacks:
        if stack.account_name == config.partitions[stack.partition].management_account:
            continue
        home = profiles[stack.stack_id].home
        regions_of.setdefault((stack.partition, stack.account_name, home), []).append(stack.region)
    for stack in stacks:
        key = (stack.partition, stack.account_name, profiles[stack.stack_id].home)
        if key in regions_of:
            groups.setdefault((profiles[stack.stack_id], tuple(sorted(regions_of[key]))), []).append(stack)
    result: list[PlannedStackSet] = []
    for (profile, regions), members in groups.items():
        partition = profile.partition
        names = tuple(dict.fromkeys(stack.account_name for stack in members))
        ous = {ou.path: ou.id for ou in config.partitions[partition].organizational_units}
        paths = sorted({accounts[name].ou for name in names})
        reached = {
            a.name
            for a in config.accounts
            if a.partition == partition
            and a.name != config.partitions[partition].management_account
            and any(a.ou == path or a.ou.startswith(path + "/") for path in paths)
        }
        exact = reached == set(names)
        result.append(
            PlannedStackSet(
                name=_stackset_name(config.name_prefix, paths, profile.home, regions, () if exact else names),
                partition=partition,
                profile=profile,
                regions=regions,
                accounts=names,
                stacks=tuple(stack.stack_id for stack in members),
                organizational_units=tuple(str(ous[path]) for path in paths),
                account_ids=() if exact else tuple(accounts[name].id for name in names),
            )
        )
    # Unique in each partition (its own administrator account): distinct groups differ in OUs, regions or accounts.
    keys = [(stackset.partition, stackset.name) for stackset in result]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    assert not repeated, f"StackSet names must be unique in a partition: {repeated}"
    return result


def planned_stacksets(config: OrgConfig, partition: PartitionName | None = None) -> list[PlannedStackSet]:
    """The StackSets of `deployment.mode: stacksets` for the whole organization (or one partition); none in stacks
    mode. A StackSet targets every account of its group, whichever accounts a synthesis selects."""
    if config.deployment.mode != "stacksets":
        return []
    stacks_mode = config.model_copy(update={"deployment": config.deployment.model_copy(update={"mode": "stacks"})})
    return stacksets_of(config, plan(stacks_mode, partition=partition))


STACKSET_NAME_MAX_CHARS = 128  # CloudFormation's StackSetName limit (pattern [a-zA-Z][-a-zA-Z0-9]*)


def _stackset_name(
    prefix: str, ou_paths: list[str], home: bool, regions: tuple[str, ...], accounts: tuple[str, ...]
) -> str:
    """A StackSet's name from what it targets, which a profile's settings do not change: StackSetName is a
    replacement property, so a settings change (a backup plan, a policy) updates the same StackSet with a new
    template instead of replacing it (decision 0021). `<prefix>-baseline-<OU paths>-<home | regions>`, and the
    account names when the StackSet takes only some accounts of its OUs (a digest of them if too long)."""
    slug = "--".join(re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") for path in ou_paths)
    where = "home" if home else "-".join(regions)
    name = f"{prefix}-baseline-{slug}-{where}"
    if accounts:
        listed = f"{name}-{'-'.join(accounts)}"
        digest = hashlib.sha256(",".join(accounts).encode()).hexdigest()[:12]
        name = listed if len(listed) <= STACKSET_NAME_MAX_CHARS else f"{name}-{digest}"
    return name[:STACKSET_NAME_MAX_CHARS]


def _with_stacksets(
    config: OrgConfig, planned: list[PlannedStack], all_sets: list[PlannedStackSet], selected: set[str]
) -> list[PlannedStack]:
    """`planned` with the baseline stacks reachable by StackSets (`all_sets`, of the whole organization) replaced by
    each partition's StackSets stack (and its asset buckets' stacks, one per region), planned when an account of its
    StackSets or the administrator is selected: whatever followed a replaced stack follows the StackSets stack."""
    result: list[PlannedStack] = []
    for partition in dict.fromkeys(stack.partition for stack in planned):
        of_partition = [stack for stack in planned if stack.partition == partition]
        sets = [s for s in all_sets if s.partition == partition]
        admin = stacksets_admin(config, partition)
        if not sets or not (admin in selected or any(name in selected for s in sets for name in s.accounts)):
            result += of_partition
            continue
        part = config.partitions[partition]
        stacksets_id = f"StackSets-{admin}"
        replaced = {stack_id for stackset in sets for stack_id in stackset.stacks}
        regions = [r for r in part.allowed_regions if any(r in s.regions for s in sets)]
        assets = [
            PlannedStack(f"StackSetAssets-{admin}-{region}", StackKind.STACKSET_ASSETS, partition, admin, region)
            for region in regions
        ]
        # What the replaced stacks waited for (the hub, session documents, the Config bucket), the StackSets wait for.
        waits = tuple(
            dict.fromkeys(
                earlier
                for stack in of_partition
                if stack.stack_id in replaced
                for earlier in stack.after
                if earlier not in replaced
            )
        )
        stacksets = PlannedStack(
            stacksets_id,
            StackKind.STACKSETS,
            partition,
            admin,
            part.home_region,
            after=(*waits, *(stack.stack_id for stack in assets)),
        )
        kept = [
            replace(stack, after=tuple(dict.fromkeys(stacksets_id if e in replaced else e for e in stack.after)))
            for stack in of_partition
            if stack.stack_id not in replaced
        ]
        # Where the baselines start (or the first stack that follows the StackSets): what the StackSets wait for
        # comes before, what follows them after.
        at = next((i for i, s in enumerate(kept) if s.kind is StackKind.BASELINE or stacksets_id in s.after), len(kept))
        result += [*kept[:at], *assets, stacksets, *kept[at:]]
    return result


def _security_services_on(config: OrgConfig) -> bool:
    services = config.security_services
    parts = (services.guardduty, services.security_hub, services.config, services.access_analyzer)
    return any(part.enabled for part in parts)


def select_accounts(config: OrgConfig, accounts: Iterable[str] | None) -> set[str]:
    """The account names to synthesize: all of them, or those named (blank names ignored), each checked."""
    known = {account.name for account in config.accounts}
    if accounts is None:
        return known
    wanted = {name.strip() for name in accounts if name.strip()}
    unknown = sorted(wanted - known)
    if unknown:
        described = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            described.append(f"{name} (did you mean {close[0]}?)" if close else name)
        raise UnknownAccounts(
            f"unknown account name(s) in -c accounts=...: {', '.join(described)} (known: {', '.join(sorted(known))})"
        )
    return wanted


def summary(planned: Iterable[PlannedStack], stacksets: Iterable[PlannedStackSet] = ()) -> str:
    """A few lines for the end of `make synth`: stacks per partition and account, and a line per StackSet of the
    planned StackSets stacks (`stacksets`: `planned_stacksets`)."""
    stacks = list(planned)
    with_stacksets = {stack.partition for stack in stacks if stack.kind is StackKind.STACKSETS}
    sets = [s for s in stacksets if s.partition in with_stacksets]
    lines = []
    for partition in sorted({stack.partition for stack in stacks}):
        in_partition = [stack for stack in stacks if stack.partition == partition]
        accounts = sorted({stack.account_name for stack in in_partition})
        lines.append(f"  {partition}: {len(in_partition)} stacks in {len(accounts)} accounts")
        for account in accounts:
            of_account = [stack for stack in in_partition if stack.account_name == account]
            regions = sorted({stack.region for stack in of_account if stack.kind is StackKind.BASELINE})
            others = sorted(
                f"alerts in {stack.region}" if stack.kind is StackKind.ALERTS else str(stack.kind)
                for stack in of_account
                if stack.kind is not StackKind.BASELINE
            )
            lines.append(
                f"    {account:<24} baseline in {', '.join(regions) or '-'}"
                + (f"; {', '.join(dict.fromkeys(others))}" if others else "")
            )
        for stackset in (s for s in sets if s.partition == partition):
            targets = f"{len(stackset.organizational_units)} OU(s)" + (
                f" x {len(stackset.account_ids)} account(s)" if stackset.account_ids else ", automatic deployment"
            )
            lines.append(
                f"    StackSet {stackset.name}: baseline of {len(stackset.accounts)} account(s) in "
                f"{', '.join(stackset.regions)} ({targets})"
            )
    return "\n".join(lines)


@dataclass(frozen=True)
class BaselineProfile:
    """What a baseline stack's template depends on besides the account it goes to, which the template names only as
    AWS::AccountId (and its region as AWS::Region): baseline stacks with equal profiles get byte-identical templates,
    so one verification stands for all of them. `tests/test_account_agnostic.py` holds this to the synthesized
    templates. Fields that only the home-region stack uses are left empty (or False) elsewhere."""

    partition: PartitionName
    home: bool
    organizational_unit: str  # an SSM parameter of every region
    backup_plans: tuple[str, ...]
    backup_copies: tuple[str | None, ...]  # per plan rule, the region its copies go to from this stack's region
    vpc_exclusions: tuple[tuple[str, str], ...]  # (VPC or subnet ID, mode) in this region
    breakglass_users: tuple[str, ...]  # ARNs of the breakglass users this account holds (their change alerts)
    shares_documents: bool  # every account but the session documents' own (the security account)
    regions: tuple[str, ...] = ()  # home: the account's baseline regions, which its IAM covers
    customer_managed_policies: tuple[str, ...] = ()  # home: those of the sets assigned to the account
    s3_block_public_access: bool = False  # home: the account-wide setting, unless the S3 policy sets it
    atlantis_roles: bool = False  # home: not in accounts Atlantis excludes
    terraform_state: bool = False  # home: the CI account
    audit_principal: bool = False  # home: the management account


def baseline_profiles(config: OrgConfig, planned: Iterable[PlannedStack]) -> dict[BaselineProfile, list[str]]:
    """The baseline stacks of `planned` grouped by profile (stack IDs in plan order): one template per group."""
    groups: dict[BaselineProfile, list[str]] = {}
    for stack_id, profile in profiles_by_stack(config, planned).items():
        groups.setdefault(profile, []).append(stack_id)
    return groups


def profiles_by_stack(config: OrgConfig, planned: Iterable[PlannedStack]) -> dict[str, BaselineProfile]:
    """The profile of each baseline stack of `planned`, by stack ID (plan order): what `stacks/assembly.py` builds
    the stack from."""
    accounts = {account.name: account for account in config.accounts}
    assignments = assignments_by_account(config)
    stacks = [stack for stack in planned if stack.kind is StackKind.BASELINE]
    partitions = {stack.partition for stack in stacks}
    orgs = {partition: organization(config, partition) for partition in partitions}
    models = {partition: access_model(config, orgs[partition]) for partition in partitions}
    # Once per partition, not per stack: each reads every account (quadratic at 1,000 accounts, issue #14).
    principals = {partition: breakglass_principals(config, partition) for partition in partitions}
    atlantis_of = {partition: atlantis_names(config, partition) for partition in partitions}
    s3_covered = s3_policy_accounts(config)
    profiles: dict[str, BaselineProfile] = {}
    for stack in stacks:
        account = accounts[stack.account_name]
        org, access = orgs[stack.partition], models[stack.partition]
        breakglass, atlantis = principals[stack.partition], atlantis_of[stack.partition]
        home = stack.region == org.home_region
        plans = plans_for_account(config, account)
        profile = BaselineProfile(
            partition=stack.partition,
            home=home,
            organizational_unit=account.ou,
            backup_plans=tuple(plan.name for plan in plans),
            backup_copies=tuple(copy_region(r, stack.partition, stack.region) for p in plans for r in p.rules),
            vpc_exclusions=tuple((e.id, e.mode) for e in vpc_bpa_exclusions(config, account, stack.region)),
            breakglass_users=breakglass.users_held_in(account.id) if breakglass else (),
            shares_documents=account.id != org.session_documents_account_id,
        )
        if home:
            allowed = config.partitions[stack.partition].allowed_regions
            needed = (p for a in assignments.get(account.name, []) for p in access.policies_of(a.permission_set))
            profile = replace(
                profile,
                regions=tuple(account.regions or allowed),
                customer_managed_policies=tuple(dict.fromkeys(needed)),
                s3_block_public_access=account.name not in s3_covered,
                atlantis_roles=atlantis is not None and account.id not in atlantis.excluded_account_ids,
                terraform_state=atlantis is not None and account.id == atlantis.ci_account_id,
                audit_principal=account.id == org.management_account_id,
            )
        profiles[stack.stack_id] = profile
    return profiles


@dataclass(frozen=True)
class AlertsProfile:
    """What an Alerts stack's template depends on besides its account, which it names only as AWS::AccountId
    (decision 0018): Alerts stacks with equal profiles get byte-identical templates (decision 0024)."""

    partition: PartitionName
    region: str  # the global-events region (its description names it)
    breakglass_users: tuple[str, ...]  # ARNs of the breakglass users this account holds (their change alerts)


@dataclass(frozen=True)
class AccessProfile:
    """An Access stack's assignments with the target account left out: Access stacks with equal profiles get
    templates that differ only in the 12-digit target account ID (`TargetId`), which no check reads but as an
    account ID (docs/decisions/0024-verify-alerts-and-access-once-per-profile.md)."""

    partition: PartitionName
    assignments: tuple[AccountAssignment, ...]  # sorted and deduplicated, as the stack creates them


def alerts_profiles(config: OrgConfig, planned: Iterable[PlannedStack]) -> dict[AlertsProfile, list[str]]:
    """The Alerts stacks of `planned` grouped by profile (stack IDs in plan order): one template per group."""
    ids = {account.name: account.id for account in config.accounts}
    stacks = [stack for stack in planned if stack.kind is StackKind.ALERTS]
    breakglass = {p: breakglass_principals(config, p) for p in {stack.partition for stack in stacks}}
    groups: dict[AlertsProfile, list[str]] = {}
    for stack in stacks:
        principals = breakglass[stack.partition]
        users = principals.users_held_in(ids[stack.account_name]) if principals else ()
        groups.setdefault(AlertsProfile(stack.partition, stack.region, users), []).append(stack.stack_id)
    return groups


def access_profiles(config: OrgConfig, planned: Iterable[PlannedStack]) -> dict[AccessProfile, list[str]]:
    """The Access stacks of `planned` grouped by access profile (stack IDs in plan order)."""
    assignments = assignments_by_account(config)
    groups: dict[AccessProfile, list[str]] = {}
    for stack in planned:
        if stack.kind is StackKind.ACCESS:
            profile = AccessProfile(stack.partition, tuple(sorted(set(assignments[stack.account_name]))))
            groups.setdefault(profile, []).append(stack.stack_id)
    return groups


def representatives(config: OrgConfig, planned: list[PlannedStack]) -> tuple[list[PlannedStack], dict[str, list[str]]]:
    """The plan for verification: every stack but the baseline, Alerts and Access stacks, and of those one per
    profile (the first in plan order), which stands for its whole group; with each representative's group (stack
    IDs, itself first).

    Equal profiles build equal templates (`stacks/account_baseline.py` and `stacks/global_alerts.py` take nothing
    else that varies; an Access stack's differ only in the target account's ID), so checking the representative
    checks them all (docs/decisions/0020-verify-once-per-baseline-profile.md,
    docs/decisions/0024-verify-alerts-and-access-once-per-profile.md). `after` keeps only stacks still planned:
    this plan is synthesized and checked, never deployed.
    """
    grouped = [
        *baseline_profiles(config, planned).values(),
        *alerts_profiles(config, planned).values(),
        *access_profiles(config, planned).values(),
    ]
    groups = {ids[0]: ids for ids in grouped}
    stood_for = {stack_id for ids in grouped for stack_id in ids[1:]}
    kept = [stack for stack in planned if stack.stack_id not in stood_for]
    ids = {stack.stack_id for stack in kept}
    reduced = [replace(stack, after=tuple(earlier for earlier in stack.after if earlier in ids)) for stack in kept]
    return reduced, groups

"""`elevation`: rule names, groups, permission sets, targets and durations, and no standing access to what is
eligible (a group that may ask for a set somewhere must not hold it there already)."""

from __future__ import annotations

from collections.abc import Iterable

from config.elevation import account_arn_chunks, group_ids, minutes
from config.models import ElevationRule, OrgConfig
from config.naming import organization
from config.policies.permission_sets import access_model
from config.problems import Problem
from config.quotas import ROLE_MAX_MANAGED_POLICIES
from config.regions import PartitionName
from config.targets import accounts_of
from config.validation.common import duplicates, target_problems

BASE = "elevation.rules"
LONGEST_GRANT_MINUTES = 12 * 60  # the ceiling, also Identity Center's longest session
PENDING_MINUTES = (5, 24 * 60)


def problems(config: OrgConfig) -> Iterable[Problem]:
    rules = config.elevation.rules
    if not rules:
        return
    yield from duplicates(((f"{BASE}[{i}].name", r.name) for i, r in enumerate(rules)), "rule name")
    sets: dict[PartitionName, dict[str, str]] = {}
    for index, rule in enumerate(rules):
        at = f"{BASE}[{index}]"
        if rule.partition not in config.partitions:
            yield Problem(f"{at}.partition", f"partition {rule.partition!r} has no entry under partitions")
            continue
        if rule.partition not in sets:
            try:
                model = access_model(config, organization(config, rule.partition))
            except KeyError:
                return  # a special account is missing: reported by the organization checks
            sets[rule.partition] = {name: s.session_duration for name, s in model.permission_sets.items()}
        yield from _rule(config, at, rule, sets[rule.partition])
    for partition in sets:
        yield from _account_policies(config, partition)


def _rule(config: OrgConfig, at: str, rule: ElevationRule, sets: dict[str, str]) -> Iterable[Problem]:
    ids = group_ids(config, rule.partition)
    known_groups = sorted({a.group_name for a in config.identity_center.assignments if a.partition == rule.partition})
    for field, groups in (("groups", rule.groups), ("approver_groups", rule.approver_groups)):
        for g_index, group in enumerate(groups):
            if group not in ids:
                yield Problem(
                    f"{at}.{field}[{g_index}]",
                    f"no group {group!r} in the {rule.partition} identity_center.assignments (known: "
                    f"{', '.join(known_groups) or 'none'})",
                )
    if rule.permission_set not in sets:
        yield Problem(
            f"{at}.permission_set",
            f"no permission set named {rule.permission_set!r} (known: {', '.join(sorted(sets))})",
        )
    yield from target_problems(config, f"{at}.targets", rule.targets, [rule.partition], attaching=False)
    grant = minutes(rule.max_duration)
    if grant > LONGEST_GRANT_MINUTES:
        yield Problem(f"{at}.max_duration", f"{rule.max_duration} is over the longest grant, PT12H")
    elif rule.permission_set in sets and grant > minutes(sets[rule.permission_set]):
        yield Problem(
            f"{at}.max_duration",
            f"{rule.max_duration} is longer than the session_duration of {rule.permission_set} "
            f"({sets[rule.permission_set]}): a session could outlive the grant's checks",
        )
    if grant < 1:
        yield Problem(f"{at}.max_duration", "must be at least one minute")
    shortest, longest = PENDING_MINUTES
    if not shortest <= minutes(rule.pending_timeout) <= longest:
        yield Problem(f"{at}.pending_timeout", f"{rule.pending_timeout} is outside PT5M to PT24H")
    if rule.approval_required and not rule.approver_groups:
        yield Problem(f"{at}.approver_groups", "a rule that needs approval needs at least one approver group")
    if not rule.approval_required and (rule.approver_groups or rule.approver_emails):
        yield Problem(
            f"{at}.approval_required", "false, but approver_groups or approver_emails are set: remove one or the other"
        )
    yield from _standing(config, at, rule, ids)


def _standing(config: OrgConfig, at: str, rule: ElevationRule, ids: dict[str, str]) -> Iterable[Problem]:
    """Eligible means not assigned: a standing assignment of the same set to a requester group on one of the rule's
    accounts would make the approval meaningless. Refused here rather than silently dropped from the Access stacks,
    so the config says what is deployed."""
    requesters = {ids[g] for g in rule.groups if g in ids}
    eligible = {a.name for a in accounts_of(config, rule.partition, rule.targets)}
    for index, assignment in enumerate(config.identity_center.assignments):
        if (
            assignment.partition != rule.partition
            or assignment.permission_set != rule.permission_set
            or assignment.group_id not in requesters
        ):
            continue
        both = sorted(eligible & {a.name for a in accounts_of(config, assignment.partition, assignment.targets)})
        if both:
            yield Problem(
                f"identity_center.assignments[{index}]",
                f"gives {assignment.group_name} standing {assignment.permission_set} in {', '.join(both[:5])}"
                f"{' and more' if len(both) > 5 else ''}, where {at} ({rule.name}) makes it eligible only: remove "
                "the standing assignment or exclude those accounts",
            )


def _account_policies(config: OrgConfig, partition: PartitionName) -> Iterable[Problem]:
    """The grant, revoke and reconcile roles have their own policy and one per group of the rules' accounts
    (constructs/elevation/functions.py): together within IAM's managed policies per role."""
    indexed = [(i, r) for i, r in enumerate(config.elevation.rules) if r.partition == partition]
    accounts = {a.id for _, rule in indexed for a in accounts_of(config, partition, rule.targets)}
    needed = 1 + len(account_arn_chunks(partition, sorted(accounts)))
    if needed > ROLE_MAX_MANAGED_POLICIES:
        first, _ = indexed[0]
        yield Problem(
            f"{BASE}[{first}].targets",
            f"the {partition} rules target {len(accounts):,} accounts: the engine's roles would need {needed} managed "
            f"policies each, over IAM's {ROLE_MAX_MANAGED_POLICIES} per role; target fewer accounts (exclude_accounts "
            "or OUs), or raise the quota with AWS and ROLE_MAX_MANAGED_POLICIES in config/quotas.py",
        )

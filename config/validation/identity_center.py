"""`identity_center`: delegated administration, permission sets, customer-managed policies and assignments."""

from __future__ import annotations

import json
from collections.abc import Iterable

from config.models import IdentityCenterAccess, OrgConfig, PermissionSet
from config.naming import organization
from config.policies.permission_sets import baseline_policies, catalog, duration_hours, inline_policy_size
from config.problems import Problem
from config.quotas import (
    MANAGED_POLICY_MAX_CHARS,
    PERMISSION_SET_INLINE_MAX_BYTES,
    PERMISSION_SET_INLINE_MAX_CHARS,
    PERMISSION_SET_MAX_ATTACHED_POLICIES,
    PERMISSION_SET_SESSION_HOURS,
)
from config.targets import accounts_of
from config.validation.common import duplicates, policy_document_problems, target_problems

BASE = "identity_center"


def problems(config: OrgConfig) -> Iterable[Problem]:
    yield from _delegated_admins(config)
    try:
        orgs = [organization(config, name) for name in config.partitions]
    except KeyError:
        return  # a special account is missing: reported by the organization checks
    sample = orgs[0]
    ic = config.identity_center
    catalog_sets = {s.name for org in orgs for s in catalog(config, org)} if ic.catalog else set()
    policy_names = {p.name for p in ic.customer_managed_policies} | baseline_policies(sample)
    yield from _customer_managed_policies(ic)
    yield from duplicates(
        ((f"{BASE}.permission_sets[{i}].name", s.name) for i, s in enumerate(ic.permission_sets)), "permission set"
    )
    for index, pset in enumerate(ic.permission_sets):
        yield from _permission_set(f"{BASE}.permission_sets[{index}]", pset, policy_names)
    yield from _on_call_window(ic)
    yield from _assignments(config, catalog_sets | {s.name for s in ic.permission_sets})


def _delegated_admins(config: OrgConfig) -> Iterable[Problem]:
    by_name = {a.name: a for a in config.accounts}
    for name, part in config.partitions.items():
        admin = part.identity_center.delegated_admin_account
        where = f"partitions.{name}.identity_center.delegated_admin_account"
        if admin is None:
            continue
        if admin not in by_name:
            yield Problem(where, f"no account named {admin!r} in accounts")
        elif by_name[admin].partition != name:
            yield Problem(where, f"account {admin!r} is in partition {by_name[admin].partition!r}, not {name!r}")
        elif admin == part.management_account:
            yield Problem(where, "the management account cannot be its own delegated administrator; leave it out")


def _customer_managed_policies(ic: IdentityCenterAccess) -> Iterable[Problem]:
    yield from duplicates(
        ((f"{BASE}.customer_managed_policies[{i}].name", p.name) for i, p in enumerate(ic.customer_managed_policies)),
        "customer-managed policy",
    )
    for index, policy in enumerate(ic.customer_managed_policies):
        where = f"{BASE}.customer_managed_policies[{index}].document"
        yield from policy_document_problems(where, policy.document)
        size = len(json.dumps(policy.document, separators=(",", ":")))
        if size > MANAGED_POLICY_MAX_CHARS:
            yield Problem(
                where,
                f"{size:,} characters minified, {size - MANAGED_POLICY_MAX_CHARS:,} over IAM's "
                f"{MANAGED_POLICY_MAX_CHARS:,} limit for a managed policy",
            )


def _permission_set(at: str, pset: PermissionSet, policy_names: set[str]) -> Iterable[Problem]:
    hours = duration_hours(pset.session_duration)
    shortest, longest = PERMISSION_SET_SESSION_HOURS
    if not shortest <= hours <= longest:
        yield Problem(
            f"{at}.session_duration",
            f"{pset.session_duration} is {hours:g} hours; Identity Center allows PT{shortest}H to PT{longest}H",
        )
    attached = len(pset.aws_managed_policies) + len(pset.customer_managed_policies)
    if attached > PERMISSION_SET_MAX_ATTACHED_POLICIES:
        yield Problem(
            at,
            f"{attached} managed and customer-managed policies, {attached - PERMISSION_SET_MAX_ATTACHED_POLICIES} "
            f"over Identity Center's limit of {PERMISSION_SET_MAX_ATTACHED_POLICIES}",
        )
    for p_index, policy_name in enumerate(pset.customer_managed_policies):
        if policy_name not in policy_names:
            yield Problem(
                f"{at}.customer_managed_policies[{p_index}]",
                f"no customer-managed policy named {policy_name!r} in identity_center.customer_managed_policies"
                f" (known: {', '.join(sorted(policy_names)) or 'none'})",
            )
    boundary = pset.permissions_boundary
    if boundary is not None:
        if (boundary.aws_managed_policy is None) == (boundary.customer_managed_policy is None):
            yield Problem(
                f"{at}.permissions_boundary", "set exactly one of aws_managed_policy and customer_managed_policy"
            )
        elif boundary.customer_managed_policy and boundary.customer_managed_policy not in policy_names:
            yield Problem(
                f"{at}.permissions_boundary.customer_managed_policy",
                f"no customer-managed policy named {boundary.customer_managed_policy!r}",
            )
    if pset.inline_policy is not None:
        yield from policy_document_problems(f"{at}.inline_policy", pset.inline_policy)
        size_bytes, chars = inline_policy_size(pset.inline_policy)
        if size_bytes > PERMISSION_SET_INLINE_MAX_BYTES:
            yield Problem(
                f"{at}.inline_policy",
                f"{size_bytes:,} bytes, {size_bytes - PERMISSION_SET_INLINE_MAX_BYTES:,} over the limit of "
                f"{PERMISSION_SET_INLINE_MAX_BYTES:,}",
            )
        if chars > PERMISSION_SET_INLINE_MAX_CHARS:
            yield Problem(
                f"{at}.inline_policy",
                f"{chars:,} characters without whitespace, {chars - PERMISSION_SET_INLINE_MAX_CHARS:,} over "
                f"Identity Center's limit of {PERMISSION_SET_INLINE_MAX_CHARS:,}",
            )


def _on_call_window(ic: IdentityCenterAccess) -> Iterable[Problem]:
    window = ic.on_call_window
    if window is None:
        return
    if window.end <= window.start:  # both are UTC: the models take no other offset
        yield Problem(f"{BASE}.on_call_window.end", f"{window.end.isoformat()} is not after start")


def _assignments(config: OrgConfig, set_names: set[str]) -> Iterable[Problem]:
    for index, assignment in enumerate(config.identity_center.assignments):
        at = f"{BASE}.assignments[{index}]"
        if assignment.partition not in config.partitions:
            yield Problem(f"{at}.partition", f"partition {assignment.partition!r} has no entry under partitions")
            continue
        if assignment.permission_set not in set_names:
            yield Problem(
                f"{at}.permission_set",
                f"no permission set named {assignment.permission_set!r} (known: {', '.join(sorted(set_names))})",
            )
        targets = assignment.targets
        yield from target_problems(config, f"{at}.targets", targets, [assignment.partition], attaching=False)
        part = config.partitions[assignment.partition]
        if part.identity_center.delegated_admin_account and any(
            a.name == part.management_account for a in accounts_of(config, assignment.partition, targets)
        ):
            yield Problem(
                f"{at}.targets",
                f"includes the management account {part.management_account!r}, which a delegated administrator "
                "cannot assign; exclude it (exclude_accounts) and assign it from the management account",
            )

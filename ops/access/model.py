"""The access matrix of one partition, from the config alone (no CDK, no AWS): who can act in which account, and
with what. The JSON shape is documented in docs/access.md; `SCHEMA_VERSION` changes when a field changes meaning
or disappears (adding a field keeps the version).

Principals:
- IdP groups, through permission sets assigned on accounts and OUs (OUs expanded, exclusions removed:
  config/targets.py). Every grant has `access`: `standing`, or `eligible` for just-in-time access from the
  `elevation.rules` of the config (`eligible_grants`, with the rule, its `max_duration` and whether it needs an
  approval), which a reviewer reads as "can get this after a request".
- Breakglass identities: the breakglass role in every account of the partition (AdministratorAccess, MFA, one
  hour; constructs/breakglass/role.py).
- Atlantis server roles: the plan role (ReadOnlyAccess and the state policy) and the apply role
  (AdministratorAccess within the apply boundary) in every account but the excluded ones
  (constructs/atlantis/roles.py).
- Session Manager: per account, which groups can start sessions, and whether only with the approved documents;
  and the session access role every account has (constructs/sessions/access.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config.assignments import assignments_by_account
from config.elevation import group_ids, rules_in
from config.models import OrgConfig
from config.naming import atlantis_names, breakglass_principals, organization
from config.policies.permission_sets import access_model
from config.regions import PartitionName
from config.targets import accounts_of
from ops.access.capabilities import summary
from ops.access.managed import MANAGED_POLICIES

SCHEMA = "org-baseline/access-matrix"
SCHEMA_VERSION = 1
STANDING, ELIGIBLE = "standing", "eligible"


@dataclass(frozen=True, order=True)
class EligibleGrant:
    """One group that may get one permission set in one account after a request, under one elevation rule."""

    permission_set: str
    group_id: str
    group_name: str
    rule: str
    max_duration: str
    approval_required: bool


def eligible_grants(config: OrgConfig, partition: PartitionName) -> dict[str, list[EligibleGrant]]:
    """Just-in-time access by account name: what the requester groups of each `elevation.rules` entry of the
    partition may get after a request (and an approval, unless the rule says `approval_required: false`): the
    rule's set on every account its targets cover (config/targets.py, as the engine resolves them in
    config/elevation.py). Rule groups are a `group_name` or `group_id` of the partition's assignments (validated)."""
    names = {a.group_id: a.group_name for a in config.identity_center.assignments if a.partition == partition}
    ids = group_ids(config, partition)
    out: dict[str, set[EligibleGrant]] = {}
    for rule in rules_in(config, partition):
        for group in rule.groups:
            group_id = ids.get(group, group)
            grant = EligibleGrant(
                rule.permission_set,
                group_id,
                names.get(group_id, group),
                rule.name,
                rule.max_duration,
                rule.approval_required,
            )
            for account in accounts_of(config, partition, rule.targets):
                out.setdefault(account.name, set()).add(grant)
    return {name: sorted(items) for name, items in out.items()}


def elevation_rules(config: OrgConfig, partition: PartitionName) -> list[dict[str, Any]]:
    """The limits of each elevation rule of the partition, groups by name (as in `groups`), for reviewers and for the
    diff: how long a grant may last, whether it needs an approval or a ticket, and who approves."""
    names = {a.group_id: a.group_name for a in config.identity_center.assignments if a.partition == partition}
    ids = group_ids(config, partition)

    def named(groups: list[str]) -> list[str]:
        return sorted({names.get(ids.get(group, group), group) for group in groups})

    return [
        {
            "name": rule.name,
            "permission_set": rule.permission_set,
            "groups": named(rule.groups),
            "accounts": [a.name for a in accounts_of(config, partition, rule.targets)],
            "max_duration": rule.max_duration,
            "approval_required": rule.approval_required,
            "ticket_required": rule.ticket_required,
            "approver_groups": named(rule.approver_groups),
        }
        for rule in rules_in(config, partition)
    ]


def partition_matrix(config: OrgConfig, partition: PartitionName) -> dict[str, Any]:
    """The `<partition>.json` document of docs/access.md."""
    org = organization(config, partition)
    model = access_model(config, org)
    accounts = [a for a in config.accounts if a.partition == partition]
    by_account = assignments_by_account(config)

    groups: dict[str, dict[str, Any]] = {}
    cells: dict[str, dict[str, list[dict[str, Any]]]] = {}
    used_sets: set[str] = set()
    eligible = eligible_grants(config, partition)
    for account in accounts:
        items: list[tuple[str, str, str, dict[str, Any]]] = [
            (a.group_name, a.group_id, a.permission_set, {"access": STANDING}) for a in by_account.get(account.name, [])
        ]
        items += [
            (
                e.group_name,
                e.group_id,
                e.permission_set,
                {
                    "access": ELIGIBLE,
                    "rule": e.rule,
                    "max_duration": e.max_duration,
                    "approval_required": e.approval_required,
                },
            )
            for e in eligible.get(account.name, [])
        ]
        for group_name, group_id, permission_set, extra in items:
            groups.setdefault(group_name, {"name": group_name, "id": group_id})
            cell = cells.setdefault(account.name, {}).setdefault(group_name, [])
            cell.append({"permission_set": permission_set, **extra})
            cell.sort(key=lambda grant: (grant["permission_set"], grant["access"], grant.get("rule", "")))
            used_sets.add(permission_set)

    permission_sets: dict[str, dict[str, Any]] = {}
    for name in sorted(used_sets):
        pset = model.permission_sets.get(name)
        if pset is None:
            continue  # validation reports an assignment of an unknown set
        boundary = None
        if pset.permissions_boundary is not None:
            b = pset.permissions_boundary
            boundary = (
                {"kind": "aws-managed", "name": b.aws_managed_policy}
                if b.aws_managed_policy
                else {"kind": "customer-managed", "name": b.customer_managed_policy}
            )
        permission_sets[name] = {
            "description": pset.description,
            "session_duration": pset.session_duration,
            "aws_managed_policies": list(pset.aws_managed_policies),
            "customer_managed_policies": {
                policy: (model.customer_managed_policies[policy].document
                         if policy in model.customer_managed_policies else None)
                for policy in pset.customer_managed_policies
            },
            "inline_policy": pset.inline_policy,
            "permissions_boundary": boundary,
            "summary": summary(pset, model, org),
        }  # fmt: skip

    roles = _roles(config, partition, [a.name for a in accounts])
    sessions = {
        account: [
            {
                "group": group,
                "permission_set": grant["permission_set"],
                "access": grant["access"],
                "documents": documents,
            }
            for group, grants in sorted(by_group.items())
            for grant in grants
            if (documents := _session_documents(permission_sets, grant["permission_set"]))
        ]
        for account, by_group in cells.items()
    }
    referenced = sorted(
        {p for s in permission_sets.values() for p in s["aws_managed_policies"]}
        | {
            s["permissions_boundary"]["name"]
            for s in permission_sets.values()
            if s["permissions_boundary"] and s["permissions_boundary"]["kind"] == "aws-managed"
        }
        | {p for r in roles for p in r["aws_managed_policies"]}
    )
    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "partition": partition,
        "accounts": [{"name": a.name, "id": a.id, "ou": a.ou} for a in accounts],
        "groups": sorted(groups.values(), key=lambda g: g["name"]),
        "grants": [
            {"account": account, "group": group, **grant}
            for account, by_group in cells.items()
            for group, grants in sorted(by_group.items())
            for grant in grants
        ],
        "permission_sets": permission_sets,
        "elevation_rules": elevation_rules(config, partition),
        "roles": roles,
        "session_manager": sessions,
        "managed_policies": {
            name: (
                {"known": True, "meaning": MANAGED_POLICIES[name].meaning, "url": MANAGED_POLICIES[name].url}
                if name in MANAGED_POLICIES
                else {"known": False, "meaning": "unknown: not in ops/access/managed.py", "url": None}
            )
            for name in referenced
        },
    }


def _session_documents(permission_sets: dict[str, Any], name: str) -> str | None:
    value = permission_sets.get(name, {}).get("summary", {}).get("can_start_sessions")
    if value in ("approved documents only", "any document", "unknown"):
        return str(value)
    return None


def _roles(config: OrgConfig, partition: PartitionName, accounts: list[str]) -> list[dict[str, Any]]:
    org = organization(config, partition)
    roles: list[dict[str, Any]] = []
    breakglass = breakglass_principals(config, partition)
    if breakglass is not None:
        roles.append(
            {
                "role": org.breakglass_role,
                "kind": "breakglass",
                "trusted": list(breakglass.all),
                "conditions": "MFA within the hour, source identity set to the user name, no session tags",
                "max_session": "PT1H",
                "aws_managed_policies": ["AdministratorAccess"],
                "customer_managed_policies": [],
                "permissions_boundary": None,
                "accounts": accounts,
            }
        )
    # constructs/sessions/access.py: in every account, assumable by that account's Identity Center roles.
    roles.append(
        {
            "role": org.session_access_role,
            "kind": "session-access",
            "trusted": ["Identity Center roles of the same account (aws-reserved/sso.amazonaws.com/*)"],
            "conditions": "the caller's permission set must also allow sts:AssumeRole on it",
            "max_session": "PT1H",
            "aws_managed_policies": [],
            "customer_managed_policies": [org.session_access_role],
            "permissions_boundary": None,
            "accounts": accounts,
        }
    )
    atlantis = atlantis_names(config, partition)
    if atlantis is not None:
        ids = {a.name: a.id for a in config.accounts}
        covered = [name for name in accounts if ids[name] not in atlantis.excluded_account_ids]
        trusted = list(atlantis.server_role_arns)
        external = ", with the external ID" if atlantis.external_id else ""
        for kind, policies, own, boundary in (
            ("plan", ["ReadOnlyAccess"], [org.atlantis_policies["plan_state"]], None),
            ("apply", ["AdministratorAccess"], [], org.atlantis_policies["apply_boundary"]),
        ):
            roles.append(
                {
                    "role": org.atlantis_roles[kind],
                    "kind": f"atlantis-{kind}",
                    "trusted": trusted,
                    "conditions": f"Atlantis server roles only{external}",
                    "max_session": "PT1H",  # role chaining caps it at one hour (constructs/atlantis/roles.py)
                    "aws_managed_policies": policies,
                    "customer_managed_policies": own,
                    "permissions_boundary": boundary,
                    "accounts": covered,
                }
            )
    return roles


def matrices(config: OrgConfig) -> dict[PartitionName, dict[str, Any]]:
    return {partition: partition_matrix(config, partition) for partition in config.partitions}

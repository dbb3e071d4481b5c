"""Rules that relate parts of the config to each other. Each returns problems; none stops at the first."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from config.backup import (
    BACKUP_POLICY_MAX_CHARS,
    covered_by_organization_policy,
    organization_backup_policy,
    plans_for_account,
)
from config.models import LOG_RETENTION_DAYS, ROOT_OU
from config.naming import bucket_names, partition_names, terraform_state_bucket_names
from config.regions import PARTITIONS, partition_of_region
from config.targets import accounts_of

if TYPE_CHECKING:
    from config.loader import Problem
    from config.models import OrgConfig, SessionLogBucketLifecycle, Targets, TrailBucketLifecycle

MAX_OU_DEPTH = 5  # AWS Organizations nests OUs at most five levels below the root.


def semantic_problems(config: OrgConfig) -> list[Problem]:
    problems: list[Problem] = []
    for check in (
        _unique_accounts,
        _partitions,
        _accounts_in_partitions,
        _logging,
        _bucket_names,
        _networks,
        _vault_lock,
        _backup_plans,
        _backup_accounts,
        _backup_policy,
        _session_manager,
        _breakglass,
        _alerts,
        _atlantis,
        _service_control_policies,
        _scp_budgets,
        _identity_center,
    ):
        problems.extend(check(config))
    return problems


def _problem(path: str, message: str) -> Problem:
    from config.loader import Problem  # the loader imports this module; import late to avoid a cycle

    return Problem(path, message)


def _duplicates(paths_and_values: Iterable[tuple[str, str]], what: str) -> Iterable[Problem]:
    first: dict[str, str] = {}
    for path, value in paths_and_values:
        if value in first:
            yield _problem(path, f"{what} {value!r} is already used at {first[value]}")
        else:
            first[value] = path


def _unique_accounts(config: OrgConfig) -> Iterable[Problem]:
    accounts = list(enumerate(config.accounts))
    yield from _duplicates(((f"accounts[{i}].name", a.name) for i, a in accounts), "account name")
    yield from _duplicates(((f"accounts[{i}].id", a.id) for i, a in accounts), "account ID")
    yield from _duplicates(((f"accounts[{i}].email", a.email.lower()) for i, a in accounts), "email")


def _regions(path: str, regions: Iterable[str], partition: str) -> Iterable[Problem]:
    seen: set[str] = set()
    for index, region in enumerate(regions):
        home = partition_of_region(region)
        if home is None:
            yield _problem(
                f"{path}[{index}]",
                f"unknown region {region!r} (known in {partition}: {', '.join(sorted(PARTITIONS[partition]))})",
            )
        elif home != partition:
            yield _problem(f"{path}[{index}]", f"region {region!r} belongs to partition {home!r}, not {partition!r}")
        if region in seen:
            yield _problem(f"{path}[{index}]", f"region {region!r} is listed twice")
        seen.add(region)


def _partitions(config: OrgConfig) -> Iterable[Problem]:
    by_name = {account.name: account for account in config.accounts}
    for name, part in config.partitions.items():
        base = f"partitions.{name}"
        yield from _regions(f"{base}.allowed_regions", part.allowed_regions, name)
        if part.home_region not in part.allowed_regions:
            yield _problem(f"{base}.home_region", f"home region {part.home_region!r} is not in allowed_regions")
        special = {
            "management_account": part.management_account,
            "log_archive_account": part.log_archive_account,
            "security_account": part.security_account,
        }
        for key, account_name in special.items():
            account = by_name.get(account_name)
            if account is None:
                yield _problem(f"{base}.{key}", f"no account named {account_name!r} in accounts")
            elif account.partition != name:
                yield _problem(
                    f"{base}.{key}", f"account {account_name!r} is in partition {account.partition!r}, not {name!r}"
                )
        if part.log_archive_account == part.management_account:
            yield _problem(
                f"{base}.log_archive_account",
                "the log archive must be a separate account from the management account, so that trail logs outlive it",
            )
        paths = [ou.path for ou in part.organizational_units]
        yield from _duplicates(((f"{base}.organizational_units[{i}].path", p) for i, p in enumerate(paths)), "OU")
        yield from _duplicates(
            (
                (f"{base}.organizational_units[{i}].id", ou.id)
                for i, ou in enumerate(part.organizational_units)
                if ou.id
            ),
            "OU ID",
        )
        for index, ou_path in enumerate(paths):
            where = f"{base}.organizational_units[{index}].path"
            segments = ou_path.split("/")
            if segments[0] == ROOT_OU:
                yield _problem(where, f"OU paths start below the root: write {'/'.join(segments[1:]) or '...'!r}")
            elif len(segments) > MAX_OU_DEPTH:
                yield _problem(
                    where, f"OU {ou_path!r} is nested {len(segments)} levels deep; AWS allows {MAX_OU_DEPTH}"
                )
            elif len(segments) > 1 and "/".join(segments[:-1]) not in paths:
                yield _problem(where, f"parent OU {'/'.join(segments[:-1])!r} is not listed")


def _accounts_in_partitions(config: OrgConfig) -> Iterable[Problem]:
    for index, account in enumerate(config.accounts):
        base = f"accounts[{index}]"
        part = config.partitions.get(account.partition)
        if part is None:
            yield _problem(
                f"{base}.partition",
                f"account {account.name!r} is in partition {account.partition!r}, which has no entry under partitions",
            )
            continue
        ous = {ou.path for ou in part.organizational_units}
        if account.ou != ROOT_OU and account.ou not in ous:
            known = ", ".join(sorted(ous)) or "none"
            yield _problem(
                f"{base}.ou",
                f"OU {account.ou!r} of account {account.name!r} is not listed under "
                f"partitions.{account.partition}.organizational_units (known: {known}, "
                f"or {ROOT_OU!r})",
            )
        if account.regions is not None:
            yield from _regions(f"{base}.regions", account.regions, account.partition)
            for r_index, region in enumerate(account.regions):
                if partition_of_region(region) == account.partition and region not in part.allowed_regions:
                    yield _problem(
                        f"{base}.regions[{r_index}]",
                        f"region {region!r} is not in partitions.{account.partition}.allowed_regions",
                    )
            if part.home_region not in account.regions:
                yield _problem(
                    f"{base}.regions",
                    f"must include the partition's home region {part.home_region!r} (IAM resources live there)",
                )


def _logging(config: OrgConfig) -> Iterable[Problem]:
    logging = config.logging
    yield from _retention("logging.cloudwatch_retention_days", logging.cloudwatch_retention_days)
    yield from _lifecycle("logging.trail_bucket", logging.trail_bucket)


def _retention(path: str, days: int) -> Iterable[Problem]:
    if days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in LOG_RETENTION_DAYS if d >= 365)
        yield _problem(path, f"{days} is not a CloudWatch Logs retention; use one of {allowed}")


def _lifecycle(path: str, bucket: TrailBucketLifecycle | SessionLogBucketLifecycle) -> Iterable[Problem]:
    if bucket.glacier_after_days >= bucket.expire_after_days:
        yield _problem(
            f"{path}.glacier_after_days",
            f"{bucket.glacier_after_days} must be less than expire_after_days ({bucket.expire_after_days})",
        )
    elif bucket.expire_after_days - bucket.glacier_after_days < 90:
        yield _problem(
            f"{path}.expire_after_days",
            "objects must stay in Glacier Flexible Retrieval at least 90 days before they expire "
            f"(glacier_after_days {bucket.glacier_after_days} + 90 > {bucket.expire_after_days})",
        )


def _bucket_names(config: OrgConfig) -> Iterable[Problem]:
    for part in config.partitions.values():
        log_archive = next((a for a in config.accounts if a.name == part.log_archive_account), None)
        if log_archive is None:
            continue  # reported by _partitions
        for bucket in bucket_names(config.name_prefix, log_archive.id, part.home_region).values():
            if len(bucket) > 63:
                yield _problem(
                    "name_prefix",
                    f"bucket name {bucket!r} would be {len(bucket)} characters; S3 allows 63: shorten name_prefix",
                )


def _networks(config: OrgConfig) -> Iterable[Problem]:
    if config.network_restriction is None:
        return
    for index, cidr in enumerate(config.network_restriction.allowed_cidrs):
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError as err:
            yield _problem(f"network_restriction.allowed_cidrs[{index}]", f"{cidr!r} is not a CIDR range: {err}")
            continue
        if network.prefixlen == 0:
            yield _problem(f"network_restriction.allowed_cidrs[{index}]",
                           f"{cidr!r} allows every address, which restricts nothing")  # fmt: skip


# --- targets (SCP attachments and Identity Center assignments) ---------------------------------------


def _targets(
    config: OrgConfig, path: str, targets: Targets, partitions: list[str], *, attaching: bool
) -> Iterable[Problem]:
    """Problems of one `targets` entry within `partitions`. `attaching`: SCPs, which need the root's and OUs' IDs."""
    if not (targets.root or targets.organizational_units or targets.accounts):
        yield _problem(path, "selects nothing: set root: true, organizational_units or accounts")
    parts = {name: config.partitions[name] for name in partitions if name in config.partitions}
    for index, ou_path in enumerate(targets.organizational_units):
        where = f"{path}.organizational_units[{index}]"
        found = False
        for name, part in parts.items():
            for ou_index, ou in enumerate(part.organizational_units):
                if ou.path != ou_path:
                    continue
                found = True
                if attaching and ou.id is None:
                    yield _problem(
                        where,
                        f"partitions.{name}.organizational_units[{ou_index}] ({ou_path}) has no id; "
                        "attaching a policy needs it",
                    )
        if not found:
            known = sorted({ou.path for part in parts.values() for ou in part.organizational_units})
            yield _problem(
                where,
                f"OU {ou_path!r} is not listed under partitions.{'/'.join(parts) or '?'}.organizational_units "
                f"(known: {', '.join(known) or 'none'})",
            )
    by_name = {a.name: a for a in config.accounts}
    management = {part.management_account for part in parts.values()}
    for index, name in enumerate(targets.accounts):
        where = f"{path}.accounts[{index}]"
        account = by_name.get(name)
        if account is None:
            yield _problem(where, f"no account named {name!r} in accounts")
        elif account.partition not in parts:
            yield _problem(where, f"account {name!r} is in partition {account.partition!r}, not {'/'.join(parts)!r}")
        elif attaching and name in management:
            yield _problem(where, f"{name!r} is the management account: service control policies never apply to it")
    everything = targets.model_copy(update={"exclude_accounts": []})
    covered = {a.name for p in parts for a in accounts_of(config, p, everything)} if targets.exclude_accounts else set()
    for index, name in enumerate(targets.exclude_accounts):
        where = f"{path}.exclude_accounts[{index}]"
        if name not in by_name:
            yield _problem(where, f"no account named {name!r} in accounts")
        elif name not in covered:
            yield _problem(where, f"account {name!r} is not inside any of the targets; excluding it has no effect")


# --- service control policies ------------------------------------------------------------------------


def _service_control_policies(config: OrgConfig) -> Iterable[Problem]:
    from config.scp_library import enabled_policies

    scps = config.service_control_policies
    base = "service_control_policies"
    on_root = []
    for name in enabled_policies(config):
        targets = scps.attachment(name).targets
        on_root += [name] if targets.root else []
        yield from _targets(config, f"{base}.policies.{name}.targets", targets, list(config.partitions), attaching=True)
    for partition, part in config.partitions.items():
        if on_root and part.root_id is None:
            yield _problem(
                f"partitions.{partition}.root_id",
                f"required: {', '.join(on_root)} attach to the root (the default), which needs the root's ID "
                "(r-..., from `aws organizations list-roots`); or attach them elsewhere in service_control_policies",
            )
    for partition, settings in scps.partitions.items():
        where = f"{base}.partitions.{partition}"
        part = config.partitions.get(partition)
        if part is None:
            yield _problem(where, f"partition {partition!r} has no entry under partitions")
            continue
        if settings.reserved_slots + 2 > settings.max_policies_per_target:
            yield _problem(
                f"{where}.reserved_slots",
                f"{settings.reserved_slots} reserved slots plus FullAWSAccess leave no room for the library "
                f"within max_policies_per_target ({settings.max_policies_per_target})",
            )
        ous = {ou.path: (index, ou) for index, ou in enumerate(part.organizational_units)}
        seen: set[str] = set()
        for index, override in enumerate(settings.region_overrides):
            at = f"{where}.region_overrides[{index}]"
            if override.organizational_unit in seen:
                yield _problem(f"{at}.organizational_unit", f"OU {override.organizational_unit!r} is overridden twice")
            seen.add(override.organizational_unit)
            if override.organizational_unit not in ous:
                yield _problem(
                    f"{at}.organizational_unit",
                    f"OU {override.organizational_unit!r} is not listed under "
                    f"partitions.{partition}.organizational_units",
                )
                continue
            ou_index, ou = ous[override.organizational_unit]
            if ou.id is None:
                yield _problem(
                    f"{at}.organizational_unit",
                    f"partitions.{partition}.organizational_units[{ou_index}] ({ou.path}) has no id; "
                    "attaching a policy needs it",
                )
            for r_index, region in enumerate(override.allowed_regions):
                if region not in part.allowed_regions:
                    yield _problem(
                        f"{at}.allowed_regions[{r_index}]",
                        f"region {region!r} is not in partitions.{partition}.allowed_regions; "
                        "an OU can only narrow them",
                    )
            for account in config.accounts:
                if account.partition != partition or not (
                    account.ou == ou.path or account.ou.startswith(ou.path + "/")
                ):
                    continue
                denied = [r for r in account.regions or part.allowed_regions if r not in override.allowed_regions]
                if denied:
                    yield _problem(
                        at,
                        f"account {account.name!r} in OU {account.ou!r} has baseline stacks in {', '.join(denied)}, "
                        f"which this override denies: give the account regions: {override.allowed_regions}",
                    )


def _scp_budgets(config: OrgConfig) -> Iterable[Problem]:
    from config.scp_library import partition_budget

    for partition in config.partitions:
        try:
            names = partition_names(config, partition)
        except KeyError:
            continue  # a special account is missing: reported by _partitions
        for path, message in partition_budget(config, partition, names).problems:
            yield _problem(path, message)


# --- IAM Identity Center -----------------------------------------------------------------------------


def _identity_center(config: OrgConfig) -> Iterable[Problem]:
    from config.permission_set_catalog import (
        INLINE_POLICY_MAX_BYTES,
        INLINE_POLICY_MAX_CHARS,
        MAX_ATTACHED_POLICIES,
        baseline_policies,
        catalog,
        duration_hours,
        inline_policy_size,
    )

    by_name = {a.name: a for a in config.accounts}
    for name, part in config.partitions.items():
        admin = part.identity_center.delegated_admin_account
        where = f"partitions.{name}.identity_center.delegated_admin_account"
        if admin is None:
            continue
        if admin not in by_name:
            yield _problem(where, f"no account named {admin!r} in accounts")
        elif by_name[admin].partition != name:
            yield _problem(where, f"account {admin!r} is in partition {by_name[admin].partition!r}, not {name!r}")
        elif admin == part.management_account:
            yield _problem(where, "the management account cannot be its own delegated administrator; leave it out")

    ic = config.identity_center
    base = "identity_center"
    try:
        sample = partition_names(config, next(iter(config.partitions)))
    except KeyError:
        return
    catalog_sets = {s.name for s in catalog(config, sample)} if ic.catalog else set()
    policy_names = {p.name for p in ic.customer_managed_policies} | baseline_policies(sample)
    yield from _duplicates(
        ((f"{base}.customer_managed_policies[{i}].name", p.name) for i, p in enumerate(ic.customer_managed_policies)),
        "customer-managed policy",
    )
    for index, policy in enumerate(ic.customer_managed_policies):
        yield from _config_document(f"{base}.customer_managed_policies[{index}].document", policy.document)
        size = len(json.dumps(policy.document, separators=(",", ":")))
        if size > 6144:
            yield _problem(
                f"{base}.customer_managed_policies[{index}].document",
                f"{size:,} characters minified, {size - 6144:,} over IAM's 6,144 limit for a managed policy",
            )
    yield from _duplicates(
        ((f"{base}.permission_sets[{i}].name", s.name) for i, s in enumerate(ic.permission_sets)), "permission set"
    )
    for index, pset in enumerate(ic.permission_sets):
        at = f"{base}.permission_sets[{index}]"
        hours = duration_hours(pset.session_duration)
        if not 1 <= hours <= 12:
            yield _problem(
                f"{at}.session_duration",
                f"{pset.session_duration} is {hours:g} hours; Identity Center allows PT1H to PT12H",
            )
        attached = len(pset.aws_managed_policies) + len(pset.customer_managed_policies)
        if attached > MAX_ATTACHED_POLICIES:
            yield _problem(
                at,
                f"{attached} managed and customer-managed policies, {attached - MAX_ATTACHED_POLICIES} over "
                f"Identity Center's limit of {MAX_ATTACHED_POLICIES}",
            )
        for p_index, policy_name in enumerate(pset.customer_managed_policies):
            if policy_name not in policy_names:
                yield _problem(
                    f"{at}.customer_managed_policies[{p_index}]",
                    f"no customer-managed policy named {policy_name!r} in identity_center.customer_managed_policies"
                    f" (known: {', '.join(sorted(policy_names)) or 'none'})",
                )
        boundary = pset.permissions_boundary
        if boundary is not None:
            if (boundary.aws_managed_policy is None) == (boundary.customer_managed_policy is None):
                yield _problem(
                    f"{at}.permissions_boundary", "set exactly one of aws_managed_policy and customer_managed_policy"
                )
            elif boundary.customer_managed_policy and boundary.customer_managed_policy not in policy_names:
                yield _problem(
                    f"{at}.permissions_boundary.customer_managed_policy",
                    f"no customer-managed policy named {boundary.customer_managed_policy!r}",
                )
        if pset.inline_policy is not None:
            yield from _config_document(f"{at}.inline_policy", pset.inline_policy)
            size_bytes, chars = inline_policy_size(pset.inline_policy)
            if size_bytes > INLINE_POLICY_MAX_BYTES:
                yield _problem(
                    f"{at}.inline_policy",
                    f"{size_bytes:,} bytes, {size_bytes - INLINE_POLICY_MAX_BYTES:,} over the limit of "
                    f"{INLINE_POLICY_MAX_BYTES:,}",
                )
            if chars > INLINE_POLICY_MAX_CHARS:
                yield _problem(
                    f"{at}.inline_policy",
                    f"{chars:,} characters without whitespace, {chars - INLINE_POLICY_MAX_CHARS:,} over Identity "
                    f"Center's limit of {INLINE_POLICY_MAX_CHARS:,}",
                )
    if ic.on_call_window is not None:
        window = ic.on_call_window
        if window.start.tzinfo is None or window.end.tzinfo is None:
            yield _problem(f"{base}.on_call_window", "write the timestamps in UTC with a Z, e.g. 2026-11-23T08:00:00Z")
        elif window.end <= window.start:
            yield _problem(f"{base}.on_call_window.end", f"{window.end.isoformat()} is not after start")

    set_names = catalog_sets | {s.name for s in ic.permission_sets}
    for index, assignment in enumerate(ic.assignments):
        at = f"{base}.assignments[{index}]"
        if assignment.partition not in config.partitions:
            yield _problem(f"{at}.partition", f"partition {assignment.partition!r} has no entry under partitions")
            continue
        if assignment.permission_set not in set_names:
            yield _problem(
                f"{at}.permission_set",
                f"no permission set named {assignment.permission_set!r} (known: {', '.join(sorted(set_names))})",
            )
        yield from _targets(config, f"{at}.targets", assignment.targets, [assignment.partition], attaching=False)
        part = config.partitions[assignment.partition]
        if part.identity_center.delegated_admin_account and any(
            a.name == part.management_account for a in accounts_of(config, assignment.partition, assignment.targets)
        ):
            yield _problem(
                f"{at}.targets",
                f"includes the management account {part.management_account!r}, which a delegated administrator "
                "cannot assign; exclude it (exclude_accounts) and assign it from the management account",
            )


def _config_document(path: str, document: dict) -> Iterable[Problem]:
    text = json.dumps(document)
    if re.search(r"arn:aws(-us-gov)?:", text):
        yield _problem(path, "names a partition in an ARN; write arn:${partition}:... so it works in both partitions")
    if not isinstance(document.get("Statement"), list | dict):
        yield _problem(path, "is not an IAM policy document: it needs a Statement")


def _configured_partition(config: OrgConfig, path: str, partition: str) -> Iterable[Problem]:
    if partition not in config.partitions:
        yield _problem(path, f"partition {partition!r} has no entry under partitions")


def _account_in(config: OrgConfig, path: str, name: str, partition: str) -> Iterable[Problem]:
    account = next((a for a in config.accounts if a.name == name), None)
    if account is None:
        yield _problem(path, f"no account named {name!r} in accounts")
    elif account.partition != partition:
        yield _problem(path, f"account {name!r} is in partition {account.partition!r}, not {partition!r}")


def _breakglass(config: OrgConfig) -> Iterable[Problem]:
    for partition, entry in config.breakglass.items():
        base = f"breakglass.{partition}"
        yield from _configured_partition(config, base, partition)
        seen: dict[tuple[str, str, str], str] = {}
        for index, principal in enumerate(entry.principals):
            where = f"{base}.principals[{index}]"
            yield from _account_in(config, f"{where}.account", principal.account, partition)
            if (principal.user is None) == (principal.role is None):
                yield _problem(where, "give exactly one of user or role (the IAM identity allowed to break glass)")
                continue
            key = (principal.account, "user" if principal.user else "role", principal.user or principal.role or "")
            if key in seen:
                yield _problem(where, f"{key[1]} {key[2]!r} of account {key[0]!r} is already listed at {seen[key]}")
            seen.setdefault(key, where)


def _alerts(config: OrgConfig) -> Iterable[Problem]:
    for partition in config.alerts.slack:
        where = f"alerts.slack.{partition}"
        yield from _configured_partition(config, where, partition)
        if partition == "aws-us-gov":
            yield _problem(
                where,
                "AWS Chatbot is not available in GovCloud (us-gov-west-1, us-gov-east-1): remove this entry and "
                "subscribe emails (alerts.emails) or your own HTTPS endpoint to the GovCloud alert topic",
            )


def _atlantis(config: OrgConfig) -> Iterable[Problem]:
    ids = {account.name: account.id for account in config.accounts}
    for partition, entry in config.atlantis.items():
        base = f"atlantis.{partition}"
        yield from _configured_partition(config, base, partition)
        yield from _account_in(config, f"{base}.ci_account", entry.ci_account, partition)
        yield from _duplicates(
            ((f"{base}.server_roles[{i}]", r) for i, r in enumerate(entry.server_roles)), "server role"
        )
        for index, name in enumerate(entry.exclude_accounts):
            yield from _account_in(config, f"{base}.exclude_accounts[{index}]", name, partition)
        yield from _duplicates(
            ((f"{base}.exclude_accounts[{i}]", n) for i, n in enumerate(entry.exclude_accounts)), "account"
        )
        part = config.partitions.get(partition)
        if part is not None and entry.ci_account in ids:
            for bucket in terraform_state_bucket_names(
                config.name_prefix, ids[entry.ci_account], part.home_region
            ).values():
                if len(bucket) > 63:
                    yield _problem(
                        "name_prefix",
                        f"bucket name {bucket!r} would be {len(bucket)} characters; S3 allows 63: shorten name_prefix",
                    )


# --- backup -----------------------------------------------------------------------------------------

MIN_CHANGEABLE_DAYS = 3  # AWS Backup's minimum cooling-off period for compliance-mode Vault Lock
COLD_STORAGE_MIN_DAYS = 90  # recovery points stay at least 90 days in cold storage
CRON_FIELD = re.compile(r"^[0-9A-Za-z*?/,#L-]+$")


def _vault_lock(config: OrgConfig) -> Iterable[Problem]:
    lock = config.backup.vault_lock
    base = "backup.vault_lock"
    if lock.min_retention_days > lock.max_retention_days:
        yield _problem(
            f"{base}.min_retention_days",
            f"min_retention_days ({lock.min_retention_days}) is greater than max_retention_days "
            f"({lock.max_retention_days}); no retention would satisfy the lock",
        )
    if lock.mode == "governance" and lock.changeable_for_days is not None:
        yield _problem(
            f"{base}.changeable_for_days",
            "only compliance mode takes changeable_for_days (AWS turns a lock with it into compliance mode, "
            "immutable after the cooling-off period); remove it, or set mode: compliance if that is what you want",
        )
    if lock.mode == "compliance":
        if lock.changeable_for_days is None:
            yield _problem(
                f"{base}.changeable_for_days",
                f"compliance mode needs changeable_for_days (at least {MIN_CHANGEABLE_DAYS}): the cooling-off "
                "period during which the lock can still be removed",
            )
        elif lock.changeable_for_days < MIN_CHANGEABLE_DAYS:
            yield _problem(
                f"{base}.changeable_for_days",
                f"{lock.changeable_for_days} is too short: compliance mode needs at least {MIN_CHANGEABLE_DAYS} days "
                "of cooling-off; after it nobody, root included, can remove the lock, shorten retention or delete "
                "the vault",
            )


def _cron_problem(expression: str) -> str | None:
    fields = expression[len("cron(") : -1].split(" ")
    if not all(CRON_FIELD.match(f) for f in fields):
        return "has characters a cron field cannot contain"
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        return "needs '?' in exactly one of day-of-month (3rd field) and day-of-week (5th field)"
    return None


def _backup_plans(config: OrgConfig) -> Iterable[Problem]:
    backup = config.backup
    lock = backup.vault_lock
    plans = list(enumerate(backup.plans))
    yield from _duplicates(((f"backup.plans[{i}].name", p.name) for i, p in plans), "plan name")
    for p_index, plan in plans:
        base = f"backup.plans[{p_index}]"
        yield from _duplicates(((f"{base}.rules[{i}].name", r.name) for i, r in enumerate(plan.rules)), "rule name")
        for r_index, rule in enumerate(plan.rules):
            where = f"{base}.rules[{r_index}]"
            cron = _cron_problem(rule.schedule)
            if cron:
                yield _problem(f"{where}.schedule", f"{rule.schedule!r} {cron}, e.g. 'cron(0 5 ? * * *)'")
            if rule.completion_window_minutes < rule.start_window_minutes + 60:
                yield _problem(
                    f"{where}.completion_window_minutes",
                    f"{rule.completion_window_minutes} must be at least 60 minutes more than start_window_minutes "
                    f"({rule.start_window_minutes})",
                )
            days = rule.delete_after_days
            if not lock.min_retention_days <= days <= lock.max_retention_days:
                yield _problem(
                    f"{where}.delete_after_days",
                    f"retention {days} days is outside the vault lock's bounds [{lock.min_retention_days}, "
                    f"{lock.max_retention_days}] (backup.vault_lock); AWS Backup would accept the plan and fail "
                    "every backup and copy job later",
                )
            cold = rule.move_to_cold_storage_after_days
            if cold is not None and days < cold + COLD_STORAGE_MIN_DAYS:
                yield _problem(
                    f"{where}.delete_after_days",
                    f"{days} is too early: recovery points must stay at least {COLD_STORAGE_MIN_DAYS} days in cold "
                    f"storage (move_to_cold_storage_after_days {cold} + {COLD_STORAGE_MIN_DAYS} = "
                    f"{cold + COLD_STORAGE_MIN_DAYS})",
                )
            for partition, region in sorted((rule.copy_to_region or {}).items()):
                path = f"{where}.copy_to_region.{partition}"
                home = partition_of_region(region)
                if partition not in config.partitions:
                    yield _problem(path, f"partition {partition!r} has no entry under partitions")
                elif home is None:
                    known = ", ".join(sorted(PARTITIONS[partition]))
                    yield _problem(path, f"unknown region {region!r} (known in {partition}: {known})")
                elif home != partition:
                    yield _problem(
                        path,
                        f"region {region!r} belongs to partition {home!r}, not {partition!r}: copies stay in "
                        "their partition",
                    )
                elif region not in config.partitions[partition].allowed_regions:
                    yield _problem(
                        path,
                        f"region {region!r} is not in partitions.{partition}.allowed_regions, so no baseline "
                        "vault receives the copies",
                    )


def _backup_accounts(config: OrgConfig) -> Iterable[Problem]:
    known = {plan.name for plan in config.backup.plans}
    for index, account in enumerate(config.accounts):
        base = f"accounts[{index}]"
        for p_index, name in enumerate(account.backup_plans or []):
            if name not in known:
                yield _problem(
                    f"{base}.backup_plans[{p_index}]",
                    f"no plan named {name!r} in backup.plans (known: {', '.join(sorted(known)) or 'none'})",
                )
        part = config.partitions.get(account.partition)
        if part is None:
            continue  # reported by _accounts_in_partitions
        regions = account.regions or part.allowed_regions
        if covered_by_organization_policy(config, account):
            missing = [r for r in part.allowed_regions if r not in regions]
            if missing:
                yield _problem(
                    f"{base}.regions",
                    f"account {account.name!r} is targeted by the organization backup policy, which applies the "
                    f"plans in every allowed region, but has no baseline vault in {', '.join(missing)}",
                )
            continue
        for plan in plans_for_account(config, account):
            missing_targets: dict[str, list[str]] = {}
            for rule in plan.rules:
                target = (rule.copy_to_region or {}).get(account.partition)  # type: ignore[call-overload]
                if target and target in part.allowed_regions and target not in regions:
                    missing_targets.setdefault(target, []).append(rule.name)
            for target, rules in missing_targets.items():
                yield _problem(
                    f"{base}.regions",
                    f"plan {plan.name!r} (rules {', '.join(rules)}) copies to {target}, where account "
                    f"{account.name!r} has no baseline vault: add the region, or leave the plan out with "
                    "backup_plans",
                )


def _backup_policy(config: OrgConfig) -> Iterable[Problem]:
    backup = config.backup
    targets = backup.organization_policy_targets
    base = "backup.organization_policy_targets"
    if backup.organization_policy and not (targets.root or targets.organizational_units or targets.accounts):
        yield _problem(
            base, "organization_policy is on but targets nothing: set root, organizational_units or accounts"
        )
    if backup.organization_policy and targets.root:
        for name, part in config.partitions.items():
            if part.root_id is None:
                yield _problem(f"partitions.{name}.root_id", "needed to attach the backup policy to the root (r-...)")
    for index, path in enumerate(targets.organizational_units):
        where = f"{base}.organizational_units[{index}]"
        found = False
        for name, part in config.partitions.items():
            for ou in part.organizational_units:
                if ou.path == path:
                    found = True
                    if ou.id is None and backup.organization_policy:
                        yield _problem(where, f"OU {path!r} of partition {name!r} has no id; policies attach by ID")
        if path == ROOT_OU:
            yield _problem(where, "to target the root, set root: true")
        elif not found:
            yield _problem(where, f"OU {path!r} is not listed under any partition's organizational_units")
    names = {account.name for account in config.accounts}
    for index, account_name in enumerate(targets.accounts):
        if account_name not in names:
            yield _problem(f"{base}.accounts[{index}]", f"no account named {account_name!r} in accounts")
    if not backup.organization_policy:
        return
    for name in config.partitions:
        try:
            document = organization_backup_policy(config, partition_names(config, name))
        except KeyError:
            continue  # special accounts missing: reported by _partitions
        size = len(json.dumps(document, separators=(",", ":")))
        if size > BACKUP_POLICY_MAX_CHARS:
            yield _problem(
                "backup.plans",
                f"the organization backup policy for {name} would be {size} characters; Organizations allows "
                f"{BACKUP_POLICY_MAX_CHARS}: use fewer plans, rules or regions, or deploy plans with the stacks",
            )


def _session_manager(config: OrgConfig) -> Iterable[Problem]:
    sessions = config.session_manager
    yield from _retention("session_manager.cloudwatch_retention_days", sessions.cloudwatch_retention_days)
    yield from _lifecycle("session_manager.log_bucket", sessions.log_bucket)
    if sessions.idle_session_timeout_minutes > sessions.max_session_duration_minutes:
        yield _problem(
            "session_manager.idle_session_timeout_minutes",
            f"{sessions.idle_session_timeout_minutes} minutes is longer than max_session_duration_minutes "
            f"({sessions.max_session_duration_minutes}); the idle timeout would never apply",
        )

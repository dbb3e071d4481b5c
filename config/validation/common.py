"""Checks shared by the section validators: duplicates, regions, targets, retention, lifecycles, documents."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from config.models import OrgConfig, SessionLogBucketLifecycle, Targets, TrailBucketLifecycle
from config.problems import Problem, key_text, shown
from config.quotas import BUCKET_NAME_MAX_CHARS, GLACIER_MIN_DAYS, LOG_RETENTION_DAYS, MIN_LOG_RETENTION_DAYS
from config.regions import PARTITIONS, PartitionName, partition_of_region
from config.targets import accounts_of


def duplicates(paths_and_values: Iterable[tuple[str, str]], what: str) -> Iterable[Problem]:
    first: dict[str, str] = {}
    for path, value in paths_and_values:
        if value in first:
            yield Problem(path, f"{what} {value!r} is already used at {first[value]}")
        else:
            first[value] = path


def region_problems(path: str, regions: Iterable[str], partition: PartitionName) -> Iterable[Problem]:
    """Each region must exist, belong to `partition` and be listed once."""
    seen: set[str] = set()
    for index, region in enumerate(regions):
        home = partition_of_region(region)
        if home is None:
            yield Problem(
                f"{path}[{index}]",
                f"unknown region {region!r} (known in {partition}: {', '.join(sorted(PARTITIONS[partition]))})",
            )
        elif home != partition:
            yield Problem(f"{path}[{index}]", f"region {region!r} belongs to partition {home!r}, not {partition!r}")
        if region in seen:
            yield Problem(f"{path}[{index}]", f"region {region!r} is listed twice")
        seen.add(region)


def retention_problems(path: str, days: int) -> Iterable[Problem]:
    """A log group retention must be one CloudWatch Logs accepts (the models already ask for at least a year)."""
    if days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in LOG_RETENTION_DAYS if d >= MIN_LOG_RETENTION_DAYS)
        yield Problem(
            path, f"{shown(days).removeprefix('the number ')} is not a CloudWatch Logs retention; use one of {allowed}"
        )


def lifecycle_problems(path: str, bucket: TrailBucketLifecycle | SessionLogBucketLifecycle) -> Iterable[Problem]:
    """Archive-then-expire: Glacier first, and long enough there that S3 accepts the expiry."""
    if bucket.glacier_after_days >= bucket.expire_after_days:
        yield Problem(
            f"{path}.glacier_after_days",
            f"{bucket.glacier_after_days} must be less than expire_after_days ({bucket.expire_after_days})",
        )
    elif bucket.expire_after_days - bucket.glacier_after_days < GLACIER_MIN_DAYS:
        yield Problem(
            f"{path}.expire_after_days",
            f"objects must stay in Glacier Flexible Retrieval at least {GLACIER_MIN_DAYS} days before they expire "
            f"(glacier_after_days {bucket.glacier_after_days} + {GLACIER_MIN_DAYS} > {bucket.expire_after_days})",
        )


def policy_document_problems(path: str, document: dict[str, Any]) -> Iterable[Problem]:
    """A policy document from the config: JSON values in IAM's characters, partition-neutral ARNs, a Statement."""
    values = list(_json_value_problems(path, document))
    yield from values
    if values:
        return  # the size and ARN checks read the JSON text, which these values would not give
    text = json.dumps(document)
    if re.search(r"arn:aws(-us-gov)?:", text):
        yield Problem(path, "names a partition in an ARN; write arn:${partition}:... so it works in both partitions")
    if not isinstance(document.get("Statement"), list | dict):
        yield Problem(path, "is not an IAM policy document: it needs a Statement")


# IAM and Identity Center take policy documents in tab, line feed, carriage return and U+0020-U+00FF only
# (pattern [\u0009\u000A\u000D\u0020-\u00FF]+: https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/iam/aws.sdk.kotlin.services.iam.model/-create-policy-request/policy-document.html,
# https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_PutInlinePolicyToPermissionSet.html).
_NOT_IN_POLICY = re.compile("[^\t\n\r\u0020-\u00ff]")


def _json_value_problems(path: str, value: Any) -> Iterable[Problem]:
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key_text(key)}"
            if not isinstance(key, str):
                yield Problem(
                    child, f"YAML reads the key {key_text(key)} as {shown(key)}, not as text: put it in quotes"
                )
            else:
                yield from _characters(child, key, "key")
            yield from _json_value_problems(child, item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_value_problems(f"{path}[{index}]", item)
    elif isinstance(value, str):
        yield from _characters(path, value, "value")
    elif value is None:
        yield Problem(path, "is empty (null); IAM takes no null in a policy: write a value or remove the key")
    elif isinstance(value, float) and not math.isfinite(value):
        yield Problem(path, f"is {shown(value)}, which JSON cannot hold; write a number or quoted text")


def _characters(path: str, text: str, what: str) -> Iterable[Problem]:
    match = _NOT_IN_POLICY.search(text)
    if match:
        char = match.group()
        yield Problem(
            path,
            f"the {what} has the character {char!r} (U+{ord(char):04X}) at position {match.start() + 1}; IAM policy "
            "documents take only ASCII and Latin-1 characters (no emoji, typographic dashes or quotes)",
        )


def email_duplicates(path: str, emails: Iterable[str]) -> Iterable[Problem]:
    """Addresses subscribed to one topic: each once, compared without case (mail systems treat the domain, and in
    practice the whole address, case-insensitively; SNS would subscribe both and send every alert twice)."""
    first: dict[str, int] = {}
    for index, email in enumerate(emails):
        key = email.casefold()
        if key in first:
            yield Problem(f"{path}[{index}]", f"{email!r} is already listed at {path}[{first[key]}] (ignoring case)")
        else:
            first[key] = index


def configured_partition(config: OrgConfig, path: str, partition: PartitionName) -> Iterable[Problem]:
    if partition not in config.partitions:
        yield Problem(path, f"partition {partition!r} has no entry under partitions")


def account_in_partition(config: OrgConfig, path: str, name: str, partition: PartitionName) -> Iterable[Problem]:
    account = next((a for a in config.accounts if a.name == name), None)
    if account is None:
        yield Problem(path, f"no account named {name!r} in accounts")
    elif account.partition != partition:
        yield Problem(path, f"account {name!r} is in partition {account.partition!r}, not {partition!r}")


def target_problems(
    config: OrgConfig, path: str, targets: Targets, partitions: Iterable[PartitionName], *, attaching: bool
) -> Iterable[Problem]:
    """Problems of one `targets` entry within `partitions`. `attaching`: SCPs, which need the root's and OUs' IDs."""
    if not (targets.root or targets.organizational_units or targets.accounts):
        yield Problem(path, "selects nothing: set root: true, organizational_units or accounts")
    parts = {name: config.partitions[name] for name in partitions if name in config.partitions}
    for index, ou_path in enumerate(targets.organizational_units):
        where = f"{path}.organizational_units[{index}]"
        found = False
        for partition, part in parts.items():
            for ou_index, ou in enumerate(part.organizational_units):
                if ou.path != ou_path:
                    continue
                found = True
                if attaching and ou.id is None:
                    yield Problem(
                        where,
                        f"partitions.{partition}.organizational_units[{ou_index}] ({ou_path}) has no id; "
                        "attaching a policy needs it",
                    )
        if not found:
            known = sorted({ou.path for part in parts.values() for ou in part.organizational_units})
            yield Problem(
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
            yield Problem(where, f"no account named {name!r} in accounts")
        elif account.partition not in parts:
            yield Problem(where, f"account {name!r} is in partition {account.partition!r}, not {'/'.join(parts)!r}")
        elif attaching and name in management:
            yield Problem(where, f"{name!r} is the management account: service control policies never apply to it")
    everything = targets.model_copy(update={"exclude_accounts": []})
    covered = {a.name for p in parts for a in accounts_of(config, p, everything)} if targets.exclude_accounts else set()
    for index, name in enumerate(targets.exclude_accounts):
        where = f"{path}.exclude_accounts[{index}]"
        if name not in by_name:
            yield Problem(where, f"no account named {name!r} in accounts")
        elif name not in covered:
            yield Problem(where, f"account {name!r} is not inside any of the targets; excluding it has no effect")


def bucket_name_problems(buckets: Iterable[str]) -> Iterable[Problem]:
    """S3 bucket names built from name_prefix, an account ID and a region must fit S3's limit."""
    for bucket in buckets:
        if len(bucket) > BUCKET_NAME_MAX_CHARS:
            yield Problem(
                "name_prefix",
                f"bucket name {bucket!r} would be {len(bucket)} characters; S3 allows {BUCKET_NAME_MAX_CHARS}: "
                "shorten name_prefix",
            )

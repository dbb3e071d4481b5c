"""`service_control_policies`: attachments, quotas, region overrides and the library's budgets."""

from __future__ import annotations

from collections.abc import Iterable

from config.models import OrgConfig
from config.naming import organization
from config.policies.service_control import enabled_policies, partition_budget
from config.problems import Problem
from config.targets import ou_covers
from config.validation.common import target_problems
from config.validation.organization_policies import other_root_policies


def problems(config: OrgConfig) -> Iterable[Problem]:
    yield from _attachments(config)
    yield from _budgets(config)


def _attachments(config: OrgConfig) -> Iterable[Problem]:
    scps = config.service_control_policies
    base = "service_control_policies"
    on_root: list[str] = []
    for name in enabled_policies(config):
        targets = scps.attachment(name).targets
        on_root += [name] if targets.root else []
        where = f"{base}.policies.{name}.targets"
        yield from target_problems(config, where, targets, config.partitions, attaching=True)
    for partition, part in config.partitions.items():
        others = other_root_policies(config, partition)
        if part.root_id is not None or not (on_root or others):
            continue
        needing = ", ".join(on_root) if on_root else "; ".join(others)
        message = (
            f"required: {needing} attach to the root (the default), which needs the root's ID (r-..., from "
            f"`aws organizations list-roots`); or attach them elsewhere"
        )
        if on_root and others:
            message += f"; the root also carries {'; '.join(others)}"
        yield Problem(f"partitions.{partition}.root_id", message)
    for partition, settings in scps.partitions.items():
        where = f"{base}.partitions.{partition}"
        configured = config.partitions.get(partition)
        if configured is None:
            yield Problem(where, f"partition {partition!r} has no entry under partitions")
            continue
        if settings.reserved_slots + 2 > settings.max_policies_per_target:
            yield Problem(
                f"{where}.reserved_slots",
                f"{settings.reserved_slots} reserved slots plus FullAWSAccess leave no room for the library "
                f"within max_policies_per_target ({settings.max_policies_per_target})",
            )
        ous = {ou.path: (index, ou) for index, ou in enumerate(configured.organizational_units)}
        seen: set[str] = set()
        for index, override in enumerate(settings.region_overrides):
            at = f"{where}.region_overrides[{index}]"
            if override.organizational_unit in seen:
                yield Problem(f"{at}.organizational_unit", f"OU {override.organizational_unit!r} is overridden twice")
            seen.add(override.organizational_unit)
            if override.organizational_unit not in ous:
                yield Problem(
                    f"{at}.organizational_unit",
                    f"OU {override.organizational_unit!r} is not listed under "
                    f"partitions.{partition}.organizational_units",
                )
                continue
            ou_index, ou = ous[override.organizational_unit]
            if ou.id is None:
                yield Problem(
                    f"{at}.organizational_unit",
                    f"partitions.{partition}.organizational_units[{ou_index}] ({ou.path}) has no id; "
                    "attaching a policy needs it",
                )
            for r_index, region in enumerate(override.allowed_regions):
                if region not in configured.allowed_regions:
                    yield Problem(
                        f"{at}.allowed_regions[{r_index}]",
                        f"region {region!r} is not in partitions.{partition}.allowed_regions; "
                        "an OU can only narrow them",
                    )
            for account in config.accounts:
                if account.partition != partition or not ou_covers(ou.path, account.ou):
                    continue
                denied = [r for r in account.regions or configured.allowed_regions if r not in override.allowed_regions]
                if denied:
                    yield Problem(
                        at,
                        f"account {account.name!r} in OU {account.ou!r} has baseline stacks in {', '.join(denied)}, "
                        f"which this override denies: give the account regions: {override.allowed_regions}",
                    )


def _budgets(config: OrgConfig) -> Iterable[Problem]:
    for partition in config.partitions:
        try:
            org = organization(config, partition)
        except KeyError:
            continue  # a special account is missing: reported by the organization checks
        yield from partition_budget(config, partition, org).problems

"""`resource_control_policies`: attachments, quotas and the data-perimeter library's budgets. A missing root ID is
reported once for every policy type, by `service_control_policies`."""

from __future__ import annotations

from collections.abc import Iterable

from config.models import OrgConfig
from config.naming import organization
from config.policies.resource_control import enabled_rcps, rcp_budget
from config.problems import Problem
from config.validation.common import target_problems


def problems(config: OrgConfig) -> Iterable[Problem]:
    rcps = config.resource_control_policies
    base = "resource_control_policies"
    for name in enabled_rcps(config):
        targets = rcps.attachment(name).targets
        yield from target_problems(
            config, f"{base}.policies.{name}.targets", targets, config.partitions, attaching=True
        )
    for partition, settings in rcps.partitions.items():
        where = f"{base}.partitions.{partition}"
        if partition not in config.partitions:
            yield Problem(where, f"partition {partition!r} has no entry under partitions")
            continue
        if settings.reserved_slots + 2 > settings.max_policies_per_target:
            yield Problem(
                f"{where}.reserved_slots",
                f"{settings.reserved_slots} reserved slots plus RCPFullAWSAccess leave no room for the library "
                f"within max_policies_per_target ({settings.max_policies_per_target})",
            )
        own = {account.id for account in config.accounts if account.partition == partition}
        for index, account_id in enumerate(settings.trusted_accounts):
            if account_id in own:
                yield Problem(
                    f"{where}.trusted_accounts[{index}]",
                    f"{account_id} is an account of this organization, which the perimeter already lets in",
                )
    for partition in config.partitions:
        try:
            org = organization(config, partition)
        except KeyError:
            continue  # a special account is missing: reported by the organization checks
        yield from rcp_budget(config, partition, org).problems

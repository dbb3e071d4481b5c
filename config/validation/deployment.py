"""`deployment`: StackSets mode needs what a service-managed StackSet targets (OU IDs) and an administrator account
that can run it (docs/decisions/0021-stacksets-deployment-mode.md)."""

from __future__ import annotations

from collections.abc import Iterable

from config.models import OrgConfig
from config.naming import stackset_asset_bucket_names
from config.problems import Problem
from config.validation.common import bucket_name_problems


def problems(config: OrgConfig) -> Iterable[Problem]:
    deployment = config.deployment
    if deployment.mode != "stacksets":
        return
    for partition, part in config.partitions.items():
        if (
            deployment.stacksets.administrator == "delegated_admin"
            and part.deployment_account == part.management_account
        ):
            # The management account is the StackSets administrator already; it cannot be its own delegated one.
            # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-delegated-admin.html
            yield Problem(
                "deployment.stacksets.administrator",
                f"delegated_admin needs partitions.{partition}.deployment_account to be a member account, but it is "
                f"the management account ({part.management_account!r}); use administrator: management, or another "
                "deployment account",
            )
        # The asset buckets' names (one per region, in the administrator account) must fit S3's limit.
        admin = part.deployment_account if deployment.stacksets.administrator == "delegated_admin" else None
        admin_id = next((a.id for a in config.accounts if a.name == (admin or part.management_account)), None)
        if admin_id is not None:
            for region in part.allowed_regions:
                names = stackset_asset_bucket_names(config.name_prefix, admin_id, region)
                yield from bucket_name_problems(names.values())
        # A service-managed StackSet targets OUs by ID (its accounts are reached through them, with automatic
        # deployment), so every OU holding a member account must have its ID.
        used = {a.ou for a in config.accounts if a.partition == partition and a.name != part.management_account}
        for index, ou in enumerate(part.organizational_units):
            if ou.path in used and ou.id is None:
                yield Problem(
                    f"partitions.{partition}.organizational_units[{index}].id",
                    f"OU {ou.path!r} holds accounts, and deployment.mode is stacksets: its StackSets target it by ID "
                    "(`ou-...`); add the OU's id",
                )

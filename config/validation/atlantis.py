"""`atlantis`: the CI account, the server roles, exclusions and the state bucket names."""

from __future__ import annotations

from collections.abc import Iterable

from config.models import OrgConfig
from config.naming import terraform_state_bucket_names
from config.problems import Problem
from config.validation.common import account_in_partition, bucket_name_problems, configured_partition, duplicates


def problems(config: OrgConfig) -> Iterable[Problem]:
    ids = {account.name: account.id for account in config.accounts}
    for partition, entry in config.atlantis.items():
        base = f"atlantis.{partition}"
        yield from configured_partition(config, base, partition)
        yield from account_in_partition(config, f"{base}.ci_account", entry.ci_account, partition)
        part = config.partitions.get(partition)
        if part is not None and entry.ci_account == part.deployment_account:
            # Every account's CDK bootstrap trusts the deployment account: Atlantis there could deploy the baseline.
            yield Problem(
                f"{base}.ci_account",
                f"account {entry.ci_account!r} is also partitions.{partition}.deployment_account: the account that "
                "deploys the baseline must not run Atlantis (every bootstrap trusts it); use another account for one "
                "of them",
            )
        yield from duplicates(
            ((f"{base}.server_roles[{i}]", r) for i, r in enumerate(entry.server_roles)), "server role"
        )
        for index, name in enumerate(entry.exclude_accounts):
            yield from account_in_partition(config, f"{base}.exclude_accounts[{index}]", name, partition)
        yield from duplicates(
            ((f"{base}.exclude_accounts[{i}]", n) for i, n in enumerate(entry.exclude_accounts)), "account"
        )
        if part is not None and entry.ci_account in ids:
            buckets = terraform_state_bucket_names(config.name_prefix, ids[entry.ci_account], part.home_region)
            yield from bucket_name_problems(buckets.values())

"""The baseline of one account in one region. IAM resources go only into the home-region stack."""

from __future__ import annotations

import aws_cdk as cdk

from config.models import Account, CustomerManagedPolicy
from config.naming import PartitionNames
from constructs import Construct
from constructs.account_metadata import AccountMetadata
from constructs.customer_managed_policies import CustomerManagedPolicies


class AccountBaselineStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        account: Account,
        region: str,
        names: PartitionNames,
        prefix: str,
        customer_managed_policies: list[CustomerManagedPolicy] | None = None,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            env=cdk.Environment(account=account.id, region=region),
            description=f"org-baseline: baseline of account {account.name} in {region}",
        )
        self.is_home_region = region == names.home_region
        AccountMetadata(self, "AccountMetadata", prefix=prefix, facts={
            "account-name": account.name,
            "organizational-unit": account.ou,
            "home-region": names.home_region,
            "org-trail-bucket": names.trail_bucket,
            "org-trail-name": names.trail_name,
        })  # fmt: skip
        if customer_managed_policies:
            assert self.is_home_region, "IAM resources belong in the home-region stack"
            self.identity_center_policies = CustomerManagedPolicies(
                self, "IdentityCenterPolicies", names=names, policies=customer_managed_policies
            )

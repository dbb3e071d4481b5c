"""Identity Center assignments into one account. One stack per target account, deployed in the Identity Center
admin account: onboarding an account adds a stack and changes no other, and no stack grows with the org."""

from __future__ import annotations

from config.assignments import AccountAssignment
from config.naming import Organization
from constructs import Construct
from constructs.identity.account_assignments import AccountAssignments
from stacks.base import OrgBaselineStack


class AccessStack(OrgBaselineStack):
    # Assignments only: deleting the stack removes access, which redeploying restores from the config.
    termination_protected = False

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        admin_account_id: str,
        instance_arn: str,
        account_id: str,
        assignments: list[AccountAssignment],
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=admin_account_id,
            region=org.home_region,
            # Not the account's name: the stacks of accounts with equal assignments then differ only in the
            # target account ID, and one verification stands for all of them (decision 0024). The stack's name
            # (Access-<account>) names the account.
            description="Identity Center assignments into the account the stack is named for "
            "(deploy after the IdentityCenter stack and the account's home-region baseline)",
        )
        self.assignments = AccountAssignments(
            self,
            "Assignments",
            org=org,
            instance_arn=instance_arn,
            account_id=account_id,
            assignments=assignments,
        )

"""Access alert rules alone, for an account whose baseline regions leave out its partition's global-events region.

IAM, the STS global endpoint and console sign-in record their events in us-east-1 (commercial) or
us-gov-west-1 (GovCloud). Every account needs the breakglass and root alert rules there, even if it runs no
workloads in that region; a full baseline stack there would deploy everything else too.
"""

from __future__ import annotations

from config.models import Account
from config.naming import BreakglassPrincipals, Organization
from constructs import Construct
from constructs.alerting.access_alerts import AccessAlerts
from constructs.shared.own_account import ACCOUNT
from stacks.base import OrgBaselineStack


class GlobalEventAlertsStack(OrgBaselineStack):
    # Alert rules only, recreated from the config; the SCPs protect them from members while deployed.
    termination_protected = False

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        account: Account,
        region: str,
        org: Organization,
        breakglass: BreakglassPrincipals | None,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=account.id,
            region=region,
            description=f"access alerts in {region}, where global service events land",
        )
        # Account-agnostic like the baseline (constructs/shared/own_account.py): the account only as AWS::AccountId.
        own_users = breakglass.users_held_in(account.id) if breakglass else ()
        AccessAlerts(self, "AccessAlerts", org=org, account_id=ACCOUNT, breakglass=breakglass, own_users=own_users)

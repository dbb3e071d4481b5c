"""The base of every stack: placed in one account and region, described as the baseline's, protected from deletion."""

from __future__ import annotations

from typing import ClassVar

import aws_cdk as cdk

from constructs import Construct

DESCRIPTION_PREFIX = "org-baseline: "


class OrgBaselineStack(cdk.Stack):
    """A stack of this app. Subclasses compose constructs; this sets where the stack goes and how it is protected.

    Termination protection is on unless a subclass turns it off and says why: stacks holding logs, keys, vaults,
    roles or policies that protect the organization must not disappear with one `cdk destroy`.
    """

    termination_protected: ClassVar[bool] = True

    def __init__(self, scope: Construct, construct_id: str, *, account_id: str, region: str, description: str) -> None:
        super().__init__(
            scope,
            construct_id,
            env=cdk.Environment(account=account_id, region=region),
            description=DESCRIPTION_PREFIX + description,
            termination_protection=self.termination_protected,
        )

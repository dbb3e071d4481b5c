"""Facts about the account, published where workloads and Terraform modules can read them."""

from __future__ import annotations

from aws_cdk import aws_ssm as ssm

from constructs import Construct


class AccountMetadata(Construct):
    """SSM parameters under `/<name_prefix>/baseline/`: who this account is and where its logs go.

    Terraform (`data "aws_ssm_parameter"`) and scripts read these instead of hard-coding account facts, so
    renaming an OU or moving the log archive is a config change, not a hunt through repositories.
    """

    def __init__(self, scope: Construct, construct_id: str, *, prefix: str, facts: dict[str, str]) -> None:
        super().__init__(scope, construct_id)
        for key, value in sorted(facts.items()):
            ssm.CfnParameter(
                self,
                key,
                name=f"/{prefix}/baseline/{key}",
                type="String",
                value=value,
                description=f"org-baseline: {key.replace('-', ' ')} of this account (managed by CDK, do not edit)",
            )

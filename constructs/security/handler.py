"""The security services' custom-resource function (constructs/handlers/security_services/index.py): its key, log
group and function in one stack, and the execution roles of the management and security accounts."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from config.naming import Organization
from config.policies.statements import Statement, document
from constructs import Construct
from constructs.shared.handler_function import (
    add_handler_function,
    add_handler_role,
    own_log_streams,
    own_log_streams_acknowledged,
    write_own_logs,
)
from constructs.shared.keys import logs_may_use_key, retained_key


def log_group_name(function_name: str) -> str:
    return f"/aws/lambda/{function_name}"


class HandlerRole(Construct):
    """Execution role `name` of the function in `regions` of one account, with `statements` besides its own logs.

    Named `<prefix>-baseline-*`, so the SCP protect-baseline keeps everyone but the deployment role from changing it.
    `acknowledgments` name each wildcard the statements need, with the reason AWS leaves no narrower resource.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        account_id: str,
        regions: list[str],
        name: str,
        description: str,
        statements: list[Statement],
        acknowledgments: list[cdk.Acknowledgment],
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = add_handler_role(self, name=name, description=description)
        logs_name = log_group_name(name)
        self.policy = iam.CfnManagedPolicy(
            self,
            "Policy",
            description=f"{description}: its own logs and these calls only",
            roles=[self.role.ref],
            policy_document=document(
                write_own_logs(own_log_streams(org.partition, account_id, sorted(regions), logs_name)), *statements
            ),
        )
        cdk.Validations.of(self.policy).acknowledge(
            *acknowledgments, *own_log_streams_acknowledged(org.partition, account_id, regions, logs_name)
        )


class HandlerFunction(Construct):
    """This region's function `name` running as the role of that name, and its retained, encrypted log group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        account_id: str,
        region: str,
        name: str,
        description: str,
        retention_days: int,
        apis: str,
        logical_prefix: str,
    ) -> None:
        super().__init__(scope, construct_id)
        p = org.partition
        logs_name = log_group_name(name)
        logs_arn = f"arn:{p}:logs:{region}:{account_id}:log-group:{logs_name}"
        self.key = retained_key(
            self,
            "Key",
            logical_id=f"{logical_prefix}Key",
            partition=p,
            account_id=account_id,
            alias=f"alias/{name}",
            description=f"Encrypts the log group of the {name} function",
            statements=[logs_may_use_key("AllowCloudWatchLogsForHandlerLogGroup", region, logs_arn)],
        )
        self.log_group: logs.CfnLogGroup
        self.function: lambda_.CfnFunction
        self.log_group, self.function = add_handler_function(
            self,
            name=name,
            description=description,
            handler_dir="security_services",
            role_arn=f"arn:{p}:iam::{account_id}:role/{name}",
            log_group_name=logs_name,
            log_group_id=f"{logical_prefix}LogGroup",
            key=self.key,
            retention_days=retention_days,
            apis=apis,
        )

    def resource(self, construct_id: str, resource_type: str, properties: dict[str, Any]) -> cdk.CustomResource:
        return cdk.CustomResource(
            self, construct_id, service_token=self.function.attr_arn, resource_type=resource_type, properties=properties
        )

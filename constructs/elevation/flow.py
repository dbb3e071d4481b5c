"""The request's life as a Step Functions state machine, and the EventBridge Scheduler pieces.

NeedsApproval -> AwaitDecision (Lambda with a task token; times out after the rule's pending timeout) -> Grant ->
WaitUntilEnd -> Revoke; a denial (the API sends the token's failure `Denied`) ends in Denied, the timeout in
Expire. The task token pattern and `TimeoutSecondsPath`:
https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token and
https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html#task-state-fields.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_stepfunctions as sfn

from config.elevation import EngineNames
from config.policies.statements import allow, document, service_trust
from constructs import Construct
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.retention import STATEFUL

LAMBDA_RETRY = {"ErrorEquals": ["Lambda.ServiceException", "Lambda.TooManyRequestsException",
                                "Lambda.SdkClientException"], "IntervalSeconds": 2, "MaxAttempts": 3,
                "BackoffRate": 2}  # fmt: skip


def definition(partition: str, functions: dict[str, str]) -> dict[str, Any]:
    """The state machine, states in the order they run (tests/support/elevation_engine.py STATE_ORDER)."""
    invoke = f"arn:{partition}:states:::lambda:invoke"
    return {
        "Comment": "org-baseline elevation: one request from approval to revocation",
        "StartAt": "NeedsApproval",
        "States": {
            "NeedsApproval": {"Type": "Choice", "Default": "Grant", "Choices": [
                {"Variable": "$.approval_required", "BooleanEquals": True, "Next": "AwaitDecision"}]},
            "AwaitDecision": {
                "Type": "Task", "Resource": f"{invoke}.waitForTaskToken",
                "Parameters": {"FunctionName": functions["api"], "Payload": {
                    "step": "await_decision", "request_id.$": "$.request_id", "task_token.$": "$$.Task.Token"}},
                "TimeoutSecondsPath": "$.pending_seconds", "ResultPath": "$.decision",
                "Retry": [LAMBDA_RETRY],
                "Catch": [{"ErrorEquals": ["Denied"], "ResultPath": "$.denial", "Next": "Denied"},
                          {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout", "Next": "Expire"}],
                "Next": "Grant"},
            "Grant": {
                "Type": "Task", "Resource": invoke,
                "Parameters": {"FunctionName": functions["grant"], "Payload": {"request_id.$": "$.request_id"}},
                "ResultSelector": {"ends_at.$": "$.Payload.ends_at"}, "ResultPath": "$.grant",
                "Retry": [LAMBDA_RETRY], "Next": "WaitUntilEnd"},
            "WaitUntilEnd": {"Type": "Wait", "TimestampPath": "$.grant.ends_at", "Next": "Revoke"},
            "Revoke": {
                "Type": "Task", "Resource": invoke,
                "Parameters": {"FunctionName": functions["revoke"],
                               "Payload": {"request_id.$": "$.request_id", "action": "end"}},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 30, "MaxAttempts": 6,
                           "BackoffRate": 2}],
                "End": True},
            "Expire": {
                "Type": "Task", "Resource": invoke,
                "Parameters": {"FunctionName": functions["revoke"],
                               "Payload": {"request_id.$": "$.request_id", "action": "expire"}},
                "Retry": [LAMBDA_RETRY], "End": True},
            "Denied": {"Type": "Succeed"},
        },
    }  # fmt: skip


class RequestFlow(Construct):
    """The state machine with its role and log group; the schedule group, the Scheduler's role, and the recurring
    reconciliation schedule."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: EngineNames,
        partition: str,
        account_id: str,
        region: str,
        key: kms.IKey,
        functions: dict[str, str],
        reconcile_minutes: int,
    ) -> None:
        super().__init__(scope, construct_id)
        log_group_name = f"/aws/vendedlogs/states/{names.state_machine}"
        self.log_group = logs.CfnLogGroup(
            self, "LogGroup", log_group_name=log_group_name, retention_in_days=365, kms_key_id=key.key_arn
        )
        self.log_group.apply_removal_policy(STATEFUL)
        pin_logical_id(self.log_group, "ElevationFlowLogGroup")
        from_this_account = {"StringEquals": {"aws:SourceAccount": account_id}}
        role = iam.CfnRole(
            self,
            "Role",
            role_name=names.role("flow"),
            description="org-baseline elevation: the request state machine",
            max_session_duration=3600,
            assume_role_policy_document=service_trust("states.amazonaws.com", condition=from_this_account),
        )
        invoke = [functions["api"], functions["grant"], functions["revoke"]]
        # CloudWatch Logs delivery for Step Functions takes these actions on "*"
        # (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy).
        log_delivery = ["logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
                        "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
                        "logs:PutResourcePolicy", "logs:UpdateLogDelivery"]  # fmt: skip
        policy = iam.CfnManagedPolicy(
            self,
            "Policy",
            description="Elevation state machine: invoke the engine's functions, deliver its logs",
            roles=[role.ref],
            policy_document=document(
                allow(sid="InvokeEngineFunctions", action="lambda:InvokeFunction", resource=invoke),
                allow(sid="DeliverLogs", action=log_delivery, resource="*"),
            ),
        )
        cdk.Validations.of(policy).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="CloudWatch Logs log delivery actions take no resource ARN; Step Functions documents them on "
                "'*' (cw-logs.html, IAM policy for logging to CloudWatch Logs).",
            )
        )
        self.state_machine = sfn.CfnStateMachine(
            self,
            "StateMachine",
            state_machine_name=names.state_machine,
            state_machine_type="STANDARD",
            role_arn=role.attr_arn,
            definition=definition(partition, functions),
            logging_configuration=sfn.CfnStateMachine.LoggingConfigurationProperty(
                level="ALL",
                include_execution_data=False,  # requests' reasons stay in the encrypted table, not in logs
                destinations=[
                    sfn.CfnStateMachine.LogDestinationProperty(
                        cloud_watch_logs_log_group=sfn.CfnStateMachine.CloudWatchLogsLogGroupProperty(
                            log_group_arn=self.log_group.attr_arn
                        )
                    )
                ],
            ),
            tracing_configuration=sfn.CfnStateMachine.TracingConfigurationProperty(enabled=False),
        )
        self.state_machine.add_resource_dependency(policy)
        # cfn-lint's GovCloud schema expects `arn:aws:` in every Task Resource (E3601), which would make the
        # service integration `arn:aws-us-gov:states:::lambda:invoke` wrong there; Step Functions documents the
        # partition's own ARN (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html). Only
        # this check, only on this resource.
        self.state_machine.add_metadata("cfn-lint", {"config": {"ignore_checks": ["E3601"]}})
        cdk.Validations.of(self.state_machine).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-SF2",
                reason="Each execution is one request; its history and the ALL-level log record every step, and "
                "the engine's events on the alert hub record every transition. X-Ray adds no control.",
            )
        )

        self.schedule_group = scheduler.CfnScheduleGroup(self, "ScheduleGroup", name=names.schedule_group)
        self.scheduler_role = iam.CfnRole(
            self,
            "SchedulerRole",
            role_name=names.role("scheduler"),
            description="org-baseline elevation: EventBridge Scheduler runs the revoke backstop and reconciliation",
            max_session_duration=3600,
            assume_role_policy_document=service_trust("scheduler.amazonaws.com", condition=from_this_account),
        )
        iam.CfnManagedPolicy(
            self,
            "SchedulerPolicy",
            description="Elevation schedules: invoke the revoke and reconcile functions",
            roles=[self.scheduler_role.ref],
            policy_document=document(
                allow(
                    sid="InvokeScheduledFunctions",
                    action="lambda:InvokeFunction",
                    resource=[functions["revoke"], functions["reconcile"]],
                )
            ),
        )
        self.reconcile = scheduler.CfnSchedule(
            self,
            "Reconcile",
            name=f"{names.prefix}-reconcile",
            group_name=names.schedule_group,
            schedule_expression=f"rate({reconcile_minutes} minutes)",
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=functions["reconcile"], role_arn=self.scheduler_role.attr_arn
            ),
        )
        self.reconcile.add_resource_dependency(self.schedule_group)

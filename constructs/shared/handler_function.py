"""A baseline custom-resource function: its encrypted, retained log group and the Lambda function itself.

Both handlers of the baseline (constructs/handlers/<name>/) are deployed this way, so they share the runtime, the
limits and the reasons given to cdk-nag and checkov. The resources are added to the caller's scope with the IDs
`LogGroup` and `Function`, as each construct had them, so no logical ID moves.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from config.policies.statements import allow, service_trust
from constructs import Construct
from constructs.shared.checkov import skip_checkov
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.own_account import bootstrap_assets_bucket, nag_form
from constructs.shared.retention import STATEFUL

# Both GovCloud regions must run it. AWS lists GovCloud's Lambda differences; that page once named new managed
# runtimes (python3.12, nodejs20.x, java21) as not yet available there, months after their commercial launch, and
# today names JSON log format as unavailable (the function logs as text) but no runtime:
# https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-lambda.html
# python3.13 (November 2024) has had a year to reach GovCloud, python3.14 (November 2025) has not; architecture is
# left at the default x86_64, which every region has. Verify in the first GovCloud sandbox deploy before moving on.
RUNTIME = lambda_.Runtime.PYTHON_3_13
# cdk-nag's AwsSolutions-L1 asks for the newest runtime; every function of the baseline acknowledges it with this.
OLDER_RUNTIME = cdk.Acknowledgment(
    id="AwsSolutions-L1",
    reason="python3.13, not the newest Python runtime: the same template deploys to both GovCloud regions, where "
    "new Lambda runtimes arrive months after commercial (see RUNTIME in constructs/shared/handler_function.py).",
)
HANDLERS = Path(__file__).resolve().parents[1] / "handlers"
BYTECODE = ["__pycache__", "*.pyc"]  # left out of a handler's code asset


def add_handler_role(scope: Construct, *, name: str, description: str) -> iam.CfnRole:
    """The function's execution role `name` (`Role` in `scope`), which only Lambda may assume."""
    return iam.CfnRole(
        scope,
        "Role",
        role_name=name,
        description=description,
        max_session_duration=3600,
        assume_role_policy_document=service_trust("lambda.amazonaws.com"),
    )


def own_log_streams(partition: str, account_id: str, regions: list[str], log_group_name: str) -> list[str]:
    """The log streams of the function's own log group in each region: Lambda names them at run time."""
    return [f"arn:{partition}:logs:{r}:{account_id}:log-group:{log_group_name}:*" for r in regions]


def write_own_logs(streams: list[str]) -> dict[str, object]:
    """The role's statement for writing its function's logs, and nothing else."""
    return allow(sid="WriteOwnLogs", action=["logs:CreateLogStream", "logs:PutLogEvents"], resource=streams)


def own_log_streams_acknowledged(
    partition: str, account_id: str, regions: list[str], log_group_name: str
) -> list[cdk.Acknowledgment]:
    """cdk-nag's wildcard finding per region's stream pattern. The pattern is written out here again on purpose, not
    taken from `own_log_streams` or the statement: a wider resource in the policy stays a new finding."""
    return [
        cdk.Acknowledgment(
            id=nag_form(
                f"AwsSolutions-IAM5[Resource::arn:{partition}:logs:{region}:{account_id}:log-group:{log_group_name}:*]"
            ),
            reason="Lambda names its log streams at run time; the wildcard covers only the streams of the "
            "function's own log group.",
        )
        for region in regions
    ]


def _code_bucket(scope: Construct, code: lambda_.CodeConfig) -> str:
    """Where the function's code is read from. A stack of its own: the bootstrap bucket of the account and region
    deploying it, through pseudo parameters, so the template stays the same for every account
    (constructs/shared/own_account.py). A StackSet's template (cdk-stacksets' synthesizer): the bucket its synthesizer
    names, the StackSets administrator's asset bucket of the region deploying it (decision 0021)."""
    assert code.s3_location is not None
    if isinstance(cdk.Stack.of(scope).synthesizer, cdk.DefaultStackSynthesizer):
        return bootstrap_assets_bucket(scope)
    return code.s3_location.bucket_name


def add_handler_function(
    scope: Construct,
    *,
    name: str,
    description: str,
    handler_dir: str,
    role_arn: str,
    log_group_name: str,
    log_group_id: str,
    key: kms.IKey,
    retention_days: int,
    apis: str,
    entry: str = "index.handler",
    code_dir: Path | None = None,
    environment: dict[str, str] | None = None,
    timeout: int = 120,
    invoked_by: str | None = None,
    more_checkov_skips: tuple[tuple[str, str], ...] = (),
) -> tuple[logs.CfnLogGroup, lambda_.CfnFunction]:
    """The log group (logical ID `log_group_id`, retained, encrypted with `key`) and the function `name` running
    `entry` of constructs/handlers/`handler_dir`/ (or of `code_dir`) as `role_arn`; `apis` says what it calls, for
    the VPC reason. A function not only invoked by CloudFormation says who invokes it (`invoked_by`): its
    dead-letter reason then names that caller, which sees every failure."""
    log_group = logs.CfnLogGroup(
        scope, "LogGroup", log_group_name=log_group_name, retention_in_days=retention_days, kms_key_id=key.key_arn
    )
    log_group.apply_removal_policy(STATEFUL)
    pin_logical_id(log_group, log_group_id)

    # Python's bytecode (written wherever a test or a tool imported a handler) is no part of the function: left in,
    # it would change the asset's hash, so the template, with the machine the synth runs on.
    code = lambda_.Code.from_asset(str(code_dir or HANDLERS / handler_dir), exclude=BYTECODE).bind(scope)
    assert code.s3_location is not None
    function = lambda_.CfnFunction(
        scope,
        "Function",
        function_name=name,
        description=description,
        runtime=RUNTIME.name,
        handler=entry,
        role=role_arn,
        code=lambda_.CfnFunction.CodeProperty(s3_bucket=_code_bucket(scope, code), s3_key=code.s3_location.object_key),
        timeout=timeout,
        memory_size=128,
        logging_config=lambda_.CfnFunction.LoggingConfigProperty(log_group=log_group_name),
        environment=lambda_.CfnFunction.EnvironmentProperty(variables=environment) if environment else None,
    )
    function.add_resource_dependency(log_group)
    # The same three reasons answer cdk-nag's NIST rules and checkov's equivalent checks.
    if invoked_by is None:
        outside_vpc = (
            f"The function only calls the {apis} during deployments; the baseline creates no VPC, "
            "and placing it in a workload VPC would couple the baseline to that network."
        )
        no_dlq = (
            "Only CloudFormation invokes it, and every failure is reported back to the stack event log with "
            "its reason; a dead-letter queue would hold nothing actionable."
        )
        no_reserved = (
            "Invoked a few times per deployment; reserving concurrency fails in new accounts whose "
            "concurrency quota is 10, the minimum unreserved pool."
        )
    else:
        outside_vpc = (
            f"The function only calls the {apis} over their public endpoints; the baseline creates no VPC, "
            "and placing it in a workload VPC would couple the engine to that network."
        )
        no_dlq = (
            f"Invoked synchronously by {invoked_by}, which receives every failure with its reason and records "
            "it; a dead-letter queue would hold nothing actionable."
        )
        no_reserved = (
            "Invoked a few times per elevation request; reserving concurrency fails in new accounts whose "
            "concurrency quota is 10, the minimum unreserved pool."
        )
    cdk.Validations.of(function).acknowledge(
        cdk.Acknowledgment(id="NIST.800.53.R5-LambdaInsideVPC", reason=outside_vpc),
        cdk.Acknowledgment(id="NIST.800.53.R5-LambdaDLQ", reason=no_dlq),
        cdk.Acknowledgment(id="NIST.800.53.R5-LambdaConcurrency", reason=no_reserved),
        OLDER_RUNTIME,
    )
    skip_checkov(
        function,
        ("CKV_AWS_117", outside_vpc),
        ("CKV_AWS_116", no_dlq),
        ("CKV_AWS_115", no_reserved),
        *more_checkov_skips,
    )
    return log_group, function

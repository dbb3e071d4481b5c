"""Bootstrap every member account of a partition for the per-account mode through one service-managed StackSet.

    python -m ops.bootstrap_stackset --partition aws|aws-us-gov [--ous PATH,...] [--regions r1,r2]
                                     [--call-as SELF|DELEGATED_ADMIN] [--max-concurrent-percentage 25]
                                     [--failure-tolerance-percentage 0] [--region-concurrency SEQUENTIAL|PARALLEL]
                                     [--stack-set-name NAME] [--config PATH] [--cdk PATH] [--apply]

`make bootstrap-stackset PARTITION=aws [APPLY=1]` runs it. Without `--apply` it prints what it would do and calls
nothing in AWS. With `--apply`, run with credentials of the partition's management account (or of a CloudFormation
delegated administrator, with `--call-as DELEGATED_ADMIN`); it waits for each StackSet operation and prints its
progress. Exit status 0 when done (or dry run), 1 on bad input or an AWS error (one message, never a traceback).

- The template is the pinned CDK CLI's own bootstrap template (`cdk bootstrap --show-template`, offline), unchanged,
  so the resources are the ones `cdk bootstrap` makes: the staging bucket `cdk-<qualifier>-assets-<account>-
  <region>`, the deploy, lookup, file- and image-publishing and CloudFormation execution roles, the
  `/cdk-bootstrap/<qualifier>/version` parameter (https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html).
  Doing it through a StackSet is the documented pattern of
  https://aws.amazon.com/blogs/mt/bootstrapping-multiple-aws-accounts-for-aws-cdk-using-cloudformation-stacksets/.
- Its parameters are what docs/deploying.md ("Bootstrap") has operators pass by hand: `TrustedAccounts` = the
  partition's `deployment_account` (`--trust`), `CloudFormationExecutionPolicies` = the partition's
  AdministratorAccess ARN (`--cloudformation-execution-policies`), `Qualifier` = cdk.json's
  `@aws-cdk/core:bootstrapQualifier` or the CDK default, and `FileAssetsBucketKmsKeyId=AWS_MANAGED_KEY`, which the
  CLI passes by default ("By default, the Amazon S3 bucket in the bootstrap stack is configured to use AWS managed
  keys", https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-customizing.html).
- The StackSet is service-managed (`PermissionModel=SERVICE_MANAGED`), with automatic deployment on (accounts that
  join a targeted OU are bootstrapped, those that leave lose the stack) and `CAPABILITY_NAMED_IAM` (the template
  names its roles) (CreateStackSet: https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/
  API_CreateStackSet.html; AutoDeployment: https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/
  API_AutoDeployment.html). It lives in the partition's home region.
- Targets: the root (`root_id`) by default, or `--ous` (paths of `organizational_units`, with their `id`). A targeted
  OU includes its child OUs; CloudFormation never deploys to the management account, even inside a targeted OU
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-associate-stackset-with-org.html):
  bootstrap it by hand with `cdk bootstrap`. Regions: the partition's `allowed_regions`, or `--regions`.
- Create: CreateStackSet, then CreateStackInstances (targets x regions). Update (the StackSet exists): UpdateStackSet
  with the same template and parameters, which updates every instance when no targets are given
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStackSet.html), then
  CreateStackInstances for targets x regions, which adds new OUs and regions and skips the instances that exist
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackInstances.html; the
  skip is the behaviour reported in https://github.com/getmoto/moto/issues/10171).
- Operation preferences: `--max-concurrent-percentage`, `--failure-tolerance-percentage`, `--region-concurrency`
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html); each
  operation is polled with DescribeStackSetOperation until it leaves RUNNING/QUEUED/STOPPING
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperation.html).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from config.loader import load_config
from config.models import OrgConfig
from config.problems import ConfigError
from config.regions import PartitionName
from ops.deploy import DEFAULT_CDK, DEFAULT_CONFIG, ROOT
from stacks.plan import SelectionError, partition_option

DEFAULT_QUALIFIER = "hnb659fds"  # the CDK's DefaultStackSynthesizer.DEFAULT_QUALIFIER
QUALIFIER_CONTEXT = "@aws-cdk/core:bootstrapQualifier"
# CreateStackSet's TemplateBody is at most 51,200 bytes (API_CreateStackSet.html); the bootstrap template is ~27 kB.
MAX_TEMPLATE_BODY = 51_200
CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
AUTO_DEPLOYMENT = {"Enabled": True, "RetainStacksOnAccountRemoval": False}
UNFINISHED = {"RUNNING", "QUEUED", "STOPPING"}
CALL_AS = ("SELF", "DELEGATED_ADMIN")
REGION_CONCURRENCY = ("SEQUENTIAL", "PARALLEL")


class BootstrapError(Exception):
    """Bad input, or an AWS answer that stops the run: one message, exit 1."""


@dataclass(frozen=True)
class Preferences:
    max_concurrent_percentage: int = 25
    failure_tolerance_percentage: int = 0
    region_concurrency: str = "SEQUENTIAL"

    def api(self) -> dict[str, Any]:
        return {
            "MaxConcurrentPercentage": self.max_concurrent_percentage,
            "FailureTolerancePercentage": self.failure_tolerance_percentage,
            "RegionConcurrencyType": self.region_concurrency,
        }


@dataclass(frozen=True)
class BootstrapPlan:
    """Everything the StackSet calls need, derived from the config and the options (no AWS access)."""

    partition: PartitionName
    stack_set_name: str
    home_region: str
    qualifier: str
    deployment_account: str  # account ID
    management_account: str  # account ID
    targets: dict[str, str]  # OU or root ID -> what it is (path, or "Root")
    regions: list[str]
    call_as: str
    preferences: Preferences
    uncovered: list[str] = field(default_factory=list)  # accounts (name (id)) no instance will reach

    @property
    def parameters(self) -> list[dict[str, str]]:
        administrator = f"arn:{self.partition}:iam::aws:policy/AdministratorAccess"
        values = {
            "TrustedAccounts": self.deployment_account,
            "CloudFormationExecutionPolicies": administrator,
            "Qualifier": self.qualifier,
            "FileAssetsBucketKmsKeyId": "AWS_MANAGED_KEY",
        }
        return [{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()]


def qualifier(cdk_json: Path = ROOT / "cdk.json") -> str:
    """The bootstrap qualifier the app synthesizes with: cdk.json's context key, or the CDK default."""
    try:
        context = json.loads(cdk_json.read_text()).get("context", {})
    except (OSError, ValueError) as err:
        raise BootstrapError(f"cannot read {cdk_json}: {err}") from None
    return str(context.get(QUALIFIER_CONTEXT) or DEFAULT_QUALIFIER)


def bootstrap_plan(
    config: OrgConfig,
    partition: PartitionName,
    *,
    ous: list[str] | None = None,
    regions: list[str] | None = None,
    call_as: str = "SELF",
    preferences: Preferences = Preferences(),
    stack_set_name: str | None = None,
    bootstrap_qualifier: str = DEFAULT_QUALIFIER,
) -> BootstrapPlan:
    settings = config.partitions.get(partition)
    if settings is None:
        raise BootstrapError(f"the config has no organization in partition {partition} (`partitions.{partition}`)")
    ids = {account.name: account.id for account in config.accounts}
    ou_ids = {ou.path: ou.id for ou in settings.organizational_units}
    targets: dict[str, str] = {}
    if ous:
        for path in ous:
            if path not in ou_ids:
                known = ", ".join(ou_ids) or "none"
                raise BootstrapError(
                    f"--ous: {path} is not an OU of partitions.{partition}.organizational_units (known: {known})"
                )
            ou_id = ou_ids[path]
            if ou_id is None:
                raise BootstrapError(
                    f"--ous: OU {path} has no `id` in partitions.{partition}.organizational_units: add its ou-... ID"
                )
            targets[ou_id] = path
    elif settings.root_id is not None:
        targets[settings.root_id] = "Root"
    else:
        raise BootstrapError(
            f"partitions.{partition}.root_id is not set: set it (`aws organizations list-roots`) to target every "
            "account, or pass --ous with OU paths that have an `id`"
        )
    chosen_regions = regions or list(settings.allowed_regions)
    outside = [region for region in chosen_regions if region not in settings.allowed_regions]
    if outside:
        raise BootstrapError(
            f"--regions: {', '.join(outside)} not in partitions.{partition}.allowed_regions "
            f"({', '.join(settings.allowed_regions)})"
        )
    if call_as not in CALL_AS:
        raise BootstrapError(f"--call-as={call_as}: must be one of {', '.join(CALL_AS)}")
    for name, value in (
        ("--max-concurrent-percentage", preferences.max_concurrent_percentage),
        ("--failure-tolerance-percentage", preferences.failure_tolerance_percentage),
    ):
        if not 0 <= value <= 100:
            raise BootstrapError(f"{name}={value}: must be a percentage, 0 to 100")
    if preferences.max_concurrent_percentage < 1:
        raise BootstrapError("--max-concurrent-percentage must be at least 1")
    if preferences.region_concurrency not in REGION_CONCURRENCY:
        raise BootstrapError(
            f"--region-concurrency={preferences.region_concurrency}: must be one of {', '.join(REGION_CONCURRENCY)}"
        )
    management = ids[settings.management_account]
    uncovered = [f"{settings.management_account} ({management}): the management account"]
    if ous:
        chosen = set(ous)
        uncovered += [
            f"{account.name} ({account.id}): OU {account.ou}"
            for account in config.accounts
            if account.partition == partition
            and account.id != management
            and not any(account.ou == path or account.ou.startswith(path + "/") for path in chosen)
        ]
    return BootstrapPlan(
        partition=partition,
        stack_set_name=stack_set_name or f"CDKBootstrap-{bootstrap_qualifier}",
        home_region=settings.home_region,
        qualifier=bootstrap_qualifier,
        deployment_account=ids[settings.deployment_account],
        management_account=management,
        targets=targets,
        regions=chosen_regions,
        call_as=call_as,
        preferences=preferences,
        uncovered=uncovered,
    )


def bootstrap_template(cdk: str) -> str:
    """The pinned CDK CLI's bootstrap template (`cdk bootstrap --show-template` needs no credentials)."""
    env = {**os.environ, "CDK_DISABLE_VERSION_CHECK": "true", "CDK_DISABLE_CLI_TELEMETRY": "true"}
    try:
        run = subprocess.run(
            [cdk, "bootstrap", "--show-template", "--no-notices"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise BootstrapError(f"cannot run the CDK CLI {cdk}: {err} (run `make setup`, or pass --cdk)") from None
    if run.returncode != 0 or "CdkBootstrapVersion" not in run.stdout:
        raise BootstrapError(f"`{cdk} bootstrap --show-template` failed (exit {run.returncode}): {run.stderr[-500:]}")
    if len(run.stdout.encode()) > MAX_TEMPLATE_BODY:
        raise BootstrapError(
            f"the bootstrap template is {len(run.stdout.encode())} bytes, over CreateStackSet's TemplateBody limit "
            f"of {MAX_TEMPLATE_BODY}: upload it to S3 and create the StackSet with a TemplateURL"
        )
    return run.stdout


def describe(plan: BootstrapPlan) -> str:
    targets = ", ".join(f"{target_id} ({what})" for target_id, what in plan.targets.items())
    parameters = ", ".join(f"{p['ParameterKey']}={p['ParameterValue']}" for p in plan.parameters)
    prefs = plan.preferences
    lines = [
        f"CDK bootstrap StackSet {plan.stack_set_name} for partition {plan.partition}, in {plan.home_region} "
        f"(call as {plan.call_as}):",
        "  permission model SERVICE_MANAGED, automatic deployment on (accounts leaving a target lose the stack), "
        f"capabilities {', '.join(CAPABILITIES)}",
        f"  template: the pinned CDK CLI's bootstrap template; parameters: {parameters}",
        f"  instances: every account in {targets} and their child OUs, in {', '.join(plan.regions)}",
        f"  operations: at most {prefs.max_concurrent_percentage}% of accounts at a time, tolerate "
        f"{prefs.failure_tolerance_percentage}% failed, regions {prefs.region_concurrency}",
        '  not covered (bootstrap by hand with `cdk bootstrap`, docs/deploying.md "Bootstrap"):',
        *[f"    {account}" for account in plan.uncovered],
        "  for the management account, with its credentials:",
        *[f"    {command}" for command in management_commands(plan)],
    ]
    return "\n".join(lines)


def management_commands(plan: BootstrapPlan) -> list[str]:
    """`cdk bootstrap` of the management account in each region, as docs/deploying.md ("Bootstrap") prescribes:
    trusting the deployment account, or without --trust when it is the deployment account."""
    administrator = f"arn:{plan.partition}:iam::aws:policy/AdministratorAccess"
    trust = "" if plan.management_account == plan.deployment_account else f" --trust {plan.deployment_account}"
    return [
        f"npx cdk bootstrap aws://{plan.management_account}/{region}{trust} "
        f"--cloudformation-execution-policies {administrator}"
        for region in plan.regions
    ]


Client = Any  # a boto3 CloudFormation client (boto3 publishes no types)


def cloudformation_client(plan: BootstrapPlan) -> Client:
    """boto3 is imported here so the dry run needs no AWS SDK configuration."""
    import boto3

    return boto3.client("cloudformation", region_name=plan.home_region)


def apply(
    plan: BootstrapPlan,
    template: str,
    client: Client,
    *,
    poll_seconds: float = 10.0,
    out: Callable[[str], None] = print,
) -> None:
    """Create or update the StackSet and its instances, waiting for each operation."""
    from botocore.exceptions import BotoCoreError, ClientError

    call_as = {"CallAs": plan.call_as}
    settings: dict[str, Any] = {
        "StackSetName": plan.stack_set_name,
        "TemplateBody": template,
        "Parameters": plan.parameters,
        "Capabilities": CAPABILITIES,
        "PermissionModel": "SERVICE_MANAGED",
        "AutoDeployment": AUTO_DEPLOYMENT,
        "Description": f"CDK bootstrap (qualifier {plan.qualifier}) trusting deployment account "
        f"{plan.deployment_account}: python -m ops.bootstrap_stackset",
        **call_as,
    }
    try:
        if _exists(client, plan):
            out(f"StackSet {plan.stack_set_name} exists: updating it and every instance")
            operation = client.update_stack_set(**settings, OperationPreferences=plan.preferences.api())
            _wait(client, plan, operation["OperationId"], "update", poll_seconds, out)
        else:
            out(f"Creating StackSet {plan.stack_set_name}")
            client.create_stack_set(**settings)
        out(f"Creating stack instances in {', '.join(plan.targets)} x {', '.join(plan.regions)} (existing skipped)")
        operation = client.create_stack_instances(
            StackSetName=plan.stack_set_name,
            DeploymentTargets={"OrganizationalUnitIds": list(plan.targets)},
            Regions=plan.regions,
            OperationPreferences=plan.preferences.api(),
            **call_as,
        )
        _wait(client, plan, operation["OperationId"], "create instances", poll_seconds, out)
    except (ClientError, BotoCoreError) as err:
        raise BootstrapError(f"StackSet {plan.stack_set_name} in {plan.home_region}: {err}") from None


def _exists(client: Client, plan: BootstrapPlan) -> bool:
    try:
        client.describe_stack_set(StackSetName=plan.stack_set_name, CallAs=plan.call_as)
    except client.exceptions.StackSetNotFoundException:
        return False
    return True


def _wait(
    client: Client, plan: BootstrapPlan, operation_id: str, what: str, poll_seconds: float, out: Callable[[str], None]
) -> None:
    started = time.monotonic()
    while True:
        operation = client.describe_stack_set_operation(
            StackSetName=plan.stack_set_name, OperationId=operation_id, CallAs=plan.call_as
        )["StackSetOperation"]
        status = operation["Status"]
        out(f"  {what} operation {operation_id}: {status} ({time.monotonic() - started:.0f}s)")
        if status not in UNFINISHED:
            break
        time.sleep(poll_seconds)
    if status != "SUCCEEDED":
        results = client.list_stack_set_operation_results(
            StackSetName=plan.stack_set_name, OperationId=operation_id, CallAs=plan.call_as
        )["Summaries"]
        failed = [
            f"{r['Account']}/{r['Region']}: {r.get('StatusReason', r['Status'])}"
            for r in results
            if r["Status"] != "SUCCEEDED"
        ]
        reason = operation.get("StatusReason", "")
        raise BootstrapError(
            f"StackSet {plan.stack_set_name}: {what} operation {operation_id} ended {status}"
            + (f" ({reason})" if reason else "")
            + (f"; failed instances: {'; '.join(failed)}" if failed else "")
        )


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise BootstrapError(f"{message}\n{self.format_usage().rstrip()}")


def _arguments() -> _Parser:
    parser = _Parser(
        prog="python -m ops.bootstrap_stackset",
        description="Bootstrap a partition's member accounts for cdk deploy through one service-managed StackSet. "
        "Dry run unless --apply.",
    )
    defaults = Preferences()
    parser.add_argument("--partition", required=True, help="aws or aws-us-gov")
    parser.add_argument("--config", default=DEFAULT_CONFIG, help=f"the organization config (default {DEFAULT_CONFIG})")
    parser.add_argument("--ous", help="comma-separated OU paths to target (default: the root, every account)")
    parser.add_argument("--regions", help="comma-separated regions (default: the partition's allowed_regions)")
    parser.add_argument("--call-as", default="SELF", help="SELF (management account, default) or DELEGATED_ADMIN")
    parser.add_argument("--max-concurrent-percentage", type=int, default=defaults.max_concurrent_percentage)
    parser.add_argument("--failure-tolerance-percentage", type=int, default=defaults.failure_tolerance_percentage)
    parser.add_argument("--region-concurrency", default=defaults.region_concurrency, help="SEQUENTIAL or PARALLEL")
    parser.add_argument("--stack-set-name", help="default CDKBootstrap-<qualifier>")
    parser.add_argument("--cdk", default=str(DEFAULT_CDK), help="the CDK CLI (default: the pinned one)")
    parser.add_argument("--apply", action="store_true", help="create or update the StackSet (default: dry run)")
    return parser


def _listed(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or None


def main(argv: Sequence[str] | None = None, client: Client | None = None, poll_seconds: float = 10.0) -> int:
    try:
        args = _arguments().parse_args(argv)
        partition = partition_option(args.partition, "--partition")
        assert partition is not None  # --partition is required
        plan = bootstrap_plan(
            load_config(args.config),
            partition,
            ous=_listed(args.ous),
            regions=_listed(args.regions),
            call_as=args.call_as,
            preferences=Preferences(
                args.max_concurrent_percentage, args.failure_tolerance_percentage, args.region_concurrency
            ),
            stack_set_name=args.stack_set_name,
            bootstrap_qualifier=qualifier(),
        )
        print(describe(plan), flush=True)
        template = bootstrap_template(args.cdk)
        if not args.apply:
            print("\nDry run: nothing created. Add --apply (make bootstrap-stackset ... APPLY=1) to do it.")
            return 0
        apply(plan, template, client or cloudformation_client(plan), poll_seconds=poll_seconds)
        print(f"\nStackSet {plan.stack_set_name}: done. Bootstrap the accounts listed as not covered by hand.")
        return 0
    except (BootstrapError, ConfigError, SelectionError) as err:
        print(f"python -m ops.bootstrap_stackset: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

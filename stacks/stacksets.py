"""`deployment.mode: stacksets` (docs/decisions/0021-stacksets-deployment-mode.md): the StackSets administrator's
stacks. `StackSetAssetsStack` holds one region's Lambda code bucket; `StackSetsStack` (home region) one
service-managed StackSet per baseline profile group (`stacks.plan.PlannedStackSet`), whose template is the account
baseline built from the profile, as the per-account stacks build it (`stacks.account_baseline.build_baseline`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudformation as cloudformation
from aws_cdk import aws_s3 as s3
from cdk_stacksets import (
    Capability,
    DeploymentType,
    OperationPreferences,
    RegionConcurrencyType,
    StackSet,
    StackSetStack,
    StackSetTarget,
    StackSetTemplate,
)

from config.models import StackSets
from config.naming import Organization, stackset_asset_bucket_prefix
from constructs import Construct
from constructs.shared.checkov import skip_checkov
from constructs.shared.own_account import bootstrap_qualifier
from constructs.stacksets.asset_bucket import StackSetAssetBucket
from stacks.base import OrgBaselineStack
from stacks.plan import PlannedStackSet

# Builds the baseline of a profile into a scope (`stacks.account_baseline.build_baseline` with the organization's
# shared settings bound): the StackSet's template gets what an account's own stack gets.
BaselineBuilder = Callable[[Construct, PlannedStackSet], None]


class StackSetAssetsStack(OrgBaselineStack):
    def __init__(self, scope: Construct, construct_id: str, *, org: Organization, account_id: str, region: str) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=account_id,
            region=region,
            description="Lambda code of the baseline StackSets for this region",
        )
        self.bucket = StackSetAssetBucket(self, "Assets", org=org, admin_account_id=account_id).bucket


class BaselineStackSetStack(StackSetStack):
    """The template of one StackSet: the account baseline of its profile."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stackset: PlannedStackSet,
        build: BaselineBuilder,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.stackset = stackset
        build(self, stackset)


class StackSetsStack(OrgBaselineStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        account_id: str,
        region: str,
        regions: Sequence[str],
        stacksets: Sequence[PlannedStackSet],
        settings: StackSets,
        build: BaselineBuilder,
    ) -> None:
        """`stacksets` of one partition, created in `account_id` (the StackSets administrator) in `region` (the
        home region); `regions`: those of the asset buckets (every region the StackSets deploy to)."""
        super().__init__(
            scope,
            construct_id,
            account_id=account_id,
            region=region,
            description="the account baseline as service-managed StackSets, one per baseline profile group",
        )
        prefix = stackset_asset_bucket_prefix(org.name_prefix, account_id)
        # The asset buckets' own stacks create them (one per region); here they are named, and written to by the
        # BucketDeployment cdk-stacksets adds for each StackSet template's code.
        buckets = [s3.Bucket.from_bucket_name(self, f"AssetBucket-{r}", f"{prefix}-{r}") for r in regions]
        preferences = OperationPreferences(
            max_concurrent_percentage=settings.max_concurrent_percentage,
            failure_tolerance_percentage=settings.failure_tolerance_percentage,
            region_concurrency_type=RegionConcurrencyType[settings.region_concurrency],
        )
        self.templates: list[BaselineStackSetStack] = []
        home: list[tuple[PlannedStackSet, StackSet]] = []
        for planned in sorted(stacksets, key=lambda s: s.follows_home):  # home-region StackSets first
            template = BaselineStackSetStack(
                self,
                f"{planned.name}-template",
                stackset=planned,
                build=build,
                asset_buckets=buckets,
                asset_bucket_prefix=prefix,
            )
            self.templates.append(template)
            if planned.account_ids:
                target = StackSetTarget.from_organizational_units(
                    regions=list(planned.regions),
                    organizational_units=list(planned.organizational_units),
                    intersection_accounts=list(planned.account_ids),
                )
            else:
                target = StackSetTarget.from_organizational_units(
                    regions=list(planned.regions), organizational_units=list(planned.organizational_units)
                )
            stackset = StackSet(
                self,
                planned.name,
                stack_set_name=planned.name,
                description="org-baseline: account baseline, "
                + ("home region" if planned.profile.home else "regions other than the home region"),
                template=StackSetTemplate.from_stack_set_stack(template),
                target=target,
                deployment_type=DeploymentType.service_managed(
                    auto_deploy_enabled=True,
                    auto_deploy_retain_stacks=settings.retain_stacks_on_account_removal,
                    delegated_admin=settings.administrator == "delegated_admin",
                ),
                capabilities=[Capability.NAMED_IAM],
                operation_preferences=preferences,
            )
            if planned.follows_home:
                # The other regions' stacks use the IAM roles of the home-region stacks (IAM is global).
                for _, earlier in home:
                    stackset.node.add_dependency(earlier)
                _auto_deploy_after(stackset, [e for p, e in home if _may_share_accounts(p, planned)])
            else:
                home.append((planned, stackset))
        _acknowledge_asset_copies(self, org, account_id, region, regions, prefix)


def _may_share_accounts(one: PlannedStackSet, other: PlannedStackSet) -> bool:
    """Whether an account can be a target of both: one of the config's accounts, or an account that joins an OU both
    target (a new account's home and other-region baselines)."""
    return bool(
        set(one.accounts) & set(other.accounts) or set(one.organizational_units) & set(other.organizational_units)
    )


def _auto_deploy_after(stackset: StackSet, home: Sequence[StackSet]) -> None:
    """Automatic deployment (an account joins a targeted OU) runs each StackSet's operation on its own: the template's
    DependsOn orders only the StackSets' creation. `AutoDeployment.DependsOn` ("A list of StackSet ARNs that this
    StackSet depends on for auto-deployment operations. When auto-deployment is triggered, operations will be
    sequenced to ensure all dependencies complete successfully before this StackSet's operation begins",
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-cloudformation-stackset-autodeployment.html)
    makes a new account's other-region stacks wait for its home-region stacks, whose IAM roles they use.
    cdk-stacksets does not expose it, so it is set on the CfnStackSet. The ARN is
    `arn:<partition>:cloudformation:<region>:<account>:stackset/<StackSetId>` (StackSetId is `<name>:<uuid>`), the
    StackSet's account and region being the administrator stack's (decision 0021)."""
    if not home:
        return
    arns = [
        cdk.Fn.join(
            "",
            [
                *("arn:", cdk.Aws.PARTITION, ":cloudformation:", cdk.Aws.REGION, ":", cdk.Aws.ACCOUNT_ID),
                ":stackset/",
                _cfn(earlier).attr_stack_set_id,
            ],
        )
        for earlier in home
    ]
    _cfn(stackset).add_property_override("AutoDeployment.DependsOn", arns)


def _cfn(stackset: StackSet) -> cloudformation.CfnStackSet:
    resource = stackset.node.default_child
    assert isinstance(resource, cloudformation.CfnStackSet), "cdk-stacksets' StackSet wraps one CfnStackSet"
    return resource


def _acknowledge_asset_copies(
    stack: cdk.Stack, org: Organization, account_id: str, region: str, regions: Sequence[str], prefix: str
) -> None:
    """cdk-stacksets copies each template's Lambda code from the CDK bootstrap bucket into the asset buckets with
    the CDK's BucketDeployment: one singleton function (CDK-owned code and role) for the stack. Its findings,
    acknowledged one by one, with why each is safe here."""
    copier = next(
        (child for child in stack.node.children if child.node.id.startswith("Custom::CDKBucketDeployment")), None
    )
    if copier is None:
        return
    p = org.partition
    source = f"cdk-{bootstrap_qualifier(stack)}-assets-{account_id}-{region}"
    copies = "It copies Lambda code from the CDK bootstrap bucket into the StackSets' asset buckets during deployments"
    cdk.Validations.of(copier).acknowledge(
        cdk.Acknowledgment(
            id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            reason=f"{copies}; the CDK gives its function the managed policy that lets it write its own logs only.",
        ),
        *(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[Action::{action}]",
                reason=f"{copies}; the CDK grants object read/write with these wildcards, scoped to those buckets.",
            )
            for action in ("s3:Abort*", "s3:DeleteObject*", "s3:GetBucket*", "s3:GetObject*", "s3:List*")
        ),
        cdk.Acknowledgment(
            id=f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{source}/*]",
            reason=f"{copies}; it reads any object of the bootstrap bucket, where each asset's key is its hash.",
        ),
        *(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::arn:{p}:s3:::{prefix}-{r}/*]",
                reason=f"{copies}; it writes objects of the asset bucket of {r}, whose keys are content hashes.",
            )
            for r in regions
        ),
        cdk.Acknowledgment(
            id="NIST.800.53.R5-IAMNoInlinePolicy",
            reason=f"{copies}; the CDK writes the grant inline on the function's own role, used by nothing else.",
        ),
        cdk.Acknowledgment(
            id="AwsSolutions-L1",
            reason=f"{copies}; the CDK picks and updates its runtime with aws-cdk-lib (pinned in requirements.in).",
        ),
        cdk.Acknowledgment(
            id="NIST.800.53.R5-LambdaInsideVPC",
            reason=f"{copies}; it calls only S3, over its public endpoint, from the administrator account.",
        ),
        cdk.Acknowledgment(
            id="NIST.800.53.R5-LambdaDLQ",
            reason=f"{copies}; only CloudFormation invokes it and records every failure in the stack events.",
        ),
        cdk.Acknowledgment(
            id="NIST.800.53.R5-LambdaConcurrency",
            reason=f"{copies}; invoked a few times per deployment, reserving concurrency would only risk failures.",
        ),
        cdk.Acknowledgment(
            id="NIST.800.53.R5-CloudWatchLogGroupEncrypted",
            reason=f"{copies}; its log holds object keys (content hashes) and CLI output, nothing sensitive.",
        ),
    )
    function = copier.node.default_child
    assert isinstance(function, cdk.CfnResource)
    skip_checkov(
        function,
        ("CKV_AWS_117", f"{copies}; it calls only S3 over its public endpoint, from the administrator account."),
        ("CKV_AWS_116", f"{copies}; only CloudFormation invokes it and records every failure in the stack events."),
        ("CKV_AWS_115", f"{copies}; invoked a few times per deployment; reserving concurrency only risks failures."),
        ("CKV_AWS_173", f"{copies}; its environment holds no secret, only settings the CDK writes for the copy."),
    )
    log_group = copier.node.try_find_child("LogGroup")
    if isinstance(log_group, Construct):
        skip_checkov(
            log_group,
            ("CKV_AWS_158", f"{copies}; its log holds object keys (content hashes) and CLI output, nothing sensitive."),
        )
    # cdk-stacksets warns that it cannot add a policy to a bucket it does not own: the asset buckets' own stacks
    # (StackSetAssetsStack) give the organization read access and the bucket deployment's role its grant.
    cdk.Validations.of(stack).acknowledge(
        cdk.Acknowledgment(
            id="Annotation::warning-annotation",
            reason="cdk-stacksets' only warning here: the asset buckets are created, with their policy, by the "
            "StackSetAssets stacks of each region, not by this stack.",
        )
    )

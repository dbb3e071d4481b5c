"""`deployment.mode: stacksets` (docs/decisions/0021-stacksets-deployment-mode.md): the StackSets administrator's
stacks. `StackSetAssetsStack` holds one region's Lambda code bucket; `StackSetsStack` (home region) one
service-managed StackSet per baseline profile group (`stacks.plan.PlannedStackSet`), whose template is the account
baseline built from the profile, as the per-account stacks build it (`stacks.account_baseline.build_baseline`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
from config.naming import Organization
from constructs import Construct
from constructs.stacksets.asset_bucket import StackSetAssetBucket, asset_bucket_prefix
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
        prefix = asset_bucket_prefix(org, account_id)
        # The asset buckets' own stacks create them (one per region); here they are named, and written to by the
        # BucketDeployment cdk-stacksets adds for each StackSet template's code.
        buckets = [s3.Bucket.from_bucket_name(self, f"AssetBucket-{r}", f"{prefix}-{r}") for r in regions]
        preferences = OperationPreferences(
            max_concurrent_percentage=settings.max_concurrent_percentage,
            failure_tolerance_percentage=settings.failure_tolerance_percentage,
            region_concurrency_type=RegionConcurrencyType[settings.region_concurrency],
        )
        home: list[StackSet] = []
        for planned in sorted(stacksets, key=lambda s: s.follows_home):  # home-region StackSets first
            template = BaselineStackSetStack(
                self,
                f"{planned.name}-template",
                stackset=planned,
                build=build,
                asset_buckets=buckets,
                asset_bucket_prefix=prefix,
            )
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
                for earlier in home:
                    stackset.node.add_dependency(earlier)
            else:
                home.append(stackset)

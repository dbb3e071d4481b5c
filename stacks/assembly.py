"""Turns the plan into CDK stacks: one builder per stack kind, each wiring config values into one stack class.

Used by `app.py`, the tests and the benchmark, so all of them build the same thing. Nothing here decides which
stacks exist or where (that is `stacks/plan.py`); a builder only passes each stack what it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import aws_cdk as cdk

from checks.synth import STACKSET_TEMPLATES, STANDS_FOR, add_checks
from config.assignments import AccountAssignment, assignments_by_account, identity_center_admin
from config.elevation import engine_names, resolved_rules, rules_in
from config.models import Account, OrgConfig
from config.naming import (
    AtlantisNames,
    BreakglassPrincipals,
    Organization,
    atlantis_names,
    breakglass_principals,
    organization,
)
from config.policies.organization_policies import management_policies
from config.policies.permission_sets import AccessModel, access_model
from config.policies.resource_control import rcp_budget
from config.policies.service_control import partition_budget
from config.regions import PartitionName
from constructs import Construct
from stacks.access import AccessStack
from stacks.account_baseline import AccountBaselineStack, BaselineSettings, build_baseline
from stacks.backup_policy import BackupPolicyStack
from stacks.base import OrgBaselineStack
from stacks.elevation import ElevationStack
from stacks.global_alerts import GlobalEventAlertsStack
from stacks.guardrails import GuardrailsStack
from stacks.identity_center import IdentityCenterStack
from stacks.log_archive import LogArchiveStack
from stacks.organization import OrganizationStack
from stacks.plan import (
    BaselineProfile,
    PlannedStack,
    PlannedStackSet,
    StackKind,
    plan,
    planned_stacksets,
    profiles_by_stack,
)
from stacks.plan import representatives as representatives_of
from stacks.security import SecurityStack
from stacks.security_services import SecurityServicesStack
from stacks.session_documents import SessionDocumentsStack
from stacks.stacksets import StackSetAssetsStack, StackSetsStack


@dataclass(frozen=True)
class BuiltStack(PlannedStack):
    """A planned stack and the CDK stack built for it."""

    stack: OrgBaselineStack = field(kw_only=True)
    # In a representatives synth: the other planned stacks whose template this one's is (its baseline profile's
    # group, in plan order). Empty otherwise.
    stands_for: tuple[PlannedStack, ...] = field(default=(), kw_only=True)


class AssemblyError(RuntimeError):
    """The plan asks for something no builder makes: a programming error, never a config problem."""


@dataclass(frozen=True)
class PartitionInputs:
    """What the stacks of one partition share, computed once per synthesis."""

    org: Organization
    breakglass: BreakglassPrincipals | None
    atlantis: AtlantisNames | None
    access: AccessModel
    identity_center_admin_id: str
    identity_center_instance_arn: str


@dataclass(frozen=True)
class Inputs:
    """What the builders read: the config and what is computed from it once per synthesis."""

    config: OrgConfig
    partitions: Mapping[PartitionName, PartitionInputs]
    assignments: Mapping[str, list[AccountAssignment]]  # by account name
    accounts: Mapping[str, Account]  # by name
    profiles: Mapping[str, BaselineProfile]  # of the planned baseline stacks, by stack ID (computed once)

    @classmethod
    def of(cls, config: OrgConfig, planned: Iterable[PlannedStack] = ()) -> Inputs:
        ids = {account.name: account.id for account in config.accounts}
        partitions = {}
        for partition, part in config.partitions.items():
            org = organization(config, partition)
            partitions[partition] = PartitionInputs(
                org=org,
                breakglass=breakglass_principals(config, partition),
                atlantis=atlantis_names(config, partition),
                access=access_model(config, org),
                identity_center_admin_id=ids[identity_center_admin(config, partition)],
                identity_center_instance_arn=org.identity_center_instance_arn(part.identity_center.instance_id),
            )
        accounts = {account.name: account for account in config.accounts}
        profiles = profiles_by_stack(config, planned)
        return cls(config, partitions, assignments_by_account(config), accounts, profiles)


Builder = Callable[[cdk.App, PlannedStack, Inputs], OrgBaselineStack]


def _log_archive(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    config = inputs.config
    org = inputs.partitions[item.partition].org
    return LogArchiveStack(
        app,
        item.stack_id,
        org=org,
        logging=config.logging,
        session_manager=config.session_manager,
        aws_config=config.security_services.config,
        guardduty=config.security_services.guardduty,
        regions=config.partitions[item.partition].allowed_regions,
    )


def _organization(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    config = inputs.config
    org = inputs.partitions[item.partition].org
    return OrganizationStack(
        app,
        item.stack_id,
        org=org,
        logging=config.logging,
        regions=config.partitions[item.partition].allowed_regions,
        security_services=config.security_services,
    )


def _backup_policy(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    org = inputs.partitions[item.partition].org
    return BackupPolicyStack(app, item.stack_id, config=inputs.config, org=org)


def _guardrails(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    org = inputs.partitions[item.partition].org
    scps = partition_budget(inputs.config, item.partition, org).scps
    rcps = rcp_budget(inputs.config, item.partition, org).scps
    management = management_policies(inputs.config, item.partition, org)
    return GuardrailsStack(app, item.stack_id, org=org, scps=scps, rcps=rcps, management=management)


def _identity_center(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    part = inputs.partitions[item.partition]
    return IdentityCenterStack(
        app,
        item.stack_id,
        org=part.org,
        admin_account_id=part.identity_center_admin_id,
        instance_arn=part.identity_center_instance_arn,
        permission_sets=list(part.access.permission_sets.values()),
    )


def _access(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    part = inputs.partitions[item.partition]
    account = inputs.accounts[item.account_name]
    return AccessStack(
        app,
        item.stack_id,
        org=part.org,
        admin_account_id=part.identity_center_admin_id,
        instance_arn=part.identity_center_instance_arn,
        account_id=account.id,
        assignments=inputs.assignments[account.name],
    )


def _elevation(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    part = inputs.partitions[item.partition]
    config = inputs.config
    return ElevationStack(
        app,
        item.stack_id,
        org=part.org,
        names=engine_names(config),
        admin_account_id=part.identity_center_admin_id,
        instance_arn=part.identity_center_instance_arn,
        identity_store_id=config.partitions[item.partition].identity_center.identity_store_id,
        elevation=config.elevation,
        rules=resolved_rules(config, item.partition),
    )


def _security(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    config = inputs.config
    return SecurityStack(
        app,
        item.stack_id,
        org=inputs.partitions[item.partition].org,
        regions=config.partitions[item.partition].allowed_regions,
        session_manager=config.session_manager,
        alerts=config.alerts,
        elevation_source=(
            (engine_names(config).event_source, inputs.partitions[item.partition].identity_center_admin_id)
            if rules_in(config, item.partition)
            else None
        ),
    )


def _security_services(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    config = inputs.config
    part = config.partitions[item.partition]
    return SecurityServicesStack(
        app,
        item.stack_id,
        org=inputs.partitions[item.partition].org,
        region=item.region,
        regions=part.allowed_regions,
        root_id=part.root_id,
        services=config.security_services,
        retention_days=config.logging.cloudwatch_retention_days,
    )


def _session_documents(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    org = inputs.partitions[item.partition].org
    return SessionDocumentsStack(
        app, item.stack_id, org=org, region=item.region, session_manager=inputs.config.session_manager
    )


def _alerts(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    part = inputs.partitions[item.partition]
    return GlobalEventAlertsStack(
        app,
        item.stack_id,
        account=inputs.accounts[item.account_name],
        region=item.region,
        org=part.org,
        breakglass=part.breakglass,
    )


def _shared_baseline_settings(inputs: Inputs, partition: PartitionName) -> BaselineSettings:
    """What every baseline of the partition is built from besides its profile and region (decision 0020)."""
    config, part = inputs.config, inputs.partitions[partition]
    return BaselineSettings(
        org=part.org,
        prefix=config.name_prefix,
        session_manager=config.session_manager,
        vault_lock=config.backup.vault_lock,
        backup_plans={plan.name: plan for plan in config.backup.plans},
        network=config.network_restriction,
        breakglass=part.breakglass,
        atlantis=part.atlantis,
        customer_managed_policies=part.access.customer_managed_policies,
        config_recorder=config.security_services.config.enabled,
        air_gapped_vault=config.backup.logically_air_gapped_vault.get(partition),
        restore_testing=config.backup.restore_testing.get(partition),
    )


def _baseline(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    # Built from the stack's profile and what the organization shares: the account's ID only places the stack.
    return AccountBaselineStack(
        app,
        item.stack_id,
        account_id=inputs.accounts[item.account_name].id,
        region=item.region,
        profile=inputs.profiles.get(item.stack_id) or profiles_by_stack(inputs.config, [item])[item.stack_id],
        settings=_shared_baseline_settings(inputs, item.partition),
    )


def _stackset_assets(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    account_id = inputs.accounts[item.account_name].id
    org = inputs.partitions[item.partition].org
    return StackSetAssetsStack(app, item.stack_id, org=org, account_id=account_id, region=item.region)


def _stacksets(app: cdk.App, item: PlannedStack, inputs: Inputs) -> OrgBaselineStack:
    config = inputs.config
    shared = _shared_baseline_settings(inputs, item.partition)
    # The StackSets of the whole organization's plan: a StackSet targets accounts whether selected or not.
    stacksets = planned_stacksets(config, item.partition)

    def build(scope: Construct, stackset: PlannedStackSet) -> None:
        build_baseline(scope, region=stackset.regions[0], profile=stackset.profile, settings=shared)

    regions = [r for r in config.partitions[item.partition].allowed_regions if any(r in s.regions for s in stacksets)]
    return StackSetsStack(
        app,
        item.stack_id,
        org=inputs.partitions[item.partition].org,
        account_id=inputs.accounts[item.account_name].id,
        region=item.region,
        regions=regions,
        stacksets=stacksets,
        settings=config.deployment.stacksets,
        build=build,
    )


BUILDERS: Mapping[StackKind, Builder] = {
    StackKind.LOG_ARCHIVE: _log_archive,
    StackKind.ORGANIZATION: _organization,
    StackKind.BACKUP_POLICY: _backup_policy,
    StackKind.GUARDRAILS: _guardrails,
    StackKind.IDENTITY_CENTER: _identity_center,
    StackKind.ACCESS: _access,
    StackKind.SECURITY: _security,
    StackKind.SESSION_DOCUMENTS: _session_documents,
    StackKind.SECURITY_SERVICES: _security_services,
    StackKind.ALERTS: _alerts,
    StackKind.BASELINE: _baseline,
    StackKind.ELEVATION: _elevation,
    StackKind.STACKSET_ASSETS: _stackset_assets,
    StackKind.STACKSETS: _stacksets,
}


def assemble(
    app: cdk.App,
    config: OrgConfig,
    *,
    accounts: Iterable[str] | None = None,
    partition: PartitionName | None = None,
    checks: bool = True,
    representatives: bool = False,
) -> list[BuiltStack]:
    """Add the planned stacks (of `accounts` and `partition`, when given) to `app`, and the synth-time checks unless
    `checks` is False. Each planned `after` becomes a stack dependency, which the assembly's manifest records.

    `representatives`: for verification only, one baseline, Alerts or Access stack per profile stands for the others
    of its profile, which are not built (`stacks.plan.representatives`); the manifest records, as the
    representative's `STANDS_FOR` metadata, each stack it stands for (ID, account name and ID, region; for an Access
    stack the account it grants access into) for `checks/verify.py`."""
    planned = plan(config, accounts, partition)
    groups: dict[str, list[str]] = {}
    if representatives:
        everything = {stack.stack_id: stack for stack in planned}
        planned, groups = representatives_of(config, planned)
    inputs = Inputs.of(config, planned)
    built: dict[str, BuiltStack] = {}
    for item in planned:
        builder = BUILDERS.get(item.kind)
        if builder is None:
            raise AssemblyError(
                f"no builder for stack kind {item.kind!r} (stack {item.stack_id}): add one to BUILDERS in "
                "stacks/assembly.py"
            )
        stack = builder(app, item, inputs)
        for earlier in item.after:  # the plan names only planned stacks, each before the stacks that follow it
            # Ordering for `cdk deploy` only, across accounts and regions alike: no values cross stacks.
            stack.add_stack_dependency(built[earlier].stack)
        if isinstance(stack, StackSetsStack):
            stack.node.add_metadata(STACKSET_TEMPLATES, _stackset_templates(stack, inputs))
        others = tuple(everything[other] for other in groups.get(item.stack_id, [])[1:])
        if others:
            stack.node.add_metadata(STANDS_FOR, [_stood_for(other, inputs) for other in others])
        built[item.stack_id] = BuiltStack(**vars(item), stack=stack, stands_for=others)
    if checks:
        partitions = {info.stack.template_file: info.partition for info in built.values()}
        for info in built.values():  # StackSet templates: asset files of the stack that holds them
            if isinstance(info.stack, StackSetsStack):
                partitions.update((template.template_file, info.partition) for template in info.stack.templates)
        add_checks(app, partitions)
    return list(built.values())


def _stood_for(item: PlannedStack, inputs: Inputs) -> dict[str, str]:
    account_id = inputs.accounts[item.account_name].id
    if item.kind is StackKind.ACCESS:  # deployed in the Identity Center admin account, granting access into its own
        admin_id = inputs.partitions[item.partition].identity_center_admin_id
        return {**_where(item, admin_id), "targetAccountId": account_id}
    return _where(item, account_id)


def _where(item: PlannedStack, account_id: str) -> dict[str, str]:
    return {"stack": item.stack_id, "account": item.account_name, "accountId": account_id, "region": item.region}


def _stackset_templates(stack: StackSetsStack, inputs: Inputs) -> list[dict[str, object]]:
    """What `checks/verify.py` reads of a StackSets stack: each StackSet's template file and its stack instances."""
    return [
        {
            "stackset": template.stackset.name,
            "template": template.template_file,
            "standsFor": [
                {
                    "stack": f"{template.stackset.name}/{account}/{region}",
                    "account": account,
                    "accountId": inputs.accounts[account].id,
                    "region": region,
                }
                for account in template.stackset.accounts
                for region in template.stackset.regions
            ],
        }
        for template in stack.templates
    ]

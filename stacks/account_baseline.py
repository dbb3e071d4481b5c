"""The baseline of one account in one region. IAM resources go only into the home-region stack."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from config.models import (
    AirGappedVault,
    BackupPlan,
    CustomerManagedPolicy,
    NetworkRestriction,
    RestoreTesting,
    SessionManager,
    VaultLock,
)
from config.naming import AtlantisNames, BreakglassPrincipals, Organization
from constructs import Construct
from constructs.account.metadata import AccountMetadata
from constructs.account.settings import AccountSettings, AccountSettingsRole
from constructs.account.settings import handler_log_group as account_settings_log_group
from constructs.account.vpc_block_public_access import VpcBlockPublicAccessExclusions
from constructs.alerting.access_alerts import AccessAlerts
from constructs.alerting.forwarder import AlertForwarderRole
from constructs.atlantis.roles import AtlantisRoles
from constructs.atlantis.terraform_state import TerraformStateBucket
from constructs.breakglass.role import BreakglassRole
from constructs.data.access_policies import DataAccessPolicies
from constructs.data.air_gapped_vault import LogicallyAirGappedVault
from constructs.data.backup_alerts import BackupChangeAlerts
from constructs.data.backup_plans import BackupPlans
from constructs.data.backup_role import BackupServiceRole
from constructs.data.backup_vault import BackupVault
from constructs.data.restore_testing import RestoreTestingPlan, RestoreTestingRole
from constructs.identity.access_audit import AccessAuditorRole, AccessAuditRole
from constructs.identity.customer_managed_policies import CustomerManagedPolicies
from constructs.security.config_recorder import ConfigRecorder
from constructs.sessions.access import SessionAccess
from constructs.sessions.handler import SessionCustomResources, SessionHandlerRole, handler_log_group
from constructs.sessions.instance_role import SessionInstanceRole
from constructs.sessions.preferences import SessionPreferences
from constructs.shared.own_account import ACCOUNT, REGION
from stacks.base import OrgBaselineStack
from stacks.plan import BaselineProfile


@dataclass(frozen=True)
class BaselineSettings:
    """What every baseline of a partition is built from besides its profile: what the whole organization shares
    (`org`, `prefix`, `vault_lock`, `network`, `session_manager`, `breakglass`, `atlantis`, `config_recorder`, and
    the config's `backup_plans` and the partition's `customer_managed_policies` by name, which the profile picks
    from). `config_recorder`: AWS Config records here and delivers to the log-archive account's Config bucket.
    `air_gapped_vault`, `restore_testing`: the partition's `backup.logically_air_gapped_vault` and
    `backup.restore_testing` entries, if any (the partition is part of the profile)."""

    org: Organization
    prefix: str
    vault_lock: VaultLock
    backup_plans: Mapping[str, BackupPlan]
    network: NetworkRestriction | None
    session_manager: SessionManager
    customer_managed_policies: Mapping[str, CustomerManagedPolicy] | None = None
    breakglass: BreakglassPrincipals | None = None
    atlantis: AtlantisNames | None = None
    config_recorder: bool = False
    air_gapped_vault: AirGappedVault | None = None
    restore_testing: RestoreTesting | None = None


class AccountBaselineStack(OrgBaselineStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        account_id: str,
        region: str,
        profile: BaselineProfile,
        settings: BaselineSettings,
    ) -> None:
        """Built from the stack's `profile` (`stacks.plan.BaselineProfile`) and what the whole organization shares
        (`settings`). `account_id` and `region` only say where the stack deploys (its environment), and `region`
        which rule copies where (the profile's `backup_copies`): stacks of equal profiles get equal templates by
        construction, so one of them is verified for all (decision 0020)."""
        org = settings.org
        super().__init__(
            scope,
            construct_id,
            account_id=account_id,
            region=region,
            description=(
                f"account baseline in the home region ({org.home_region})"
                if profile.home
                else f"account baseline in a region other than the home region ({org.home_region})"
            ),
        )
        assert profile.home == (region == org.home_region), f"{construct_id}: profile of another region"
        self.profile = profile
        self.is_home_region = profile.home
        build_baseline(self, region=region, profile=profile, settings=settings)


def build_baseline(scope: Construct, *, region: str, profile: BaselineProfile, settings: BaselineSettings) -> None:
    """The baseline's resources in `scope` (a stack: an account's own, or a StackSet's template, decision 0021), from
    the profile and what the organization shares; `region` decides only which backup rule copies where (any region
    of a profile gives the same template)."""
    org, prefix, vault_lock, network = settings.org, settings.prefix, settings.vault_lock, settings.network
    backup_plans, session_manager, breakglass = settings.backup_plans, settings.session_manager, settings.breakglass
    atlantis, config_recorder = settings.atlantis, settings.config_recorder
    customer_managed_policies = settings.customer_managed_policies
    air_gapped_vault, restore_testing = settings.air_gapped_vault, settings.restore_testing
    # Account-agnostic: the template names this account and region only through AWS::AccountId and
    # AWS::Region (constructs/shared/own_account.py). What depends on which account or region it is
    # (management, CI, breakglass users, session documents owner, home region, backup copies) was decided in
    # the plan, from the literals, into the profile: here it only selects what gets built.
    here, here_region = ACCOUNT, REGION
    # The account's name is no fact of the template (it differs per account); its OU is part of the profile.
    facts = {
        "organizational-unit": profile.organizational_unit,
        "home-region": org.home_region,
        "org-trail-bucket": org.trail_bucket,
        "org-trail-name": org.trail_name,
    }
    AccountMetadata(scope, "AccountMetadata", prefix=prefix, facts=facts)
    # The home-region stack creates the customer-managed policies of the sets assigned to this account (IAM is
    # global); Identity Center needs them in the account before it provisions those sets there.
    if profile.customer_managed_policies:
        assert profile.home, "IAM resources belong in the home-region stack"
        policies = customer_managed_policies or {}
        CustomerManagedPolicies(
            scope,
            "IdentityCenterPolicies",
            policies=[policies[name] for name in profile.customer_managed_policies],
        )
    # Access events land in the region of the endpoint used: alert rules go into every region's stack.
    AccessAlerts(
        scope, "AccessAlerts", org=org, account_id=here, breakglass=breakglass, own_users=profile.breakglass_users
    )
    if profile.home:
        AlertForwarderRole(scope, "AlertForwarder", org=org, account_id=here)
        if breakglass is not None:
            BreakglassRole(scope, "Breakglass", org=org, principals=breakglass)
        if atlantis is not None and profile.atlantis_roles:
            AtlantisRoles(scope, "Atlantis", org=org, atlantis=atlantis, account_id=here)
        if profile.terraform_state:
            TerraformStateBucket(scope, "TerraformState", org=org)
        # The live access audit (`python -m ops.access audit`): a read-only role everywhere, and its one
        # trusted principal in the management account.
        AccessAuditRole(scope, "AccessAudit", org=org, account_id=here)
        if profile.audit_principal:
            AccessAuditorRole(scope, "AccessAuditor", org=org)

    # Data protection: a locked vault and the plans in every region; IAM (backup role, credentials
    # policies) once per account, in the home region.
    backup_vault = BackupVault(
        scope,
        "BackupVault",
        org=org,
        account_id=here,
        region=here_region,
        lock=vault_lock,
        restore_testing=restore_testing is not None,
    )
    air_gapped = None
    if air_gapped_vault is not None:
        air_gapped = LogicallyAirGappedVault(
            scope, "AirGappedVault", org=org, account_id=here, region=here_region, settings=air_gapped_vault
        ).vault
    role = None
    restore_role = None
    if profile.home:
        role = BackupServiceRole(scope, "BackupServiceRole", org=org).role
        DataAccessPolicies(scope, "DataAccessPolicies", org=org, account_id=here, network=network)
        if restore_testing is not None:
            restore_role = RestoreTestingRole(scope, "RestoreTestingRole", org=org).role
    if restore_testing is not None:
        RestoreTestingPlan(
            scope,
            "RestoreTesting",
            org=org,
            account_id=here,
            region=here_region,
            settings=restore_testing,
            role=restore_role,
        )
    if profile.backup_plans:
        vault = backup_vault.vault
        BackupPlans(
            scope,
            "BackupPlans",
            org=org,
            account_id=here,
            region=region,  # decides where copies go (none from the copy region itself); names no resource
            plans=[backup_plans[name] for name in profile.backup_plans],
            vault=vault,
            role=role,
            air_gapped_vault=air_gapped,
        )
    BackupChangeAlerts(scope, "BackupChangeAlerts", org=org, account_id=here)
    # Session Manager instead of SSH bastions. The home-region stack holds the roles every region uses, so
    # deploy it before the account's other regions.
    handler_role = None
    regions = list(profile.regions)  # home: the account's baseline regions, which its IAM covers
    if profile.home:
        SessionInstanceRole(scope, "SessionInstanceRole", org=org, account_id=here, regions=regions)
        SessionAccess(scope, "SessionAccess", org=org, account_id=here, regions=regions)
        handler_role = SessionHandlerRole(scope, "SessionHandlerRole", org=org, account_id=here, regions=regions)
    preferences = SessionPreferences(
        scope,
        "SessionPreferences",
        org=org,
        settings=session_manager,
        account_id=here,
        region=here_region,
        extra_log_groups=[handler_log_group(org), account_settings_log_group(org)],
    )
    custom_resources = SessionCustomResources(
        scope,
        "SessionCustomResources",
        org=org,
        account_id=here,
        region=here_region,
        key=preferences.key,
        retention_days=session_manager.cloudwatch_retention_days,
        share_documents=profile.shares_documents,
    )
    if handler_role is not None:
        custom_resources.function.add_resource_dependency(handler_role.policy)

    # Account settings the SCP protects but nothing else sets: S3 Block Public Access once per account (home
    # region), EBS encryption by default in every region. Their function logs with the session key.
    settings_role = None
    if profile.home:
        settings_role = AccountSettingsRole(
            scope,
            "AccountSettingsRole",
            org=org,
            account_id=here,
            regions=regions,
            config_service_linked_role=config_recorder,
        )
    account_settings = AccountSettings(
        scope,
        "AccountSettings",
        org=org,
        account_id=here,
        key=preferences.key,
        retention_days=session_manager.cloudwatch_retention_days,
        account_wide=profile.s3_block_public_access,
    )
    if settings_role is not None:
        account_settings.function.add_resource_dependency(settings_role.policy)
    if config_recorder:
        recorder = ConfigRecorder(
            scope,
            "ConfigRecorder",
            org=org,
            account_id=here,
            home_region=profile.home,
            settings_function_arn=account_settings.function.attr_arn,
        )
        if recorder.service_linked_role is not None and settings_role is not None:
            recorder.service_linked_role.node.add_dependency(settings_role.policy)
    if profile.vpc_exclusions:
        VpcBlockPublicAccessExclusions(scope, "VpcBlockPublicAccessExclusions", exclusions=profile.vpc_exclusions)

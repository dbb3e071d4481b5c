"""Deterministic names and ARNs computed from the config alone.

Stacks in different accounts find each other through these names (never through CloudFormation exports or
lookups), so every stack synthesizes offline and deploys in any order that respects the documented one.

Convention: every IAM role, SNS topic, EventBridge bus and rule, backup vault and SSM document the baseline
creates is named `<name_prefix>-baseline-<what>` (`baseline_prefix`), so service control policies can
protect all of them with one wildcard, and people can tell baseline resources from their own at a glance.
S3 buckets carry the account and region instead (`<name_prefix>-<what>-<account>-<region>`), as their names
are global.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from config.models import OrgConfig
from config.quotas import BACKUP_SELECTION_NAME_MAX_CHARS
from config.regions import PartitionName


def bucket_names(prefix: str, log_archive_id: str, region: str) -> dict[str, str]:
    """S3 names are global: the account ID and region make them unique, the prefix makes them readable."""
    return {
        "trail": f"{prefix}-org-trail-{log_archive_id}-{region}",
        "access_logs": f"{prefix}-s3-access-logs-{log_archive_id}-{region}",
        "session_logs": f"{prefix}-session-logs-{log_archive_id}-{region}",
        "config": f"{prefix}-config-{log_archive_id}-{region}",
        "guardduty": f"{prefix}-guardduty-{log_archive_id}-{region}",
    }


def terraform_state_bucket_names(prefix: str, ci_account_id: str, region: str) -> dict[str, str]:
    """The Terraform state bucket of a partition and its server access log bucket, both in the CI account."""
    return {
        "state": f"{prefix}-tf-state-{ci_account_id}-{region}",
        "access_logs": f"{prefix}-tf-state-logs-{ci_account_id}-{region}",
    }


def stackset_asset_bucket_prefix(prefix: str, admin_account_id: str) -> str:
    """The StackSets' Lambda code buckets without `-<region>` (`deployment.mode: stacksets`, decision 0021)."""
    return f"{prefix}-stackset-assets-{admin_account_id}"


def stackset_asset_bucket_names(prefix: str, admin_account_id: str, region: str) -> dict[str, str]:
    """The StackSets' Lambda code bucket of a region and its server access log bucket, in the StackSets
    administrator account."""
    bucket = f"{stackset_asset_bucket_prefix(prefix, admin_account_id)}-{region}"
    return {"assets": bucket, "access_logs": f"{bucket}-logs"}


def iam_principal_arn(
    partition: PartitionName, account_id: str, *, user: str | None = None, role: str | None = None
) -> str:
    """The exact ARN of an IAM user or role named in the config (no path: pinned trust needs the exact ARN)."""
    kind, name = ("user", user) if user else ("role", role)
    return f"arn:{partition}:iam::{account_id}:{kind}/{name}"


# Principal tag that marks IAM roles and users whose credentials work only from the configured networks
# (`network_restriction` in the config); enforced by an SCP and by a customer-managed policy.
NETWORK_RESTRICTED_TAG = "baseline:network-restricted"

# Resource tag on a legacy IAM user being migrated to Identity Center: with it (value "true"), the user may
# still get new access keys (rotation) although the SCP denies access keys to everyone else.
LEGACY_BOT_TAG = "baseline:legacy-bot-migration"

# IAM Identity Center creates each permission set's role (AWSReservedSSO_<set>_<suffix>) in every assigned account
# under this path, sometimes followed by a region:
# https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
IDENTITY_CENTER_ROLE_PATH = "aws-reserved/sso.amazonaws.com/"

# The catalog permission set whose sessions (in the account that holds them) may create and rotate the breakglass
# users; nobody else may (service control policy deny-iam-users).
BREAKGLASS_USER_MANAGER_PERMISSION_SET = "Administrator"

# The per-account, per-region Session Manager preferences document (its name is fixed by AWS).
SESSION_PREFERENCES_DOCUMENT = "SSM-SessionManagerRunShell"


def baseline_prefix(prefix: str) -> str:
    """The name prefix of every baseline-owned role, topic, bus, rule, vault and document."""
    return f"{prefix}-baseline-"


@dataclass(frozen=True)
class Organization:
    """One partition's organization as its stacks see it: who is who (organization, account IDs, home region) and
    the deterministic names and ARNs of everything the baseline creates there. Stacks in different accounts find
    each other through these, never through exports or lookups."""

    partition: PartitionName
    organization_id: str
    home_region: str
    management_account_id: str
    log_archive_account_id: str
    security_account_id: str
    deployment_account_id: str  # the CDK CLI deploys from here; every bootstrap trusts it
    trail_name: str
    trail_bucket: str
    access_log_bucket: str
    trail_log_group: str
    alarm_topic: str
    baseline_prefix: str  # "<name_prefix>-baseline-"
    session_log_bucket: str  # in the log-archive account (Session Manager session logs)
    config_bucket: str  # in the log-archive account (AWS Config history and snapshots of every account)
    guardduty_findings_bucket: str  # in the log-archive account (GuardDuty findings of every account and region)

    # Names shared across features; each is created by one feature and referenced (or protected) by others.
    @property
    def breakglass_role(self) -> str:
        return f"{self.baseline_prefix}breakglass"

    @property
    def alert_bus(self) -> str:
        """EventBridge bus of the central alert hub, in the security account."""
        return f"{self.baseline_prefix}alerts"

    @property
    def alert_bus_arn(self) -> str:
        return f"arn:{self.partition}:events:{self.home_region}:{self.security_account_id}:event-bus/{self.alert_bus}"

    @property
    def alert_topic(self) -> str:
        """SNS topic of the central alert hub, in the security account."""
        return f"{self.baseline_prefix}alerts"

    @property
    def alert_forwarder_role(self) -> str:
        """Role (home-region stack of every account) that EventBridge rules in any region use to put events
        on the central alert bus; cross-region event bus targets need a role."""
        return f"{self.baseline_prefix}alert-forwarder"

    def alert_forwarder_role_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:role/{self.alert_forwarder_role}"

    @property
    def session_documents(self) -> dict[str, str]:
        """Approved Session Manager documents, owned by the security account and shared with the org."""
        return {
            "shell": f"{self.baseline_prefix}InteractiveShell",
            "port_forwarding": f"{self.baseline_prefix}PortForwarding",
        }

    @property
    def session_documents_account_id(self) -> str:
        return self.security_account_id

    @property
    def instance_role(self) -> str:
        """EC2 instance role (and instance profile) for Session Manager, in every account."""
        return f"{self.baseline_prefix}ssm-instance"

    def session_document_arn(self, region: str, document: str) -> str:
        return f"arn:{self.partition}:ssm:{region}:{self.session_documents_account_id}:document/{document}"

    @property
    def document_sharer_role(self) -> str:
        """Role in the security account that each account's session handler assumes to share the approved
        documents with its own account (add on create, remove on delete)."""
        return f"{self.baseline_prefix}document-sharer"

    @property
    def document_sharer_role_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.session_documents_account_id}:role/{self.document_sharer_role}"

    @property
    def account_settings_handler(self) -> str:
        """Role (home-region stack of every account) and Lambda function (every region) that turn on the account
        settings CloudFormation has no resource type for: S3 Block Public Access for the account, EBS encryption by
        default in each region. The SCP protect-account-settings lets this role (and the deployment role) make the
        calls it otherwise denies."""
        return f"{self.baseline_prefix}account-settings"

    @property
    def session_handler(self) -> str:
        """Role (home-region stack of every account) and Lambda function (every region) of the Session Manager
        custom resources: block public document sharing, share the approved documents with the account."""
        return f"{self.baseline_prefix}session-handler"

    @property
    def session_access_role(self) -> str:
        """Role in every account allowed to start sessions on instances with the approved documents only. Its
        customer-managed policy has the same name, so Identity Center permission sets can attach it by name."""
        return f"{self.baseline_prefix}session-access"

    @property
    def session_key_alias(self) -> str:
        """Alias of the per-account, per-region key for session data and the session log group."""
        return f"alias/{self.baseline_prefix}session"

    @property
    def session_log_group(self) -> str:
        """CloudWatch Logs group for session transcripts, same name in every account and region."""
        return f"/{self.baseline_prefix.rstrip('-')}/session-manager"

    @property
    def session_log_bucket_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.session_log_bucket}"

    @property
    def approved_documents_log_prefix(self) -> str:
        """S3 prefix of session logs written by the approved (shared) documents; they cannot name the account.
        The preferences document of each account writes under `<account-id>/<region>` instead."""
        return "approved-documents"

    @property
    def access_audit_role(self) -> str:
        """Read-only role (home-region stack of every account) that `python -m ops.access audit` and `parity` assume
        to read IAM users, their credentials and last access, and the backup vault lock; trusted only by the
        auditor role."""
        return f"{self.baseline_prefix}access-audit"

    def access_audit_role_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:role/{self.access_audit_role}"

    @property
    def access_auditor_role(self) -> str:
        """The audit principal (management account, home-region stack): reads the organization's SCP attachments,
        Identity Center assignments, the trail's status and events, and assumes `access_audit_role` everywhere."""
        return f"{self.baseline_prefix}access-auditor"

    @property
    def access_auditor_role_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.management_account_id}:role/{self.access_auditor_role}"

    @property
    def breakglass_backstop_alarm(self) -> str:
        """Alarm (and metric filter) on the organization trail's log group, management account."""
        return f"{self.baseline_prefix}breakglass-assume-role-any-region"

    def breakglass_role_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:role/{self.breakglass_role}"

    def breakglass_user_managers(self, account_id: str) -> list[str]:
        """Who may create, rotate and delete the breakglass users held in `account_id`: sessions of the
        Administrator permission set there (Identity Center roles live under aws-reserved/sso.amazonaws.com/,
        sometimes with a region in the path), and that account's breakglass role when Identity Center is down."""
        sso = f"{IDENTITY_CENTER_ROLE_PATH}*AWSReservedSSO_{BREAKGLASS_USER_MANAGER_PERMISSION_SET}_*"
        return [f"arn:{self.partition}:iam::{account_id}:role/{sso}", self.breakglass_role_arn(account_id)]

    def breakglass_session_arn_prefix(self, account_id: str) -> str:
        """Every session of the breakglass role in that account (CloudTrail's userIdentity.arn)."""
        return f"arn:{self.partition}:sts::{account_id}:assumed-role/{self.breakglass_role}/"

    @property
    def alert_rule(self) -> str:
        """The hub's rule on the alert bus that sends forwarded events to the alert topic."""
        return f"{self.baseline_prefix}alerts-to-topic"

    @property
    def access_alert_rules(self) -> dict[str, str]:
        """EventBridge rules (every baseline region of every account) that forward access events to the hub."""
        return {
            "breakglass_assume_role": f"{self.baseline_prefix}breakglass-assume-role",
            "breakglass_console_sign_in": f"{self.baseline_prefix}breakglass-console-sign-in",
            "root_activity": f"{self.baseline_prefix}root-activity",
            "breakglass_user_changes": f"{self.baseline_prefix}breakglass-user-changes",
        }

    @property
    def management_tamper_rule(self) -> str:
        """EventBridge rule (management account, home region) that forwards changes to the trail, its key and the
        CIS alarms there to the hub: SCPs do not bind the management account."""
        return f"{self.baseline_prefix}management-trail-tamper"

    @property
    def delegated_admin_handler(self) -> str:
        """Role and Lambda function (management account, home region) that enable the security services' trusted
        access and register the security account as their delegated administrator."""
        return f"{self.baseline_prefix}delegated-admins"

    @property
    def security_services_handler(self) -> str:
        """Role (security account, home region) and Lambda function (every allowed region) that set GuardDuty's
        organization configuration, for which CloudFormation has no resource type."""
        return f"{self.baseline_prefix}security-services"

    @property
    def security_findings_rule(self) -> str:
        """EventBridge rule (security account, every allowed region) forwarding high findings to the alert hub."""
        return f"{self.baseline_prefix}security-findings"

    @property
    def access_analyzers(self) -> dict[str, str]:
        return {
            "external": f"{self.baseline_prefix}organization-external-access",
            "unused": f"{self.baseline_prefix}organization-unused-access",
        }

    @property
    def config_aggregator(self) -> str:
        return f"{self.baseline_prefix}organization"

    @property
    def config_bucket_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.config_bucket}"

    @property
    def guardduty_findings_bucket_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.guardduty_findings_bucket}"

    @property
    def guardduty_findings_key_alias(self) -> str:
        """The alias of the findings bucket's key (log-archive account, home region): the security account's stacks
        find the key through it, since its ARN is not known before the log-archive stack creates it."""
        return f"alias/{self.guardduty_findings_bucket}"

    @property
    def guardduty_findings_key_alias_arn(self) -> str:
        where = f"{self.partition}:kms:{self.home_region}:{self.log_archive_account_id}"
        return f"arn:{where}:{self.guardduty_findings_key_alias}"

    @property
    def config_recorder(self) -> str:
        """The AWS Config configuration recorder and delivery channel of every baseline stack (one of each per
        account and region)."""
        return f"{self.baseline_prefix}recorder"

    @property
    def config_aggregator_role(self) -> str:
        return f"{self.baseline_prefix}config-aggregator"

    @property
    def security_hub_policy(self) -> str:
        return f"{self.baseline_prefix}security-hub"

    @property
    def alert_forwarder_policy(self) -> str:
        return f"{self.baseline_prefix}alert-forwarder"

    @property
    def chatbot_role(self) -> str:
        return f"{self.baseline_prefix}alerts-chatbot"

    @property
    def atlantis_roles(self) -> dict[str, str]:
        return {"plan": f"{self.baseline_prefix}atlantis-plan", "apply": f"{self.baseline_prefix}atlantis-apply"}

    @property
    def atlantis_policies(self) -> dict[str, str]:
        """Customer-managed policies of the Atlantis roles: the plan role's state access and the apply boundary."""
        return {
            "plan_state": f"{self.baseline_prefix}atlantis-plan-state",
            "apply_boundary": f"{self.baseline_prefix}atlantis-apply-boundary",
        }

    @property
    def atlantis_iam_path(self) -> str:
        """IAM path of every role, policy and instance profile the Atlantis apply role creates or changes."""
        return f"/{self.name_prefix}-atlantis/"

    def atlantis_boundary_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:policy/{self.atlantis_policies['apply_boundary']}"

    @property
    def backup_vault(self) -> str:
        return f"{self.baseline_prefix}vault"

    def backup_vault_arn(self, account_id: str, region: str) -> str:
        return f"arn:{self.partition}:backup:{region}:{account_id}:backup-vault:{self.backup_vault}"

    @property
    def air_gapped_vault(self) -> str:
        """Logically air-gapped vault, one per account and region, when `backup.logically_air_gapped_vault` is on."""
        return f"{self.baseline_prefix}air-gapped-vault"

    @property
    def restore_testing_plan(self) -> str:
        """Restore testing plan (every region), when `backup.restore_testing` is on. AWS Backup accepts only letters,
        digits and underscores in its name."""
        return f"{self.baseline_prefix}restore_testing".replace("-", "_")

    def restore_testing_selection(self, resource_type: str) -> str:
        return f"{self.restore_testing_plan}_{resource_type}"

    @property
    def restore_testing_role(self) -> str:
        """Role AWS Backup assumes to run restore tests (home-region stack; used by every region's selections)."""
        return f"{self.baseline_prefix}restore-testing"

    def restore_testing_role_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:role/{self.restore_testing_role}"

    @property
    def backup_key_alias(self) -> str:
        """KMS key of the backup vault, one per account and region."""
        return f"alias/{self.baseline_prefix}backup"

    @property
    def backup_role(self) -> str:
        """Role AWS Backup assumes to back up and restore (home-region stack; used by every region's plans)."""
        return f"{self.baseline_prefix}backup"

    def backup_role_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:role/{self.backup_role}"

    def backup_plan(self, plan: str) -> str:
        return f"{self.baseline_prefix}{plan}"

    def backup_selection(self, plan: str) -> str:
        """The plan's name, shortened to AWS Backup's 50 characters for a selection name where needed: the head
        of the name and a hash of the whole, so the name stays the same on every synth and distinct per plan."""
        name = self.backup_plan(plan)
        if len(name) <= BACKUP_SELECTION_NAME_MAX_CHARS:
            return name
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        return f"{name[: BACKUP_SELECTION_NAME_MAX_CHARS - len(digest) - 1]}-{digest}"

    @property
    def backup_alert_rule(self) -> str:
        """EventBridge rule (every baseline stack) that forwards vault lock/policy/deletion events to the hub."""
        return f"{self.baseline_prefix}backup-changes"

    @property
    def backup_policy(self) -> str:
        """Organizations backup policy (management account), when `backup.organization_policy` is on."""
        return f"{self.baseline_prefix}backup-plans"

    @property
    def s3_writer_no_delete_policy(self) -> str:
        return f"{self.baseline_prefix}s3-writer-no-delete"

    @property
    def s3_deleter_policy(self) -> str:
        return f"{self.baseline_prefix}s3-deleter"

    @property
    def network_restricted_policy(self) -> str:
        return f"{self.baseline_prefix}network-restricted"

    @property
    def trail_arn(self) -> str:
        return (
            f"arn:{self.partition}:cloudtrail:{self.home_region}:{self.management_account_id}:trail/{self.trail_name}"
        )

    @property
    def trail_bucket_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.trail_bucket}"

    def account_root_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:root"

    @property
    def name_prefix(self) -> str:
        return self.baseline_prefix.removesuffix("-baseline-")

    @property
    def key_alias_pattern(self) -> str:
        """Every KMS key alias of the baseline starts with `alias/<name_prefix>-` (trail, bucket, alarm keys)."""
        return f"alias/{self.name_prefix}-*"

    def scp_name(self, policy: str) -> str:
        return f"{self.name_prefix}-scp-{policy}"

    def identity_center_instance_arn(self, instance_id: str) -> str:
        return f"arn:{self.partition}:sso:::instance/{instance_id}"

    def permission_set_parameter(self, permission_set: str) -> str:
        """SSM parameter (Identity Center admin account, home region) holding a permission set's ARN, which
        Identity Center generates; the per-account access stacks resolve it at deploy time (no exports)."""
        return f"/{self.name_prefix}/identity-center/permission-sets/{permission_set}"

    def aws_managed_policy_arn(self, name: str) -> str:
        """AWS managed policies have the literal account `aws`; job-function policies keep their path."""
        return f"arn:{self.partition}:iam::aws:policy/{name}"


@dataclass(frozen=True)
class BreakglassPrincipals:
    """The identities (exact ARNs) that may assume the partition's breakglass role."""

    users: tuple[str, ...]
    roles: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.users + self.roles

    @property
    def user_account_ids(self) -> tuple[str, ...]:
        """The accounts that hold the breakglass users (from their ARNs), in order, each once."""
        return tuple(dict.fromkeys(arn.split(":")[4] for arn in self.users))

    def users_held_in(self, account_id: str) -> tuple[str, ...]:
        """The ARNs of the breakglass users held in one account."""
        return tuple(arn for arn in self.users if arn.split(":")[4] == account_id)

    def user_names(self, account_id: str) -> tuple[str, ...]:
        """The breakglass user names held in one account (IAM user ARNs here have no path)."""
        return tuple(arn.rsplit(":user/", 1)[1] for arn in self.users if arn.split(":")[4] == account_id)

    @property
    def role_session_prefixes(self) -> tuple[str, ...]:
        """CloudTrail's userIdentity.arn prefix of every session of the principal roles."""
        sessions = []
        for arn in self.roles:
            head, name = arn.rsplit(":role/", 1)
            sessions.append(f"{head.replace(':iam::', ':sts::')}:assumed-role/{name}/")
        return tuple(sessions)


def breakglass_principals(config: OrgConfig, partition: PartitionName) -> BreakglassPrincipals | None:
    entry = config.breakglass.get(partition)
    if entry is None:
        return None
    ids = {account.name: account.id for account in config.accounts}
    # A principal in an unknown account is left out here; validation reports it.
    arns = [
        (p.user is not None, iam_principal_arn(partition, ids[p.account], user=p.user, role=p.role))
        for p in entry.principals
        if p.account in ids
    ]
    return BreakglassPrincipals(
        users=tuple(arn for is_user, arn in arns if is_user), roles=tuple(arn for is_user, arn in arns if not is_user)
    )


@dataclass(frozen=True)
class AtlantisNames:
    """Where Atlantis runs in a partition and who it is, resolved from the `atlantis` config section."""

    ci_account_id: str
    server_role_arns: tuple[str, ...]
    external_id: str | None
    state_bucket: str
    state_access_log_bucket: str
    excluded_account_ids: frozenset[str]

    def state_bucket_arn(self, partition: str) -> str:
        return f"arn:{partition}:s3:::{self.state_bucket}"


def atlantis_names(config: OrgConfig, partition: PartitionName) -> AtlantisNames | None:
    entry = config.atlantis.get(partition)
    if entry is None:
        return None
    ids = {account.name: account.id for account in config.accounts}
    ci_id = ids[entry.ci_account]
    buckets = terraform_state_bucket_names(config.name_prefix, ci_id, config.partitions[partition].home_region)
    return AtlantisNames(
        ci_account_id=ci_id,
        server_role_arns=tuple(iam_principal_arn(partition, ci_id, role=r) for r in entry.server_roles),
        external_id=entry.external_id,
        state_bucket=buckets["state"],
        state_access_log_bucket=buckets["access_logs"],
        excluded_account_ids=frozenset(ids[name] for name in entry.exclude_accounts),
    )


def organization(config: OrgConfig, partition: PartitionName) -> Organization:
    part = config.partitions[partition]
    ids = {account.name: account.id for account in config.accounts}
    log_archive_id = ids[part.log_archive_account]
    buckets = bucket_names(config.name_prefix, log_archive_id, part.home_region)
    return Organization(
        partition=partition,
        organization_id=part.organization_id,
        home_region=part.home_region,
        management_account_id=ids[part.management_account],
        log_archive_account_id=log_archive_id,
        security_account_id=ids[part.security_account],
        deployment_account_id=ids[part.deployment_account],
        trail_name=f"{config.name_prefix}-org-trail",
        trail_bucket=buckets["trail"],
        access_log_bucket=buckets["access_logs"],
        trail_log_group=f"/{config.name_prefix}/org-trail",
        alarm_topic=f"{baseline_prefix(config.name_prefix)}security-alarms",
        baseline_prefix=baseline_prefix(config.name_prefix),
        session_log_bucket=buckets["session_logs"],
        config_bucket=buckets["config"],
        guardduty_findings_bucket=buckets["guardduty"],
    )

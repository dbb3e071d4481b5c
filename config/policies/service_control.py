"""The service control policy library, generated per partition, and its budgets (size and count per target).

Every ARN is built from the partition: a GovCloud Deny that names a commercial ARN silently never matches.

Each library policy becomes one SCP named `<prefix>-scp-<policy>`, attached where the config says (default:
the root). Two mechanisms keep the quotas without hand-tuned JSON:

- an SCP larger than `max_policy_chars` (minified) is split by statements into numbered parts (`-1`, `-2`);
- when a root, OU or account would carry more SCPs than `max_policies_per_target` (FullAWSAccess and
  reserved slots included), the policies of the partition that share the same targets are packed into
  combined documents (`<prefix>-scp-guardrails-<hash>-<n>`), statements unchanged.

What is still over after that is a config error naming the policy or target and by how much.

Exemptions are conditions, never missing statements: the deployment role (`ArnNotLike aws:PrincipalArn`)
where the baseline must act, and excluded accounts (`StringNotEquals aws:PrincipalAccount`) on every
statement of an attachment that has `exclude_accounts`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from config.models import SCP_NAMES, OrgConfig, ScpName
from config.naming import (
    LEGACY_BOT_TAG,
    NETWORK_RESTRICTED_TAG,
    SESSION_PREFERENCES_DOCUMENT,
    Organization,
    breakglass_principals,
)
from config.policies.statements import Condition, PolicyDocument, Statement, deny, document
from config.problems import Problem
from config.regions import PartitionName
from config.targets import Target, excluded_account_ids, targets_in

# Services whose calls are global (or land in us-east-1 / us-gov-west-1) and must not be region-locked.
GLOBAL_SERVICE_ACTIONS = (
    "account:*", "acm:*", "aws-marketplace-management:*", "aws-marketplace:*", "aws-portal:*", "billing:*",
    "budgets:*", "ce:*", "cloudfront:*", "consolidatedbilling:*", "cur:*", "directconnect:*",
    "ec2:DescribeRegions", "ec2:DescribeTransitGateways", "ec2:DescribeVpnGateways", "fms:*", "freetier:*",
    "globalaccelerator:*", "health:*", "iam:*", "importexport:*", "invoicing:*", "networkmanager:*",
    "organizations:*", "payments:*", "pricing:*", "route53-recovery-cluster:*",
    "route53-recovery-control-config:*", "route53-recovery-readiness:*", "route53:*", "route53domains:*",
    "s3:GetAccountPublic*", "s3:ListAllMyBuckets", "s3:ListMultiRegionAccessPoints", "s3:PutAccountPublic*",
    "shield:*", "sts:*", "support:*", "supportplans:*", "sustainability:*", "tax:*", "trustedadvisor:*",
    "waf-regional:*", "waf:*", "wafv2:*", "wellarchitected:*",
)  # fmt: skip

# What protect-baseline denies (all but the deployment role), by what it protects.
TRAIL_CHANGES = [
    "cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors", "cloudtrail:PutInsightSelectors",
    "cloudtrail:StopLogging", "cloudtrail:UpdateTrail",
]  # fmt: skip
LOG_BUCKET_CHANGES = [
    "s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketLogging",
    "s3:PutBucketObjectLockConfiguration", "s3:PutBucketOwnershipControls", "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration", "s3:PutReplicationConfiguration",
]  # fmt: skip
LOG_OBJECT_CHANGES = [
    "s3:BypassGovernanceRetention", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
]  # fmt: skip
KEY_CHANGES = [
    "kms:CancelKeyDeletion", "kms:DeleteImportedKeyMaterial", "kms:DisableKey", "kms:DisableKeyRotation",
    "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion",
]  # fmt: skip
KEY_ALIAS_CHANGES = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
ROLE_CHANGES = [
    "iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole",
    "iam:UpdateRoleDescription", "iam:AddRoleToInstanceProfile", "iam:DeleteInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile", "iam:CreatePolicyVersion", "iam:DeletePolicy",
    "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion",
]  # fmt: skip
TOPIC_CHANGES = [
    "sns:AddPermission", "sns:DeleteTopic", "sns:PutDataProtectionPolicy", "sns:RemovePermission",
    "sns:SetTopicAttributes",
]  # fmt: skip
RULE_AND_BUS_CHANGES = [
    "events:DeleteEventBus", "events:DeleteRule", "events:DisableRule", "events:PutPermission", "events:PutRule",
    "events:PutTargets", "events:RemovePermission", "events:RemoveTargets", "events:UpdateEventBus",
]  # fmt: skip
VAULT_CHANGES = [
    "backup:DeleteBackupVault", "backup:DeleteBackupVaultAccessPolicy", "backup:DeleteBackupVaultLockConfiguration",
    "backup:PutBackupVaultAccessPolicy", "backup:PutBackupVaultLockConfiguration",
]  # fmt: skip
DOCUMENT_CHANGES = [
    "ssm:CreateDocument",
    "ssm:DeleteDocument",
    "ssm:UpdateDocument",
    "ssm:UpdateDocumentDefaultVersion",
]
# AWS Config, GuardDuty and Security Hub: always protected from being turned off, whoever enabled them. Changing
# the baseline's recorder or delivery channel (Put*: fewer resource types, another bucket) turns AWS Config off as
# surely as deleting it.
SECURITY_SERVICE_SHUTDOWNS = [
    "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel",
    "config:DeleteRetentionConfiguration", "config:PutConfigurationRecorder", "config:PutDeliveryChannel",
    "config:StopConfigurationRecorder",
    "guardduty:DeleteDetector", "guardduty:DeleteMembers", "guardduty:DisassociateFromAdministratorAccount",
    "guardduty:DisassociateFromMasterAccount", "guardduty:DisassociateMembers",
    "guardduty:StopMonitoringMembers", "guardduty:UpdateDetector",
    "securityhub:BatchDisableStandards", "securityhub:DeleteMembers", "securityhub:DisableSecurityHub",
    "securityhub:DisassociateFromAdministratorAccount", "securityhub:DisassociateFromMasterAccount",
    "securityhub:DisassociateMembers",
]  # fmt: skip
IAM_USER_CREATION = ["iam:CreateLoginProfile", "iam:CreateUser", "iam:UpdateLoginProfile"]
# Every change to a breakglass user (who it is, its password, MFA, keys and credentials, permissions, group, tags) is
# denied but to the managers of its account: every IAM action on the user ARN except reads and the user's own
# password change. Each user action takes the user ARN as its resource (Service Authorization Reference,
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html),
# so the exemption is by exact ARN: the configured users, no path, nothing else.
BREAKGLASS_USER_READS = ["iam:ChangePassword", "iam:Get*", "iam:List*"]
PRINCIPAL_TAG_CHANGES = ["iam:TagRole", "iam:TagUser", "iam:UntagRole", "iam:UntagUser", "sts:TagSession"]


def minified(policy: PolicyDocument) -> str:
    """How Organizations counts an SCP: whitespace is kept when saved through the API, so it is removed here."""
    return json.dumps(policy, separators=(",", ":"))


# --- the library -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Library:
    """Builds each library policy's statements for one partition."""

    org: Organization
    deployment_role_patterns: tuple[str, ...]
    deploy_role_patterns: tuple[str, ...] = ("cdk-hnb659fds-deploy-role-*",)
    breakglass_users: tuple[str, ...] = ()  # exact ARNs
    breakglass_user_managers: tuple[str, ...] = ()  # principal ARN patterns
    network_cidrs: tuple[str, ...] = ()
    network_vpc_endpoints: tuple[str, ...] = ()

    @property
    def _p(self) -> str:
        return self.org.partition

    def _role_arns(self, *patterns: str) -> list[str]:
        return [f"arn:{self._p}:iam::*:role/{pattern}" for pattern in patterns]

    def _unless_deploying(self, condition: Condition | None = None) -> Condition:
        """The condition plus: not the role the baseline is deployed with."""
        out = dict(condition or {})
        out["ArnNotLike"] = {"aws:PrincipalArn": self._role_arns(*self.deployment_role_patterns)}
        return out

    def _protect(self, sid: str, actions: list[str], resources: list[str]) -> Statement:
        """Deny changing baseline resources to everyone but the deployment role."""
        resource = resources if len(resources) > 1 else resources[0]
        return deny(sid=sid, action=actions, resource=resource, condition=self._unless_deploying())

    def statements(self, policy: ScpName, regions: list[str] | None = None) -> list[Statement]:
        builders: dict[str, Callable[[], list[Statement]]] = {
            "deny-leave-organization": self.deny_leave_organization,
            "deny-root-user": self.deny_root_user,
            "protect-baseline": self.protect_baseline,
            "deny-iam-users": self.deny_iam_users,
            "protect-account-settings": self.protect_account_settings,
            "network-restricted-credentials": self.network_restricted_credentials,
        }
        if policy == "region-lock":
            return self.region_lock(regions or [])
        return builders[policy]()

    def deny_leave_organization(self) -> list[Statement]:
        return [deny(sid="DenyLeaveOrganization", action="organizations:LeaveOrganization", resource="*")]

    def deny_root_user(self) -> list[Statement]:
        # Centralized root access sessions (sts:AssumeRoot from the management account) carry aws:AssumedRoot.
        root = {"ArnLike": {"aws:PrincipalArn": f"arn:{self._p}:iam::*:root"}, "Null": {"aws:AssumedRoot": "true"}}
        return [deny(sid="DenyRootUser", action="*", resource="*", condition=root)]

    def region_lock(self, regions: list[str]) -> list[Statement]:
        outside = self._unless_deploying({"StringNotEquals": {"aws:RequestedRegion": sorted(regions)}})
        return [
            deny(
                sid="DenyOutsideAllowedRegions",
                not_action=list(GLOBAL_SERVICE_ACTIONS),
                resource="*",
                condition=outside,
            )
        ]

    def protect_baseline(self) -> list[Statement]:
        n, p, bp = self.org, self._p, self.org.baseline_prefix
        logs = (n.trail_bucket, n.access_log_bucket, n.session_log_bucket, n.config_bucket, n.guardduty_findings_bucket)
        buckets = [f"arn:{p}:s3:::{b}" for b in logs]
        roles = [f"arn:{p}:iam::*:role/{bp}*", f"arn:{p}:iam::*:instance-profile/{bp}*", f"arn:{p}:iam::*:policy/{bp}*"]
        rules_and_buses = [
            f"arn:{p}:events:*:*:rule/{bp}*",
            f"arn:{p}:events:*:*:rule/*/{bp}*",
            f"arn:{p}:events:*:*:event-bus/{bp}*",
        ]
        documents = [f"arn:{p}:ssm:*:*:document/{SESSION_PREFERENCES_DOCUMENT}", f"arn:{p}:ssm:*:*:document/{bp}*"]
        # Key ARNs are not known before deployment: the baseline's keys are recognized by their aliases.
        by_alias = self._unless_deploying({"ForAnyValue:StringLike": {"kms:ResourceAliases": n.key_alias_pattern}})
        # Each account's baseline shares the approved documents with itself through the document sharer role in the
        # security account (Session Manager); nobody else changes who may use them.
        sharers = {"ArnNotLike": {"aws:PrincipalArn": [*self._role_arns(*self.deployment_role_patterns),
                                                       n.document_sharer_role_arn]}}  # fmt: skip
        return [
            self._protect("ProtectOrgTrail", TRAIL_CHANGES, [n.trail_arn]),
            self._protect("ProtectLogBuckets", LOG_BUCKET_CHANGES, buckets),
            self._protect("ProtectLogObjects", LOG_OBJECT_CHANGES, [f"{b}/*" for b in buckets]),
            deny(sid="ProtectBaselineKeys", action=KEY_CHANGES, resource="*", condition=by_alias),
            self._protect("ProtectBaselineKeyAliases", KEY_ALIAS_CHANGES, [f"arn:{p}:kms:*:*:{n.key_alias_pattern}"]),
            self._protect("ProtectBaselineRoles", ROLE_CHANGES, roles),
            self._protect("ProtectAlertTopics", TOPIC_CHANGES, [f"arn:{p}:sns:*:*:{bp}*"]),
            self._protect("ProtectAlertRulesAndBuses", RULE_AND_BUS_CHANGES, rules_and_buses),
            self._protect("ProtectBackupVaults", VAULT_CHANGES, [f"arn:{p}:backup:*:*:backup-vault:{bp}*"]),
            self._protect("ProtectSessionDocuments", DOCUMENT_CHANGES, documents),
            deny(
                sid="ProtectSessionDocumentSharing",
                action="ssm:ModifyDocumentPermission",
                resource=f"arn:{p}:ssm:*:*:document/{bp}*",
                condition=sharers,
            ),
            # The security services' handler in the security account (their delegated administrator) sets the
            # detector's protection plans (guardduty:UpdateDetector, constructs/security/guardduty.py): exempt by
            # exact account, so the same role name elsewhere is still denied.
            deny(
                sid="ProtectSecurityServices",
                action=SECURITY_SERVICE_SHUTDOWNS,
                resource="*",
                condition={
                    "ArnNotLike": {
                        "aws:PrincipalArn": [
                            *self._role_arns(*self.deployment_role_patterns),
                            f"arn:{p}:iam::{self.org.security_account_id}:role/{self.org.security_services_handler}",
                        ]
                    }
                },
            ),
            *self.protect_deployment_path(),
        ]

    def protect_deployment_path(self) -> list[Statement]:
        """Only the deployment path may act as the deployment role.

        `cdk deploy` assumes the bootstrap's deploy role, which calls CloudFormation with the execution role; the
        bootstrap template grants iam:PassRole on the execution role to the deploy role only (aws-cdk CLI,
        lib/api/bootstrap/bootstrap-template.yaml; https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html).
        CloudFormation checks iam:PassRole of the caller that names a service role
        (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html), so nobody else
        (Administrator, breakglass, OrganizationAccountAccessRole) may pass it. The deploy role trusts its own
        account as well as the `--trust` account (same template), so only principals of the deployment account may
        assume it; the management account is not bound by SCPs at all.
        """
        not_deploy_role = {"ArnNotLike": {"aws:PrincipalArn": self._role_arns(*self.deploy_role_patterns)}}
        outside_deployment_account = {"StringNotEquals": {"aws:PrincipalAccount": [self.org.deployment_account_id]}}
        return [
            deny(
                sid="DenyPassingTheDeploymentRole",
                action="iam:PassRole",
                resource=self._role_arns(*self.deployment_role_patterns),
                condition=not_deploy_role,
            ),
            deny(
                sid="DenyDeployRoleOutsideDeploymentAccount",
                action="sts:AssumeRole",
                resource=self._role_arns(*self.deploy_role_patterns),
                condition=outside_deployment_account,
            ),
        ]

    def deny_iam_users(self) -> list[Statement]:
        # People sign in through Identity Center; nobody creates IAM users or console passwords. A legacy bot user
        # tagged baseline:legacy-bot-migration=true may still get new access keys until it is migrated; only the
        # deployment and breakglass roles may set that tag (every breakglass use alerts).
        tag_setters = self._role_arns(*self.deployment_role_patterns, self.org.breakglass_role)
        not_legacy_bot = {"StringNotEquals": {f"aws:ResourceTag/{LEGACY_BOT_TAG}": "true"}}
        tagging_legacy_bot = {
            "ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": [LEGACY_BOT_TAG]},
            "ArnNotLike": {"aws:PrincipalArn": tag_setters},
        }
        statements = [
            deny(
                sid="DenyAccessKeysExceptLegacyBots",
                action="iam:CreateAccessKey",
                resource="*",
                condition=not_legacy_bot,
            ),
            deny(sid="ProtectLegacyBotTag", action="iam:TagUser", resource="*", condition=tagging_legacy_bot),
        ]
        if not self.breakglass_users:
            return [deny(sid="DenyIamUsersAndPasswords", action=IAM_USER_CREATION, resource="*"), *statements]
        # The breakglass users the config names (exact ARNs) are the one exception: their managers (the Administrator
        # permission set and the breakglass role of the account that holds them) create them and rotate their
        # passwords. Console and MFA only: no access keys for them, even with the legacy-bot tag.
        users = list(self.breakglass_users)
        managers = {"ArnNotLike": {"aws:PrincipalArn": list(self.breakglass_user_managers)}}
        return [
            deny(sid="DenyIamUsersAndPasswords", action=IAM_USER_CREATION, not_resource=users),
            deny(sid="ProtectBreakglassUsers", not_action=BREAKGLASS_USER_READS, resource=users, condition=managers),
            deny(sid="DenyBreakglassAccessKeys", action="iam:CreateAccessKey", resource=users),
            *statements,
        ]

    def protect_account_settings(self) -> list[Statement]:
        n, p = self.org, self._p
        # The baseline turns both settings on (constructs/account/settings.py) through its function's role
        # `<prefix>-baseline-account-settings`; the deployment role may make the calls too.
        setters = {"ArnNotLike": {"aws:PrincipalArn": self._role_arns(*self.deployment_role_patterns,
                                                                     n.account_settings_handler)}}  # fmt: skip
        # Only the deployment role may point that role at other code: by passing it to another function, or by
        # changing the code or configuration (layers) of the baseline's function.
        role = f"arn:{p}:iam::*:role/{n.account_settings_handler}"
        function = f"arn:{p}:lambda:*:*:function:{n.account_settings_handler}"
        return [
            # The account-level Block Public Access call turns it on or off (put or delete: both are
            # s3:PutAccountPublicAccessBlock, https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_PutPublicAccessBlock.html),
            # so it cannot be told apart by condition: only the setters make it.
            deny(
                sid="ProtectS3AccountPublicAccessBlock",
                action="s3:PutAccountPublicAccessBlock",
                resource="*",
                condition=setters,
            ),
            # EBS has separate actions: enabling stays open to everyone, disabling is denied to everyone.
            deny(sid="DenyDisablingEbsDefaultEncryption", action="ec2:DisableEbsEncryptionByDefault", resource="*"),
            deny(
                sid="ProtectAccountSettingsRole",
                action="iam:PassRole",
                resource=role,
                condition=self._unless_deploying(),
            ),
            self._protect(
                "ProtectAccountSettingsFunction",
                ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"],
                [function],
            ),
        ]

    def network_restricted_credentials(self) -> list[Statement]:
        # Outside the allowed networks, unless an AWS service calls on the principal's behalf. Through a VPC endpoint
        # aws:SourceIp is absent: only the listed endpoints are allowed then.
        outside: Condition = {
            "StringEquals": {f"aws:PrincipalTag/{NETWORK_RESTRICTED_TAG}": "true"},
            "NotIpAddressIfExists": {"aws:SourceIp": list(self.network_cidrs)},
            "BoolIfExists": {"aws:ViaAWSService": "false"},
        }
        if self.network_vpc_endpoints:
            outside["StringNotEqualsIfExists"] = {"aws:SourceVpce": list(self.network_vpc_endpoints)}
        # The tag is the restriction: nobody but the deployment role sets or removes it, on the principal or as a
        # session tag (which would override the principal's).
        tagging = self._unless_deploying(
            {"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": [NETWORK_RESTRICTED_TAG]}}
        )
        return [
            deny(sid="DenyNetworkRestrictedOutsideAllowedNetworks", action="*", resource="*", condition=outside),
            deny(sid="ProtectNetworkRestrictedTag", action=PRINCIPAL_TAG_CHANGES, resource="*", condition=tagging),
        ]


def library_for(config: OrgConfig, org: Organization) -> Library:
    network = config.network_restriction
    breakglass = breakglass_principals(config, org.partition)
    users = breakglass.users if breakglass else ()
    holders = breakglass.user_account_ids if breakglass else ()
    return Library(
        org=org,
        deployment_role_patterns=tuple(config.service_control_policies.deployment_role_patterns),
        deploy_role_patterns=tuple(config.service_control_policies.deploy_role_patterns),
        breakglass_users=users,
        breakglass_user_managers=tuple(arn for account in holders for arn in org.breakglass_user_managers(account)),
        network_cidrs=tuple(network.allowed_cidrs) if network else (),
        network_vpc_endpoints=tuple(network.allowed_vpc_endpoints) if network else (),
    )


def enabled_policies(config: OrgConfig) -> list[ScpName]:
    scps = config.service_control_policies
    return [
        name
        for name in SCP_NAMES
        if scps.attachment(name).enabled and (name != "network-restricted-credentials" or config.network_restriction)
    ]


# --- attachments, splitting, packing -----------------------------------------------------------------


@dataclass(frozen=True)
class Scp:
    """One SCP document and where it is attached."""

    name: str
    policies: tuple[str, ...]  # library policies whose statements it holds
    statements: tuple[Statement, ...]
    targets: tuple[Target, ...]

    @property
    def document(self) -> PolicyDocument:
        return document(*self.statements)

    @property
    def content(self) -> str:
        return minified(self.document)

    @property
    def target_ids(self) -> list[str]:
        return sorted(t.id for t in self.targets if t.id)

    @property
    def description(self) -> str:
        where = ", ".join(t.label for t in self.targets)
        return f"org-baseline guardrails ({', '.join(self.policies)}) attached to {where}"[:512]


@dataclass
class Budget:
    """The SCPs of one partition, and what does not fit its quotas."""

    partition: PartitionName
    scps: list[Scp] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def with_exclusions(
    statements: list[Statement], excluded: list[str], key: str = "aws:PrincipalAccount"
) -> list[Statement]:
    """Each statement, applying to none of the `excluded` accounts (`key`: whose principals for SCPs, whose
    resources for RCPs)."""
    if not excluded:
        return statements
    out = []
    for statement in statements:
        condition = {op: dict(keys) for op, keys in statement.get("Condition", {}).items()}
        # A statement that already exempts accounts (StringNotEquals: none of them) exempts the excluded ones too.
        exempt = condition.setdefault("StringNotEquals", {})
        exempt[key] = [*exempt.get(key, []), *excluded]
        out.append({**statement, "Condition": condition})
    return out


@dataclass(frozen=True)
class Unit:
    """The statements of one library policy (or one region override of the region lock) and where they attach."""

    name: str
    policies: tuple[str, ...]
    statements: list[Statement]
    targets: tuple[Target, ...]


def split(unit: Unit, limit: int) -> tuple[list[Scp], list[Statement]]:
    """Pack statements in order into as few documents under `limit` as possible; returns (scps, too-big statements)."""
    parts: list[list[Statement]] = [[]]
    too_big = []
    for statement in unit.statements:
        if len(minified(document(statement))) > limit:
            too_big.append(statement)
        elif len(minified(document(*parts[-1], statement))) <= limit:
            parts[-1].append(statement)
        else:
            parts.append([statement])
    parts = [part for part in parts if part]
    if len(parts) == 1:
        return [Scp(unit.name, unit.policies, tuple(parts[0]), unit.targets)], too_big
    numbered = [Scp(f"{unit.name}-{i}", unit.policies, tuple(part), unit.targets) for i, part in enumerate(parts, 1)]
    return numbered, too_big


def partition_budget(config: OrgConfig, partition: PartitionName, org: Organization) -> Budget:
    """The partition's SCPs after splitting (and packing, if a target is over its count), with every problem."""
    scps_config = config.service_control_policies
    settings = scps_config.settings(partition)
    library = library_for(config, org)
    budget = Budget(partition)
    units: list[Unit] = []
    for policy in enabled_policies(config):
        attachment = scps_config.attachment(policy)
        targets = tuple(targets_in(config, partition, attachment.targets))
        if not targets:
            continue
        excluded = excluded_account_ids(config, partition, attachment.targets)
        part = config.partitions[partition]
        statements = with_exclusions(library.statements(policy, part.allowed_regions), excluded)
        units.append(Unit(org.scp_name(policy), (policy,), statements, targets))
        if policy == "region-lock":
            for override in settings.region_overrides:
                ous = {ou.path: ou for ou in part.organizational_units}
                if override.organizational_unit not in ous:
                    continue  # reported by the semantic checks
                ou = ous[override.organizational_unit]
                slug = ou.path.lower().replace("/", "-").replace(" ", "-").replace("_", "-").replace(".", "-")
                narrowed = with_exclusions(library.statements(policy, override.allowed_regions), excluded)
                target = Target("ou", ou.path, ou.id)
                units.append(Unit(org.scp_name(f"region-lock-{slug}"), (policy,), narrowed, (target,)))

    fit(budget, units, settings, SCP_KIND, org.scp_name)
    return budget


@dataclass(frozen=True)
class PolicyKind:
    """What the budget messages say about one authorization policy type."""

    short: str  # "SCP"
    label: str  # how a size message names one library policy: "policy"
    managed: str  # the AWS-managed full-access policy every target carries
    section: str  # the config section: "service_control_policies"
    shorten: str  # what to shorten when one statement alone is over the size


SCP_KIND = PolicyKind(
    "SCP",
    "policy",
    "FullAWSAccess",
    "service_control_policies",
    "shorten its lists (regions, CIDRs, excluded accounts)",
)


def fit(budget: Budget, units: list[Unit], settings: Settings, kind: PolicyKind, name: Callable[[str], str]) -> None:
    """Split each unit's statements under the size quota, pack documents that share targets when a target is over
    its count, and add to `budget` the documents and every problem still left."""
    where = f"partitions.{budget.partition}"
    limit = settings.max_policy_chars
    for unit in units:
        parts, too_big = split(unit, limit)
        budget.scps += parts
        for statement in too_big:
            size = len(minified(document(statement)))
            message = (
                f"{kind.label} {unit.name.removeprefix(name(''))} for {where}: statement {statement.get('Sid')} "
                f"alone is {size:,} characters minified, {size - limit:,} over the {limit:,} limit "
                f"(max_policy_chars); a statement cannot be split: {kind.shorten} or raise the limit"
            )
            budget.problems.append(Problem(f"{kind.section}.policies.{unit.policies[0]}", message))

    if over_count(budget.scps, settings):
        budget.scps = packed(budget.scps, name, limit)
    for target, count in over_count(budget.scps, settings).items():
        quota = settings.max_policies_per_target
        message = (
            f"{target.label} in {where} would have {count} {kind.short}s attached ({kind.managed}, "
            f"{settings.reserved_slots} reserved, {count - 1 - settings.reserved_slots} from the library even after "
            f"packing policies that share targets), {count - quota} over the limit of {quota}"
        )
        budget.problems.append(
            Problem(f"{kind.section}.partitions.{budget.partition}.max_policies_per_target", message)
        )


class Quotas(Protocol):
    @property
    def max_policies_per_target(self) -> int: ...
    @property
    def reserved_slots(self) -> int: ...


class Settings(Quotas, Protocol):
    @property
    def max_policy_chars(self) -> int: ...


def over_count(scps: list[Scp], settings: Quotas) -> dict[Target, int]:
    """Targets that would carry more policies than the quota (the AWS-managed full-access policy counts 1)."""
    counts: dict[Target, int] = {}
    for scp in scps:
        for target in scp.targets:
            counts[target] = counts.get(target, 1 + settings.reserved_slots) + 1  # FullAWSAccess counts 1
    return {t: c for t, c in counts.items() if c > settings.max_policies_per_target}


def packed(scps: list[Scp], name: Callable[[str], str], limit: int) -> list[Scp]:
    """Combine the documents that share exactly the same targets, keeping statement order."""
    groups: dict[tuple[Target, ...], list[Scp]] = {}
    for scp in scps:
        groups.setdefault(scp.targets, []).append(scp)
    packed: list[Scp] = []
    for targets, members in groups.items():
        if len(members) == 1:
            packed += members
            continue
        key = hashlib.sha256(",".join(f"{t.kind}:{t.name}" for t in targets).encode()).hexdigest()[:8]
        policies = tuple(dict.fromkeys(p for m in members for p in m.policies))
        statements = _unique_sids([s for m in members for s in m.statements])
        parts, _ = split(Unit(name(f"guardrails-{key}"), policies, statements, targets), limit)
        packed += parts
    return packed


def _unique_sids(statements: list[Statement]) -> list[Statement]:
    """Sids must be unique within a document (e.g. two region locks packed together)."""
    seen: dict[str, int] = {}
    out = []
    for statement in statements:
        sid = statement.get("Sid", "")
        seen[sid] = seen.get(sid, 0) + 1
        out.append(statement if seen[sid] == 1 else {**statement, "Sid": f"{sid}{seen[sid]}"})
    return out

"""What the deployed SCPs decide: representative requests, evaluated against the policies in the synthesized
Guardrails template that apply to an account (root, its OUs, the account), for a normal role, the breakglass
role and the deployment role, in both partitions. The evaluator is `tests/support/iam_eval.py` (tested on its own,
in `tests/test_iam_eval.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from config.models import OrgConfig
from config.naming import LEGACY_BOT_TAG, NETWORK_RESTRICTED_TAG, organization
from config.policies.evaluator import FULL_AWS_ACCESS, Request, Value, denying_sids, evaluate
from config.regions import PartitionName
from tests.conftest import WORKLOAD, Synthesized
from tests.support.templates import of_type

NORMAL, BREAKGLASS, DEPLOYMENT = "normal", "breakglass", "deployment"
ROLES = (NORMAL, BREAKGLASS, DEPLOYMENT)
Context = Mapping[str, Value]  # condition keys of a request, by name
EMPTY: Context = {}
OFFICE_IP, ELSEWHERE_IP = "203.0.113.10", "198.18.0.1"  # inside / outside network_restriction.allowed_cidrs


def applicable_scps(
    synth: Synthesized, config: OrgConfig, partition: PartitionName, account_ou: str, account_id: str
) -> list[dict[str, Any]]:
    """The SCP documents attached to the root, to the OU path of the account (and its parents) or to the account."""
    part = config.partitions[partition]
    ou_ids = {ou.path: ou.id for ou in part.organizational_units}
    chain = account_ou.split("/") if account_ou != "Root" else []
    targets = {part.root_id, account_id} | {ou_ids["/".join(chain[: i + 1])] for i in range(len(chain))}
    template = synth.templates[synth.only("guardrails", partition)]
    return [
        resource["Properties"]["Content"]
        for resource in of_type(template, "AWS::Organizations::Policy").values()
        if resource["Properties"]["Type"] == "SERVICE_CONTROL_POLICY"
        and targets & set(resource["Properties"]["TargetIds"])
    ]


class AccountScps:
    """Requests from principals of one account, evaluated against that account's SCPs plus FullAWSAccess."""

    def __init__(
        self,
        synth: Synthesized,
        config: OrgConfig,
        partition: PartitionName,
        account_name: str | None = None,
        *,
        ou: str | None = None,
        account_id: str | None = None,
    ) -> None:
        account = next(a for a in config.accounts if a.name == (account_name or WORKLOAD[partition]))
        self.partition = partition
        self.org = organization(config, partition)
        self.account_id = account_id or account.id
        self.region = self.org.home_region
        self.documents: list[dict[str, Any]] = [
            FULL_AWS_ACCESS,
            *applicable_scps(synth, config, partition, ou or account.ou, self.account_id),
        ]

    def arn(self, service: str, resource: str, region: str = "", account: str | None = None) -> str:
        return f"arn:{self.partition}:{service}:{region}:{self.account_id if account is None else account}:{resource}"

    def principal(self, role: str) -> str:
        names = {NORMAL: "app-developer", BREAKGLASS: self.org.breakglass_role,
                 DEPLOYMENT: f"cdk-hnb659fds-cfn-exec-role-{self.account_id}-{self.region}"}  # fmt: skip
        name = names.get(role, role)
        return self.arn("iam", "root" if role == "root" else f"role/{name}")

    def decide(
        self, role: str, action: str, resource: str = "*", *, region: str | None = None, context: Context = EMPTY
    ) -> str:
        """The decision for a request by `role` from the office, in the home region unless `region` says otherwise;
        `context` adds (or replaces) condition keys."""
        keys: dict[str, Value] = {
            "aws:PrincipalArn": self.principal(role), "aws:PrincipalAccount": self.account_id,
            "aws:RequestedRegion": region or self.region, "aws:ViaAWSService": "false", "aws:SourceIp": OFFICE_IP,
            **context,
        }  # fmt: skip
        return evaluate(self.documents, Request(action, resource, keys))

    def why(self, role: str, action: str, resource: str = "*", context: Context = EMPTY) -> list[str]:
        keys: dict[str, Value] = {"aws:PrincipalArn": self.principal(role), "aws:PrincipalAccount": self.account_id,
                                  "aws:RequestedRegion": self.region, **context}  # fmt: skip
        return denying_sids(self.documents, Request(action, resource, keys))


@pytest.fixture
def scps(synth: Synthesized, example_config: OrgConfig, partition: PartitionName) -> AccountScps:
    """The workload account of the partition."""
    return AccountScps(synth, example_config, partition)


def expect(
    scps: AccountScps,
    expected: dict[str, str],
    action: str,
    resource: str = "*",
    *,
    region: str | None = None,
    context: Context = EMPTY,
) -> None:
    actual = {role: scps.decide(role, action, resource, region=region, context=context) for role in expected}
    assert actual == expected, f"{action} on {resource} in {scps.partition}"


DENIED_TO_ALL = {NORMAL: "Deny", BREAKGLASS: "Deny", DEPLOYMENT: "Deny"}
BASELINE_ONLY = {NORMAL: "Deny", BREAKGLASS: "Deny", DEPLOYMENT: "Allow"}  # protected; only the deployment role
ALLOWED = {NORMAL: "Allow", BREAKGLASS: "Allow", DEPLOYMENT: "Allow"}


def test_nobody_leaves_the_organization(scps: AccountScps) -> None:
    expect(scps, DENIED_TO_ALL, "organizations:LeaveOrganization")


def test_root_user_is_denied_except_centralized_root_sessions(scps: AccountScps) -> None:
    assert scps.decide("root", "s3:ListAllMyBuckets") == "Deny"
    assert scps.decide("root", "iam:CreateAccessKey") == "Deny"
    # sts:AssumeRoot sessions from the management account carry aws:AssumedRoot.
    assert scps.decide("root", "s3:DeleteBucketPolicy", context={"aws:AssumedRoot": "true"}) == "Allow"
    assert scps.decide(NORMAL, "s3:ListAllMyBuckets") == "Allow"


@pytest.mark.parametrize("action", ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail"])
def test_the_org_trail_is_protected(scps: AccountScps, action: str) -> None:
    expect(scps, BASELINE_ONLY, action, scps.org.trail_arn)
    other = scps.arn("cloudtrail", "trail/team-trail", scps.region)
    expect(scps, ALLOWED, action, other)


# (action, what follows the bucket name in the resource ARN)
BUCKET_ACTIONS = [
    ("s3:PutBucketPolicy", ""), ("s3:DeleteBucket", ""), ("s3:PutLifecycleConfiguration", ""),
    ("s3:PutBucketVersioning", ""), ("s3:DeleteObject", "/AWSLogs/o-x/file.json.gz"),
    ("s3:DeleteObjectVersion", "/AWSLogs/o-x/file.json.gz"),
]  # fmt: skip


@pytest.mark.parametrize(
    "bucket", ["trail_bucket", "access_log_bucket", "session_log_bucket", "config_bucket", "guardduty_findings_bucket"]
)
@pytest.mark.parametrize(("action", "suffix"), BUCKET_ACTIONS)
def test_log_buckets_and_their_objects_are_protected(scps: AccountScps, bucket: str, action: str, suffix: str) -> None:
    expect(scps, BASELINE_ONLY, action, f"arn:{scps.partition}:s3:::{getattr(scps.org, bucket)}{suffix}")
    expect(scps, ALLOWED, action, f"arn:{scps.partition}:s3:::team-data-bucket{suffix}")


@pytest.mark.parametrize(
    "action", ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:DisableKeyRotation"]
)
def test_baseline_keys_are_protected_by_alias(scps: AccountScps, action: str) -> None:
    key = scps.arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab", scps.region)
    trail_alias = f"alias/{scps.org.trail_name}"
    bucket_alias = f"alias/{scps.org.trail_bucket}"
    for alias in (trail_alias, bucket_alias):
        expect(scps, BASELINE_ONLY, action, key, context={"kms:ResourceAliases": ["alias/extra", alias]})
    expect(scps, ALLOWED, action, key, context={"kms:ResourceAliases": ["alias/team-key"]})
    expect(scps, ALLOWED, action, key)  # a key without aliases


def test_baseline_key_aliases_cannot_be_moved_or_deleted(scps: AccountScps) -> None:
    alias = scps.arn("kms", f"alias/{scps.org.trail_name}", scps.region)
    expect(scps, BASELINE_ONLY, "kms:DeleteAlias", alias)
    expect(scps, BASELINE_ONLY, "kms:UpdateAlias", alias)
    expect(scps, ALLOWED, "kms:DeleteAlias", scps.arn("kms", "alias/team-key", scps.region))


ROLE_ACTIONS = ["iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePolicy",
                "iam:DetachRolePolicy", "iam:DeleteRolePermissionsBoundary"]  # fmt: skip


@pytest.mark.parametrize("action", ROLE_ACTIONS)
def test_baseline_roles_are_protected_from_everyone_but_the_deployment_role(scps: AccountScps, action: str) -> None:
    for role in (scps.org.breakglass_role, scps.org.instance_role, scps.org.alert_forwarder_role):
        expect(scps, BASELINE_ONLY, action, scps.arn("iam", f"role/{role}"))
    expect(scps, ALLOWED, action, scps.arn("iam", "role/app-service-role"))


def test_alert_topics_rules_and_buses_are_protected(scps: AccountScps) -> None:
    topic = scps.arn("sns", scps.org.alert_topic, scps.region)
    expect(scps, BASELINE_ONLY, "sns:DeleteTopic", topic)
    expect(scps, BASELINE_ONLY, "sns:SetTopicAttributes", scps.arn("sns", scps.org.alarm_topic, scps.region))
    rule = scps.arn("events", f"rule/{scps.org.baseline_prefix}breakglass-used", scps.region)
    expect(scps, BASELINE_ONLY, "events:DisableRule", rule)
    expect(scps, BASELINE_ONLY, "events:RemoveTargets", rule)
    bus_rule = scps.arn("events", f"rule/{scps.org.alert_bus}/{scps.org.baseline_prefix}forward", scps.region)
    expect(scps, BASELINE_ONLY, "events:DeleteRule", bus_rule)
    expect(
        scps, BASELINE_ONLY, "events:DeleteEventBus", scps.arn("events", f"event-bus/{scps.org.alert_bus}", scps.region)
    )
    expect(scps, ALLOWED, "events:DisableRule", scps.arn("events", "rule/team-rule", scps.region))
    expect(scps, ALLOWED, "sns:DeleteTopic", scps.arn("sns", "team-topic", scps.region))


VAULT_ACTIONS = [
    "backup:DeleteBackupVault", "backup:PutBackupVaultAccessPolicy", "backup:DeleteBackupVaultAccessPolicy",
    "backup:PutBackupVaultLockConfiguration", "backup:DeleteBackupVaultLockConfiguration",
]  # fmt: skip


@pytest.mark.parametrize("action", VAULT_ACTIONS)
def test_backup_vault_policies_and_lock_are_protected(scps: AccountScps, action: str) -> None:
    expect(scps, BASELINE_ONLY, action, scps.arn("backup", f"backup-vault:{scps.org.backup_vault}", scps.region))
    expect(scps, ALLOWED, action, scps.arn("backup", "backup-vault:team-vault", scps.region))


def test_session_manager_preferences_document_is_protected(scps: AccountScps) -> None:
    preferences = scps.arn("ssm", "document/SSM-SessionManagerRunShell", scps.region)
    expect(scps, BASELINE_ONLY, "ssm:UpdateDocument", preferences)
    expect(scps, BASELINE_ONLY, "ssm:DeleteDocument", preferences)
    shared = scps.arn(
        "ssm", f"document/{scps.org.session_documents['shell']}", scps.region, account=scps.org.security_account_id
    )
    expect(scps, BASELINE_ONLY, "ssm:UpdateDocument", shared)
    expect(scps, ALLOWED, "ssm:UpdateDocument", scps.arn("ssm", "document/team-runbook", scps.region))


def test_only_the_document_sharer_changes_who_may_use_the_approved_documents(scps: AccountScps) -> None:
    shell = scps.arn(
        "ssm", f"document/{scps.org.session_documents['shell']}", scps.region, account=scps.org.security_account_id
    )
    expect(scps, BASELINE_ONLY, "ssm:ModifyDocumentPermission", shell)
    sharer = scps.org.document_sharer_role_arn  # in the security account, assumed by each account's baseline
    context: dict[str, Value] = {"aws:PrincipalArn": sharer, "aws:PrincipalAccount": scps.org.security_account_id,
                                 "aws:RequestedRegion": scps.region}  # fmt: skip
    request = Request("ssm:ModifyDocumentPermission", shell, context)
    assert evaluate(scps.documents, request) == "Allow"
    impostor = sharer.replace(scps.org.security_account_id, scps.account_id)  # the same name elsewhere
    assert (
        evaluate(scps.documents, Request(request.action, shell, {**request.context, "aws:PrincipalArn": impostor}))
        == "Deny"
    )


SECURITY_SERVICE_SHUTDOWNS = [
    "config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel",
    "config:PutConfigurationRecorder", "config:PutDeliveryChannel",
    "guardduty:DeleteDetector", "guardduty:DisassociateFromAdministratorAccount", "guardduty:UpdateDetector",
    "securityhub:DisableSecurityHub", "securityhub:DisassociateFromAdministratorAccount",
    "securityhub:BatchDisableStandards",
]  # fmt: skip


@pytest.mark.parametrize("action", SECURITY_SERVICE_SHUTDOWNS)
def test_security_services_cannot_be_turned_off(scps: AccountScps, action: str) -> None:
    expect(scps, BASELINE_ONLY, action)


def test_the_baseline_may_record_with_configs_service_linked_role(scps: AccountScps) -> None:
    """The deployment role creates the recorder and channel and starts recording (BASELINE_ONLY above covers the
    Put* calls); the account-settings function creates AWS Config's service-linked role, which no SCP denies."""
    expect(scps, ALLOWED, "config:StartConfigurationRecorder")
    slr = scps.arn("iam", "role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig")
    settings = scps.arn("iam", "role/examplecorp-baseline-account-settings")
    context: dict[str, Value] = {"aws:PrincipalArn": settings, "aws:PrincipalAccount": scps.account_id,
                                 "aws:RequestedRegion": scps.region,
                                 "iam:AWSServiceName": "config.amazonaws.com"}  # fmt: skip
    assert evaluate(scps.documents, Request("iam:CreateServiceLinkedRole", slr, context)) == "Allow"
    assert evaluate(scps.documents, Request("iam:GetRole", slr, context)) == "Allow"


def test_security_services_can_still_be_read(scps: AccountScps) -> None:
    expect(scps, ALLOWED, "guardduty:ListFindings")
    expect(scps, ALLOWED, "config:DescribeConfigurationRecorders")


def test_iam_users_and_passwords_are_denied_to_everyone(scps: AccountScps) -> None:
    user = scps.arn("iam", "user/legacy-deployer")
    expect(scps, DENIED_TO_ALL, "iam:CreateUser", user)
    expect(scps, DENIED_TO_ALL, "iam:CreateLoginProfile", user)
    expect(scps, DENIED_TO_ALL, "iam:UpdateLoginProfile", user)


def test_access_keys_only_for_legacy_bots_being_migrated(scps: AccountScps) -> None:
    user = scps.arn("iam", "user/legacy-deployer")
    expect(scps, DENIED_TO_ALL, "iam:CreateAccessKey", user)
    tagged = {f"aws:ResourceTag/{LEGACY_BOT_TAG}": "true"}
    assert scps.decide(NORMAL, "iam:CreateAccessKey", user, context=tagged) == "Allow"
    assert (
        scps.decide(NORMAL, "iam:CreateAccessKey", user, context={f"aws:ResourceTag/{LEGACY_BOT_TAG}": "yes"}) == "Deny"
    )


def test_only_deployment_and_breakglass_roles_grant_the_legacy_bot_exception(scps: AccountScps) -> None:
    user = scps.arn("iam", "user/legacy-deployer")
    adding: Context = {"aws:TagKeys": [LEGACY_BOT_TAG.upper()]}  # tag keys are case-insensitive in IAM
    expect(scps, {NORMAL: "Deny", BREAKGLASS: "Allow", DEPLOYMENT: "Allow"}, "iam:TagUser", user, context=adding)
    expect(scps, ALLOWED, "iam:TagUser", user, context={"aws:TagKeys": ["team"]})
    expect(scps, ALLOWED, "iam:UntagUser", user, context={"aws:TagKeys": [LEGACY_BOT_TAG]})  # only narrows


SETTINGS_ROLE = "examplecorp-baseline-account-settings"  # the baseline's account-settings function
ADMIN = "AWSReservedSSO_Administrator_0123456789abcdef"  # an administrator of the account (Identity Center)


def test_account_public_access_block_and_ebs_default_encryption(scps: AccountScps) -> None:
    # S3: one action turns the account's Block Public Access on or off; only the baseline's function and the
    # deployment role may call it.
    expect(scps, {**BASELINE_ONLY, SETTINGS_ROLE: "Allow", ADMIN: "Deny"}, "s3:PutAccountPublicAccessBlock")
    expect(scps, {**ALLOWED, SETTINGS_ROLE: "Allow", ADMIN: "Allow"}, "s3:GetAccountPublicAccessBlock")
    # EBS: enabling is open to all, disabling denied to all, the function and the deployment role included.
    expect(scps, {**DENIED_TO_ALL, SETTINGS_ROLE: "Deny", ADMIN: "Deny"}, "ec2:DisableEbsEncryptionByDefault")
    expect(scps, {**ALLOWED, SETTINGS_ROLE: "Allow", ADMIN: "Allow"}, "ec2:EnableEbsEncryptionByDefault")
    other_region = "us-west-2" if scps.partition == "aws" else "us-gov-east-1"
    assert scps.decide(ADMIN, "ec2:DisableEbsEncryptionByDefault", region=other_region) == "Deny"


def test_nobody_but_the_deployment_role_points_the_account_settings_role_at_other_code(scps: AccountScps) -> None:
    role = scps.arn("iam", f"role/{SETTINGS_ROLE}")
    expect(scps, {**BASELINE_ONLY, ADMIN: "Deny"}, "iam:PassRole", role)
    expect(scps, {**ALLOWED, ADMIN: "Allow"}, "iam:PassRole", scps.arn("iam", "role/app-service-role"))
    for region in (scps.region, "us-west-2" if scps.partition == "aws" else "us-gov-east-1"):
        function = scps.arn("lambda", f"function:{SETTINGS_ROLE}", region)
        for action in ("lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"):
            expect(scps, {**BASELINE_ONLY, ADMIN: "Deny"}, action, function, region=region)
        team = scps.arn("lambda", "function:team-function", region)
        expect(scps, {**ALLOWED, ADMIN: "Allow"}, "lambda:UpdateFunctionCode", team, region=region)


# --- network-restricted credentials -----------------------------------------------------------------

RESTRICTED: Context = {f"aws:PrincipalTag/{NETWORK_RESTRICTED_TAG}": "true"}


def test_network_restricted_principals_only_from_allowed_networks(scps: AccountScps) -> None:
    assert scps.decide(NORMAL, "s3:GetObject", context=RESTRICTED) == "Allow"  # from the office
    assert scps.decide(NORMAL, "s3:GetObject", context={**RESTRICTED, "aws:SourceIp": ELSEWHERE_IP}) == "Deny"
    assert scps.decide(NORMAL, "s3:GetObject", context={"aws:SourceIp": ELSEWHERE_IP}) == "Allow"  # untagged
    # An AWS service calling on the principal's behalf (e.g. CloudFormation) is not held to the networks.
    via_service = {**RESTRICTED, "aws:SourceIp": ELSEWHERE_IP, "aws:ViaAWSService": "true"}
    assert scps.decide(NORMAL, "s3:GetObject", context=via_service) == "Allow"


def test_network_restricted_principals_through_vpc_endpoints(scps: AccountScps, example_config: OrgConfig) -> None:
    assert example_config.network_restriction is not None
    allowed = example_config.network_restriction.allowed_vpc_endpoints[0]
    context: dict[str, Value] = {"aws:PrincipalArn": scps.principal(NORMAL), **RESTRICTED,
                                 "aws:ViaAWSService": "false", "aws:RequestedRegion": scps.region}  # fmt: skip
    doc = Request("s3:GetObject", "*", context)
    # Through a VPC endpoint there is no aws:SourceIp: only the listed endpoints pass.
    assert (
        evaluate(scps.documents, Request(doc.action, doc.resource, {**doc.context, "aws:SourceVpce": allowed}))
        == "Allow"
    )
    assert (
        evaluate(
            scps.documents,
            Request(doc.action, doc.resource, {**doc.context, "aws:SourceVpce": "vpce-0ffffffffffffffff"}),
        )
        == "Deny"
    )


def test_nobody_but_the_deployment_role_changes_the_network_restriction_tag(scps: AccountScps) -> None:
    role = scps.arn("iam", "role/etl-job")
    tag: Context = {"aws:TagKeys": [NETWORK_RESTRICTED_TAG]}
    for action in ("iam:UntagRole", "iam:TagRole", "iam:UntagUser", "sts:TagSession"):
        expect(scps, BASELINE_ONLY, action, role, context=tag)
    expect(scps, ALLOWED, "iam:UntagRole", role, context={"aws:TagKeys": ["team"]})


# --- regions -----------------------------------------------------------------------------------------


def test_allowed_regions_and_global_services(scps: AccountScps, example_config: OrgConfig) -> None:
    for region in example_config.partitions[scps.partition].allowed_regions:
        expect(scps, ALLOWED, "ec2:RunInstances", region=region)
    expect(scps, ALLOWED, "iam:CreateRole", scps.arn("iam", "role/x"), region="eu-west-1")
    expect(scps, ALLOWED, "sts:AssumeRole", region="ap-south-1")


def test_other_regions_are_denied_except_to_the_deployment_role(synth: Synthesized, example_config: OrgConfig) -> None:
    scps = AccountScps(synth, example_config, "aws")
    expect(scps, {NORMAL: "Deny", BREAKGLASS: "Deny", DEPLOYMENT: "Allow"}, "ec2:RunInstances", region="eu-west-1")


def test_sandbox_ou_is_narrowed_to_its_override(synth: Synthesized, example_config: OrgConfig) -> None:
    # An account in the Sandbox OU (not the excluded research account): us-west-2 is allowed by the root's lock
    # but not by the Sandbox override.
    scps = AccountScps(synth, example_config, "aws", "sandbox-research", account_id="099999999999")
    expect(scps, ALLOWED, "ec2:RunInstances", region="us-east-1")
    expect(scps, {NORMAL: "Deny", BREAKGLASS: "Deny", DEPLOYMENT: "Allow"}, "ec2:RunInstances", region="us-west-2")


def test_excluded_account_is_exempt_from_the_region_lock_only(synth: Synthesized, example_config: OrgConfig) -> None:
    scps = AccountScps(synth, example_config, "aws", "sandbox-research")  # region-lock excludes it (config)
    expect(scps, ALLOWED, "ec2:RunInstances", region="eu-west-1")
    expect(scps, BASELINE_ONLY, "cloudtrail:StopLogging", scps.org.trail_arn)
    expect(scps, DENIED_TO_ALL, "organizations:LeaveOrganization")


# --- GovCloud: the Deny statements match GovCloud ARNs ------------------------------------------------


def test_govcloud_denies_match_govcloud_arns_where_commercial_ones_would_not(
    synth: Synthesized, example_config: OrgConfig
) -> None:
    scps = AccountScps(synth, example_config, "aws-us-gov")
    role = f"arn:aws-us-gov:iam::{scps.account_id}:role/{scps.org.breakglass_role}"
    assert scps.decide(NORMAL, "iam:DeleteRole", role) == "Deny"
    assert scps.why(NORMAL, "iam:DeleteRole", role) == ["ProtectBaselineRoles"]
    # The failure mode this prevents: the same statement written with arn:aws: never matches in GovCloud.
    commercial = [{**d, "Statement": [
        {**s, "Resource": [r.replace("arn:aws-us-gov:", "arn:aws:") for r in (s["Resource"] if isinstance(
            s["Resource"], list) else [s["Resource"]])]} if "Resource" in s else s for s in d["Statement"]]}
        for d in scps.documents]  # fmt: skip
    assert (
        evaluate(
            commercial,
            Request(
                "iam:DeleteRole", role, {"aws:PrincipalArn": scps.principal(NORMAL), "aws:RequestedRegion": scps.region}
            ),
        )
        == "Allow"
    )
    # The deployment role exemption matches GovCloud role ARNs too.
    assert scps.decide(DEPLOYMENT, "iam:DeleteRole", role) == "Allow"
    assert scps.decide("root", "s3:ListAllMyBuckets") == "Deny"


# --- the deployment path (defect: anyone could pass the CloudFormation execution role) ------------------------

# Principals of a member account other than the deployment path, by role name (path included).
ADMINISTRATOR = "aws-reserved/sso.amazonaws.com/AWSReservedSSO_Administrator_0123456789abcdef"
ADMINISTRATOR_REGIONAL = "aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_Administrator_0123456789abcdef"
ORG_ACCESS = "OrganizationAccountAccessRole"
# The deployment account of each partition in the example (partitions.<p>.deployment_account), and the CI account.
DEPLOYMENT_ACCOUNT: dict[PartitionName, tuple[str, str]] = {
    "aws": ("shared-services", "510987654324"), "aws-us-gov": ("gov-management", "220987654330"),
}  # fmt: skip
CI_ACCOUNT: dict[PartitionName, tuple[str, str]] = {
    "aws": ("ci", "610987654325"),
    "aws-us-gov": ("gov-ci", "620987654334"),
}


def deploy_role(scps: AccountScps) -> str:
    return f"cdk-hnb659fds-deploy-role-{scps.account_id}-{scps.region}"


def test_only_the_deploy_role_passes_the_cloudformation_execution_role(scps: AccountScps) -> None:
    exec_role = scps.arn("iam", f"role/cdk-hnb659fds-cfn-exec-role-{scps.account_id}-{scps.region}")
    to_cfn: Context = {"iam:PassedToService": "cloudformation.amazonaws.com"}
    decisions = {
        who: scps.decide(who, "iam:PassRole", exec_role, context=to_cfn)
        for who in (NORMAL, BREAKGLASS, ADMINISTRATOR, ADMINISTRATOR_REGIONAL, ORG_ACCESS, deploy_role(scps))
    }
    assert decisions == {
        NORMAL: "Deny", BREAKGLASS: "Deny", ADMINISTRATOR: "Deny", ADMINISTRATOR_REGIONAL: "Deny", ORG_ACCESS: "Deny",
        deploy_role(scps): "Allow",
    }  # fmt: skip
    # Other roles are passed as before.
    assert scps.decide(ADMINISTRATOR, "iam:PassRole", scps.arn("iam", "role/web-app"), context=to_cfn) == "Allow"


def test_only_principals_of_the_deployment_account_assume_the_deploy_role(
    synth: Synthesized, example_config: OrgConfig, scps: AccountScps, partition: PartitionName
) -> None:
    target = scps.arn("iam", f"role/{deploy_role(scps)}")
    # From the target account itself (the bootstrap template trusts its own account) and from the CI account.
    for who in (NORMAL, BREAKGLASS, ADMINISTRATOR, ORG_ACCESS):
        assert scps.decide(who, "sts:AssumeRole", target) == "Deny", who
    ci_name, ci_id = CI_ACCOUNT[partition]
    ci = AccountScps(synth, example_config, partition, ci_name)
    atlantis = f"arn:{partition}:iam::{ci_id}:role/atlantis-server"
    assert ci.decide(NORMAL, "sts:AssumeRole", target, context={"aws:PrincipalArn": atlantis}) == "Deny"
    # From the deployment account (in GovCloud the management account, which SCPs do not bind anyway).
    name, account_id = DEPLOYMENT_ACCOUNT[partition]
    deployer = AccountScps(synth, example_config, partition, name)
    context: Context = {"aws:PrincipalArn": f"arn:{partition}:iam::{account_id}:role/baseline-deployer"}
    assert deployer.decide(NORMAL, "sts:AssumeRole", target, context=context) == "Allow"
    # The other bootstrap roles (lookup, file publishing) are not the way to the execution role.
    lookup = scps.arn("iam", f"role/cdk-hnb659fds-lookup-role-{scps.account_id}-{scps.region}")
    assert scps.decide(NORMAL, "sts:AssumeRole", lookup) == "Allow"


# --- breakglass users (defect: the no-IAM-users SCP blocked creating and rotating them) ----------------------

BREAKGLASS_HOLDER: dict[PartitionName, tuple[str, list[str]]] = {
    "aws": ("security", ["breakglass-alice", "breakglass-bob"]),
    "aws-us-gov": ("gov-log-archive", ["gov-breakglass-alice", "gov-breakglass-bob"]),
}


@pytest.fixture
def holder(synth: Synthesized, example_config: OrgConfig, partition: PartitionName) -> AccountScps:
    """The account that holds the partition's breakglass users."""
    return AccountScps(synth, example_config, partition, BREAKGLASS_HOLDER[partition][0])


MANAGERS_ONLY = {ADMINISTRATOR: "Allow", ADMINISTRATOR_REGIONAL: "Allow", BREAKGLASS: "Allow", NORMAL: "Deny",
                 ORG_ACCESS: "Deny", DEPLOYMENT: "Deny"}  # fmt: skip


USER_CHANGES = ["iam:CreateUser", "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:DeleteLoginProfile",
                "iam:EnableMFADevice", "iam:DeactivateMFADevice", "iam:AttachUserPolicy", "iam:PutUserPolicy",
                "iam:AddUserToGroup", "iam:TagUser", "iam:UploadSSHPublicKey", "iam:CreateServiceSpecificCredential",
                "iam:DeleteUser"]  # fmt: skip


@pytest.mark.parametrize("action", USER_CHANGES)
def test_breakglass_users_are_created_and_rotated_by_their_managers_only(
    holder: AccountScps, partition: PartitionName, action: str
) -> None:
    for name in BREAKGLASS_HOLDER[partition][1]:
        expect(holder, MANAGERS_ONLY, action, holder.arn("iam", f"user/{name}"))


def test_the_exemption_is_for_exactly_the_configured_users(holder: AccountScps, partition: PartitionName) -> None:
    name = BREAKGLASS_HOLDER[partition][1][0]
    everyone = {ADMINISTRATOR: "Deny", BREAKGLASS: "Deny", NORMAL: "Deny", ORG_ACCESS: "Deny", DEPLOYMENT: "Deny"}
    for other in (f"user/{name}-2", "user/mallory", f"user/ops/{name}", f"user/{name.upper()}"):
        for action in ("iam:CreateUser", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"):
            expect(holder, everyone, action, holder.arn("iam", other))


def test_breakglass_users_never_get_access_keys(holder: AccountScps, partition: PartitionName) -> None:
    everyone = {ADMINISTRATOR: "Deny", BREAKGLASS: "Deny", NORMAL: "Deny", ORG_ACCESS: "Deny", DEPLOYMENT: "Deny"}
    user = holder.arn("iam", f"user/{BREAKGLASS_HOLDER[partition][1][0]}")
    expect(holder, everyone, "iam:CreateAccessKey", user)
    expect(holder, everyone, "iam:CreateAccessKey", user, context={f"aws:ResourceTag/{LEGACY_BOT_TAG}": "true"})


def test_breakglass_users_elsewhere_are_not_exempt(scps: AccountScps, partition: PartitionName) -> None:
    """The same names in another account (not the one the config names) are ordinary IAM users: denied."""
    user = scps.arn("iam", f"user/{BREAKGLASS_HOLDER[partition][1][0]}")
    expect(scps, {ADMINISTRATOR: "Deny", BREAKGLASS: "Deny", NORMAL: "Deny"}, "iam:CreateUser", user)
    expect(scps, {ADMINISTRATOR: "Deny", BREAKGLASS: "Deny", NORMAL: "Deny"}, "iam:UpdateLoginProfile", user)


def test_breakglass_users_can_be_read_and_change_their_own_password(
    holder: AccountScps, partition: PartitionName
) -> None:
    user = holder.arn("iam", f"user/{BREAKGLASS_HOLDER[partition][1][0]}")
    assert holder.decide(NORMAL, "iam:GetUser", user) == "Allow"
    assert holder.decide(NORMAL, "iam:ListMFADevices", user) == "Allow"
    assert holder.decide(NORMAL, "iam:ChangePassword", user, context={"aws:PrincipalArn": user}) == "Allow"


def test_the_security_services_handler_may_set_the_detector_only_in_the_security_account(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName
) -> None:
    """The handler sets GuardDuty's plans in the security account (guardduty:UpdateDetector), which the SCP otherwise
    reserves to the deployment role; the same role name in another account is still denied. The exemption covers the
    statement's other actions too: the role's own policy grants none of them (tests/test_security_services.py)."""
    security = next(
        a for a in example_config.accounts if a.name == example_config.partitions[partition].security_account
    )
    scps = AccountScps(synth, example_config, partition, security.name)
    handler = f"arn:{partition}:iam::{security.id}:role/examplecorp-baseline-security-services"
    context: dict[str, Value] = {"aws:PrincipalArn": handler, "aws:PrincipalAccount": security.id,
                                 "aws:RequestedRegion": scps.region}  # fmt: skip
    detector = scps.arn("guardduty", "detector/12abc34d567e8fa901bc2d34e56789f0", scps.region)
    assert evaluate(scps.documents, Request("guardduty:UpdateDetector", detector, context)) == "Allow"
    other = AccountScps(synth, example_config, partition)  # the workload account
    impostor = handler.replace(security.id, other.account_id)
    elsewhere = {**context, "aws:PrincipalArn": impostor, "aws:PrincipalAccount": other.account_id}
    assert evaluate(other.documents, Request("guardduty:UpdateDetector", detector, elsewhere)) == "Deny"

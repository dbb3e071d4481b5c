"""What the deployed SCPs decide: representative requests, evaluated against the policies in the synthesized
Guardrails template that apply to an account (root, its OUs, the account), for a normal role, the breakglass
role and the deployment role, in both partitions. The evaluator is `tests/iam_eval.py` (tested on its own)."""

from __future__ import annotations

import pytest

from config.naming import LEGACY_BOT_TAG, NETWORK_RESTRICTED_TAG, partition_names
from tests.conftest import PARTITIONS
from tests.support.iam_eval import FULL_AWS_ACCESS, Request, denying_sids, evaluate

WORKLOAD = {"aws": "web-prod", "aws-us-gov": "gov-workload-prod"}
NORMAL, BREAKGLASS, DEPLOYMENT = "normal", "breakglass", "deployment"
ROLES = (NORMAL, BREAKGLASS, DEPLOYMENT)
OFFICE_IP, ELSEWHERE_IP = "203.0.113.10", "198.18.0.1"  # inside / outside network_restriction.allowed_cidrs


def applicable_scps(synth, config, partition: str, account_ou: str, account_id: str) -> list[dict]:
    """The SCP documents attached to the root, to the OU path of the account (and its parents) or to the account."""
    part = config.partitions[partition]
    ou_ids = {ou.path: ou.id for ou in part.organizational_units}
    chain = account_ou.split("/") if account_ou != "Root" else []
    targets = {part.root_id, account_id} | {ou_ids["/".join(chain[: i + 1])] for i in range(len(chain))}
    template = synth.templates[synth.only("guardrails", partition)]
    return [
        resource["Properties"]["Content"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Organizations::Policy" and targets & set(resource["Properties"]["TargetIds"])
    ]


class Org:
    """Requests from principals of one account, evaluated against that account's SCPs plus FullAWSAccess."""

    def __init__(self, synth, config, partition, account_name=None, *, ou=None, account_id=None):
        account = next(a for a in config.accounts if a.name == (account_name or WORKLOAD[partition]))
        self.partition = partition
        self.names = partition_names(config, partition)
        self.account_id = account_id or account.id
        self.region = self.names.home_region
        self.documents = [
            FULL_AWS_ACCESS,
            *applicable_scps(synth, config, partition, ou or account.ou, self.account_id),
        ]

    def arn(self, service: str, resource: str, region: str = "", account: str | None = None) -> str:
        return f"arn:{self.partition}:{service}:{region}:{self.account_id if account is None else account}:{resource}"

    def principal(self, role: str) -> str:
        name = {NORMAL: "app-developer", BREAKGLASS: self.names.breakglass_role,
                DEPLOYMENT: f"cdk-hnb659fds-cfn-exec-role-{self.account_id}-{self.region}"}.get(role, role)  # fmt: skip
        return self.arn("iam", "root" if role == "root" else f"role/{name}")

    def decide(self, role: str, action: str, resource: str = "*", region: str | None = None, **context) -> str:
        request = Request(action, resource, {
            "aws:PrincipalArn": self.principal(role), "aws:PrincipalAccount": self.account_id,
            "aws:RequestedRegion": region or self.region, "aws:ViaAWSService": "false", "aws:SourceIp": OFFICE_IP,
            **{k.replace("__", ":").replace("_SLASH_", "/"): v for k, v in context.items()},
        })  # fmt: skip
        return evaluate(self.documents, request)

    def why(self, role: str, action: str, resource: str = "*", **context) -> list[str]:
        request = Request(action, resource, {"aws:PrincipalArn": self.principal(role),
                                             "aws:PrincipalAccount": self.account_id,
                                             "aws:RequestedRegion": self.region, **context})  # fmt: skip
        return denying_sids(self.documents, request)


@pytest.fixture(params=PARTITIONS)
def org(request, synth, example_config):
    return Org(synth, example_config, request.param)


def expect(org: Org, expected: dict[str, str], action: str, resource: str = "*", **context) -> None:
    actual = {role: org.decide(role, action, resource, **context) for role in expected}
    assert actual == expected, f"{action} on {resource} in {org.partition}"


DENIED_TO_ALL = {NORMAL: "Deny", BREAKGLASS: "Deny", DEPLOYMENT: "Deny"}
BASELINE_ONLY = {NORMAL: "Deny", BREAKGLASS: "Deny", DEPLOYMENT: "Allow"}  # protected; only the deployment role
ALLOWED = {NORMAL: "Allow", BREAKGLASS: "Allow", DEPLOYMENT: "Allow"}


def test_nobody_leaves_the_organization(org):
    expect(org, DENIED_TO_ALL, "organizations:LeaveOrganization")


def test_root_user_is_denied_except_centralized_root_sessions(org):
    assert org.decide("root", "s3:ListAllMyBuckets") == "Deny"
    assert org.decide("root", "iam:CreateAccessKey") == "Deny"
    # sts:AssumeRoot sessions from the management account carry aws:AssumedRoot.
    assert org.decide("root", "s3:DeleteBucketPolicy", aws__AssumedRoot="true") == "Allow"
    assert org.decide(NORMAL, "s3:ListAllMyBuckets") == "Allow"


@pytest.mark.parametrize("action", ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail"])
def test_the_org_trail_is_protected(org, action):
    expect(org, BASELINE_ONLY, action, org.names.trail_arn)
    other = org.arn("cloudtrail", "trail/team-trail", org.region)
    expect(org, ALLOWED, action, other)


@pytest.mark.parametrize("bucket", ["trail_bucket", "access_log_bucket", "session_log_bucket"])
@pytest.mark.parametrize(("action", "suffix"), [
    ("s3:PutBucketPolicy", ""), ("s3:DeleteBucket", ""), ("s3:PutLifecycleConfiguration", ""),
    ("s3:PutBucketVersioning", ""), ("s3:DeleteObject", "/AWSLogs/o-x/file.json.gz"),
    ("s3:DeleteObjectVersion", "/AWSLogs/o-x/file.json.gz"),
])  # fmt: skip
def test_log_buckets_and_their_objects_are_protected(org, bucket, action, suffix):
    expect(org, BASELINE_ONLY, action, f"arn:{org.partition}:s3:::{getattr(org.names, bucket)}{suffix}")
    expect(org, ALLOWED, action, f"arn:{org.partition}:s3:::team-data-bucket{suffix}")


@pytest.mark.parametrize("action", ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy",
                                    "kms:DisableKeyRotation"])  # fmt: skip
def test_baseline_keys_are_protected_by_alias(org, action):
    key = org.arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab", org.region)
    trail_alias = f"alias/{org.names.trail_name}"
    bucket_alias = f"alias/{org.names.trail_bucket}"
    for alias in (trail_alias, bucket_alias):
        expect(org, BASELINE_ONLY, action, key, kms__ResourceAliases=["alias/extra", alias])
    expect(org, ALLOWED, action, key, kms__ResourceAliases=["alias/team-key"])
    expect(org, ALLOWED, action, key)  # a key without aliases


def test_baseline_key_aliases_cannot_be_moved_or_deleted(org):
    alias = org.arn("kms", f"alias/{org.names.trail_name}", org.region)
    expect(org, BASELINE_ONLY, "kms:DeleteAlias", alias)
    expect(org, BASELINE_ONLY, "kms:UpdateAlias", alias)
    expect(org, ALLOWED, "kms:DeleteAlias", org.arn("kms", "alias/team-key", org.region))


@pytest.mark.parametrize("action", ["iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy",
                                    "iam:PutRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRolePermissionsBoundary"])  # fmt: skip
def test_baseline_roles_are_protected_from_everyone_but_the_deployment_role(org, action):
    for role in (org.names.breakglass_role, org.names.instance_role, org.names.alert_forwarder_role):
        expect(org, BASELINE_ONLY, action, org.arn("iam", f"role/{role}"))
    expect(org, ALLOWED, action, org.arn("iam", "role/app-service-role"))


def test_alert_topics_rules_and_buses_are_protected(org):
    topic = org.arn("sns", org.names.alert_topic, org.region)
    expect(org, BASELINE_ONLY, "sns:DeleteTopic", topic)
    expect(org, BASELINE_ONLY, "sns:SetTopicAttributes", org.arn("sns", org.names.alarm_topic, org.region))
    rule = org.arn("events", f"rule/{org.names.baseline_prefix}breakglass-used", org.region)
    expect(org, BASELINE_ONLY, "events:DisableRule", rule)
    expect(org, BASELINE_ONLY, "events:RemoveTargets", rule)
    bus_rule = org.arn("events", f"rule/{org.names.alert_bus}/{org.names.baseline_prefix}forward", org.region)
    expect(org, BASELINE_ONLY, "events:DeleteRule", bus_rule)
    expect(
        org, BASELINE_ONLY, "events:DeleteEventBus", org.arn("events", f"event-bus/{org.names.alert_bus}", org.region)
    )
    expect(org, ALLOWED, "events:DisableRule", org.arn("events", "rule/team-rule", org.region))
    expect(org, ALLOWED, "sns:DeleteTopic", org.arn("sns", "team-topic", org.region))


@pytest.mark.parametrize("action", [
    "backup:DeleteBackupVault", "backup:PutBackupVaultAccessPolicy", "backup:DeleteBackupVaultAccessPolicy",
    "backup:PutBackupVaultLockConfiguration", "backup:DeleteBackupVaultLockConfiguration",
])  # fmt: skip
def test_backup_vault_policies_and_lock_are_protected(org, action):
    expect(org, BASELINE_ONLY, action, org.arn("backup", f"backup-vault:{org.names.backup_vault}", org.region))
    expect(org, ALLOWED, action, org.arn("backup", "backup-vault:team-vault", org.region))


def test_session_manager_preferences_document_is_protected(org):
    preferences = org.arn("ssm", "document/SSM-SessionManagerRunShell", org.region)
    expect(org, BASELINE_ONLY, "ssm:UpdateDocument", preferences)
    expect(org, BASELINE_ONLY, "ssm:DeleteDocument", preferences)
    shared = org.arn("ssm", f"document/{org.names.session_documents['shell']}", org.region,
                     account=org.names.security_account_id)  # fmt: skip
    expect(org, BASELINE_ONLY, "ssm:UpdateDocument", shared)
    expect(org, ALLOWED, "ssm:UpdateDocument", org.arn("ssm", "document/team-runbook", org.region))


def test_only_the_document_sharer_changes_who_may_use_the_approved_documents(org):
    shell = org.arn("ssm", f"document/{org.names.session_documents['shell']}", org.region,
                    account=org.names.security_account_id)  # fmt: skip
    expect(org, BASELINE_ONLY, "ssm:ModifyDocumentPermission", shell)
    sharer = org.names.document_sharer_role_arn  # in the security account, assumed by each account's baseline
    request = Request("ssm:ModifyDocumentPermission", shell, {
        "aws:PrincipalArn": sharer, "aws:PrincipalAccount": org.names.security_account_id,
        "aws:RequestedRegion": org.region})  # fmt: skip
    assert evaluate(org.documents, request) == "Allow"
    impostor = sharer.replace(org.names.security_account_id, org.account_id)  # the same name elsewhere
    assert (
        evaluate(org.documents, Request(request.action, shell, {**request.context, "aws:PrincipalArn": impostor}))
        == "Deny"
    )


@pytest.mark.parametrize("action", [
    "config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel",
    "guardduty:DeleteDetector", "guardduty:DisassociateFromAdministratorAccount", "guardduty:UpdateDetector",
    "securityhub:DisableSecurityHub", "securityhub:DisassociateFromAdministratorAccount",
    "securityhub:BatchDisableStandards",
])  # fmt: skip
def test_security_services_cannot_be_turned_off(org, action):
    expect(org, BASELINE_ONLY, action)


def test_security_services_can_still_be_read(org):
    expect(org, ALLOWED, "guardduty:ListFindings")
    expect(org, ALLOWED, "config:DescribeConfigurationRecorders")


def test_iam_users_and_passwords_are_denied_to_everyone(org):
    user = org.arn("iam", "user/legacy-deployer")
    expect(org, DENIED_TO_ALL, "iam:CreateUser", user)
    expect(org, DENIED_TO_ALL, "iam:CreateLoginProfile", user)
    expect(org, DENIED_TO_ALL, "iam:UpdateLoginProfile", user)


def test_access_keys_only_for_legacy_bots_being_migrated(org):
    user = org.arn("iam", "user/legacy-deployer")
    expect(org, DENIED_TO_ALL, "iam:CreateAccessKey", user)
    tagged = {f"aws:ResourceTag/{LEGACY_BOT_TAG}": "true"}
    assert org.decide(NORMAL, "iam:CreateAccessKey", user, **_ctx(tagged)) == "Allow"
    assert (
        org.decide(NORMAL, "iam:CreateAccessKey", user, **_ctx({f"aws:ResourceTag/{LEGACY_BOT_TAG}": "yes"})) == "Deny"
    )


def test_only_deployment_and_breakglass_roles_grant_the_legacy_bot_exception(org):
    user = org.arn("iam", "user/legacy-deployer")
    adding = _ctx({"aws:TagKeys": [LEGACY_BOT_TAG.upper()]})  # tag keys are case-insensitive in IAM
    expect(org, {NORMAL: "Deny", BREAKGLASS: "Allow", DEPLOYMENT: "Allow"}, "iam:TagUser", user, **adding)
    expect(org, ALLOWED, "iam:TagUser", user, **_ctx({"aws:TagKeys": ["team"]}))
    expect(org, ALLOWED, "iam:UntagUser", user, **_ctx({"aws:TagKeys": [LEGACY_BOT_TAG]}))  # only narrows


def test_account_public_access_block_and_ebs_default_encryption(org):
    expect(org, BASELINE_ONLY, "s3:PutAccountPublicAccessBlock")
    expect(org, DENIED_TO_ALL, "ec2:DisableEbsEncryptionByDefault")
    expect(org, ALLOWED, "ec2:EnableEbsEncryptionByDefault")


# --- network-restricted credentials -----------------------------------------------------------------

RESTRICTED = {f"aws:PrincipalTag/{NETWORK_RESTRICTED_TAG}": "true"}


def _ctx(context: dict) -> dict:
    return {k.replace(":", "__").replace("/", "_SLASH_"): v for k, v in context.items()}


def test_network_restricted_principals_only_from_allowed_networks(org):
    assert org.decide(NORMAL, "s3:GetObject", **_ctx(RESTRICTED)) == "Allow"  # from the office
    assert org.decide(NORMAL, "s3:GetObject", **_ctx({**RESTRICTED, "aws:SourceIp": ELSEWHERE_IP})) == "Deny"
    assert org.decide(NORMAL, "s3:GetObject", **_ctx({"aws:SourceIp": ELSEWHERE_IP})) == "Allow"  # untagged
    # An AWS service calling on the principal's behalf (e.g. CloudFormation) is not held to the networks.
    via_service = {**RESTRICTED, "aws:SourceIp": ELSEWHERE_IP, "aws:ViaAWSService": "true"}
    assert org.decide(NORMAL, "s3:GetObject", **_ctx(via_service)) == "Allow"


def test_network_restricted_principals_through_vpc_endpoints(org, example_config):
    allowed = example_config.network_restriction.allowed_vpc_endpoints[0]
    doc = Request("s3:GetObject", "*", {"aws:PrincipalArn": org.principal(NORMAL), **RESTRICTED,
                                         "aws:ViaAWSService": "false", "aws:RequestedRegion": org.region})  # fmt: skip
    # Through a VPC endpoint there is no aws:SourceIp: only the listed endpoints pass.
    assert (
        evaluate(org.documents, Request(doc.action, doc.resource, {**doc.context, "aws:SourceVpce": allowed}))
        == "Allow"
    )
    assert (
        evaluate(
            org.documents,
            Request(doc.action, doc.resource, {**doc.context, "aws:SourceVpce": "vpce-0ffffffffffffffff"}),
        )
        == "Deny"
    )


def test_nobody_but_the_deployment_role_changes_the_network_restriction_tag(org):
    role = org.arn("iam", "role/etl-job")
    tag = _ctx({"aws:TagKeys": [NETWORK_RESTRICTED_TAG]})
    for action in ("iam:UntagRole", "iam:TagRole", "iam:UntagUser", "sts:TagSession"):
        expect(org, BASELINE_ONLY, action, role, **tag)
    expect(org, ALLOWED, "iam:UntagRole", role, **_ctx({"aws:TagKeys": ["team"]}))


# --- regions -----------------------------------------------------------------------------------------


def test_allowed_regions_and_global_services(org, example_config):
    for region in example_config.partitions[org.partition].allowed_regions:
        expect(org, ALLOWED, "ec2:RunInstances", region=region)
    expect(org, ALLOWED, "iam:CreateRole", org.arn("iam", "role/x"), region="eu-west-1")
    expect(org, ALLOWED, "sts:AssumeRole", region="ap-south-1")


def test_other_regions_are_denied_except_to_the_deployment_role(synth, example_config):
    org = Org(synth, example_config, "aws")
    expect(org, {NORMAL: "Deny", BREAKGLASS: "Deny", DEPLOYMENT: "Allow"}, "ec2:RunInstances", region="eu-west-1")


def test_sandbox_ou_is_narrowed_to_its_override(synth, example_config):
    # An account in the Sandbox OU (not the excluded research account): us-west-2 is allowed by the root's lock
    # but not by the Sandbox override.
    org = Org(synth, example_config, "aws", "sandbox-research", account_id="099999999999")
    expect(org, ALLOWED, "ec2:RunInstances", region="us-east-1")
    expect(org, {NORMAL: "Deny", BREAKGLASS: "Deny", DEPLOYMENT: "Allow"}, "ec2:RunInstances", region="us-west-2")


def test_excluded_account_is_exempt_from_the_region_lock_only(synth, example_config):
    org = Org(synth, example_config, "aws", "sandbox-research")  # region-lock excludes it (config)
    expect(org, ALLOWED, "ec2:RunInstances", region="eu-west-1")
    expect(org, BASELINE_ONLY, "cloudtrail:StopLogging", org.names.trail_arn)
    expect(org, DENIED_TO_ALL, "organizations:LeaveOrganization")


# --- GovCloud: the Deny statements match GovCloud ARNs ------------------------------------------------


def test_govcloud_denies_match_govcloud_arns_where_commercial_ones_would_not(synth, example_config):
    org = Org(synth, example_config, "aws-us-gov")
    role = f"arn:aws-us-gov:iam::{org.account_id}:role/{org.names.breakglass_role}"
    assert org.decide(NORMAL, "iam:DeleteRole", role) == "Deny"
    assert org.why(NORMAL, "iam:DeleteRole", role) == ["ProtectBaselineRoles"]
    # The failure mode this prevents: the same statement written with arn:aws: never matches in GovCloud.
    commercial = [{**d, "Statement": [
        {**s, "Resource": [r.replace("arn:aws-us-gov:", "arn:aws:") for r in (s["Resource"] if isinstance(
            s["Resource"], list) else [s["Resource"]])]} if "Resource" in s else s for s in d["Statement"]]}
        for d in org.documents]  # fmt: skip
    assert (
        evaluate(
            commercial,
            Request(
                "iam:DeleteRole", role, {"aws:PrincipalArn": org.principal(NORMAL), "aws:RequestedRegion": org.region}
            ),
        )
        == "Allow"
    )
    # The deployment role exemption matches GovCloud role ARNs too.
    assert org.decide(DEPLOYMENT, "iam:DeleteRole", role) == "Allow"
    assert org.decide("root", "s3:ListAllMyBuckets") == "Deny"

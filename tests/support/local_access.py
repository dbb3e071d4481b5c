"""A local organization for the live access commands (`python -m ops.access audit|parity`): the example org's
commercial partition built in the local AWS API (moto server, tests/support/local_aws.py), with the gaps of stock
moto that these commands meet filled by small named functions, and a recorder of every AWS call they make.

What stands in for what:

- `build_local_org`: the organization as AWS Organizations holds it (root, OUs, accounts: moto picks the account and
  OU IDs, and the config is written with them), with the config's SCPs created and attached, the Identity Center
  permission sets and assignments, the organization trail logging, and in every account the audit role, a locked
  baseline vault in each region and root MFA. `LocalOrg` then changes it the way a real estate drifts (a human user
  with a password and an old key, a legacy bot, a stray assignment, a detached SCP).
- `audit_role_must_exist` (gap fill): STS refuses AssumeRole (AccessDenied) for a role that does not exist in the
  target account, as AWS does; moto hands out credentials for any role ARN. The test's own setup role
  (`SETUP_ROLE`, an administrator of each account) is let through.
- `service_last_accessed` (gap fill): IAM's GenerateServiceLastAccessedDetails / GetServiceLastAccessedDetails (moto
  has neither). The job answers with the action-level last access the test sets for a principal ARN
  (`LastAccessed.set`), which is what IAM would have tracked; nothing is computed from moto's own records.
- `throttled` (gap fill): an operation that answers `Throttling` every time, as IAM does when a caller's rate
  stays over its limit.
- `centralized_root_access` (gap fill): IAM's trusted access in Organizations (moto does not accept
  iam.amazonaws.com as a trusted service), IAM ListOrganizationsFeatures (moto has none) answering the features the
  test enables, and GetAccountSummary's AccountPasswordPresent key (moto leaves it out): 1 unless the test removed
  the account's root credentials (`RootCredentials.remove`), as the management account does with centralized root
  access.
- `aws_managed_policies`: the AWS managed policies every account has (moto's bundled copies of AWS's documents).
- `root_mfa_enabled`: the root user's MFA, which neither AWS nor moto lets an API set (it takes a root sign-in):
  written into moto's account summary directly.
- `CallRecorder`: every AWS API call made in this process (botocore `_make_api_call`), with the identity that made it
  (the operator's keys, or the role whose AssumeRole answer issued the keys), as IAM actions for the evaluator.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import botocore.client
import pytest
import yaml
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.iam import responses as iam_responses
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AccessKeyLastUsed, AccountSummary, AWSManagedPolicy, iam_backends
from moto.organizations.models import FakeServiceAccess, organizations_backends
from moto.sts.models import STSBackend

from config.assignments import assignments_by_account
from config.loader import load_config
from config.models import OrgConfig
from config.naming import LEGACY_BOT_TAG, Organization, organization
from config.policies.access_audit import audit_role_policy, audit_role_trust, auditor_role_policy, auditor_role_trust
from config.policies.permission_sets import access_model
from config.policies.service_control import partition_budget
from config.regions import PartitionName

MANAGEMENT_ID = "123456789012"  # moto's default account: the operator's keys land here and create the organization
PARTITION: PartitionName = "aws"
REGION = "us-east-1"
# The home region of each partition of the example org, where the local organization is built.
HOME_REGIONS: dict[PartitionName, str] = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}
GOVCLOUD: PartitionName = "aws-us-gov"
# The test's own way into each account to set it up (an administrator of that account); never used by the commands.
SETUP_ROLE = "local-admin"


# --- gap fills --------------------------------------------------------------------------------------------------


class _AccessDenied(ServiceException):
    code = "AccessDenied"


# AWS STS answers an AssumeRole it refuses with the error code AccessDenied, which botocore's STS model does not list
# as an error shape; moto serializes it all the same and warns. Tests that meet the refusal mark themselves with this.
STS_ACCESS_DENIED_IS_UNMODELED = pytest.mark.filterwarnings(
    "ignore:Exception\\(_AccessDenied\\) with code AccessDenied does not match an error shape:UserWarning"
)


# IAM answers throttled calls with the error code Throttling, which botocore's IAM model does not list as an error
# shape either; the throttling gap fill's tests mark themselves with this.
IAM_THROTTLING_IS_UNMODELED = pytest.mark.filterwarnings(
    "ignore:Exception\\(_Throttling\\) with code Throttling does not match an error shape:UserWarning"
)


@contextmanager
def audit_role_must_exist() -> Iterator[None]:
    """STS AssumeRole of a role that does not exist in its account fails with AccessDenied, as in AWS."""
    original = STSBackend.assume_role

    def assume_role(self: Any, region_name: str, role_session_name: str, role_arn: str, *args: Any, **kw: Any) -> Any:
        partition, account, name = role_arn.split(":")[1], role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
        roles = iam_backends[account][partition].roles.values()
        if name != SETUP_ROLE and not any(role.name == name for role in roles):
            raise _AccessDenied(f"User is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        return original(self, region_name, role_session_name, role_arn, *args, **kw)

    with mock.patch.object(STSBackend, "assume_role", assume_role):
        yield


@dataclass
class LastAccessed:
    """What IAM tracked for each principal ARN: {service namespace: {action name: last access}}."""

    tracked: dict[str, dict[str, dict[str, datetime]]] = field(default_factory=dict)
    # {principal ARN: {service namespace: last access}} for services IAM reports without action-level data.
    untracked: dict[str, dict[str, datetime]] = field(default_factory=dict)
    jobs: dict[str, str] = field(default_factory=dict)  # JobId -> principal ARN
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def set(self, arn: str, actions: dict[str, datetime]) -> None:
        """`actions`: {"s3:GetObject": when, ...} for the principal `arn`."""
        services: dict[str, dict[str, datetime]] = {}
        for action, when in actions.items():
            service, name = action.split(":")
            services.setdefault(service, {})[name] = when
        self.tracked[arn] = services


@contextmanager
def service_last_accessed(last: LastAccessed) -> Iterator[None]:
    """IAM GenerateServiceLastAccessedDetails (a job ID) and GetServiceLastAccessedDetails (the job's report, action
    level): https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetails.html"""

    def generate(self: Any) -> ActionResult:
        job = str(uuid.UUID(int=next(last._ids)))  # IAM's job IDs are 36-character UUIDs
        last.jobs[job] = self._get_param("Arn")
        return ActionResult({"JobId": job})

    def get(self: Any) -> ActionResult:
        arn = last.jobs[self._get_param("JobId")]
        services = []
        for namespace, actions in sorted(last.tracked.get(arn, {}).items()):
            newest = max(actions.values())
            services.append(
                {
                    "ServiceName": namespace,
                    "ServiceNamespace": namespace,
                    "LastAuthenticated": newest,
                    "TotalAuthenticatedEntities": 1,
                    "TrackedActionsLastAccessed": [
                        {"ActionName": name, "LastAccessedTime": when, "LastAccessedRegion": REGION}
                        for name, when in sorted(actions.items())
                    ],
                }
            )
        for namespace, when in sorted(last.untracked.get(arn, {}).items()):
            services.append(
                {
                    "ServiceName": namespace,
                    "ServiceNamespace": namespace,
                    "LastAuthenticated": when,
                    "LastAuthenticatedRegion": REGION,
                    "TotalAuthenticatedEntities": 1,
                }
            )
        now = datetime.now(UTC)
        return ActionResult(
            {
                "JobStatus": "COMPLETED",
                "JobType": "ACTION_LEVEL",
                "JobCreationDate": now,
                "JobCompletionDate": now,
                "ServicesLastAccessed": services,
                "IsTruncated": False,
            }
        )

    with (
        mock.patch.object(iam_responses.IamResponse, "generate_service_last_accessed_details", generate, create=True),
        mock.patch.object(iam_responses.IamResponse, "get_service_last_accessed_details", get, create=True),
    ):
        yield


class _Throttling(ServiceException):
    code = "Throttling"


@contextmanager
def throttled(iam_operation: str) -> Iterator[None]:
    """The IAM operation (snake_case, e.g. `list_users`) answers Throttling every time."""

    def answer(self: Any) -> Any:
        raise _Throttling("Rate exceeded")

    with mock.patch.object(iam_responses.IamResponse, iam_operation, answer):
        yield


@dataclass
class RootCredentials:
    """Centralized root access as the test sets it: the enabled features, and the accounts whose root credentials
    the management account deleted (their root password, access keys and signing certificates, and so their MFA)."""

    features: list[str] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)

    def remove(self, account: str, partition: PartitionName = PARTITION) -> None:
        summary = iam_backends[account][partition].account_summary
        summary._account_mfa_enabled = summary._account_access_keys_present = 0
        summary._account_signing_certificates_present = 0
        self.removed.add(account)


@contextmanager
def centralized_root_access(root: RootCredentials) -> Iterator[None]:
    """IAM as a trusted service of the organization
    (https://docs.aws.amazon.com/organizations/latest/userguide/services-that-can-integrate-iam.html), IAM
    ListOrganizationsFeatures (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListOrganizationsFeatures.html)
    with `root.features`, and AccountPasswordPresent in GetAccountSummary
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html)."""
    trusted = [*FakeServiceAccess.TRUSTED_SERVICES, "iam.amazonaws.com"]

    def list_organizations_features(self: Any) -> ActionResult:
        organization = organizations_backends[self.current_account][self.partition].org
        assert organization is not None, "ListOrganizationsFeatures outside an organization"
        return ActionResult({"OrganizationId": organization.id, "EnabledFeatures": root.features})

    original = AccountSummary.summary_map

    def summary_map(self: Any) -> dict[str, Any]:
        account = self._iam_backend.account_id
        return {**original.fget(self), "AccountPasswordPresent": 0 if account in root.removed else 1}  # type: ignore[attr-defined]

    with (
        mock.patch.object(FakeServiceAccess, "TRUSTED_SERVICES", trusted),
        mock.patch.object(
            iam_responses.IamResponse, "list_organizations_features", list_organizations_features, create=True
        ),
        mock.patch.object(AccountSummary, "summary_map", property(summary_map)),
    ):
        yield


# AWS managed policies the example's permission sets and the tests attach.
AWS_MANAGED_POLICIES = ("ReadOnlyAccess", "AdministratorAccess", "PowerUserAccess", "AmazonEC2ReadOnlyAccess",
                        "AWSSupportAccess", "DataScientist", "AmazonAthenaFullAccess", "AmazonS3ReadOnlyAccess")  # fmt: skip


def aws_managed_policies(account: str, partition: PartitionName = PARTITION) -> None:
    """AWS managed policies exist in every account (`arn:<partition>:iam::aws:policy/...`); moto can load all of them
    (MOTO_IAM_LOAD_MANAGED_POLICIES), which takes seconds per account, so only these are added, with the documents
    moto bundles from AWS."""
    data = _bundled_managed_policies()
    backend = iam_backends[account][partition]
    for name in AWS_MANAGED_POLICIES:
        policy = AWSManagedPolicy.from_data(name, account, HOME_REGIONS[partition], data[name])
        backend.managed_policies[policy.arn] = policy


@functools.cache
def _bundled_managed_policies() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(aws_managed_policies_data)
    return data


def root_mfa_enabled(account: str, partition: PartitionName = PARTITION) -> None:
    iam_backends[account][partition].account_summary._account_mfa_enabled = 1


# --- recording calls --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    identity: str  # "operator" or the ARN of the assumed role
    action: str  # IAM action, e.g. "iam:ListUsers"
    region: str
    params: dict[str, Any]


class CallRecorder:
    """Every API call of this process while active, with who made it (see the module docstring)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._roles_by_key: dict[str, str] = {}
        self._lock = threading.Lock()

    @contextmanager
    def active(self) -> Iterator[CallRecorder]:
        original = botocore.client.BaseClient._make_api_call
        recorder = self

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            key = client._request_signer._credentials.access_key
            with recorder._lock:
                identity = recorder._roles_by_key.get(key, "operator")
            model = client.meta.service_model
            action = f"{model.signing_name}:{operation}"
            answer = original(client, operation, params)
            with recorder._lock:
                recorder.calls.append(Call(identity, action, client.meta.region_name, dict(params)))
                if action == "sts:AssumeRole":
                    recorder._roles_by_key[answer["Credentials"]["AccessKeyId"]] = params["RoleArn"]
            return answer

        with mock.patch.object(botocore.client.BaseClient, "_make_api_call", make_api_call):
            yield self


# --- the local organization -------------------------------------------------------------------------------------


@dataclass
class LocalOrg:
    config: OrgConfig
    config_path: Path
    org: Organization
    ids: dict[str, str]  # account name -> ID
    scp_ids: dict[str, str]  # SCP name -> policy ID
    permission_sets: dict[str, str]  # name -> ARN
    instance_arn: str
    # The setup's sessions and clients, made once each: a boto3 session or client takes 20-30 ms to make.
    _sessions: dict[str, boto3.Session] = field(default_factory=dict, repr=False)
    _clients: dict[tuple[str, str, str], Any] = field(default_factory=dict, repr=False)

    @property
    def partition(self) -> PartitionName:
        return self.org.partition

    @property
    def region(self) -> str:
        return self.org.home_region

    def session(self, account: str) -> boto3.Session:
        """Credentials in `account` (moto: an assumed role's keys land in the role's account), the test's setup
        role's (`SETUP_ROLE`) for a member account."""
        if account not in self._sessions:
            self._sessions[account] = self._new_session(account)
        return self._sessions[account]

    def _new_session(self, account: str) -> boto3.Session:
        if self.ids[account] == MANAGEMENT_ID:
            return boto3.Session()
        sts = self.client("sts")
        arn = f"arn:{self.partition}:iam::{self.ids[account]}:role/{SETUP_ROLE}"
        creds = sts.assume_role(RoleArn=arn, RoleSessionName="setup")["Credentials"]
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    def client(self, service: str, account: str | None = None, region: str | None = None) -> Any:
        """A client of the setup's in `account` (the management account unless named) and `region` (the home
        region unless named)."""
        account = account or self.config.partitions[self.partition].management_account
        key = (service, account, region or self.region)
        if key not in self._clients:
            self._clients[key] = self.session(account).client(service, region_name=key[2])
        return self._clients[key]

    def human_user_with_password_and_old_key(self, account: str, user: str, key_age_days: int = 400) -> str:
        iam = self.client("iam", account)
        iam.create_user(UserName=user)
        iam.create_login_profile(UserName=user, Password="Local-only-password-1")
        key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
        stored = next(k for k in iam_backends[self.ids[account]][self.partition].users[user].access_keys)
        # An old key: IAM sets CreateDate itself, so the state is written into moto directly.
        stored.create_date = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=key_age_days)
        stored.last_used = AccessKeyLastUsed(
            datetime.now(UTC).replace(tzinfo=None) - timedelta(days=3), "s3", self.region
        )
        return str(key)

    def legacy_bot(self, account: str, user: str) -> str:
        iam = self.client("iam", account)
        iam.create_user(UserName=user, Tags=[{"Key": LEGACY_BOT_TAG, "Value": "true"}])
        return str(iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"])

    def breakglass_user(self, account: str, user: str) -> None:
        iam = self.client("iam", account)
        iam.create_user(UserName=user)
        iam.create_login_profile(UserName=user, Password="Local-only-password-1")
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(
            UserName=user, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
        )

    def stray_assignment(self, account: str, permission_set: str, group_id: str) -> None:
        sso = self.client("sso-admin")
        sso.create_account_assignment(
            InstanceArn=self.instance_arn,
            TargetId=self.ids[account],
            TargetType="AWS_ACCOUNT",
            PermissionSetArn=self.permission_sets[permission_set],
            PrincipalType="GROUP",
            PrincipalId=group_id,
        )

    def detach_scp(self, name: str, target_id: str) -> None:
        self.client("organizations").detach_policy(PolicyId=self.scp_ids[name], TargetId=target_id)

    def remove_audit_role(self, account: str) -> None:
        backend = iam_backends[self.ids[account]][self.partition]
        backend.detach_role_policy(self._audit_policy_arn(account), self.org.access_audit_role)
        backend.delete_role(self.org.access_audit_role)

    def _audit_policy_arn(self, account: str) -> str:
        return f"arn:{self.partition}:iam::{self.ids[account]}:policy/{self.org.access_audit_role}"


def partition_data(example_data: dict[str, Any], partition: PartitionName) -> dict[str, Any]:
    """The example config with one of its partitions only (the local API runs one organization)."""
    other: PartitionName = GOVCLOUD if partition == PARTITION else PARTITION
    data = copy.deepcopy(example_data)
    data["partitions"] = {partition: data["partitions"][partition]}
    data["accounts"] = [a for a in data["accounts"] if a["partition"] == partition]
    for plan in data["backup"]["plans"]:
        for rule in plan["rules"]:
            rule.get("copy_to_region", {}).pop(other, None)
    scps = data["service_control_policies"]
    scps["partitions"] = {partition: scps["partitions"][partition]}
    names = {a["name"] for a in data["accounts"]}
    for attachment in scps.get("policies", {}).values():
        targets = attachment.get("targets", {})
        targets["exclude_accounts"] = [n for n in targets.get("exclude_accounts", []) if n in names]
    ic = data["identity_center"]
    ic["assignments"] = [a for a in ic["assignments"] if a["partition"] == partition]
    if "elevation" in data:
        data["elevation"]["rules"] = [r for r in data["elevation"].get("rules", []) if r["partition"] == partition]
    for section in ("breakglass", "atlantis"):
        data[section] = {partition: data[section][partition]}
    data.get("alerts", {}).get("slack", {}).pop(other, None)
    data.get("resource_control_policies", {}).get("partitions", {}).pop(other, None)
    vpc_bpa = data.get("organization_policies", {}).get("ec2", {}).get("vpc_block_public_access", {})
    if "exclusions" in vpc_bpa:
        vpc_bpa["exclusions"] = [e for e in vpc_bpa["exclusions"] if e["account"] in names]
    for policy in data.get("organization_policies", {}).values():
        if "exclude_partitions" in policy:
            policy["exclude_partitions"] = [p for p in policy["exclude_partitions"] if p == partition]
    return data


def build_local_org(example_data: dict[str, Any], workdir: Path, partition: PartitionName = PARTITION) -> LocalOrg:
    """One partition of the example org in the local API, as configured (see the module docstring); call within
    `aws`."""
    region = HOME_REGIONS[partition]
    data = partition_data(example_data, partition)
    orgs = boto3.client("organizations", region_name=region)
    org_id = orgs.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root_id = orgs.list_roots()["Roots"][0]["Id"]
    orgs.enable_policy_type(RootId=root_id, PolicyType="SERVICE_CONTROL_POLICY")
    part = data["partitions"][partition]
    part["organization_id"], part["root_id"] = org_id, root_id
    ou_ids: dict[str, str] = {"Root": root_id}
    for ou in part["organizational_units"]:
        parent = ou_ids[ou["path"].rsplit("/", 1)[0] if "/" in ou["path"] else "Root"]
        ou["id"] = ou_ids[ou["path"]] = orgs.create_organizational_unit(
            ParentId=parent, Name=ou["path"].rsplit("/", 1)[-1]
        )["OrganizationalUnit"]["Id"]
    for account in data["accounts"]:
        if account["name"] == part["management_account"]:
            account["id"] = MANAGEMENT_ID
            continue
        status = orgs.create_account(Email=account["email"], AccountName=account["name"])["CreateAccountStatus"]
        account["id"] = status["AccountId"]
        orgs.move_account(AccountId=account["id"], SourceParentId=root_id, DestinationParentId=ou_ids[account["ou"]])
    config_path = workdir / "org.yaml"
    config_path.write_text(yaml.safe_dump(data, sort_keys=False))
    config = load_config(config_path)
    org = organization(config, partition)
    ids = {a.name: a.id for a in config.accounts}

    scp_ids = {}
    for scp in partition_budget(config, partition, org).scps:
        policy = orgs.create_policy(
            Content=scp.content, Description=scp.description, Name=scp.name, Type="SERVICE_CONTROL_POLICY"
        )["Policy"]["PolicySummary"]
        scp_ids[scp.name] = policy["Id"]
        for target_id in scp.target_ids:
            orgs.attach_policy(PolicyId=policy["Id"], TargetId=target_id)

    instance_arn = org.identity_center_instance_arn(part["identity_center"]["instance_id"])
    sso = boto3.client("sso-admin", region_name=region)
    sets = {}
    for name in access_model(config, org).permission_sets:
        sets[name] = sso.create_permission_set(Name=name, InstanceArn=instance_arn)["PermissionSet"]["PermissionSetArn"]
    local = LocalOrg(config, config_path, org, ids, scp_ids, sets, instance_arn)
    for account_name, assignments in assignments_by_account(config).items():
        for assignment in assignments:
            local.stray_assignment(account_name, assignment.permission_set, assignment.group_id)

    s3 = boto3.client("s3", region_name=region)
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=org.trail_bucket, **location)
    trail = boto3.client("cloudtrail", region_name=region)
    trail.create_trail(
        Name=org.trail_name, S3BucketName=org.trail_bucket, IsOrganizationTrail=True, IsMultiRegionTrail=True
    )
    trail.start_logging(Name=org.trail_name)

    for account in config.accounts:
        iam = local.client("iam", account.name)
        iam.create_role(RoleName=org.access_audit_role, AssumeRolePolicyDocument=_json(audit_role_trust(org)))
        arn = iam.create_policy(
            PolicyName=org.access_audit_role, PolicyDocument=_json(audit_role_policy(org, account.id))
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=org.access_audit_role, PolicyArn=arn)
        root_mfa_enabled(account.id, partition)
        aws_managed_policies(account.id, partition)
        for region in account.regions or config.partitions[partition].allowed_regions:
            backup = local.client("backup", account.name, region)
            backup.create_backup_vault(BackupVaultName=org.backup_vault)
            backup.put_backup_vault_lock_configuration(BackupVaultName=org.backup_vault, MinRetentionDays=7)
    # The auditor role in the management account (the operator's keys assume it).
    iam = boto3.client("iam", region_name=region)
    iam.create_role(RoleName=org.access_auditor_role, AssumeRolePolicyDocument=_json(auditor_role_trust(org)))
    arn = iam.create_policy(PolicyName=org.access_auditor_role, PolicyDocument=_json(auditor_role_policy(org)))
    iam.attach_role_policy(RoleName=org.access_auditor_role, PolicyArn=arn["Policy"]["Arn"])
    return local


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document)

"""Centralized root access: the management account turns it on (commercial partition only), its role may turn it on
and nothing more, and `python -m ops.root_credentials` audits and deletes member accounts' root credentials through
`sts:AssumeRoot` task sessions. The template tests read the synthesized organization stacks; the handler and the
command run against moto in server mode (tests/support/local_aws.py) with the gap fills below. Expected values are
written out from the IAM and STS documentation (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html,
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html), not taken from the code.

Gap fills (moto 5.2.5 has no centralized root access; each stands in for one documented behaviour, and what they
only record is not counted as verified):
- `iam_trusted_access` and `iam_organization_features` (tests/support/local_cloud.py, also used by the deploy test):
  Organizations accepts iam.amazonaws.com for trusted access; IAM's organization features are recorded.
- `assume_root`: STS AssumeRoot returns credentials of a session in the target account and records the task policy;
  the task policy's scope is NOT evaluated (moto evaluates no policy).
- `root_user_stand_in`: IAM calls without a user name in a root session act on the account's root user; moto has no
  root user, so an IAM user named `root-user-stand-in` holds the root credentials in the test.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from types import ModuleType
from typing import Any
from unittest import mock

import boto3
import pytest
from moto.core.responses import ActionResult
from moto.iam import responses as iam_responses
from moto.sts import responses as sts_responses

from config.models import OrgConfig
from config.policies.evaluator import Request, evaluate
from config.regions import PartitionName
from ops import root_credentials
from tests.conftest import Synthesized
from tests.support import local_cloud
from tests.support.local_aws import MOTO_ACCOUNT, ResponseReceiver, custom_resource_event, load_handler
from tests.support.project import ROOT
from tests.support.templates import of_type, statement

HANDLER = ROOT / "constructs" / "handlers" / "security_services" / "index.py"
STACK = f"arn:aws:cloudformation:us-east-1:{MOTO_ACCOUNT}:stack/Organization-management/guid"
MANAGEMENT = {"aws": "management", "aws-us-gov": "gov-management"}
STAND_IN = "root-user-stand-in"

TASK_POLICIES: list[tuple[str, str]] = []  # (target account, task policy ARN) of each AssumeRoot
ROOT_SESSION_KEYS: set[str] = set()


@pytest.fixture
def iam_organization_features() -> Iterator[None]:
    with local_cloud.iam_trusted_access(), local_cloud.iam_organization_features():
        yield


@pytest.fixture
def assume_root() -> Iterator[None]:
    def call(self: Any) -> Any:
        target = self._get_param("TargetPrincipal")
        TASK_POLICIES.append((target, self._get_param("TaskPolicyArn.arn")))
        role = self.backend.assume_role(
            region_name=self.region,
            role_session_name="root-session",
            role_arn=f"arn:aws:iam::{target}:root",
            policy=None,
            duration=self._get_int_param("DurationSeconds", 900),
            external_id=None,
        )
        ROOT_SESSION_KEYS.add(role.access_key_id)
        return ActionResult({"Credentials": role})

    with mock.patch.object(sts_responses.TokenResponse, "assume_root", call, create=True):
        yield
    TASK_POLICIES.clear()
    ROOT_SESSION_KEYS.clear()


@pytest.fixture
def root_user_stand_in(assume_root: None) -> Iterator[None]:
    original = iam_responses.IamResponse._get_param

    def get_param(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        value = original(self, name, *args, **kwargs)
        if name == "UserName" and value is None and self.get_access_key() in ROOT_SESSION_KEYS:
            return STAND_IN
        return value

    with mock.patch.object(iam_responses.IamResponse, "_get_param", get_param):
        yield


# --- the organization stack ------------------------------------------------------------------------------------------


def _role_policy(synth: Synthesized, partition: PartitionName) -> dict[str, Any]:
    template = synth.templates[f"Organization-{MANAGEMENT[partition]}"]
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in of_type(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"].get("Description", "").startswith("org-baseline: registers the security account")
    ]
    return policy  # type: ignore[no-any-return]


def test_management_account_turns_centralized_root_access_on_in_the_commercial_partition_only(
    synth: Synthesized, partition: PartitionName
) -> None:
    template = synth.templates[f"Organization-{MANAGEMENT[partition]}"]
    resources = of_type(template, "Custom::CentralizedRootAccess")
    assert len(resources) == (1 if partition == "aws" else 0)


def test_the_role_may_turn_root_access_on_but_not_off_nor_start_a_root_session(synth: Synthesized) -> None:
    policy = _role_policy(synth, "aws")
    assert statement(policy, "TurnOnCentralizedRootAccess") == {
        "Sid": "TurnOnCentralizedRootAccess",
        "Effect": "Allow",
        "Action": [
            "iam:ListOrganizationsFeatures",
            "iam:EnableOrganizationsRootCredentialsManagement",
            "iam:EnableOrganizationsRootSessions",
        ],
        "Resource": "*",
    }
    for action in ("iam:EnableOrganizationsRootCredentialsManagement", "iam:EnableOrganizationsRootSessions"):
        assert evaluate([policy], Request(action, "*", {"aws:RequestedRegion": "us-east-1"})) == "Allow"
    for action in (
        "iam:DisableOrganizationsRootCredentialsManagement",
        "iam:DisableOrganizationsRootSessions",
        "sts:AssumeRoot",
        "iam:DeleteLoginProfile",
    ):
        assert evaluate([policy], Request(action, "*", {"aws:RequestedRegion": "us-east-1"})) == "ImplicitDeny", action
    # Trusted access for IAM goes through the existing Organizations statement.
    enable = Request("organizations:EnableAWSServiceAccess", "*", {"aws:RequestedRegion": "us-east-1"})
    assert evaluate([policy], enable) == "Allow"


def test_govcloud_role_has_no_root_access_statement(synth: Synthesized) -> None:
    policy = _role_policy(synth, "aws-us-gov")
    assert not [s for s in policy["Statement"] if s.get("Sid") == "TurnOnCentralizedRootAccess"]


def test_root_access_turns_off_in_config(example_config: OrgConfig, tmp_path: Any) -> None:
    from tests.conftest import synthesize

    services = example_config.security_services.model_copy(update={"centralized_root_access": False})
    config = example_config.model_copy(update={"security_services": services})
    synthesized = synthesize(config, tmp_path, checks=False, accounts=["management"])
    assert not of_type(synthesized.templates["Organization-management"], "Custom::CentralizedRootAccess")


# --- the custom resource against moto ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def handler_module() -> ModuleType:
    return load_handler(HANDLER, "security_services_handler_root")


def _event(receiver: ResponseReceiver, request: str, **extra: Any) -> dict[str, Any]:
    return custom_resource_event(
        receiver,
        request,
        resource_type="Custom::CentralizedRootAccess",
        logical_id="CentralizedRootAccess",
        stack_id=STACK,
        properties={"ServiceToken": "arn"},
        **extra,
    )


def test_create_enables_trusted_access_then_both_features_and_repeats_change_nothing(
    handler_module: ModuleType, cloudformation: ResponseReceiver, aws: None, iam_organization_features: None
) -> None:
    boto3.client("organizations").create_organization(FeatureSet="ALL")
    for request in ("Create", "Update", "Delete"):
        extra = {} if request == "Create" else {"PhysicalResourceId": "centralized-root-access"}
        handler_module.handler(_event(cloudformation, request, **extra), None)
        response = cloudformation.received[-1]
        assert response["Status"] == "SUCCESS", response["Reason"]
        if request != "Delete":
            assert response["Data"] == {"EnabledFeatures": "RootCredentialsManagement,RootSessions"}
    enabled = boto3.client("organizations").list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert "iam.amazonaws.com" in {s["ServicePrincipal"] for s in enabled}
    assert local_cloud.IAM_ORGANIZATION_FEATURES[MOTO_ACCOUNT] == {
        "RootCredentialsManagement",
        "RootSessions",
    }  # Delete left them on


# --- the operator command against moto ----------------------------------------------------------------------------


def _member_with_root_credentials(account_id: str) -> dict[str, str]:
    """Seed the stand-in of a member account's root user with a password, an access key, a signing certificate and
    an MFA device (through moto's own API, as the member account)."""
    iam = _as(account_id, "iam")
    iam.create_user(UserName=STAND_IN)
    iam.create_login_profile(UserName=STAND_IN, Password="Str0ng-Passw0rd!")
    key = iam.create_access_key(UserName=STAND_IN)["AccessKey"]["AccessKeyId"]
    cert = iam.upload_signing_certificate(UserName=STAND_IN, CertificateBody=_certificate())["Certificate"][
        "CertificateId"
    ]
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="root-mfa")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName=STAND_IN, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    return {"key": key, "cert": cert, "serial": serial}


def _as(account_id: str, service: str) -> Any:
    credentials = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole", RoleSessionName="seed"
    )["Credentials"]
    return boto3.client(
        service,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def _certificate() -> str:
    """A self-signed X.509 certificate in PEM (IAM parses what it is given)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "root signing certificate")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


WEB_PROD = ("web-prod", "810987654327")


def test_audit_reports_each_accounts_root_credentials_with_the_audit_task_policy(
    aws: None, root_user_stand_in: None
) -> None:
    seeded = _member_with_root_credentials(WEB_PROD[1])
    out = io.StringIO()
    code = root_credentials.run("audit", [WEB_PROD], region="us-east-1", apply=False, out=out)
    assert code == 0, out.getvalue()
    line = out.getvalue().splitlines()[0]
    assert line.startswith("[1/1] web-prod (810987654327): console password, ")
    for value in seeded.values():
        assert value in line
    expected = [(WEB_PROD[1], "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials")]
    assert expected == TASK_POLICIES


def test_delete_is_a_dry_run_unless_applied_then_deletes_everything_with_the_delete_task_policy(
    aws: None, root_user_stand_in: None
) -> None:
    seeded = _member_with_root_credentials(WEB_PROD[1])
    out = io.StringIO()
    assert root_credentials.run("delete", [WEB_PROD], region="us-east-1", apply=False, out=out) == 0
    assert "would delete console password" in out.getvalue()
    iam = _as(WEB_PROD[1], "iam")
    assert iam.list_access_keys(UserName=STAND_IN)["AccessKeyMetadata"]  # nothing deleted
    out = io.StringIO()
    assert root_credentials.run("delete", [WEB_PROD], region="us-east-1", apply=True, out=out) == 0, out.getvalue()
    assert "deleted console password" in out.getvalue()
    assert iam.list_access_keys(UserName=STAND_IN)["AccessKeyMetadata"] == []
    assert iam.list_signing_certificates(UserName=STAND_IN)["Certificates"] == []
    assert iam.list_mfa_devices(UserName=STAND_IN)["MFADevices"] == []
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_login_profile(UserName=STAND_IN)
    assert TASK_POLICIES[-1] == (WEB_PROD[1], "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials")
    assert seeded["serial"] in out.getvalue()


def test_a_failing_account_is_reported_and_the_others_go_on(aws: None, root_user_stand_in: None) -> None:
    _member_with_root_credentials(WEB_PROD[1])
    out = io.StringIO()
    # The second account has no root user stand-in: its reads fail, as a denied call would.
    accounts = [("web-dev", "510987654399"), WEB_PROD]
    code = root_credentials.run("audit", accounts, region="us-east-1", apply=False, out=out)
    lines = out.getvalue().splitlines()
    assert code == 1
    assert lines[0].startswith("[1/2] web-dev (510987654399): FAILED: ")
    assert lines[1].startswith("[2/2] web-prod (810987654327): console password")
    assert lines[-1] == "audit: 1 of 2 account(s) done, 1 failed"


def test_accounts_are_member_accounts_of_the_commercial_partition(example_config: OrgConfig) -> None:
    members = root_credentials.member_accounts(example_config, None)
    assert ("management", "210987654321") not in members and WEB_PROD in members
    assert all(not name.startswith("gov-") for name, _ in members)
    with pytest.raises(ValueError, match="not a member account of the aws partition: management, nope"):
        root_credentials.member_accounts(example_config, ["management", "nope"])


def test_cli_reports_a_bad_account_name_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code = root_credentials.main(["audit", "--accounts", "nope"])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: not a member account of the aws partition: nope")

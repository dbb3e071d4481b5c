"""What the deployed resource control policies decide: requests on the workload account's resources, evaluated
against the RCPs in the synthesized Guardrails template that apply to the account (plus RCPFullAWSAccess), in both
partitions. Expected decisions come from the data perimeter's design (docs/organization-policies.md)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from config.models import OrgConfig
from config.naming import organization
from config.policies.evaluator import Request, Value, denying_sids, evaluate
from config.policies.resource_control import rcp_budget
from config.regions import PartitionName
from tests.conftest import WORKLOAD, Synthesized
from tests.support.config_data import ConfigFrom
from tests.support.templates import of_type

# Written out from config/org.yaml, not read from the code under test.
ORG_ID: dict[PartitionName, str] = {"aws": "o-k3x9w2m7q1", "aws-us-gov": "o-g7v4p8d2z5"}
ROOT_ID: dict[PartitionName, str] = {"aws": "r-k3x9", "aws-us-gov": "r-g7v4"}
OTHER_ORG, OUTSIDER = "o-outsider0001", "999999999999"
# RCPFullAWSAccess, attached everywhere once RCPs are enabled
# (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html).
RCP_FULL_AWS_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
}


def rcp_documents(template: dict[str, Any], targets: set[str]) -> list[dict[str, Any]]:
    return [
        resource["Properties"]["Content"]
        for resource in of_type(template, "AWS::Organizations::Policy").values()
        if resource["Properties"]["Type"] == "RESOURCE_CONTROL_POLICY"
        and targets & set(resource["Properties"]["TargetIds"])
    ]


class Resources:
    """Requests on the resources of one account of the partition."""

    def __init__(self, documents: list[dict[str, Any]], partition: PartitionName, account_id: str) -> None:
        self.documents = [RCP_FULL_AWS_ACCESS, *documents]
        self.partition = partition
        self.account_id = account_id

    def bucket_object(self) -> str:
        return f"arn:{self.partition}:s3:::team-data-{self.account_id}/reports/q3.csv"

    def role(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:role/app"

    def by_member(self, action: str, resource: str, **context: Value) -> str:
        """A principal of the organization (another member account), over TLS."""
        keys: dict[str, Value] = {"aws:PrincipalOrgID": ORG_ID[self.partition], "aws:SecureTransport": "true"}
        principal = {"AWS": f"arn:{self.partition}:iam::111111111111:role/reader"}
        return self._decide(action, resource, principal, {**keys, **context})

    def by_outsider(self, action: str, resource: str, **context: Value) -> str:
        keys: dict[str, Value] = {"aws:PrincipalOrgID": OTHER_ORG, "aws:SecureTransport": "true"}
        principal = {"AWS": f"arn:{self.partition}:iam::{OUTSIDER}:role/intruder"}
        return self._decide(action, resource, principal, {**keys, **context})

    def anonymous(self, action: str, resource: str) -> str:
        return self._decide(action, resource, {"AWS": "*"}, {"aws:SecureTransport": "true"})

    def by_service(self, action: str, resource: str, **context: Value) -> str:
        keys: dict[str, Value] = {"aws:SecureTransport": "true", **context}
        return self._decide(action, resource, {"Service": "cloudtrail.amazonaws.com"}, keys)

    def _decide(self, action: str, resource: str, principal: dict[str, str], context: dict[str, Value]) -> str:
        context = {"aws:ResourceAccount": self.account_id, **context}
        request = Request(action, resource, context, principal=principal)
        decision = evaluate(self.documents, request)
        self.last_denied_by = denying_sids(self.documents, request)
        return decision


@pytest.fixture
def resources(synth: Synthesized, example_config: OrgConfig, partition: PartitionName) -> Resources:
    account = next(a for a in example_config.accounts if a.name == WORKLOAD[partition])
    template = synth.templates[synth.only("guardrails", partition)]
    return Resources(rcp_documents(template, {ROOT_ID[partition], account.id}), partition, account.id)


def test_members_of_the_organization_use_its_resources(resources: Resources) -> None:
    assert resources.by_member("s3:GetObject", resources.bucket_object()) == "Allow"
    assert resources.by_member("sts:AssumeRole", resources.role()) == "Allow"
    assert (
        resources.by_member("kms:Decrypt", f"arn:{resources.partition}:kms:x:{resources.account_id}:key/k") == "Allow"
    )


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("s3:GetObject", "object"),
        ("s3:PutObject", "object"),
        ("sts:AssumeRole", "role"),
        ("sqs:SendMessage", "queue"),
        ("secretsmanager:GetSecretValue", "secret"),
        ("kms:Decrypt", "key"),
    ],
)
def test_principals_outside_the_organization_are_denied(resources: Resources, action: str, resource: str) -> None:
    p, a = resources.partition, resources.account_id
    arns = {
        "object": resources.bucket_object(),
        "role": resources.role(),
        "queue": f"arn:{p}:sqs:x:{a}:jobs",
        "secret": f"arn:{p}:secretsmanager:x:{a}:secret:db-AbCdEf",
        "key": f"arn:{p}:kms:x:{a}:key/k",
    }
    assert resources.by_outsider(action, arns[resource]) == "Deny"
    assert resources.last_denied_by == ["EnforceOrgIdentities"]


def test_anonymous_requests_are_denied_even_if_a_bucket_policy_is_public(resources: Resources) -> None:
    assert resources.anonymous("s3:GetObject", resources.bucket_object()) == "Deny"


def test_federation_into_the_organization_still_works(resources: Resources) -> None:
    # Web identity and SAML principals belong to no organization: the perimeter leaves those calls to the roles'
    # trust policies.
    for action in ("sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"):
        assert resources.by_outsider(action, resources.role()) == "Allow"


def test_aws_services_act_only_for_the_organization(resources: Resources) -> None:
    mine = {"aws:SourceOrgID": ORG_ID[resources.partition], "aws:SourceAccount": "111111111111"}
    theirs = {"aws:SourceOrgID": OTHER_ORG, "aws:SourceAccount": OUTSIDER}
    assert resources.by_service("s3:PutObject", resources.bucket_object(), **mine) == "Allow"
    assert resources.by_service("s3:PutObject", resources.bucket_object(), **theirs) == "Deny"
    assert resources.last_denied_by == ["EnforceConfusedDeputyProtection"]
    # A service call that names no source account (e.g. a service reading its own configuration) is not refused.
    assert resources.by_service("s3:GetBucketAcl", resources.bucket_object()) == "Allow"


def test_requests_without_tls_are_denied_even_from_members(resources: Resources) -> None:
    assert resources.by_member("s3:GetObject", resources.bucket_object(), **{"aws:SecureTransport": "false"}) == "Deny"
    assert resources.last_denied_by == ["EnforceSecureTransport"]


def test_govcloud_resources_are_inside_the_perimeter_where_a_commercial_arn_would_silently_miss(
    synth: Synthesized, example_config: OrgConfig
) -> None:
    """The most common failure of published policies: a Deny on `arn:aws:...` never matches a GovCloud ARN. The
    library's Deny covers GovCloud resources; the same statement written with a commercial ARN lets the outsider in."""
    gov: PartitionName = "aws-us-gov"
    account = next(a for a in example_config.accounts if a.name == WORKLOAD[gov])
    documents = rcp_documents(synth.templates[synth.only("guardrails", gov)], {ROOT_ID[gov]})
    library = Resources(documents, gov, account.id)
    target = library.bucket_object()
    assert target.startswith("arn:aws-us-gov:s3:::")
    assert library.by_outsider("s3:GetObject", target) == "Deny"

    commercial = copy.deepcopy(documents)
    for document in commercial:
        for statement in document["Statement"]:
            statement["Resource"] = "arn:" + "aws" + ":s3:::*"
    assert Resources(commercial, gov, account.id).by_outsider("s3:GetObject", target) == "Allow"
    assert "arn:aws:" not in json.dumps(documents)


def test_trusted_accounts_and_excluded_accounts(
    example_data: dict[str, Any], config_from: ConfigFrom, partition: PartitionName
) -> None:
    data = copy.deepcopy(example_data)
    account = next(a for a in data["accounts"] if a["name"] == WORKLOAD[partition])
    data["resource_control_policies"] = {
        "partitions": {partition: {"trusted_accounts": [OUTSIDER]}},
        "policies": {"enforce-org-identities": {"targets": {"root": True, "exclude_accounts": [WORKLOAD[partition]]}}},
    }
    config = config_from(data)
    rcps = rcp_budget(config, partition, organization(config, partition)).scps
    documents = [rcp.document for rcp in rcps]
    vendor = Resources(documents, partition, "210987654321")  # another member account's resources
    assert vendor.by_outsider("s3:GetObject", vendor.bucket_object(), **{"aws:PrincipalAccount": OUTSIDER}) == "Allow"
    assert (
        vendor.by_outsider("s3:GetObject", vendor.bucket_object(), **{"aws:PrincipalAccount": "888888888888"}) == "Deny"
    )
    excluded = Resources(documents, partition, account["id"])
    assert (
        excluded.by_outsider("s3:GetObject", excluded.bucket_object(), **{"aws:PrincipalAccount": "888888888888"})
        == "Allow"
    )

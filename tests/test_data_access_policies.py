"""No-delete and network-restricted credentials: each policy's statements exactly, and the network policy's
behaviour proven against IAM's condition semantics (including keys missing from the request)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import yaml

from config.loader import parse_config
from config.models import Account, NetworkRestriction, OrgConfig
from config.policies.evaluator import Request, Value, evaluate
from config.regions import PartitionName
from constructs.data.access_policies import network_restricted
from stacks.assembly import assemble
from tests.conftest import Synthesized
from tests.support.project import CDK_CONTEXT
from tests.support.templates import of_type

# Every test runs in both partitions (it takes the `partition` fixture), as the policies are built per partition.
DESTRUCTIVE = [
    "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:DeleteBucket",
    "s3:DeleteBucketPolicy", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketPolicy", "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration", "s3:PutObjectLegalHold", "s3:PutObjectRetention",
]  # fmt: skip


DATA_POLICY_SUFFIXES = ("-s3-writer-no-delete", "-s3-deleter", "-network-restricted")


def managed_policies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The data-access policies of a template (other features add managed policies of their own)."""
    return {
        r["Properties"]["ManagedPolicyName"]: r["Properties"]["PolicyDocument"]
        for r in of_type(template, "AWS::IAM::ManagedPolicy").values()
        if str(r["Properties"].get("ManagedPolicyName", "")).endswith(DATA_POLICY_SUFFIXES)
    }


@pytest.fixture
def home_policies(workload_home: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The data-access policies in the workload account's home-region baseline."""
    return managed_policies(workload_home)


def test_only_the_home_region_has_the_policies(
    synth: Synthesized, partition: PartitionName, home_region: str, home_policies: dict[str, dict[str, Any]]
) -> None:
    assert sorted(home_policies) == ["examplecorp-baseline-network-restricted", "examplecorp-baseline-s3-deleter",
                                     "examplecorp-baseline-s3-writer-no-delete"]  # fmt: skip
    for info in synth.infos:
        if info.kind == "baseline" and info.partition == partition and info.region != home_region:
            assert managed_policies(synth.deployed(info.stack_id)) == {}, info.stack_id


def test_s3_writer_reads_and_writes_in_its_account_and_never_deletes(
    partition: PartitionName, workload: Account, home_policies: dict[str, dict[str, Any]]
) -> None:
    account = workload.id
    assert home_policies["examplecorp-baseline-s3-writer-no-delete"] == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadAndWriteObjectsInThisAccount", "Effect": "Allow",
             "Action": ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion",
                        "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListMultipartUploadParts",
                        "s3:PutObject"],
             "Resource": [f"arn:{partition}:s3:::*", f"arn:{partition}:s3:::*/*"],
             "Condition": {"StringEquals": {"s3:ResourceAccount": account}}},
            {"Sid": "DenyDeletingOrUnprotectingData", "Effect": "Deny", "Action": DESTRUCTIVE, "Resource": "*"},
        ],
    }  # fmt: skip


def test_s3_deleter_only_deletes(
    partition: PartitionName, workload: Account, home_policies: dict[str, dict[str, Any]]
) -> None:
    account = workload.id
    assert home_policies["examplecorp-baseline-s3-deleter"] == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DeleteObjectsInThisAccount", "Effect": "Allow",
             "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"], "Resource": f"arn:{partition}:s3:::*/*",
             "Condition": {"StringEquals": {"s3:ResourceAccount": account}}},
        ],
    }  # fmt: skip


def test_network_restricted_statements(
    partition: PartitionName, home_policies: dict[str, dict[str, Any]], example_config: OrgConfig
) -> None:
    net = example_config.network_restriction
    assert net is not None
    assert net.allowed_vpc_endpoints == ["vpce-0a1b2c3d4e5f67890"]
    assert home_policies["examplecorp-baseline-network-restricted"] == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DenyOutsideAllowedCidrsUnlessThroughVpcEndpoint", "Effect": "Deny", "Action": "*",
             "Resource": "*", "Condition": {
                 "NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.16/28"]},
                 "Bool": {"aws:ViaAWSService": "false"},
                 "Null": {"aws:SourceVpce": "true"}}},
            {"Sid": "DenyThroughOtherVpcEndpoints", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {
                "StringNotEquals": {"aws:SourceVpce": ["vpce-0a1b2c3d4e5f67890"]},
                "Null": {"aws:SourceVpce": "false"},
                "Bool": {"aws:ViaAWSService": "false"}}},
        ],
    }  # fmt: skip


def test_network_policy_is_skipped_without_network_restriction(
    partition: PartitionName, workload: Account, home_region: str, example_data: dict[str, Any], tmp_path: Path
) -> None:
    data = copy.deepcopy(example_data)
    del data["network_restriction"]
    name, region = workload.name, home_region
    app = cdk.App(context=copy.deepcopy(CDK_CONTEXT), outdir=str(tmp_path), analytics_reporting=False)
    (stack, *_) = [i.stack for i in assemble(app, parse_config(yaml.safe_dump(data)), accounts=[name], checks=False)
                   if i.region == region]  # fmt: skip
    template = app.synth().get_stack_by_name(stack.stack_name).template
    assert sorted(managed_policies(template)) == [
        "examplecorp-baseline-s3-deleter", "examplecorp-baseline-s3-writer-no-delete"]  # fmt: skip


# --- the network policy's behaviour, under IAM's evaluation rules --------------------------------------


def denied(document: dict[str, Any], context: Mapping[str, Value]) -> bool:
    """Whether the policy denies a request with these condition keys, by IAM's rules (`tests/support/iam_eval.py`):
    a key missing from the request makes a positive operator false and a negated one true; Null tests presence."""
    return evaluate([document], Request("s3:GetObject", "*", dict(context))) == "Deny"


ALLOWED = NetworkRestriction(
    allowed_cidrs=["203.0.113.0/24", "198.51.100.16/28"], allowed_vpc_endpoints=["vpce-0a1b2c3d4e5f67890"]
)
NO_ENDPOINTS = NetworkRestriction(allowed_cidrs=["203.0.113.0/24"])

# (description, request context, denied with endpoints configured, denied without endpoints)
REQUESTS: list[tuple[str, dict[str, Value], bool, bool]] = [
    ("from the office", {"aws:SourceIp": "203.0.113.7", "aws:ViaAWSService": "false"}, False, False),
    ("from a NAT gateway", {"aws:SourceIp": "198.51.100.20", "aws:ViaAWSService": "false"}, False, True),
    ("from a cafe", {"aws:SourceIp": "192.0.2.1", "aws:ViaAWSService": "false"}, True, True),
    ("an AWS service on the caller's behalf (e.g. CloudFormation)",
     {"aws:SourceIp": "192.0.2.1", "aws:ViaAWSService": "true"}, False, False),
    ("through the allowed VPC endpoint (no aws:SourceIp)",
     {"aws:SourceVpce": "vpce-0a1b2c3d4e5f67890", "aws:ViaAWSService": "false"}, False, True),
    ("through another VPC endpoint", {"aws:SourceVpce": "vpce-0fffffffffffffff0", "aws:ViaAWSService": "false"},
     True, True),
    ("a service through an endpoint", {"aws:SourceVpce": "vpce-0fffffffffffffff0", "aws:ViaAWSService": "true"},
     False, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "context", "with_endpoints", "without_endpoints"), REQUESTS, ids=[r[0] for r in REQUESTS]
)
def test_network_policy_denies_exactly_the_requests_from_outside(
    partition: PartitionName, what: str, context: dict[str, Value], with_endpoints: bool, without_endpoints: bool
) -> None:
    assert denied(network_restricted(ALLOWED), context) is with_endpoints, what
    assert denied(network_restricted(NO_ENDPOINTS), context) is without_endpoints, what


def test_a_single_statement_would_deny_every_vpc_endpoint_request(partition: PartitionName) -> None:
    """Why two statements: the naive policy denies even the allowed endpoint, as aws:SourceIp is absent there."""
    naive = {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {
        "NotIpAddress": {"aws:SourceIp": ALLOWED.allowed_cidrs}, "Bool": {"aws:ViaAWSService": "false"}}}]}  # fmt: skip
    through_allowed_endpoint = {"aws:SourceVpce": "vpce-0a1b2c3d4e5f67890", "aws:ViaAWSService": "false"}
    assert denied(naive, through_allowed_endpoint)
    assert not denied(network_restricted(ALLOWED), through_allowed_endpoint)

"""The EC2 declarative policy and the S3 Block Public Access policy in the Guardrails stacks, the VPC Block Public
Access exclusions in the account baselines, the per-account fallback where the S3 policy does not apply, and the
config errors about them. Expected documents are written from the Organizations syntax pages
(docs/organization-policies.md)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from config.models import OrgConfig
from config.naming import organization
from config.policies.organization_policies import covered_by_s3_policy, management_policies, policy_types
from config.regions import PartitionName
from tests.conftest import Synthesized
from tests.support.config_data import ConfigFrom, config_error
from tests.support.templates import by_name, of_type

ROOT_ID: dict[PartitionName, str] = {"aws": "r-k3x9", "aws-us-gov": "r-g7v4"}
EC2_SETTINGS = {
    "ec2_attributes": {
        "instance_metadata_defaults": {"http_tokens": {"@@assign": "required"}},
        "serial_console_access": {"status": {"@@assign": "disabled"}},
        "image_block_public_access": {"state": {"@@assign": "block_new_sharing"}},
        "snapshot_block_public_access": {"state": {"@@assign": "block_all_sharing"}},
        "vpc_block_public_access": {
            "internet_gateway_block": {
                "mode": {"@@assign": "block_ingress"},
                "exclusions_allowed": {"@@assign": "enabled"},
            }
        },
    }
}


def management_of(synth: Synthesized, partition: PartitionName) -> dict[str, dict[str, Any]]:
    template = synth.templates[synth.only("guardrails", partition)]
    policies = by_name(template, "AWS::Organizations::Policy")
    return {name: p for name, p in policies.items() if p["Type"] in ("DECLARATIVE_POLICY_EC2", "S3_POLICY")}


def test_the_ec2_declarative_policy_is_on_the_root_of_both_partitions(
    synth: Synthesized, partition: PartitionName
) -> None:
    policy = management_of(synth, partition)["examplecorp-ec2-settings"]
    assert policy["Type"] == "DECLARATIVE_POLICY_EC2"
    assert policy["TargetIds"] == [ROOT_ID[partition]]
    assert policy["Content"] == EC2_SETTINGS


def test_the_s3_policy_blocks_public_access_where_the_config_keeps_it(synth: Synthesized) -> None:
    s3 = management_of(synth, "aws")["examplecorp-s3-block-public-access"]
    assert s3["Type"] == "S3_POLICY" and s3["TargetIds"] == [ROOT_ID["aws"]]
    assert s3["Content"] == {"s3_attributes": {"public_access_block_configuration": {"@@assign": "all"}}}
    # GovCloud is excluded in config/org.yaml: its accounts keep the per-account setting (tests/test_account_settings.py).
    assert "examplecorp-s3-block-public-access" not in management_of(synth, "aws-us-gov")


def test_vpc_block_public_access_exclusions_sit_in_their_account_and_region(synth: Synthesized) -> None:
    template = synth.templates["Baseline-web-prod-us-east-1"]
    (exclusion,) = of_type(template, "AWS::EC2::VPCBlockPublicAccessExclusion").values()
    assert exclusion["Properties"] == {
        "InternetGatewayExclusionMode": "allow-bidirectional",
        "VpcId": "vpc-0a1b2c3d4e5f60718",
    }
    for name in (
        "Baseline-web-prod-us-west-2",
        "Baseline-web-dev-us-east-1",
        "Baseline-gov-workload-prod-us-gov-west-1",
    ):
        assert of_type(synth.templates[name], "AWS::EC2::VPCBlockPublicAccessExclusion") == {}, name


def test_settings_follow_the_config(
    example_data: dict[str, Any], config_from: ConfigFrom, partition: PartitionName
) -> None:
    data = copy.deepcopy(example_data)
    data["organization_policies"] = {
        "ec2": {
            "imdsv2_required": False,
            "serial_console_access": True,
            "image_block_public_access": False,
            "snapshot_block_public_access": "block_new_sharing",
            "vpc_block_public_access": {"mode": "block_bidirectional"},
            "targets": {"organizational_units": ["Workloads"]},
        },
        "s3_block_public_access": {"enabled": False},
    }
    config = config_from(data)
    (ec2,) = management_policies(config, partition, organization(config, partition))
    assert ec2.content["ec2_attributes"] == {
        "instance_metadata_defaults": {"http_tokens": {"@@assign": "no_preference"}},
        "serial_console_access": {"status": {"@@assign": "enabled"}},
        "image_block_public_access": {"state": {"@@assign": "unblocked"}},
        "snapshot_block_public_access": {"state": {"@@assign": "block_new_sharing"}},
        "vpc_block_public_access": {
            "internet_gateway_block": {
                "mode": {"@@assign": "block_bidirectional"},
                "exclusions_allowed": {"@@assign": "disabled"},
            }
        },
    }
    workloads = next(ou for ou in config.partitions[partition].organizational_units if ou.path == "Workloads")
    assert ec2.target_ids == [workloads.id]
    assert not any(covered_by_s3_policy(config, account) for account in config.accounts)
    assert "S3_POLICY" not in policy_types(config, partition)


def test_the_policy_types_each_partition_needs(example_config: OrgConfig) -> None:
    assert policy_types(example_config, "aws") == [
        "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY", "DECLARATIVE_POLICY_EC2", "S3_POLICY",
    ]  # fmt: skip
    assert policy_types(example_config, "aws-us-gov") == [
        "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY", "DECLARATIVE_POLICY_EC2",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"s3_block_public_access": {"targets": {"root": True, "exclude_accounts": ["web-dev"]}}},
            "organization_policies.s3_block_public_access.targets.exclude_accounts: an organization policy cannot "
            "leave accounts out",
        ),
        (
            {
                "ec2": {
                    "vpc_block_public_access": {
                        "exclusions": [{"account": "web-dev", "region": "us-west-2", "id": "vpc-0a1b2c3d"}]
                    }
                }
            },
            "exclusions[0].region: 'us-west-2' is not one of account 'web-dev''s baseline regions (us-east-1)",
        ),
        (
            {
                "ec2": {
                    "vpc_block_public_access": {
                        "exclusions": [{"account": "nosuch", "region": "us-east-1", "id": "vpc-0a1b2c3d"}]
                    }
                }
            },
            "exclusions[0].account: no account named 'nosuch' in accounts",
        ),
        (
            {
                "ec2": {
                    "vpc_block_public_access": {
                        "exclusions": [{"account": "web-dev", "region": "us-east-1", "id": "sg-0a1b2c3d"}]
                    }
                }
            },
            "exclusions[0].id: 'sg-0a1b2c3d' is not valid: expected a VPC ID (vpc-0a1b2c3d) or a subnet ID",
        ),
        (
            {"ec2": {"snapshot_block_public_access": "block_everything"}},
            "organization_policies.ec2.snapshot_block_public_access",
        ),
        (
            {"ec2": {"targets": {"organizational_units": ["Nowhere"]}}},
            "organization_policies.ec2.targets.organizational_units[0]: OU 'Nowhere' is not listed",
        ),
    ],
)
def test_config_errors(
    example_data: dict[str, Any], config_from: ConfigFrom, changes: dict[str, Any], message: str
) -> None:
    data = copy.deepcopy(example_data)
    data["organization_policies"] = changes
    assert message in config_error(config_from, data)

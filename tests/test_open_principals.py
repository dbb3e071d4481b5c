"""Every statement open to every principal (`Principal: "*"` or `{"AWS": "*"}`) in a key, bucket, topic, queue,
vault or event-bus policy of every template is either a Deny or an Allow narrowed by a condition naming who may act.

checkov's wildcard-principal check (CKV_AWS_33) is skipped per key, not per statement; this test and the gate's
OPEN_PRINCIPAL finding (checks/policy_lint.py) look at each statement.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checks.cloud_assembly import StackTemplate
from checks.policy_lint import run_policy_lint
from config.regions import PartitionName
from tests.conftest import Synthesized

RESOURCE_POLICIES = {
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::Backup::BackupVault": "AccessPolicy",
    "AWS::Events::EventBus": "Policy",
}
# Keys that say who the caller is, from the AWS global condition keys and the KMS keys:
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
WHO = {"aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:SourceAccount", "aws:SourceArn",
       "kms:CallerAccount"}  # fmt: skip
NARROWING = {"StringEquals", "StringLike", "ArnEquals", "ArnLike"}


def open_statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for logical_id, resource in template["Resources"].items():
        document = resource.get("Properties", {}).get(RESOURCE_POLICIES.get(resource["Type"], ""), {})
        if isinstance(document, str):
            document = json.loads(document)
        for statement in document.get("Statement", []) if isinstance(document, dict) else []:
            principal = statement.get("Principal")
            aws = principal.get("AWS") if isinstance(principal, dict) else None
            if principal == "*" or aws == "*" or (isinstance(aws, list) and "*" in aws):
                found.append((logical_id, statement))
    return found


def test_every_open_allow_names_who_may_act(synth: Synthesized, partition: PartitionName) -> None:
    names = [i.stack.stack_name for i in synth.infos if i.partition == partition]
    checked = 0
    for name in names:
        for logical_id, statement in open_statements(synth.templates[name]):
            checked += 1
            if statement["Effect"] == "Deny":
                continue  # a Deny only takes access away
            narrowing = {
                key for op, block in statement.get("Condition", {}).items() if op in NARROWING for key in block
            }
            assert narrowing & WHO, f"{name}/{logical_id}#{statement.get('Sid')}: open Allow without a who-condition"
    assert checked > 20  # the example org has keys, buckets and topics with such statements in both partitions


def test_the_gate_fails_an_unconditioned_open_decrypt_on_the_backup_vault_key(
    synth: Synthesized, partition: PartitionName, tmp_path: Path
) -> None:
    name = {"aws": "Baseline-web-prod-us-east-1", "aws-us-gov": "Baseline-gov-workload-prod-us-gov-west-1"}[partition]
    body = json.loads(json.dumps(synth.templates[name]))
    (key,) = [
        r for lid, r in body["Resources"].items() if lid.startswith("BackupVaultKey") and r["Type"] == "AWS::KMS::Key"
    ]
    key["Properties"]["KeyPolicy"]["Statement"].append(
        {"Sid": "Oops", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}
    )
    account, region = ("810987654327", "us-east-1") if partition == "aws" else ("420987654332", "us-gov-west-1")
    stack = StackTemplate(name, tmp_path / "t.json", account, region, body)
    result = run_policy_lint([stack], tmp_path)
    assert "OPEN_PRINCIPAL: Allow to every principal without a condition naming who may act" in [
        f.message for f in result.findings if f.location.endswith("/KeyPolicy#Oops")
    ]

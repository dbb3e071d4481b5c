"""A failed first deploy can be retried: stateful resources are `RetainExceptOnCreate`, in both partitions.

With `DeletionPolicy: Retain`, a first create that rolls back leaves its named buckets, log groups and vaults
behind, and the retry fails with "already exists". `RetainExceptOnCreate` deletes what the failed create made
and keeps the resource on every later update or delete, like `Retain`.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk

from config.models import OrgConfig
from config.naming import Organization
from config.regions import PartitionName
from constructs.sessions.preferences import SessionPreferences
from tests.conftest import Synthesized

# Written out, not imported: every type that holds data or evidence. A stateful type added to the baseline
# belongs here.
STATEFUL_TYPES = (
    "AWS::S3::Bucket",
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
    "AWS::Backup::BackupVault",
    "AWS::CloudTrail::Trail",
)


def _partition_resources(synth: Synthesized, partition: PartitionName) -> list[tuple[str, str, dict[str, Any]]]:
    """(stack name, logical ID, resource) of every resource in every stack of the partition."""
    return [
        (info.stack.stack_name, logical_id, resource)
        for info in synth.infos
        if info.partition == partition
        for logical_id, resource in synth.templates[info.stack.stack_name]["Resources"].items()
    ]


def test_every_stateful_resource_is_retained_except_on_create(synth: Synthesized, partition: PartitionName) -> None:
    seen: set[str] = set()
    for stack, logical_id, resource in _partition_resources(synth, partition):
        if resource["Type"] in STATEFUL_TYPES:
            seen.add(resource["Type"])
            policies = {k: resource.get(k) for k in ("DeletionPolicy", "UpdateReplacePolicy")}
            assert policies == {"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"}, (
                f"{stack}/{logical_id} ({resource['Type']})"
            )
    assert seen == set(STATEFUL_TYPES)  # the example org has each type, so the loop above checked each


def test_no_resource_is_plainly_retained(synth: Synthesized, partition: PartitionName) -> None:
    # Plain Retain is what made a failed first deploy unretryable; no resource should come back to it.
    plain = [f"{s}/{i}" for s, i, r in _partition_resources(synth, partition) if r.get("DeletionPolicy") == "Retain"]
    assert plain == []


def test_session_preferences_document_is_adoptable(synth: Synthesized, partition: PartitionName) -> None:
    # Auto-import needs a static name and a DeletionPolicy of Retain or RetainExceptOnCreate:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/import-resources-automatically.html
    documents = [
        (s, r)
        for s, _, r in _partition_resources(synth, partition)
        if r["Type"] == "AWS::SSM::Document" and r["Properties"].get("Name") == "SSM-SessionManagerRunShell"
    ]
    assert documents  # one per baseline stack
    for stack, document in documents:
        assert document["DeletionPolicy"] == "RetainExceptOnCreate", stack
        assert document["UpdateReplacePolicy"] == "Retain", stack
        assert document["Properties"]["Content"]["description"] == (
            "Session Manager preferences (org-baseline; managed by CloudFormation, do not edit)"
        )


def _preferences_description(example_config: OrgConfig, org: Organization, context: dict[str, Any]) -> str:
    app = cdk.App(context=context, analytics_reporting=False)
    stack = cdk.Stack(app, "Preferences")
    prefs = SessionPreferences(
        stack,
        "SessionPreferences",
        org=org,
        settings=example_config.session_manager,
        account_id="111122223333",
        region="us-east-1" if org.partition == "aws" else "us-gov-west-1",
        extra_log_groups=[],
    )
    content = stack.resolve(prefs.document.content)
    description: str = content["description"]
    return description


def test_the_adopting_deploy_marks_the_document_so_the_next_deploy_rewrites_it(
    example_config: OrgConfig, org: Organization
) -> None:
    # An import takes the console's document as it is; only a changed template makes CloudFormation write the
    # config's preferences. The adopting deploy's template therefore differs from the plain one.
    plain = _preferences_description(example_config, org, {})
    adopting = _preferences_description(example_config, org, {"adopt-session-preferences": "true"})
    assert plain == "Session Manager preferences (org-baseline; managed by CloudFormation, do not edit)"
    assert adopting.startswith(plain) and adopting != plain
    assert "adopt" in adopting
    assert _preferences_description(example_config, org, {"adopt-session-preferences": "false"}) == plain

"""One JSON snapshot per stack: "what else changed?" when a pull request touches the baseline.

Update after reviewing a diff with `make snapshots`. Only 64-hex asset hashes are normalized.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from config.loader import load_config
from stacks.plan import StackKind, plan
from tests.conftest import Synthesized
from tests.support.project import CONFIG_FIXTURES, EXAMPLE_CONFIG

ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
STACKS = [item.stack_id for item in plan(load_config(EXAMPLE_CONFIG))]


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def normalized(template: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(template)))
    return result


def test_normalization_touches_only_asset_hashes() -> None:
    sha = "a" * 64
    template = {"Resources": {"X": {"Properties": {"Key": f"{sha}.zip", "Short": "b" * 63, "Id": "012345678901"}}}}
    assert normalized(template) == {
        "Resources": {"X": {"Properties": {"Key": "<asset-hash>.zip", "Short": "b" * 63, "Id": "012345678901"}}}
    }


@pytest.mark.parametrize("stack_id", STACKS)
def test_template(synth: Synthesized, snapshot_json: SnapshotAssertion, stack_id: str) -> None:
    assert normalized(synth.templates[stack_id]) == snapshot_json


# deployment.mode: stacksets (tests/fixtures/configs/stacksets.yaml): the stacks only that mode has.
STACKSETS_STACKS = [
    item.stack_id
    for item in plan(load_config(CONFIG_FIXTURES / "stacksets.yaml"))
    if item.kind in (StackKind.STACKSETS, StackKind.STACKSET_ASSETS)
]


@pytest.mark.parametrize("stack_id", STACKSETS_STACKS)
def test_stacksets_template(stacksets_synth: Synthesized, snapshot_json: SnapshotAssertion, stack_id: str) -> None:
    assert normalized(stacksets_synth.templates[stack_id]) == snapshot_json

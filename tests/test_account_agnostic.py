"""Account-agnostic baseline templates: a baseline names its own account and region only through AWS::AccountId and
AWS::Region, so accounts that share a baseline profile get byte-identical templates (issue #14, first step).

What depends on which account it is (management, CI, the breakglass users' account, the session documents' owner)
or on its settings (OU, regions, backup plans, customer-managed policies, VPC exclusions) makes a different profile,
and so a different template. The expected groups and counts below are reasoned by hand from config/org.yaml.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Final

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from config.loader import parse_config
from config.models import OrgConfig
from config.regions import PartitionName
from constructs.shared.handler_function import add_handler_function
from stacks.plan import baseline_profiles
from tests.conftest import Synthesized, synthesize
from tests.support.project import CDK_CONTEXT
from tests.support.templates import resolved

# An account of each partition whose baseline depends on nothing but its settings (no per-name assignment, VPC
# exclusion, breakglass users or special role), and the twin added next to it: same OU, regions and backup plans.
TWIN_OF: Final[dict[PartitionName, str]] = {"aws": "web-dev", "aws-us-gov": "gov-workload-prod"}
TWIN_ID: Final[dict[PartitionName, str]] = {"aws": "990987654340", "aws-us-gov": "990987654341"}


def template_bytes(synth: Synthesized) -> dict[str, bytes]:
    """Each baseline stack's template file as synthesized, by stack ID."""
    return {
        info.stack_id: Path(synth.outdir, info.stack.template_file).read_bytes()
        for info in synth.infos
        if info.kind == "baseline"
    }


@pytest.fixture(scope="module")
def twin_config(example_data: dict[str, Any]) -> OrgConfig:
    """The example org with one more account per partition, a twin of `TWIN_OF` (its settings, another ID and
    name)."""
    data = copy.deepcopy(example_data)
    for partition, name in TWIN_OF.items():
        (original,) = [a for a in data["accounts"] if a["name"] == name]
        data["accounts"].append(
            {**original, "name": f"{name}-twin", "id": TWIN_ID[partition], "email": f"{name}-twin@example.com"}
        )
    return parse_config(yaml.safe_dump(data, sort_keys=False), source="twins.yaml")


@pytest.fixture(scope="module")
def twins(twin_config: OrgConfig, tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The twins and their originals synthesized, without the checks (they do not change the templates)."""
    names = [*TWIN_OF.values(), *(f"{name}-twin" for name in TWIN_OF.values())]
    return synthesize(twin_config, tmp_path_factory.mktemp("twins"), checks=False, accounts=names)


def test_twin_accounts_get_byte_identical_baseline_templates(twins: Synthesized, partition: PartitionName) -> None:
    texts = template_bytes(twins)
    name = TWIN_OF[partition]
    stacks = [i for i in twins.infos if i.kind == "baseline" and i.account_name == name]
    assert stacks, f"no baseline stacks of {name}"
    for info in stacks:
        twin_stack = f"Baseline-{name}-twin-{info.region}"
        assert texts[twin_stack] == texts[info.stack_id], f"{info.stack_id} and {twin_stack} differ"
        # The same text, deployed to each account: it names neither account's ID.
        assert TWIN_ID[partition].encode() not in texts[twin_stack]


def test_same_profile_accounts_of_the_example_share_their_other_region_template(synth: Synthesized) -> None:
    """Unchanged example: payments-prod and web-prod (Workloads/Prod) differ in the home region only (a customer-
    managed policy for DataEngineer, a VPC Block Public Access exclusion in us-east-1); ci and shared-services
    (Infrastructure) only in the CI account's Terraform state bucket, also home region."""
    texts = template_bytes(synth)
    assert texts["Baseline-payments-prod-us-west-2"] == texts["Baseline-web-prod-us-west-2"]
    assert texts["Baseline-ci-us-west-2"] == texts["Baseline-shared-services-us-west-2"]
    assert texts["Baseline-payments-prod-us-east-1"] != texts["Baseline-web-prod-us-east-1"]


# Hand-reasoned from config/org.yaml. Commercial: 16 baseline stacks (7 accounts in two regions, web-dev and
# sandbox-research in one). Every home-region template is its own: management (audit principal, no Atlantis),
# log-archive and security (both OU Security; security holds the breakglass users and the session documents),
# shared-services, ci (Terraform state), payments-prod (customer-managed policy), web-prod (VPC exclusion), web-dev
# and sandbox-research (own OUs, one region). In us-west-2 accounts group by OU, except security: management (Root),
# log-archive, security, {ci, shared-services} (Infrastructure), {payments-prod, web-prod} (Workloads/Prod).
# GovCloud: 10 stacks, 5 accounts in two regions, every account its own profile: management, log-archive (security
# account too), workload-prod and workload-dev (different OUs), ci (Terraform state; alone in Infrastructure).
SHARED: Final[dict[PartitionName, list[set[str]]]] = {
    "aws": [
        {"Baseline-ci-us-west-2", "Baseline-shared-services-us-west-2"},
        {"Baseline-payments-prod-us-west-2", "Baseline-web-prod-us-west-2"},
    ],
    "aws-us-gov": [],
}
DISTINCT: Final[dict[PartitionName, tuple[int, int]]] = {"aws": (16, 14), "aws-us-gov": (10, 10)}  # stacks, templates


def test_example_org_distinct_baseline_templates(synth: Synthesized, partition: PartitionName) -> None:
    ids = {i.stack_id for i in synth.infos if i.kind == "baseline" and i.partition == partition}
    by_text: dict[bytes, set[str]] = defaultdict(set)
    for stack_id, text in template_bytes(synth).items():
        if stack_id in ids:
            by_text[text].add(stack_id)
    assert (len(ids), len(by_text)) == DISTINCT[partition]
    shared = sorted((group for group in by_text.values() if len(group) > 1), key=sorted)
    assert shared == SHARED[partition]


# Where the account IDs sit in the home-region template of accounts with no special role (not management, log
# archive, security or CI): nowhere. Own IDs are AWS::AccountId; other accounts' (log archive, security, hub) stay.
PLAIN: Final[dict[PartitionName, list[tuple[str, str]]]] = {
    "aws": [("web-prod", "810987654327"), ("payments-prod", "710987654326"), ("web-dev", "910987654328")],
    "aws-us-gov": [("gov-workload-prod", "420987654332"), ("gov-workload-dev", "520987654333")],
}
OTHER_REGION: Final[dict[PartitionName, str]] = {"aws": "us-west-2", "aws-us-gov": "us-gov-east-1"}


def test_baselines_name_their_own_account_and_region_only_through_pseudo_parameters(
    synth: Synthesized, partition: PartitionName
) -> None:
    texts = template_bytes(synth)
    for name, account_id in PLAIN[partition]:
        for info in (i for i in synth.infos if i.kind == "baseline" and i.account_name == name):
            text = texts[info.stack_id].decode()
            assert account_id not in text, info.stack_id
            assert name not in text, info.stack_id  # no description, tag or parameter names the account
            if info.region == OTHER_REGION[partition]:
                # Nothing there names its region (the hub's bus and the log buckets are in the home region).
                assert info.region not in text, info.stack_id
            assert '"Ref": "AWS::AccountId"' in json.dumps(json.loads(text)), info.stack_id


# The Terraform state buckets in the CI account, as every account's Atlantis roles name them (written out here).
STATE_BUCKETS: Final[dict[PartitionName, tuple[str, str, str, str]]] = {
    "aws": ("ci", "610987654325", "examplecorp-tf-state-610987654325-us-east-1",
            "examplecorp-tf-state-logs-610987654325-us-east-1"),
    "aws-us-gov": ("gov-ci", "620987654334", "examplecorp-tf-state-620987654334-us-gov-west-1",
                   "examplecorp-tf-state-logs-620987654334-us-gov-west-1"),
}  # fmt: skip


def test_state_bucket_names_resolve_to_the_names_deployed_before(
    synth: Synthesized, partition: PartitionName, home_region: str
) -> None:
    """The buckets' names are Fn::Join of AWS::AccountId and AWS::Region now; resolved for the CI account they are
    the literal names they had, so CloudFormation sees no change to BucketName (no replacement)."""
    ci, ci_id, state, logs = STATE_BUCKETS[partition]
    template = synth.templates[f"Baseline-{ci}-{home_region}"]
    buckets = template["Resources"]["TerraformStateBucket"]["Properties"]
    access_logs = template["Resources"]["TerraformStateAccessLogBucket"]["Properties"]
    assert not isinstance(buckets["BucketName"], str)  # not the literal: the template is account-agnostic
    # No resource of the state bucket names the CI account's ID, CDK's log-delivery grant included.
    state_resources = {k: v for k, v in template["Resources"].items() if k.startswith("TerraformState")}
    assert len(state_resources) >= 5 and ci_id not in json.dumps(state_resources)
    assert resolved(buckets["BucketName"], ci_id, home_region) == state
    assert resolved(access_logs["BucketName"], ci_id, home_region) == logs
    # The whole resolved template names the buckets as the other accounts' Atlantis roles do, and has no pseudo
    # parameter left (nothing else of the account is hidden in a form this resolver does not know).
    text = json.dumps(resolved(template["Resources"], ci_id, home_region))
    assert f"arn:{partition}:s3:::{state}/" in text
    assert "AWS::AccountId" not in text and "AWS::Region" not in text


def test_handler_code_comes_from_the_deploying_accounts_bootstrap_bucket(
    synth: Synthesized, partition: PartitionName, home_region: str
) -> None:
    """The function code's bucket is the bootstrap bucket of the account and region the stack deploys to: the one
    the asset manifest uploads to (hnb659fds, the CDK's default qualifier, which cdk.json keeps)."""
    name, account_id = PLAIN[partition][0]
    template = synth.templates[f"Baseline-{name}-{home_region}"]
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert functions
    for function in functions:
        bucket = function["Properties"]["Code"]["S3Bucket"]
        assert bucket == {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}
        assert resolved(bucket, account_id, home_region) == f"cdk-hnb659fds-assets-{account_id}-{home_region}"


def _groups_by_text(synth: Synthesized) -> set[frozenset[str]]:
    by_text: dict[bytes, set[str]] = defaultdict(set)
    for stack_id, text in template_bytes(synth).items():
        by_text[text].add(stack_id)
    return {frozenset(group) for group in by_text.values()}


def test_baseline_profiles_group_stacks_as_their_templates_do(
    synth: Synthesized, example_config: OrgConfig, twins: Synthesized, twin_config: OrgConfig
) -> None:
    """The plan's profiles (CDK-free, before any synthesis) put two baseline stacks together exactly when their
    synthesized templates are byte-identical: in the example org, and with the twins."""
    for synthesized, config in ((synth, example_config), (twins, twin_config)):
        profiles = baseline_profiles(config, synthesized.infos)
        assert {frozenset(ids) for ids in profiles.values()} == _groups_by_text(synthesized)


def test_a_handler_asset_is_the_same_whether_or_not_python_wrote_bytecode_beside_it(tmp_path: Path) -> None:
    """Python writes __pycache__/ beside a handler wherever something imports it (the handler tests do, and any
    machine without PYTHONDONTWRITEBYTECODE keeps it): the code asset, so its hash in the template, leaves it out."""
    code = tmp_path / "handler"
    code.mkdir()
    (code / "index.py").write_text("def handler(event, context):\n    return None\n")

    def code_key() -> Any:
        cdk.AssetStaging.clear_asset_hash_cache()  # the CDK keeps a directory's hash per process otherwise
        app = cdk.App(context=copy.deepcopy(CDK_CONTEXT), outdir=str(tmp_path / "cdk.out"))
        stack = cdk.Stack(app, "S", env=cdk.Environment(account="123456789012", region="us-east-1"))
        _, function = add_handler_function(
            stack,
            name="f",
            description="d",
            handler_dir="unused",
            log_group_name="/f",
            role_arn=stack.format_arn(service="iam", region="", resource="role", resource_name="f"),
            log_group_id="Logs",
            key=kms.Key(stack, "Key"),
            retention_days=1,
            apis="none",
            code_dir=code,
        )
        return Template.from_stack(stack).to_json()["Resources"][stack.resolve(function.logical_id)]["Properties"][
            "Code"
        ]["S3Key"]

    clean = code_key()
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "index.cpython-311.pyc").write_bytes(b"bytecode")
    assert code_key() == clean

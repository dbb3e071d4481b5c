"""`deployment.mode: stacksets` (docs/decisions/0021-stacksets-deployment-mode.md): the config block, the plan
(which baselines become StackSets, their targets and order), and the synthesized StackSets (the StackSet resource
and its template, which must be the per-account baseline of its profile), in both partitions.

Expected values are written out from the AWS documentation and the fixture config
(tests/fixtures/configs/stacksets.yaml: the example org with operation preferences off their defaults).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Final

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk.assertions import Match, Template
from cdk_stacksets import StackSetStack

from checks.cloud_assembly import load_assembly
from checks.nag_pack import BaselineChecks
from checks.synth import PartitionLint
from config.loader import load_config
from config.models import OrgConfig
from config.regions import PartitionName
from ops import deploy
from stacks.plan import StackKind, plan, planned_stacksets, summary
from tests.conftest import Synthesized, synthesize
from tests.support.config_data import ConfigFrom, changed, problems_of
from tests.support.project import CONFIG_FIXTURES, EXAMPLE_CONFIG

FIXTURE: Final = CONFIG_FIXTURES / "stacksets.yaml"
# The StackSets administrator (the management account, `administrator: management`) of each partition.
ADMIN: Final[dict[PartitionName, str]] = {"aws": "management", "aws-us-gov": "gov-management"}
ADMIN_ID: Final[dict[PartitionName, str]] = {"aws": "210987654321", "aws-us-gov": "220987654330"}
HOME: Final[dict[PartitionName, str]] = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}
OTHER: Final[dict[PartitionName, str]] = {"aws": "us-west-2", "aws-us-gov": "us-gov-east-1"}
# A workload account whose OU holds only accounts of its profile in the other region, and that OU's ID.
WORKLOAD: Final[dict[PartitionName, str]] = {"aws": "web-prod", "aws-us-gov": "gov-workload-prod"}
PROD_OU: Final[dict[PartitionName, str]] = {"aws": "ou-k3x9-8d3b5e70", "aws-us-gov": "ou-g7v4-6e1f8b2d"}


@pytest.fixture(scope="module")
def stacksets_config() -> OrgConfig:
    return load_config(FIXTURE)


def stackset_templates(synth: Synthesized, partition: PartitionName) -> dict[str, dict[str, Any]]:
    """The StackSet templates of the partition's StackSets stack, by StackSet name (their template files are asset
    files of the stack, `*.stackset.template.json`)."""
    stack = synth.template(f"StackSets-{ADMIN[partition]}").to_json()
    result = {}
    for resource in stack["Resources"].values():
        if resource["Type"] != "AWS::CloudFormation::StackSet":
            continue
        name = resource["Properties"]["StackSetName"]
        key = str(resource["Properties"]["TemplateURL"]["Fn::Sub"]).rsplit("/", 1)[-1]
        assets = json.loads(next(synth.outdir.glob(f"StackSets-{ADMIN[partition]}.assets.json")).read_text())
        (path,) = [f["source"]["path"] for f in assets["files"].values() if key.startswith(_asset_key(f))]
        result[name] = json.loads((synth.outdir / path).read_text())
    return result


def _asset_key(entry: dict[str, Any]) -> str:
    return str(next(iter(entry["destinations"].values()))["objectKey"])


def stackset_of(synth: Synthesized, partition: PartitionName, account: str, region: str) -> dict[str, Any]:
    """The StackSet resource (properties) that deploys `account`'s baseline in `region`."""
    (stackset,) = [
        s for s in planned_stacksets(load_config(FIXTURE), partition) if account in s.accounts and region in s.regions
    ]
    stack = synth.template(f"StackSets-{ADMIN[partition]}").to_json()
    (resource,) = [
        r
        for r in stack["Resources"].values()
        if r["Type"] == "AWS::CloudFormation::StackSet" and r["Properties"]["StackSetName"] == stackset.name
    ]
    return dict(resource)


# --- config ----------------------------------------------------------------------------------------------------


def test_the_fixture_is_the_example_org_with_a_deployment_block() -> None:
    fixture = yaml.safe_load(FIXTURE.read_text())
    assert fixture.pop("deployment")["mode"] == "stacksets"
    assert fixture == yaml.safe_load(EXAMPLE_CONFIG.read_text())


def test_stacks_mode_is_the_default(example_config: OrgConfig) -> None:
    assert example_config.deployment.mode == "stacks"
    defaults = example_config.deployment.stacksets
    assert (defaults.administrator, defaults.max_concurrent_percentage, defaults.failure_tolerance_percentage) == (
        "management",
        25,
        0,
    )
    assert (defaults.region_concurrency, defaults.retain_stacks_on_account_removal) == ("SEQUENTIAL", True)
    assert planned_stacksets(example_config) == []
    assert not [s for s in plan(example_config) if s.kind in (StackKind.STACKSETS, StackKind.STACKSET_ASSETS)]


BAD_VALUES: Final = [
    ("deployment.mode", "stackset", "deployment.mode", "Input should be 'stacks' or 'stacksets'"),
    (
        "deployment.stacksets.max_concurrent_percentage",
        0,
        "deployment.stacksets.max_concurrent_percentage",
        "Input should be greater than or equal to 1",
    ),
    (
        "deployment.stacksets.failure_tolerance_percentage",
        101,
        "deployment.stacksets.failure_tolerance_percentage",
        "Input should be less than or equal to 100",
    ),
    (
        "deployment.stacksets.region_concurrency",
        "parallel",
        "deployment.stacksets.region_concurrency",
        "Input should be 'SEQUENTIAL' or 'PARALLEL'",
    ),
    (
        "deployment.stacksets.administrator",
        "delegated_admin",
        "deployment.stacksets.administrator",
        "delegated_admin needs partitions.aws-us-gov.deployment_account to be a member account, but it is the "
        "management account ('gov-management'); use administrator: management, or another deployment account",
    ),
    (
        "partitions.aws.organizational_units.3.id",
        None,
        "partitions.aws.organizational_units[3].id",
        "OU 'Workloads/Prod' holds accounts, and deployment.mode is stacksets: its StackSets target it by ID "
        "(`ou-...`); add the OU's id",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "where", "message"), BAD_VALUES, ids=[b[0] + "=" + str(b[1]) for b in BAD_VALUES]
)
def test_bad_deployment_values_are_config_errors_at_their_key(
    config_from: ConfigFrom, path: str, value: object, where: str, message: str
) -> None:
    data = changed(yaml.safe_load(FIXTURE.read_text()), {path: value})
    found = problems_of(config_from, data)
    assert any(message in m for m in found.get(where, [])), found


def test_a_prefix_too_long_for_the_asset_bucket_names_is_a_config_error(config_from: ConfigFrom) -> None:
    data = changed(yaml.safe_load(FIXTURE.read_text()), {"name_prefix": "examplecorporation12"})
    name = "examplecorporation12-stackset-assets-210987654321-us-east-1-logs"
    assert (
        f"bucket name {name!r} would be 64 characters; S3 allows 63: shorten name_prefix"
        in problems_of(config_from, data)["name_prefix"]
    )


def test_an_ou_without_id_is_fine_in_stacks_mode(config_from: ConfigFrom, example_data: dict[str, Any]) -> None:
    assert problems_of(config_from, changed(example_data, {"partitions.aws.organizational_units.3.id": None})) == {}


# --- plan ------------------------------------------------------------------------------------------------------


def test_member_baselines_become_stacksets_and_the_management_baseline_stays(stacksets_config: OrgConfig) -> None:
    baselines = [s.stack_id for s in plan(stacksets_config) if s.kind is StackKind.BASELINE]
    # Service-managed StackSets never deploy to the management account (docs/decisions/0021).
    assert baselines == [
        "Baseline-management-us-east-1",
        "Baseline-management-us-west-2",
        "Baseline-gov-management-us-gov-west-1",
        "Baseline-gov-management-us-gov-east-1",
    ]


def test_the_stacksets_cover_exactly_the_member_baseline_stacks(
    stacksets_config: OrgConfig, example_config: OrgConfig
) -> None:
    stacks_mode = {
        (s.account_name, s.region)
        for s in plan(example_config)
        if s.kind is StackKind.BASELINE and s.account_name not in ("management", "gov-management")
    }
    covered = [(a, r) for s in planned_stacksets(stacksets_config) for a in s.accounts for r in s.regions]
    assert sorted(covered) == sorted(stacks_mode)  # every stack once: each StackSet a full accounts x regions product


def test_the_stacksets_stack_follows_what_the_baselines_followed_and_is_followed_by_their_followers(
    stacksets_config: OrgConfig,
) -> None:
    by_id = {s.stack_id: s for s in plan(stacksets_config)}
    stacksets = by_id["StackSets-management"]
    assert (stacksets.account_name, stacksets.region) == ("management", "us-east-1")
    assert set(stacksets.after) == {
        "Security-security",
        "LogArchive-log-archive",
        "SessionDocuments-security-us-west-2",
        "StackSetAssets-management-us-east-1",
        "StackSetAssets-management-us-west-2",
    }
    assert by_id["Access-web-prod"].after == ("IdentityCenter-management", "StackSets-management")
    assert "StackSets-management" in by_id["SecurityServices-security-us-east-1"].after
    order = list(by_id)
    assert order.index("StackSets-management") < order.index("Access-web-prod")


def test_one_selected_account_plans_the_stacksets_stack_for_every_account(stacksets_config: OrgConfig) -> None:
    selected = [s.stack_id for s in plan(stacksets_config, accounts=["web-prod"])]
    assert selected == [
        "StackSetAssets-management-us-east-1",
        "StackSetAssets-management-us-west-2",
        "StackSets-management",
        "Access-web-prod",
    ]


def test_an_ou_of_one_profile_is_targeted_whole_and_a_mixed_one_by_intersection(stacksets_config: OrgConfig) -> None:
    sets = planned_stacksets(stacksets_config, "aws")
    # us-west-2: payments-prod and web-prod share the profile and are all of Workloads/Prod's accounts.
    (other,) = [s for s in sets if "web-prod" in s.accounts and s.regions == ("us-west-2",)]
    assert (other.organizational_units, other.account_ids) == (("ou-k3x9-8d3b5e70",), ())
    assert other.accounts == ("payments-prod", "web-prod")
    # us-east-1: web-prod's home profile has its own customer-managed policies: only it, of the OU.
    (home,) = [s for s in sets if "web-prod" in s.accounts and s.regions == ("us-east-1",)]
    assert (home.organizational_units, home.account_ids) == (("ou-k3x9-8d3b5e70",), ("810987654327",))


def test_summary_has_a_line_per_stackset(stacksets_config: OrgConfig) -> None:
    sets = planned_stacksets(stacksets_config)
    lines = summary(plan(stacksets_config), sets).splitlines()
    stackset_lines = [line.strip() for line in lines if line.strip().startswith("StackSet ")]
    assert len(stackset_lines) == len(sets) == 20
    (other,) = [s for s in sets if "web-prod" in s.accounts and s.regions == ("us-west-2",)]
    assert f"StackSet {other.name}: baseline of 2 account(s) in us-west-2 (1 OU(s), automatic deployment)" in (
        stackset_lines
    )


# --- templates -------------------------------------------------------------------------------------------------


def test_stackset_resource_is_service_managed_with_auto_deployment_and_the_configured_preferences(
    stacksets_synth: Synthesized, partition: PartitionName
) -> None:
    resource = stackset_of(stacksets_synth, partition, WORKLOAD[partition], OTHER[partition])
    properties = resource["Properties"]
    assert properties["PermissionModel"] == "SERVICE_MANAGED"
    assert properties["CallAs"] == "SELF"  # the management account creates them
    auto_deployment = {k: v for k, v in properties["AutoDeployment"].items() if k != "DependsOn"}  # tested below
    assert auto_deployment == {"Enabled": True, "RetainStacksOnAccountRemoval": True}
    assert properties["OperationPreferences"] == {
        "MaxConcurrentPercentage": 50,
        "FailureTolerancePercentage": 10,
        "RegionConcurrencyType": "PARALLEL",
    }
    assert properties["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert properties["StackInstancesGroup"] == [
        {
            "DeploymentTargets": {"AccountFilterType": "NONE", "OrganizationalUnitIds": [PROD_OU[partition]]},
            "Regions": [OTHER[partition]],
        }
    ]


def test_a_mixed_ou_is_targeted_by_intersection_with_the_accounts_of_the_profile(stacksets_synth: Synthesized) -> None:
    resource = stackset_of(stacksets_synth, "aws", "web-prod", "us-east-1")
    assert resource["Properties"]["StackInstancesGroup"] == [
        {
            "DeploymentTargets": {
                "AccountFilterType": "INTERSECTION",
                "Accounts": ["810987654327"],
                "OrganizationalUnitIds": ["ou-k3x9-8d3b5e70"],
            },
            "Regions": ["us-east-1"],
        }
    ]


def test_other_region_stacksets_wait_for_the_home_region_ones(
    stacksets_synth: Synthesized, partition: PartitionName
) -> None:
    stack = stacksets_synth.template(f"StackSets-{ADMIN[partition]}").to_json()["Resources"]
    home = stackset_of(stacksets_synth, partition, WORKLOAD[partition], HOME[partition])
    other = stackset_of(stacksets_synth, partition, WORKLOAD[partition], OTHER[partition])
    home_id = next(k for k, r in stack.items() if r is home or r == home)
    assert home_id in other.get("DependsOn", [])


def test_automatic_deployment_of_other_regions_waits_for_the_home_region_stacksets_of_the_same_accounts(
    stacksets_synth: Synthesized, partition: PartitionName
) -> None:
    # An account that joins an OU triggers each StackSet's automatic deployment on its own; only
    # AutoDeployment.DependsOn (StackSet ARNs) orders them, not the template's DependsOn.
    stack = stacksets_synth.template(f"StackSets-{ADMIN[partition]}").to_json()["Resources"]
    home = stackset_of(stacksets_synth, partition, WORKLOAD[partition], HOME[partition])
    other = stackset_of(stacksets_synth, partition, WORKLOAD[partition], OTHER[partition])
    home_id = next(k for k, r in stack.items() if r == home)
    depends_on = other["Properties"]["AutoDeployment"]["DependsOn"]
    arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":cloudformation:", {"Ref": "AWS::Region"}, ":",
                             {"Ref": "AWS::AccountId"}, ":stackset/", {"Fn::GetAtt": [home_id, "StackSetId"]}]]}  # fmt: skip
    assert arn in depends_on
    # Only home-region StackSets that can reach the same accounts, and never one of other regions.
    for dependency in depends_on:
        (target,) = [stack[r] for r in [dependency["Fn::Join"][1][-1]["Fn::GetAtt"][0]]]
        assert "AutoDeployment" in target["Properties"]
        assert "DependsOn" not in target["Properties"]["AutoDeployment"]  # a home-region StackSet
    assert "DependsOn" not in home["Properties"]["AutoDeployment"]


def test_delegated_admin_calls_as_delegated_admin_from_the_deployment_account(
    config_from: ConfigFrom, tmp_path: Path
) -> None:
    data = changed(
        yaml.safe_load(FIXTURE.read_text()),
        {
            "deployment.stacksets.administrator": "delegated_admin",
            # GovCloud deploys from its management account in the example; delegated_admin needs a member account.
            "partitions.aws-us-gov.deployment_account": "gov-log-archive",
        },
    )
    synth = synthesize(config_from(data), tmp_path, checks=False, accounts=["web-prod"])
    synth.template("StackSets-shared-services").has_resource_properties(
        "AWS::CloudFormation::StackSet", {"CallAs": "DELEGATED_ADMIN", "PermissionModel": "SERVICE_MANAGED"}
    )


def test_the_stackset_template_is_the_per_account_baseline_of_its_profile(
    stacksets_synth: Synthesized, synth: Synthesized, partition: PartitionName
) -> None:
    """Resource for resource, the StackSet's template is the baseline stack template of stacks mode for an account of
    its profile, except where Lambda code is read from (decision 0021)."""
    templates = stackset_templates(stacksets_synth, partition)
    for region in (HOME[partition], OTHER[partition]):
        resource = stackset_of(stacksets_synth, partition, WORKLOAD[partition], region)
        stackset = templates[resource["Properties"]["StackSetName"]]
        per_account = synth.templates[f"Baseline-{WORKLOAD[partition]}-{region}"]
        assert _without_code_location(stackset["Resources"]) == _without_code_location(per_account["Resources"])


def _without_code_location(resources: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(resources)
    for resource in result.values():
        if resource["Type"] == "AWS::Lambda::Function":
            resource["Properties"]["Code"].pop("S3Bucket")
    return result


def test_stackset_lambda_code_is_read_from_the_administrators_bucket_of_the_deploying_region(
    stacksets_synth: Synthesized, partition: PartitionName
) -> None:
    # Lambda reads code from "an Amazon S3 bucket in the same AWS Region as your function"
    # (https://docs.aws.amazon.com/lambda/latest/api/API_FunctionCode.html): one bucket per region.
    for template in stackset_templates(stacksets_synth, partition).values():
        Template.from_json(template).all_resources_properties(
            "AWS::Lambda::Function",
            {
                "Code": {
                    "S3Bucket": {
                        "Fn::Join": [
                            "-",
                            [f"examplecorp-stackset-assets-{ADMIN_ID[partition]}", {"Ref": "AWS::Region"}],
                        ]
                    },
                    "S3Key": Match.string_like_regexp(r"^[0-9a-f]{64}\.zip$"),
                }
            },
        )


def test_asset_bucket_is_retained_tls_only_and_readable_by_the_organization_only(
    stacksets_synth: Synthesized, partition: PartitionName
) -> None:
    org_id = {"aws": "o-k3x9w2m7q1", "aws-us-gov": "o-g7v4p8d2z5"}[partition]
    for region in (HOME[partition], OTHER[partition]):
        template = stacksets_synth.template(f"StackSetAssets-{ADMIN[partition]}-{region}")
        name = f"examplecorp-stackset-assets-{ADMIN_ID[partition]}-{region}"
        template.has_resource(
            "AWS::S3::Bucket",
            {
                "Properties": Match.object_like({"BucketName": name}),
                "DeletionPolicy": "RetainExceptOnCreate",
                "UpdateReplacePolicy": "Retain",
            },
        )
        (policy,) = template.find_resources(
            "AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": "StackSetAssetBucket"}}}
        ).values()
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        read = [s for s in statements if s["Effect"] == "Allow"]
        assert read == [
            {
                "Action": "s3:GetObject",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": org_id}},
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Resource": f"arn:{partition}:s3:::{name}/*",
                "Sid": "OrganizationReadsCode",
            }
        ]
        assert any(
            s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        )


# --- synth-time checks reach the StackSet templates ---------------------------------------------------------------


def test_partition_lint_reads_the_stackset_template_files(tmp_path: Path) -> None:
    """A StackSet template is an asset file beside the stack templates; the lint finds it there."""
    (tmp_path / "Stack.template.json").write_text(json.dumps({"Resources": {}}))
    commercial = {"Resources": {"R": {"Type": "AWS::SNS::Topic", "Properties": {"X": "arn:" + "aws:s3:::b"}}}}
    (tmp_path / "Set.stackset.template.json").write_text(json.dumps(commercial))
    lint = PartitionLint({"Stack.template.json": "aws-us-gov", "Set.stackset.template.json": "aws-us-gov"})

    class Context:
        template_paths = [str(tmp_path / "Stack.template.json")]

    report = lint.validate(Context())  # type: ignore[arg-type]
    assert not report.success
    assert "Set.stackset.template.json (aws-us-gov)" in report.violations[0].description


def test_govcloud_rule_applies_to_a_stackset_template_in_a_govcloud_stack() -> None:
    """A StackSet template has no region of its own; the stack holding it says which partition it deploys in."""
    app = cdk.App()
    parent = cdk.Stack(app, "Parent", env=cdk.Environment(account="220987654330", region="us-gov-west-1"))
    template = StackSetStack(parent, "Set")
    cdk.CfnResource(template, "R", type="AWS::SNS::Topic", properties={"X": "arn:" + "aws:s3:::b"})
    (violation,) = BaselineChecks(app).validate_scope(app).violations
    assert violation.rule_name == "OrgBaseline-NoCommercialArnInGovCloud"
    assert [r.construct_path for r in violation.violating_resources] == ["Parent/Set/R"]


def test_make_deploy_orders_the_stacksets_stack_after_its_assets_and_before_what_follows_the_baselines(
    stacksets_synth: Synthesized,
) -> None:
    planned = deploy.deploy_plan(str(FIXTURE), "aws", ["web-prod"], stacksets_synth.outdir, concurrency=4)
    assert [list(step.stacks) for step in planned.steps] == [
        ["StackSetAssets-management-us-east-1", "StackSetAssets-management-us-west-2"],
        ["StackSets-management"],
        ["Access-web-prod"],
    ]
    # What the StackSets wait for outside the selection must exist already (named, not waited for).
    assert set(planned.outside) == {
        "IdentityCenter-management",
        "LogArchive-log-archive",
        "Security-security",
        "SessionDocuments-security-us-west-2",
    }


def test_verify_checks_each_stackset_template_for_every_account_and_region_it_deploys_to(
    stacksets_synth: Synthesized,
) -> None:
    (other,) = [
        s
        for s in planned_stacksets(load_config(FIXTURE), "aws")
        if s.regions == ("us-west-2",) and "web-prod" in s.accounts
    ]
    (checked,) = [t for t in load_assembly(stacksets_synth.outdir) if t.name == other.name]
    assert checked.path.name.endswith(".stackset.template.json")
    assert checked.accounts == {"710987654326", "810987654327"}  # payments-prod, web-prod
    assert checked.regions == {"us-west-2"}
    assert checked.partition == "aws"


def test_a_profile_setting_change_updates_the_same_stackset(config_from: ConfigFrom, tmp_path: Path) -> None:
    """StackSetName is a replacement property: a new backup plan for the OU's accounts must change the StackSet's
    template, not its name or logical ID (a new StackSet would collide with the retained resources' names)."""
    data = yaml.safe_load(FIXTURE.read_text())
    changed_data = changed(data, {"accounts.5.backup_plans": ["dev"], "accounts.6.backup_plans": ["dev"]})
    assert [data["accounts"][i]["name"] for i in (5, 6)] == ["payments-prod", "web-prod"]

    def workloads_prod_other_region(config: OrgConfig) -> tuple[str, Any]:
        (stackset,) = [
            s for s in planned_stacksets(config, "aws") if s.regions == ("us-west-2",) and "web-prod" in s.accounts
        ]
        return stackset.name, stackset.profile

    before, after = (workloads_prod_other_region(config_from(d)) for d in (data, changed_data))
    assert before[1] != after[1]  # the profile (so the template) changed
    assert before[0] == after[0] == "examplecorp-baseline-workloads-prod-us-west-2"
    ids = []
    for index, variant in enumerate((data, changed_data)):
        synth = synthesize(config_from(variant), tmp_path / str(index), checks=False, accounts=["web-prod"])
        resources = synth.template("StackSets-management").find_resources(
            "AWS::CloudFormation::StackSet", {"Properties": {"StackSetName": before[0]}}
        )
        ids.append(sorted(resources))
    assert ids[0] == ids[1] and len(ids[0]) == 1

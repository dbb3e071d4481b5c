"""The organization's security services in both partitions: the management account's delegated-administrator
registrations, and the security account's GuardDuty organization configuration, Security Hub central configuration,
AWS Config aggregator, IAM Access Analyzer analyzers and the findings rule to the alert hub. Expected values are
written out from the AWS documentation and the design (docs/security-services.md), not taken from the code."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from config.capabilities import problems as capability_problems
from config.models import OrgConfig
from config.naming import organization
from config.regions import PartitionName
from stacks.plan import plan
from stacks.security_services import SecurityServicesStack
from tests.conftest import Synthesized
from tests.support.config_data import ConfigFrom, changed, config_error
from tests.support.templates import RETAINED, of_type, only

PREFIX = "examplecorp-baseline-"
# Both partitions' example accounts (config/org.yaml): security account, its regions, the root.
SECURITY = {"aws": "security", "aws-us-gov": "gov-log-archive"}
REGIONS = {"aws": ["us-east-1", "us-west-2"], "aws-us-gov": ["us-gov-west-1", "us-gov-east-1"]}
HOME = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}
ROOT = {"aws": "r-k3x9", "aws-us-gov": "r-g7v4"}
ALL_FEATURES = [
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "RUNTIME_MONITORING",
]


def _ids(config: OrgConfig) -> dict[str, str]:
    return {a.name: a.id for a in config.accounts}


def _services_template(synth: Synthesized, partition: PartitionName, region: str) -> dict[str, Any]:
    return synth.templates[f"SecurityServices-{SECURITY[partition]}-{region}"]


def _props(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    props: dict[str, Any] = only(template, resource_type)["Properties"]
    return props


# --- where the stacks go, and in what order ----------------------------------------------------------------------


def test_one_security_services_stack_per_allowed_region_in_the_security_account_after_the_registrations(
    example_config: OrgConfig, partition: PartitionName
) -> None:
    security, home = SECURITY[partition], HOME[partition]
    planned = {s.stack_id: s for s in plan(example_config, partition=partition)}
    ids = [i for i, s in planned.items() if s.kind == "security-services"]
    assert ids == [f"SecurityServices-{security}-{r}" for r in REGIONS[partition]]
    management = "management" if partition == "aws" else "gov-management"
    for stack_id in ids:
        stack = planned[stack_id]
        assert stack.account_name == security
        log_archive = "LogArchive-log-archive" if partition == "aws" else "LogArchive-gov-log-archive"
        # LogArchive: the GuardDuty findings bucket the destinations name (tests/test_guardduty_export.py).
        expected = {
            f"Organization-{management}",
            f"Security-{security}",
            f"Baseline-{security}-{home}",
            log_archive,
        }
        if stack.region != home:
            expected.add(f"SecurityServices-{security}-{home}")
        assert set(stack.after) == expected
        order = list(planned)
        assert all(order.index(earlier) < order.index(stack_id) for earlier in stack.after)


# --- management account: trusted access and delegated administrators --------------------------------------------


def test_management_account_registers_the_security_account_for_every_service_and_guardduty_region(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName
) -> None:
    ids = _ids(example_config)
    management = "management" if partition == "aws" else "gov-management"
    template = synth.templates[f"Organization-{management}"]
    registration = _props(template, "Custom::DelegatedAdministrators")
    assert registration["AdminAccountId"] == ids[SECURITY[partition]]
    assert registration["TrustedAccess"] == [
        "securityhub.amazonaws.com",
        "config.amazonaws.com",
        "access-analyzer.amazonaws.com",
    ]
    assert registration["Register"] == ["config.amazonaws.com", "access-analyzer.amazonaws.com"]
    assert registration["GuardDutyRegions"] == sorted(REGIONS[partition])
    hub = only(template, "AWS::SecurityHub::DelegatedAdmin")
    assert hub["Properties"] == {"AdminAccountId": ids[SECURITY[partition]]}
    (registration_id,) = of_type(template, "Custom::DelegatedAdministrators")
    assert registration_id in hub["DependsOn"]  # trusted access for Security Hub comes first


def test_management_handler_role_may_only_register_and_logs_encrypted(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName
) -> None:
    ids = _ids(example_config)
    management = "management" if partition == "aws" else "gov-management"
    template = synth.templates[f"Organization-{management}"]
    name = f"{PREFIX}delegated-admins"
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in of_type(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"].get("Roles") == [{"Ref": _role_id(template, name)}]
    ]
    actions = sorted(a for s in policy["Statement"] for a in _list(s["Action"]))
    assert actions == sorted(
        [
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "organizations:DescribeOrganization",
            "organizations:ListAWSServiceAccessForOrganization",
            "organizations:EnableAWSServiceAccess",
            "organizations:ListDelegatedAdministrators",
            "organizations:RegisterDelegatedAdministrator",
            "guardduty:EnableOrganizationAdminAccount",
            "guardduty:ListOrganizationAdminAccounts",
            "organizations:DescribeAccount",
            "organizations:DescribeOrganizationalUnit",
            "organizations:ListAccounts",
            "iam:CreateServiceLinkedRole",
            # Centralized root access, commercial partition only (tests/test_root_access.py).
            *(
                [
                    "iam:ListOrganizationsFeatures",
                    "iam:EnableOrganizationsRootCredentialsManagement",
                    "iam:EnableOrganizationsRootSessions",
                ]
                if partition == "aws"
                else []
            ),
        ]
    )
    assert not any(
        a.startswith(("organizations:Deregister", "organizations:Disable", "guardduty:Disable")) for a in actions
    )
    (slr,) = [s for s in policy["Statement"] if s["Action"] == "iam:CreateServiceLinkedRole"]
    assert slr["Resource"] == f"arn:{partition}:iam::{ids[management]}:role/aws-service-role/*"
    # Registration names the security account's ARN: no other account can be made an administrator.
    (register,) = [
        s for s in policy["Statement"] if "organizations:RegisterDelegatedAdministrator" in _list(s["Action"])
    ]
    org_id = example_config.partitions[partition].organization_id
    assert register["Resource"] == (
        f"arn:{partition}:organizations::{ids[management]}:account/{org_id}/{ids[SECURITY[partition]]}"
    )
    group_id, group = next(
        (k, v)
        for k, v in of_type(template, "AWS::Logs::LogGroup").items()
        if v["Properties"]["LogGroupName"] == f"/aws/lambda/{name}"
    )
    assert group_id == "DelegatedAdminHandlerLogGroup"
    assert {k: group[k] for k in RETAINED} == RETAINED
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["DelegatedAdminHandlerKey", "Arn"]}


def _role_id(template: dict[str, Any], name: str) -> str:
    (role_id,) = [k for k, v in of_type(template, "AWS::IAM::Role").items() if v["Properties"].get("RoleName") == name]
    return role_id


def _list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


# --- GuardDuty -------------------------------------------------------------------------------------------------------


def test_guardduty_organization_configuration_in_every_region_with_every_plan(
    synth: Synthesized, partition: PartitionName
) -> None:
    for region in REGIONS[partition]:
        template = _services_template(synth, partition, region)
        configuration = _props(template, "Custom::GuardDutyOrganization")
        assert configuration["Features"] == ALL_FEATURES, region
        function_id = next(
            k
            for k, v in of_type(template, "AWS::Lambda::Function").items()
            if v["Properties"]["FunctionName"] == f"{PREFIX}security-services"
        )
        assert configuration["ServiceToken"] == {"Fn::GetAtt": [function_id, "Arn"]}


def test_security_account_handler_role_only_in_the_home_region_limited_to_the_allowed_regions(
    synth: Synthesized, partition: PartitionName
) -> None:
    for region in REGIONS[partition]:
        template = _services_template(synth, partition, region)
        roles = [
            r
            for r in of_type(template, "AWS::IAM::Role").values()
            if r["Properties"].get("RoleName") == f"{PREFIX}security-services"
        ]
        assert len(roles) == (1 if region == HOME[partition] else 0), region
    template = _services_template(synth, partition, HOME[partition])
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in of_type(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"].get("Roles") == [{"Ref": _role_id(template, f"{PREFIX}security-services")}]
    ]
    (guardduty,) = [s for s in policy["Statement"] if s.get("Sid") == "GuardDutyOrganizationConfiguration"]
    assert guardduty["Condition"] == {"StringEquals": {"aws:RequestedRegion": sorted(REGIONS[partition])}}
    assert "guardduty:DeleteDetector" not in guardduty["Action"]


# --- Security Hub ----------------------------------------------------------------------------------------------------


def test_security_hub_central_configuration_with_the_partitions_standard_arns(
    synth: Synthesized, partition: PartitionName
) -> None:
    home, other = HOME[partition], next(r for r in REGIONS[partition] if r != HOME[partition])
    template = _services_template(synth, partition, home)
    assert _props(template, "AWS::SecurityHub::FindingAggregator") == {
        "RegionLinkingMode": "SPECIFIED_REGIONS",
        "Regions": [other],
    }
    assert _props(template, "AWS::SecurityHub::OrganizationConfiguration") == {
        "AutoEnable": False,
        "AutoEnableStandards": "NONE",
        "ConfigurationType": "CENTRAL",
    }
    policy = _props(template, "AWS::SecurityHub::ConfigurationPolicy")
    assert policy["Name"] == f"{PREFIX}security-hub"
    hub = policy["ConfigurationPolicy"]["SecurityHub"]
    assert hub["ServiceEnabled"] is True
    assert hub["EnabledStandardIdentifiers"] == [
        f"arn:{partition}:securityhub:{home}::standards/aws-foundational-security-best-practices/v/1.0.0",
        f"arn:{partition}:securityhub:{home}::standards/cis-aws-foundations-benchmark/v/3.0.0",
        f"arn:{partition}:securityhub:{home}::standards/nist-800-53/v/5.0.0",
    ]
    assert hub["SecurityControlsConfiguration"] == {"DisabledSecurityControlIdentifiers": []}
    association = _props(template, "AWS::SecurityHub::PolicyAssociation")
    assert association["TargetType"] == "ROOT" and association["TargetId"] == ROOT[partition]
    (policy_id,) = of_type(template, "AWS::SecurityHub::ConfigurationPolicy")
    assert association["ConfigurationPolicyId"] == {"Fn::GetAtt": [policy_id, "Id"]}
    (org_id,) = of_type(template, "AWS::SecurityHub::OrganizationConfiguration")
    (aggregator_id,) = of_type(template, "AWS::SecurityHub::FindingAggregator")
    assert org_id in template["Resources"][policy_id]["DependsOn"]
    assert aggregator_id in template["Resources"][org_id]["DependsOn"]
    # Central configuration is one policy for every linked region: nothing of it in the other region's stack.
    other_template = _services_template(synth, partition, other)
    assert not [r for r in other_template["Resources"].values() if r["Type"].startswith("AWS::SecurityHub::")]


def test_disabled_controls_reach_the_policy(
    example_config: OrgConfig, partition: PartitionName, tmp_path: Path
) -> None:
    controls = [{"control": "IAM.6", "reason": "hardware MFA for root is handled by centralized root access"}]
    template = _variant(example_config, partition, tmp_path, {"security_hub": {"disabled_controls": controls}})
    hub = _props(template, "AWS::SecurityHub::ConfigurationPolicy")["ConfigurationPolicy"]["SecurityHub"]
    assert hub["SecurityControlsConfiguration"] == {"DisabledSecurityControlIdentifiers": ["IAM.6"]}


# --- AWS Config and IAM Access Analyzer ------------------------------------------------------------------------------


def test_config_organization_aggregator_in_the_home_region_over_the_allowed_regions(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName
) -> None:
    ids = _ids(example_config)
    template = _services_template(synth, partition, HOME[partition])
    aggregator = _props(template, "AWS::Config::ConfigurationAggregator")
    assert aggregator["ConfigurationAggregatorName"] == f"{PREFIX}organization"
    role_id = _role_id(template, f"{PREFIX}config-aggregator")
    assert aggregator["OrganizationAggregationSource"] == {
        "RoleArn": {"Fn::GetAtt": [role_id, "Arn"]},
        "AllAwsRegions": False,
        "AwsRegions": sorted(REGIONS[partition]),
    }
    role = template["Resources"][role_id]["Properties"]
    assert role["ManagedPolicyArns"] == [f"arn:{partition}:iam::aws:policy/service-role/AWSConfigRoleForOrganizations"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "config.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ids[SECURITY[partition]]}},
        }
    ]
    other = next(r for r in REGIONS[partition] if r != HOME[partition])
    assert not of_type(_services_template(synth, partition, other), "AWS::Config::ConfigurationAggregator")


def test_organization_external_access_analyzer_in_every_region_and_no_unused_access_analyzer_by_default(
    synth: Synthesized, partition: PartitionName
) -> None:
    for region in REGIONS[partition]:
        analyzers = [
            r["Properties"]
            for r in of_type(_services_template(synth, partition, region), "AWS::AccessAnalyzer::Analyzer").values()
        ]
        assert analyzers == [{"AnalyzerName": f"{PREFIX}organization-external-access", "Type": "ORGANIZATION"}]


def test_unused_access_analyzer_when_configured_in_the_home_region_only(
    example_config: OrgConfig, partition: PartitionName, tmp_path: Path
) -> None:
    settings = {"access_analyzer": {"unused_access": True, "unused_access_age_days": 120}}
    for region in REGIONS[partition]:
        template = _variant(example_config, partition, tmp_path / region, settings, region=region)
        types = sorted(r["Properties"]["Type"] for r in of_type(template, "AWS::AccessAnalyzer::Analyzer").values())
        if region != HOME[partition]:
            assert types == ["ORGANIZATION"]
            continue
        assert types == ["ORGANIZATION", "ORGANIZATION_UNUSED_ACCESS"]
        (unused,) = [
            r["Properties"]
            for r in of_type(template, "AWS::AccessAnalyzer::Analyzer").values()
            if r["Properties"]["Type"] == "ORGANIZATION_UNUSED_ACCESS"
        ]
        assert unused["AnalyzerName"] == f"{PREFIX}organization-unused-access"
        assert unused["AnalyzerConfiguration"] == {"UnusedAccessConfiguration": {"UnusedAccessAge": 120}}


# --- findings to the alert hub ---------------------------------------------------------------------------------------

GUARDDUTY_HIGH = {
    "source": ["aws.guardduty"],
    "detail-type": ["GuardDuty Finding"],
    "detail": {"severity": [{"numeric": [">=", 7]}]},
}
ACCESS_ANALYZER_ACTIVE = {
    "source": ["aws.access-analyzer"],
    "detail-type": ["Access Analyzer Finding"],
    "detail": {"status": ["ACTIVE"]},
}


def _security_hub_pattern(labels: list[str]) -> dict[str, Any]:
    return {
        "source": ["aws.securityhub"],
        "detail-type": ["Security Hub Findings - Imported"],
        "detail": {
            "findings": {
                "Severity": {"Label": labels},
                "Workflow": {"Status": ["NEW"]},
                "RecordState": ["ACTIVE"],
                "ProductName": [{"anything-but": ["GuardDuty", "IAM Access Analyzer"]}],
            }
        },
    }


def test_high_and_critical_findings_go_to_the_alert_hub_from_every_region(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName
) -> None:
    ids = _ids(example_config)
    security_id = ids[SECURITY[partition]]
    home = HOME[partition]
    for region in REGIONS[partition]:
        rule = _props(_services_template(synth, partition, region), "AWS::Events::Rule")
        assert rule["Name"] == f"{PREFIX}security-findings"
        assert rule["State"] == "ENABLED"
        assert rule["Targets"] == [
            {
                "Id": "CentralAlertBus",
                "Arn": f"arn:{partition}:events:{home}:{security_id}:event-bus/{PREFIX}alerts",
                "RoleArn": f"arn:{partition}:iam::{security_id}:role/{PREFIX}alert-forwarder",
            }
        ]
        # Security Hub's aggregated findings arrive in the home region only.
        expected = [GUARDDUTY_HIGH]
        if region == home:
            expected.append(_security_hub_pattern(["HIGH", "CRITICAL"]))
        expected.append(ACCESS_ANALYZER_ACTIVE)
        assert rule["EventPattern"] == {"$or": expected}, region


def test_critical_threshold_narrows_both_severity_scales(
    example_config: OrgConfig, partition: PartitionName, tmp_path: Path
) -> None:
    template = _variant(example_config, partition, tmp_path, {"alert_severity": "critical"})
    pattern = _props(template, "AWS::Events::Rule")["EventPattern"]
    assert pattern["$or"][0]["detail"] == {"severity": [{"numeric": [">=", 9]}]}
    assert pattern["$or"][1] == _security_hub_pattern(["CRITICAL"])


# --- turning things off ----------------------------------------------------------------------------------------------


def test_each_service_turns_off_in_config(example_config: OrgConfig, partition: PartitionName, tmp_path: Path) -> None:
    off = {
        "guardduty": {"enabled": False},
        "security_hub": {"enabled": False},
        "config": {"enabled": False},
    }
    template = _variant(example_config, partition, tmp_path, off)
    types = {r["Type"] for r in template["Resources"].values()}
    assert "Custom::GuardDutyOrganization" not in types and "AWS::Lambda::Function" not in types
    assert not [t for t in types if t.startswith(("AWS::SecurityHub::", "AWS::Config::"))]
    pattern = _props(template, "AWS::Events::Rule")["EventPattern"]
    assert pattern == ACCESS_ANALYZER_ACTIVE  # Access Analyzer is still on


def test_no_security_services_stack_and_no_registration_when_everything_is_off(
    example_config: OrgConfig, partition: PartitionName
) -> None:
    services = example_config.security_services.model_copy(
        update={
            name: getattr(example_config.security_services, name).model_copy(update={"enabled": False})
            for name in ("guardduty", "security_hub", "config", "access_analyzer")
        }
    )
    config = example_config.model_copy(update={"security_services": services})
    assert not [s for s in plan(config, partition=partition) if s.kind == "security-services"]


def test_guardduty_plans_follow_the_config(example_config: OrgConfig, partition: PartitionName, tmp_path: Path) -> None:
    template = _variant(
        example_config,
        partition,
        tmp_path,
        {"guardduty": {"protection_plans": ["s3_data_events", "runtime_monitoring"]}},
    )
    assert _props(template, "Custom::GuardDutyOrganization")["Features"] == ["S3_DATA_EVENTS", "RUNTIME_MONITORING"]


def _variant(
    config: OrgConfig,
    partition: PartitionName,
    outdir: Path,
    settings: dict[str, Any],
    *,
    region: str | None = None,
) -> dict[str, Any]:
    """The home (or `region`'s) security services template for the example config with `settings` changed."""
    data = config.security_services.model_dump()
    for key, value in settings.items():
        if isinstance(value, dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    services = type(config.security_services).model_validate(data, strict=False)
    part = config.partitions[partition]
    app = cdk.App(outdir=str(outdir), analytics_reporting=False)
    stack = SecurityServicesStack(
        app,
        "Variant",
        org=organization(config, partition),
        region=region or part.home_region,
        regions=part.allowed_regions,
        root_id=part.root_id,
        services=services,
        retention_days=config.logging.cloudwatch_retention_days,
    )
    assembly = app.synth()
    loaded: dict[str, Any] = json.loads(Path(assembly.directory, stack.template_file).read_text())
    return loaded


# --- GovCloud: the resource types exist there ------------------------------------------------------------------------


def test_every_security_services_resource_type_exists_in_both_govcloud_regions(synth: Synthesized) -> None:
    spec = importlib.util.find_spec("cfnlint")
    assert spec is not None and spec.origin is not None
    providers = Path(spec.origin).parent / "data" / "schemas" / "providers"
    used = {
        r["Type"]
        for name, t in synth.templates.items()
        if name.startswith(("SecurityServices-", "Organization-"))
        for r in t["Resources"].values()
        if not r["Type"].startswith("Custom::")
    }
    for region in ("us-gov-west-1", "us-gov-east-1"):
        known = json.loads((providers / f"{region}.json").read_text())
        assert sorted(used - set(known)) == [], region


# --- config validation -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"security_services": {"guardduty": {"protection_plans": ["s3_data_events", "s3_data_events"]}}},
            "protection plan 's3_data_events' is already used at security_services.guardduty.protection_plans[0]",
        ),
        ({"security_services": {"guardduty": {"protection_plans": ["kubernetes"]}}}, "kubernetes"),
        (
            {"security_services": {"security_hub": {"standards": ["nist_800_53", "nist_800_53"]}}},
            "standard 'nist_800_53' is already used",
        ),
        (
            {"security_services": {"security_hub": {"disabled_controls": [{"control": "IAM.6"}]}}},
            "reason",
        ),
        (
            {"security_services": {"security_hub": {"disabled_controls": [{"control": "IAM.6", "reason": "no"}]}}},
            "at least 10 characters",
        ),
        (
            {"security_services": {"security_hub": {"disabled_controls": [{"control": "iam-6", "reason": "x" * 20}]}}},
            "expected a Security Hub control ID",
        ),
        (
            {
                "security_services": {
                    "security_hub": {
                        "disabled_controls": [
                            {"control": "IAM.6", "reason": "handled elsewhere, see runbook"},
                            {"control": "IAM.6", "reason": "handled elsewhere, see the runbook"},
                        ]
                    }
                }
            },
            "control 'IAM.6' is already used",
        ),
        ({"security_services": {"security_hub": {"standards": []}}}, "Security Hub is enabled with no standard"),
        ({"security_services": {"alert_severity": "low"}}, "alert_severity"),
        ({"security_services": {"access_analyzer": {"unused_access_age_days": 400}}}, "unused_access_age_days"),
    ],
)
def test_bad_security_services_settings_are_reported_with_their_key(
    example_data: dict[str, Any], config_from: ConfigFrom, changes: dict[str, Any], message: str
) -> None:
    assert message in config_error(config_from, changed(example_data, _flatten(changes)))


def test_security_hub_needs_the_root_id(example_data: dict[str, Any], config_from: ConfigFrom) -> None:
    """One root_id message names everything attached to the root (organization_policies.other_root_policies)."""
    data = changed(example_data, {})
    del data["partitions"]["aws-us-gov"]["root_id"]
    (line,) = [line for line in config_error(config_from, data).splitlines() if "partitions.aws-us-gov.root_id" in line]
    assert "the Security Hub configuration policy (security_services.security_hub)" in line
    data["security_services"]["security_hub"]["enabled"] = False
    (line,) = [line for line in config_error(config_from, data).splitlines() if "partitions.aws-us-gov.root_id" in line]
    assert "Security Hub" not in line


def _flatten(changes: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested settings as dotted paths for `changed`, creating the sections the example leaves out."""
    flat: dict[str, Any] = {}
    for key, value in changes.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and key in ("security_services", "guardduty", "security_hub", "access_analyzer"):
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


# --- the partition capability matrix ---------------------------------------------------------------------------------


def test_the_capability_matrix_refuses_security_hub_where_a_home_region_lacks_central_configuration(
    example_config: OrgConfig,
) -> None:
    part = example_config.partitions["aws"].model_copy(
        update={"home_region": "af-south-1", "allowed_regions": ["af-south-1", "us-east-1"]}
    )
    config = example_config.model_copy(update={"partitions": {**example_config.partitions, "aws": part}})
    found = [p for p in capability_problems(config) if p.path == "security_services.security_hub.enabled"]
    assert len(found) == 1
    assert (
        "Security Hub central configuration is not available in the commercial partition (aws) region af-south-1"
        in (found[0].message)
    )
    # The example's home regions have every type, in both partitions.
    assert not [p for p in capability_problems(example_config) if p.path.startswith("security_services.")]

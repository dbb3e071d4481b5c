"""Breakglass role, access alerts and the central alert hub, asserted in both partitions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from config.models import Account, OrgConfig
from config.naming import BreakglassPrincipals, Organization
from config.regions import GLOBAL_EVENTS_REGION, PartitionName
from constructs.breakglass.role import breakglass_trust_policy
from stacks.assembly import BuiltStack
from stacks.plan import plan
from tests.conftest import Synthesized, synthesize
from tests.support.config_data import ConfigFrom, commercial_only
from tests.support.templates import RETAINED, by_name, named, of_type, role_named

ACCESS_RULES = {
    "examplecorp-baseline-breakglass-assume-role",
    "examplecorp-baseline-breakglass-console-sign-in",
    "examplecorp-baseline-root-activity",
}


def accounts_of(config: OrgConfig, partition: PartitionName) -> list[Account]:
    return [a for a in config.accounts if a.partition == partition]


def baseline_stacks(synth: Synthesized, account_name: str) -> list[BuiltStack]:
    return [i for i in synth.infos if i.kind == "baseline" and i.account_name == account_name]


BREAKGLASS_USERS: dict[PartitionName, list[str]] = {
    "aws": ["arn:aws:iam::410987654323:user/breakglass-alice", "arn:aws:iam::410987654323:user/breakglass-bob"],
    "aws-us-gov": ["arn:aws-us-gov:iam::320987654331:user/gov-breakglass-alice",
                   "arn:aws-us-gov:iam::320987654331:user/gov-breakglass-bob"],
}  # fmt: skip


# --- breakglass role ---------------------------------------------------------------------------------


def test_breakglass_role_in_every_account_home_region_only(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName, org: Organization
) -> None:
    for account in accounts_of(example_config, partition):
        for info in baseline_stacks(synth, account.name):
            roles = [
                r
                for r in of_type(synth.deployed(info.stack_id), "AWS::IAM::Role").values()
                if r["Properties"].get("RoleName") == "examplecorp-baseline-breakglass"
            ]
            assert len(roles) == (1 if info.region == org.home_region else 0), info.stack_id


def test_breakglass_role_is_admin_for_one_hour_with_mfa_source_identity_and_no_tags(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName
) -> None:
    org_id = {"aws": "o-k3x9w2m7q1", "aws-us-gov": "o-g7v4p8d2z5"}[partition]
    for account in accounts_of(example_config, partition):
        home = f"Baseline-{account.name}-{example_config.partitions[partition].home_region}"
        _, role = role_named(synth.deployed(home), "examplecorp-baseline-breakglass")
        assert role["MaxSessionDuration"] == 3600
        assert role["ManagedPolicyArns"] == [f"arn:{partition}:iam::aws:policy/AdministratorAccess"]
        assert "Policies" not in role and "PermissionsBoundary" not in role
        assert role["AssumeRolePolicyDocument"] == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "BreakglassUsersWithMfaAndTheirName",
                    "Effect": "Allow",
                    "Principal": {"AWS": BREAKGLASS_USERS[partition]},
                    "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                    "Condition": {
                        "Bool": {"aws:MultiFactorAuthPresent": "true"},
                        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
                        "StringEquals": {"aws:PrincipalOrgID": org_id, "sts:SourceIdentity": "${aws:username}"},
                    },
                },
                {
                    "Sid": "DenyWithoutMfa",
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                },
                {"Sid": "DenySessionTags", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:TagSession"},
            ],
        }, account.name


def test_breakglass_role_principals_must_carry_mfa_and_a_source_identity(org: Organization) -> None:
    principals = BreakglassPrincipals(users=(), roles=(f"arn:{org.partition}:iam::111111111111:role/operator",))
    allow, deny_mfa, deny_tags = breakglass_trust_policy(org, principals)["Statement"]
    assert allow == {
        "Sid": "BreakglassRolesWithMfaAndSourceIdentity",
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:{org.partition}:iam::111111111111:role/operator"]},
        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
        "Condition": {
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
            "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
            "StringEquals": {"aws:PrincipalOrgID": org.organization_id},
            "StringLike": {"sts:SourceIdentity": "*"},
        },
    }
    assert deny_mfa["Sid"] == "DenyWithoutMfa" and deny_tags["Sid"] == "DenySessionTags"
    assert principals.role_session_prefixes == (f"arn:{org.partition}:sts::111111111111:assumed-role/operator/",)


def test_breakglass_trust_policy_stays_below_the_iam_limit_with_the_most_principals(org: Organization) -> None:
    users = tuple(f"arn:{org.partition}:iam::111111111111:user/breakglass-{'x' * 50}{i}" for i in range(5))
    roles = tuple(f"arn:{org.partition}:iam::111111111111:role/breakglass-{'y' * 50}{i}" for i in range(5))
    text = json.dumps(breakglass_trust_policy(org, BreakglassPrincipals(users, roles)), separators=(",", ":"))
    assert len(text) < 2048


# --- alert rules in every region, forwarder role in the home region --------------------------------


def expected_patterns(partition: PartitionName, account_id: str) -> dict[str, Any]:
    p = partition
    return {
        "examplecorp-baseline-breakglass-assume-role": {
            "source": ["aws.sts"],
            "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {
                "eventSource": ["sts.amazonaws.com"],
                "eventName": ["AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"],
                "requestParameters": {
                    "roleArn": [
                        {"equals-ignore-case": f"arn:{p}:iam::{account_id}:role/examplecorp-baseline-breakglass"}
                    ]
                },
            },
        },
        "examplecorp-baseline-breakglass-console-sign-in": {
            "source": ["aws.signin"],
            "detail-type": ["AWS Console Sign In via CloudTrail"],
            "detail": {
                "eventName": ["ConsoleLogin"],
                "userIdentity": {
                    "arn": [
                        *BREAKGLASS_USERS[partition],
                        {"prefix": f"arn:{p}:sts::{account_id}:assumed-role/examplecorp-baseline-breakglass/"},
                    ]
                },
            },
        },
        "examplecorp-baseline-root-activity": {
            "detail-type": ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"],
            "detail": {"userIdentity": {"type": ["Root"], "invokedBy": [{"exists": False}]}},
        },
    }


def test_alert_rules_in_every_region_stack_forward_to_the_hub(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName, org: Organization
) -> None:
    security_id = org.security_account_id
    bus = f"arn:{partition}:events:{org.home_region}:{security_id}:event-bus/examplecorp-baseline-alerts"
    for account in accounts_of(example_config, partition):
        stacks = [i for i in synth.infos if i.account_name == account.name and i.kind in ("baseline", "alerts")]
        assert stacks
        for info in stacks:
            rules = of_type(synth.deployed(info.stack_id), "AWS::Events::Rule").values()
            found = {r["Properties"]["Name"]: r["Properties"] for r in rules if r["Properties"]["Name"] in ACCESS_RULES}
            assert {name: rule["EventPattern"] for name, rule in found.items()} == expected_patterns(
                partition, account.id
            ), info.stack_id
            for rule in found.values():
                # AssumeRole* and the root user's reads are read-only management events: a rule in state ENABLED
                # never sees them (EventBridge user guide, receiving read-only management events).
                assert rule["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
                assert "EventBusName" not in rule  # the account's default bus, where CloudTrail events arrive
                assert rule["Targets"] == [{
                    "Id": "CentralAlertBus", "Arn": bus,
                    "RoleArn": f"arn:{partition}:iam::{account.id}:role/examplecorp-baseline-alert-forwarder",
                }]  # fmt: skip


def test_every_rule_that_can_match_read_only_events_receives_them(synth: Synthesized, partition: PartitionName) -> None:
    """Each rule of the partition by name, with the state it must have: a new rule shows up here for review."""
    states: dict[str, set[str]] = {}
    for info in synth.infos:
        if info.partition == partition:
            for rule in of_type(synth.deployed(info.stack_id), "AWS::Events::Rule").values():
                states.setdefault(rule["Properties"]["Name"], set()).add(rule["Properties"]["State"])
    all_events = {"ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"}
    assert states == {
        "examplecorp-baseline-breakglass-assume-role": all_events,  # AssumeRole* is logged read-only
        "examplecorp-baseline-breakglass-console-sign-in": all_events,
        "examplecorp-baseline-root-activity": all_events,  # the root user's Describe/Get/List calls
        "examplecorp-baseline-alerts-to-topic": all_events,  # the forwarded events are the same events
        "examplecorp-baseline-backup-changes": {"ENABLED"},  # Delete*/Put*/Update* only: none read-only
        "examplecorp-baseline-breakglass-user-changes": {"ENABLED"},  # changes only, not inventory reads
        "examplecorp-baseline-management-trail-tamper": {"ENABLED"},  # Stop/Delete/Put/Update... only
        "examplecorp-baseline-security-findings": {"ENABLED"},  # service findings, not CloudTrail events
        "examplecorp-baseline-elevation-to-topic": {"ENABLED"},  # the engine's own events, not CloudTrail's
    }


def test_every_account_has_alert_rules_where_global_events_land(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName
) -> None:
    region = GLOBAL_EVENTS_REGION[partition]
    for account in accounts_of(example_config, partition):
        (info,) = [i for i in synth.infos if i.account_name == account.name and i.region == region and
                   i.kind in ("baseline", "alerts")]  # fmt: skip
        rules = of_type(synth.deployed(info.stack_id), "AWS::Events::Rule").values()
        assert {r["Properties"]["Name"] for r in rules} >= ACCESS_RULES


def test_alert_forwarder_role_may_only_put_events_on_the_hub_bus(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName, org: Organization
) -> None:
    bus = f"arn:{partition}:events:{org.home_region}:{org.security_account_id}:event-bus/examplecorp-baseline-alerts"
    for account in accounts_of(example_config, partition):
        for info in baseline_stacks(synth, account.name):
            template = synth.deployed(info.stack_id)
            policies = of_type(template, "AWS::IAM::ManagedPolicy")
            forwarder = {
                k: v
                for k, v in policies.items()
                if str(v["Properties"].get("ManagedPolicyName", "")).endswith("forwarder")
            }
            if info.region != org.home_region:
                roles = of_type(template, "AWS::IAM::Role").values()
                assert forwarder == {} and not [r for r in roles if "forwarder" in r["Properties"].get("RoleName", "")]
                continue
            ((policy_id, policy),) = forwarder.items()
            assert policy["Properties"]["PolicyDocument"] == {
                "Version": "2012-10-17",
                "Statement": [{"Sid": "PutEventsOnTheAlertBus", "Effect": "Allow", "Action": "events:PutEvents",
                               "Resource": bus}],
            }  # fmt: skip
            _, role = role_named(template, "examplecorp-baseline-alert-forwarder")
            assert role["ManagedPolicyArns"] == [{"Ref": policy_id}]
            assert "Policies" not in role
            assert role["AssumeRolePolicyDocument"]["Statement"] == [{
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account.id},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:events:*:{account.id}:rule/examplecorp-baseline-*"},
                },
            }]  # fmt: skip


# --- backstop on the organization trail: breakglass use in any region ----------------------------------


def test_breakglass_backstop_alarm_on_the_organization_trail(synth: Synthesized, partition: PartitionName) -> None:
    template = synth.deployed(synth.only("organization", partition))
    name = "examplecorp-baseline-breakglass-assume-role-any-region"
    _, flt = named(template, "AWS::Logs::MetricFilter", "FilterName", name)
    assert flt["LogGroupName"] == {"Ref": "OrgTrailLogGroup"}
    assert flt["FilterPattern"] == (
        '{ ($.eventSource = "sts.amazonaws.com") && ($.eventName = "AssumeRole*") && '
        '(($.requestParameters.roleArn = "*:role/examplecorp-baseline-breakglass") || '
        '($.responseElements.assumedRoleUser.arn = "*:assumed-role/examplecorp-baseline-breakglass/*")) }'
    )
    assert flt["MetricTransformations"] == [
        {"MetricNamespace": "OrgBaseline/Access", "MetricName": "BreakglassAssumeRole", "MetricValue": "1"}
    ]
    _, alarm = named(template, "AWS::CloudWatch::Alarm", "AlarmName", name)
    assert (alarm["Namespace"], alarm["MetricName"]) == ("OrgBaseline/Access", "BreakglassAssumeRole")
    assert alarm["Statistic"] == "Sum" and alarm["Period"] == 300 and alarm["EvaluationPeriods"] == 1
    assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["AlarmActions"] == [{"Ref": "SecurityAlarmTopic"}] and alarm["ActionsEnabled"] is True


# --- the central alert hub ---------------------------------------------------------------------------


@pytest.fixture
def hub(synth: Synthesized, partition: PartitionName) -> dict[str, Any]:
    """The template of the partition's Security stack (the central alert hub)."""
    return synth.deployed(synth.only("security", partition))


def test_security_stack_is_in_the_security_account_home_region_and_protected(
    synth: Synthesized, partition: PartitionName, org: Organization
) -> None:
    info = synth.one("security", partition)
    assert info.stack_id == f"Security-{info.account_name}"
    assert (info.stack.account, info.stack.region) == (org.security_account_id, org.home_region)
    assert info.stack.termination_protection is True
    ids = [i.stack_id for i in synth.infos if i.partition == partition]
    assert ids.index(info.stack_id) < min(i for i, s in enumerate(ids) if s.startswith("Baseline-"))


def test_alert_bus_accepts_events_from_the_organization_only(
    hub: dict[str, Any], org: Organization, partition: PartitionName
) -> None:
    bus = hub["Resources"]["AlertBus"]
    assert bus["Type"] == "AWS::Events::EventBus"
    assert bus["Properties"] == {"Name": "examplecorp-baseline-alerts"}  # no inline policy: one place to read
    (policy,) = of_type(hub, "AWS::Events::EventBusPolicy").values()
    assert policy["Properties"] == {
        "EventBusName": {"Fn::GetAtt": ["AlertBus", "Name"]},
        "StatementId": "AllowOrganizationToPutEvents",
        "Statement": {
            "Sid": "AllowOrganizationToPutEvents", "Effect": "Allow", "Principal": {"AWS": "*"},
            "Action": "events:PutEvents",
            "Resource": f"arn:{partition}:events:{org.home_region}:{org.security_account_id}:event-bus/"
                        "examplecorp-baseline-alerts",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": org.organization_id}},
        },
    }  # fmt: skip


def test_hub_rule_sends_aws_events_to_the_encrypted_topic(
    hub: dict[str, Any], org: Organization, partition: PartitionName
) -> None:
    rules = by_name(hub, "AWS::Events::Rule")
    rule = {"Properties": rules.pop("examplecorp-baseline-alerts-to-topic")}
    assert list(rules) == ["examplecorp-baseline-elevation-to-topic"]  # tests/test_elevation_stack.py
    assert rule["Properties"]["EventBusName"] == {"Fn::GetAtt": ["AlertBus", "Name"]}
    # Only AWS service events: callers cannot put events whose source starts with "aws.", so no fake alerts.
    assert rule["Properties"]["EventPattern"] == {"source": [{"prefix": "aws."}]}
    assert rule["Properties"]["Targets"] == [{"Id": "AlertTopic", "Arn": {"Ref": "AlertTopic"}}]
    topic = hub["Resources"]["AlertTopic"]
    assert topic["Properties"]["TopicName"] == "examplecorp-baseline-alerts"
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["AlertTopicKey", "Arn"]}

    rule_arn = f"arn:{partition}:events:{org.home_region}:{org.security_account_id}:rule/" \
               "examplecorp-baseline-alerts/examplecorp-baseline-alerts-to-topic"  # fmt: skip
    elevation_arn = rule_arn.replace("alerts-to-topic", "elevation-to-topic")
    from_rule = {"StringEquals": {"aws:SourceAccount": org.security_account_id},
                 "ArnEquals": {"aws:SourceArn": [rule_arn, elevation_arn]}}  # fmt: skip
    key = hub["Resources"]["AlertTopicKey"]
    assert {k: key[k] for k in RETAINED} == RETAINED and key["Properties"]["EnableKeyRotation"] is True
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    assert [s["Sid"] for s in statements] == ["AllowAccountIamToAdministerKey", "AllowAlertRuleToPublishEncrypted"]
    # EventBridge-to-encrypted-topic delivery fails when the key grant carries aws:SourceAccount, aws:SourceArn or
    # aws:SourceOrgID (SNS developer guide, key management; landing-zone-accelerator issue #407): the grant is
    # narrowed by the topic's encryption context instead.
    topic_arn = f"arn:{partition}:sns:{org.home_region}:{org.security_account_id}:examplecorp-baseline-alerts"
    assert statements[1] == {
        "Sid": "AllowAlertRuleToPublishEncrypted", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
        "Condition": {"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": topic_arn}},
    }  # fmt: skip

    (policy,) = of_type(hub, "AWS::SNS::TopicPolicy").values()
    assert policy["Properties"]["Topics"] == [{"Ref": "AlertTopic"}]
    # The topic policy may name the rule: EventBridge sends aws:SourceArn/aws:SourceAccount to the target.
    assert sorted(policy["Properties"]["PolicyDocument"]["Statement"], key=lambda s: s["Sid"]) == [
        {"Sid": "AllowAlertRuleToPublish", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
         "Action": "sns:Publish", "Resource": {"Ref": "AlertTopic"}, "Condition": from_rule},
        {"Sid": "AllowPublishThroughSSLOnly", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish",
         "Resource": {"Ref": "AlertTopic"}, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]  # fmt: skip


def test_no_key_policy_limits_eventbridge_by_source(synth: Synthesized, partition: PartitionName) -> None:
    """No key anywhere grants events.amazonaws.com under a source condition: such grants silently drop alerts."""
    unsupported = {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}
    for info in synth.infos:
        if info.partition != partition:
            continue
        for key in of_type(synth.deployed(info.stack_id), "AWS::KMS::Key").values():
            for grant in key["Properties"]["KeyPolicy"]["Statement"]:
                if "events.amazonaws.com" not in json.dumps(grant.get("Principal", {})):
                    continue
                keys = {k.lower() for values in grant.get("Condition", {}).values() for k in values}
                assert not keys & unsupported, (info.stack_id, grant["Sid"])


def test_alert_emails_are_subscribed(hub: dict[str, Any], example_config: OrgConfig) -> None:
    subscriptions = of_type(hub, "AWS::SNS::Subscription").values()
    assert sorted(s["Properties"]["Endpoint"] for s in subscriptions) == example_config.alerts.emails
    assert all(s["Properties"]["TopicArn"] == {"Ref": "AlertTopic"} for s in subscriptions)
    assert all(s["Properties"]["Protocol"] == "email" for s in subscriptions)


def test_slack_channel_only_in_commercial_and_notification_only(hub: dict[str, Any], partition: PartitionName) -> None:
    channels = list(of_type(hub, "AWS::Chatbot::SlackChannelConfiguration").values())
    if partition == "aws-us-gov":
        roles = of_type(hub, "AWS::IAM::Role").values()
        assert channels == [] and not [r for r in roles if "chatbot" in r["Properties"].get("RoleName", "")]
        return
    (channel,) = channels
    assert channel["Properties"]["SlackWorkspaceId"] == "T0123ABCDE"
    assert channel["Properties"]["SlackChannelId"] == "C0456FGHIJ"
    assert channel["Properties"]["SnsTopicArns"] == [{"Ref": "AlertTopic"}]
    assert channel["Properties"]["GuardrailPolicies"] == ["arn:aws:iam::aws:policy/AWSDenyAll"]
    _, role = role_named(hub, "examplecorp-baseline-alerts-chatbot")
    assert "ManagedPolicyArns" not in role and "Policies" not in role


def test_hub_stateful_logical_ids_are_pinned(hub: dict[str, Any]) -> None:
    types = {k: hub["Resources"][k]["Type"] for k in ("AlertBus", "AlertTopicKey", "AlertTopic")}
    assert types == {"AlertBus": "AWS::Events::EventBus", "AlertTopicKey": "AWS::KMS::Key",
                     "AlertTopic": "AWS::SNS::Topic"}  # fmt: skip


# --- alert-only stack where the baseline regions leave out the global-events region ------------------


def test_accounts_outside_the_global_events_region_get_an_alert_only_stack(
    example_data: dict[str, Any], config_from: ConfigFrom, tmp_path: Path
) -> None:
    data = commercial_only(example_data)
    config = config_from(data)
    alert_stacks = [i for i in plan(config) if i.kind == "alerts"]
    assert [(i.stack_id, i.account_name, i.region) for i in alert_stacks] == [
        ("Alerts-web-dev-us-east-1", "web-dev", "us-east-1")
    ]
    synthesized = synthesize(config, tmp_path, accounts=["web-dev"])  # its stacks only, with every check on
    template = synthesized.deployed("Alerts-web-dev-us-east-1")
    assert "910987654328" not in json.dumps(synthesized.templates["Alerts-web-dev-us-east-1"])  # account-agnostic
    assert {r["Type"] for r in template["Resources"].values()} == {"AWS::Events::Rule"}
    rules = {r["Properties"]["Name"]: r["Properties"]["EventPattern"] for r in template["Resources"].values()}
    assert rules == expected_patterns("aws", "910987654328")


def test_every_change_to_a_breakglass_user_alerts_from_the_account_that_holds_them(
    synth: Synthesized, example_config: OrgConfig, partition: PartitionName, org: Organization
) -> None:
    holder = {"aws": "security", "aws-us-gov": "gov-log-archive"}[partition]
    names = [arn.rsplit("/", 1)[1] for arn in BREAKGLASS_USERS[partition]]
    region = GLOBAL_EVENTS_REGION[partition]  # IAM's CloudTrail events arrive here
    bus = f"arn:{partition}:events:{org.home_region}:{org.security_account_id}:event-bus/examplecorp-baseline-alerts"
    for account in accounts_of(example_config, partition):
        (info,) = [i for i in synth.infos if i.account_name == account.name and i.region == region and
                   i.kind in ("baseline", "alerts")]  # fmt: skip
        rules = {
            r["Properties"]["Name"]: r["Properties"]
            for r in of_type(synth.deployed(info.stack_id), "AWS::Events::Rule").values()
        }
        rule = rules.get("examplecorp-baseline-breakglass-user-changes")
        if account.name != holder:
            assert rule is None, info.stack_id
            continue
        assert rule is not None, info.stack_id
        assert rule["EventPattern"] == {
            "source": ["aws.iam"],
            "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {
                "eventSource": ["iam.amazonaws.com"],
                "$or": [
                    {"requestParameters": {"userName": [{"equals-ignore-case": n} for n in names]}},
                    {
                        "userIdentity": {"arn": BREAKGLASS_USERS[partition]},
                        "eventName": ["ChangePassword", "CreateVirtualMFADevice", "EnableMFADevice", "ResyncMFADevice"],
                    },
                ],
            },
        }
        assert rule["Targets"] == [{
            "Id": "CentralAlertBus", "Arn": bus,
            "RoleArn": f"arn:{partition}:iam::{account.id}:role/examplecorp-baseline-alert-forwarder",
        }]  # fmt: skip

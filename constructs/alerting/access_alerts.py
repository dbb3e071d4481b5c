"""EventBridge rules that forward breakglass use, breakglass console sign-in and root activity to the hub."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_events as events

from config.naming import BreakglassPrincipals, Organization
from constructs import Construct

API_CALL = "AWS API Call via CloudTrail"
# A rule in state ENABLED matches every event except read-only management events delivered through CloudTrail; only
# ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS matches those too (EventBridge user guide, "Receiving read-only
# management events from AWS services":
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html). STS logs
# AssumeRole, AssumeRoleWithSAML and AssumeRoleWithWebIdentity as read-only (IAM user guide, "Logging IAM and AWS STS
# API calls with AWS CloudTrail": https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html),
# and the root user's Describe/Get/List calls are read-only too. Every access rule matches such events (console
# sign-in included, whatever its read-only flag), so every access rule takes this state.
ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
CONSOLE_SIGN_IN = "AWS Console Sign In via CloudTrail"
ASSUME_ROLE_EVENTS = ["AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"]
# IAM calls a user makes on itself without naming itself (the console's password change and MFA set-up).
SELF_SERVICE_EVENTS = ["ChangePassword", "CreateVirtualMFADevice", "EnableMFADevice", "ResyncMFADevice"]


def access_alert_patterns(
    org: Organization, account_id: str, breakglass: BreakglassPrincipals | None, own_users: tuple[str, ...] = ()
) -> dict[str, dict[str, Any]]:
    """Event patterns by rule key (`Organization.access_alert_rules`), for one account.

    `account_id` is written into the patterns (the literal, or `AWS::AccountId` in an account-agnostic template);
    `own_users`: the ARNs of the breakglass users this account holds (`BreakglassPrincipals.users_held_in`, decided
    from the literal ID), whose IAM changes alert here.

    Successful and failed attempts both match: an AccessDenied AssumeRole on the breakglass role is worth a look.
    """
    patterns: dict[str, dict[str, Any]] = {
        # CIS 4.3 as an event pattern: the root user, not an AWS service acting as root.
        "root_activity": {
            "detail-type": [API_CALL, CONSOLE_SIGN_IN],
            "detail": {"userIdentity": {"type": ["Root"], "invokedBy": [{"exists": False}]}},
        },
    }
    if breakglass is None:
        return patterns
    patterns["breakglass_assume_role"] = {
        "source": ["aws.sts"],
        "detail-type": [API_CALL],
        "detail": {
            "eventSource": ["sts.amazonaws.com"],
            "eventName": ASSUME_ROLE_EVENTS,
            # IAM role names are case-insensitive, and STS accepts the ARN in any case: match it that way too.
            "requestParameters": {"roleArn": [{"equals-ignore-case": org.breakglass_role_arn(account_id)}]},
        },
    }
    # The breakglass users themselves (in their own account), sessions of breakglass principal roles, and
    # console sessions of this account's breakglass role (through the federation sign-in endpoint).
    sessions = [org.breakglass_session_arn_prefix(account_id), *breakglass.role_session_prefixes]
    patterns["breakglass_console_sign_in"] = {
        "source": ["aws.signin"],
        "detail-type": [CONSOLE_SIGN_IN],
        "detail": {
            "eventName": ["ConsoleLogin"],
            "userIdentity": {"arn": [*breakglass.users, *({"prefix": s} for s in sessions)]},
        },
    }
    if own_users:
        # Every IAM change to the breakglass users held in this account, by whoever makes it (the SCP lets only
        # their managers). IAM's CloudTrail events arrive in us-east-1 (us-gov-west-1 in GovCloud) with source
        # aws.iam (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-iam.html); the rule in the
        # account's other regions matches nothing. The user changing their own password (ChangePassword) or
        # setting up their own MFA names no userName: matched by who made the call ($or, see
        # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
        patterns["breakglass_user_changes"] = {
            "source": ["aws.iam"],
            "detail-type": [API_CALL],
            "detail": {
                "eventSource": ["iam.amazonaws.com"],
                "$or": [
                    {"requestParameters": {"userName": [{"equals-ignore-case": _user_name(arn)} for arn in own_users]}},
                    {"userIdentity": {"arn": list(own_users)}, "eventName": SELF_SERVICE_EVENTS},
                ],
            },
        }
    return patterns


def _user_name(arn: str) -> str:
    """An IAM user's name from its ARN (breakglass user ARNs have no path)."""
    return arn.rsplit(":user/", 1)[1]


class AccessAlerts(Construct):
    """One rule per pattern on the account's default bus in this region, targeting the central alert bus.

    The target is the hub's bus in the security account's home region, reached through the account's
    `<prefix>-baseline-alert-forwarder` role (a cross-account, cross-region bus target needs a role).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        account_id: str,
        breakglass: BreakglassPrincipals | None,
        own_users: tuple[str, ...] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        target = events.CfnRule.TargetProperty(
            id="CentralAlertBus", arn=org.alert_bus_arn, role_arn=org.alert_forwarder_role_arn(account_id)
        )
        descriptions = {
            "root_activity": "the root user was used",
            "breakglass_assume_role": "someone assumed (or tried to assume) the breakglass role",
            "breakglass_console_sign_in": "a breakglass identity signed in to the console",
            "breakglass_user_changes": "a breakglass user, its password or its MFA was changed",
        }
        # Changes to the breakglass users are write events; an ENABLED rule keeps out IAM's read-only calls on them
        # (GetUser, ListMFADevices...), which inventory tools such as AWS Config's recorder make all day.
        states = {"breakglass_user_changes": "ENABLED"}
        for key, pattern in access_alert_patterns(org, account_id, breakglass, own_users).items():
            events.CfnRule(
                self,
                key,
                name=org.access_alert_rules[key],
                description=f"org-baseline: alert the security account when {descriptions[key]}",
                event_pattern=pattern,
                state=states.get(key, ALL_MANAGEMENT_EVENTS),
                targets=[target],
            )

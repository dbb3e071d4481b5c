"""The role every account's EventBridge rules use to put alerts on the partition's central alert bus."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from config.naming import Organization
from config.policies.statements import allow, document, service_trust
from constructs import Construct


class AlertForwarderRole(Construct):
    """`<prefix>-baseline-alert-forwarder`: assumable by EventBridge for this account's baseline rules only.

    Rules in other regions need a role to target an event bus in another account and region, so one role in
    the home-region stack serves the rules of every region. Its only permission is `events:PutEvents` on the
    hub's bus; any baseline feature that alerts (breakglass, root, backup) uses it.

    The trust may name the rules: EventBridge gives the rule as aws:SourceArn and its account as aws:SourceAccount
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html). No KMS key is involved on
    this path (the hub's bus uses an AWS owned key), so the EventBridge-to-encrypted-topic limit (hub.py) does not
    apply here.
    """

    def __init__(self, scope: Construct, construct_id: str, *, org: Organization, account_id: str) -> None:
        super().__init__(scope, construct_id)
        p = org.partition
        self.policy = iam.CfnManagedPolicy(
            self,
            "Policy",
            managed_policy_name=org.alert_forwarder_policy,
            description="org-baseline: put events on the central alert bus, nothing else",
            policy_document=document(
                allow(sid="PutEventsOnTheAlertBus", action="events:PutEvents", resource=org.alert_bus_arn)
            ),
        )
        self.role = iam.CfnRole(
            self,
            "Role",
            role_name=org.alert_forwarder_role,
            description="org-baseline: EventBridge forwards this account's baseline alerts to the central alert bus",
            max_session_duration=3600,
            managed_policy_arns=[self.policy.ref],
            assume_role_policy_document=service_trust(
                "events.amazonaws.com",
                condition={
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{p}:events:*:{account_id}:rule/{org.baseline_prefix}*"},
                },
            ),
        )

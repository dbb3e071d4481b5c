"""The partition's central alert hub in the security account: an event bus, a rule and an encrypted SNS topic."""

from __future__ import annotations

from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam

from config.models import SlackChannel
from config.naming import Organization
from config.policies.statements import Condition, allow, aws, service_trust
from constructs import Construct
from constructs.alerting.access_alerts import ALL_MANAGEMENT_EVENTS
from constructs.alerting.encrypted_topic import encrypted_topic
from constructs.shared.logical_ids import pin_logical_id

# What the hub passes on: events of AWS services only. PutEvents refuses sources starting with "aws." from
# callers, so an account of the organization cannot fake a breakglass or root alert, only forward real ones.
FORWARDED_EVENTS_PATTERN = {"source": [{"prefix": "aws."}]}


class AlertHub(Construct):
    """Every account's alert rules put events on this bus; the bus's rule sends them to the alert topic.

    The bus accepts `events:PutEvents` from principals of the organization only (in practice the
    `<prefix>-baseline-alert-forwarder` role of each account). The topic is KMS-encrypted and TLS-only; email
    addresses and an optional AWS Chatbot Slack channel subscribe to it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        emails: list[str],
        slack: SlackChannel | None,
        elevation_source: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        p, account_id, region = org.partition, org.security_account_id, org.home_region
        self.rule_arn = f"arn:{p}:events:{region}:{account_id}:rule/{org.alert_bus}/{org.alert_rule}"
        self.elevation_rule_arn = (
            f"arn:{p}:events:{region}:{account_id}:rule/{org.alert_bus}/{org.baseline_prefix}elevation-to-topic"
        )
        rules: str | list[str] = self.rule_arn if elevation_source is None else [self.rule_arn, self.elevation_rule_arn]
        from_our_rule: Condition = {
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnEquals": {"aws:SourceArn": rules},
        }

        # No Description and a separate policy resource: GovCloud's AWS::Events::EventBus has neither a
        # Description nor an object-typed Policy (cfn-lint's GovCloud schemas).
        self.bus = events.CfnEventBus(self, "Bus", name=org.alert_bus)
        self.bus_policy = events.CfnEventBusPolicy(
            self,
            "BusPolicy",
            event_bus_name=self.bus.attr_name,
            statement_id="AllowOrganizationToPutEvents",
            statement=allow(
                sid="AllowOrganizationToPutEvents",
                principal=aws("*"),
                action="events:PutEvents",
                resource=org.alert_bus_arn,
                condition={"StringEquals": {"aws:PrincipalOrgID": org.organization_id}},
            ),
        )
        pin_logical_id(self.bus, "AlertBus")

        self.key, self.topic = encrypted_topic(
            self,
            partition=p,
            account_id=account_id,
            region=region,
            name=org.alert_topic,
            display_name="Baseline alerts",
            what="alert topic",
            key_logical_id="AlertTopicKey",
            topic_logical_id="AlertTopic",
            publisher="events.amazonaws.com",
            publish_sid="AllowAlertRuleToPublish",
            # The topic policy names our rule: EventBridge sends the rule as aws:SourceArn and its account as
            # aws:SourceAccount to the target's resource policy (EventBridge user guide, condition keys:
            # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html).
            topic_condition=from_our_rule,
            # The key grant must not: "Adding the aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID to a AWS KMS
            # policy is not supported for EventBridge-to-encrypted topics"
            # (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html; landing-zone-accelerator issue
            # #407: every delivery then fails, seen only as the rule's FailedInvocations). The EventBridge user
            # guide's troubleshooting page gives the grant with no condition at all
            # (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-troubleshooting.html#eb-no-messages-published-sns).
            # What narrows it: only GenerateDataKey*/Decrypt, and only for this topic (its encryption context).
            # kms:ViaService is left out: no AWS document says it is present when EventBridge publishes.
            key_condition={},
            emails=emails,
        )

        self.rule = events.CfnRule(
            self,
            "Rule",
            name=org.alert_rule,
            description="org-baseline: every event forwarded to the alert bus goes to the alert topic",
            event_bus_name=self.bus.attr_name,
            event_pattern=FORWARDED_EVENTS_PATTERN,
            # The forwarded events are still read-only CloudTrail management events (AssumeRole, root's reads), and
            # the rule state applies to custom buses too: in state ENABLED the hub would drop them.
            state=ALL_MANAGEMENT_EVENTS,
            targets=[events.CfnRule.TargetProperty(id="AlertTopic", arn=self.topic.topic_arn)],
        )

        if elevation_source is not None:
            # The elevation engine's transitions (source, engine account). EventBridge sets an event's `account` to
            # the account that put it (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html),
            # so only the engine's account can raise them, though the whole organization may put events on the bus.
            source, engine_account = elevation_source
            events.CfnRule(
                self,
                "ElevationRule",
                name=f"{org.baseline_prefix}elevation-to-topic",
                description="org-baseline: the elevation engine's transitions go to the alert topic",
                event_bus_name=self.bus.attr_name,
                event_pattern={"source": [source], "account": [engine_account]},
                state="ENABLED",
                targets=[events.CfnRule.TargetProperty(id="AlertTopic", arn=self.topic.topic_arn)],
            )
        if slack is not None:
            self._slack_channel(org, slack)

    def _slack_channel(self, org: Organization, slack: SlackChannel) -> None:
        # Notifications only: the channel's role has no permissions, and the guardrail denies everything, so
        # nobody can run AWS commands from Slack through this channel.
        role = iam.CfnRole(
            self,
            "ChatbotRole",
            role_name=org.chatbot_role,
            description="org-baseline: AWS Chatbot channel for baseline alerts (notifications only, no permissions)",
            max_session_duration=3600,
            assume_role_policy_document=service_trust(
                "chatbot.amazonaws.com", condition={"StringEquals": {"aws:SourceAccount": org.security_account_id}}
            ),
        )
        chatbot.CfnSlackChannelConfiguration(
            self,
            "SlackChannel",
            configuration_name=f"{org.baseline_prefix}alerts",
            iam_role_arn=role.attr_arn,
            slack_workspace_id=slack.workspace_id,
            slack_channel_id=slack.channel_id,
            sns_topic_arns=[self.topic.topic_arn],
            guardrail_policies=[org.aws_managed_policy_arn("AWSDenyAll")],
            logging_level="ERROR",
            user_role_required=False,
        )

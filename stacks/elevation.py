"""The just-in-time elevation engine of one partition, in the Identity Center administration account's home
region: requests table, state machine, schedules, functions, the approver topic and the API (docs/elevation.md)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns

from config.elevation import EngineNames, ResolvedRule, rule_accounts, rules_json
from config.models import Elevation
from config.naming import Organization
from constructs import Construct
from constructs.elevation.api import ElevationApi
from constructs.elevation.flow import RequestFlow
from constructs.elevation.functions import EngineArns, EngineFunctions
from constructs.elevation.store import RequestStore
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.retention import STATEFUL
from stacks.base import OrgBaselineStack


def _encrypted_topic(scope: Construct, construct_id: str, name: str, display_name: str, key: kms.IKey) -> sns.Topic:
    """An engine topic: the engine's key, HTTPS-only publishing."""
    return sns.Topic(scope, construct_id, topic_name=name, display_name=display_name, master_key=key, enforce_ssl=True)


class ElevationStack(OrgBaselineStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        names: EngineNames,
        admin_account_id: str,
        instance_arn: str,
        identity_store_id: str,
        elevation: Elevation,
        rules: list[ResolvedRule],
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=admin_account_id,
            region=org.home_region,
            description=f"just-in-time elevation engine of partition {org.partition} (deploy after the "
            "IdentityCenter and Security stacks)",
        )
        p, account, region = org.partition, admin_account_id, org.home_region
        store = RequestStore(self, "Store", names=names, partition=p, account_id=account, region=region)
        topic_arn = f"arn:{p}:sns:{region}:{account}:{names.topic}"
        topic = _encrypted_topic(self, "ApproverTopic", names.topic, "Elevation requests", store.key)
        emails = {
            (rule.name, email) for rule in elevation.rules if rule.partition == p for email in rule.approver_emails
        }
        for rule_name, email in sorted(emails):
            sns.CfnSubscription(
                self,
                f"Approver-{rule_name}-{email}",
                topic_arn=topic.topic_arn,
                protocol="email",
                endpoint=email,
                filter_policy={"rule": [rule_name]},
            )
        # The requesters' subscriptions are made at run time (constructs/handlers/elevation/api.py) and confirmed by
        # each person: the topic is retained under a pinned ID so that a replacement never drops them.
        decision_topic_arn = f"arn:{p}:sns:{region}:{account}:{names.decision_topic}"
        decision_topic = _encrypted_topic(self, "DecisionTopic", names.decision_topic, "Elevation decisions", store.key)
        decision_topic.apply_removal_policy(STATEFUL)
        topic_resource = decision_topic.node.default_child
        assert isinstance(topic_resource, cdk.CfnResource)
        pin_logical_id(topic_resource, "ElevationDecisionTopic")
        arns = EngineArns(
            partition=p,
            account_id=account,
            region=region,
            table=store.table_arn,
            key=store.key.key_arn,
            state_machine=f"arn:{p}:states:{region}:{account}:stateMachine:{names.state_machine}",
            topic=topic_arn,
            decision_topic=decision_topic_arn,
            alert_bus=org.alert_bus_arn,
            instance=instance_arn,
            identity_store_id=identity_store_id,
            schedule_group=names.schedule_group,
            scheduler_role=f"arn:{p}:iam::{account}:role/{names.role('scheduler')}",
            permission_set_parameters={s: org.permission_set_parameter(s) for s in {r.permission_set for r in rules}},
            accounts=rule_accounts(rules),
        )
        environment = {
            "TABLE_NAME": names.table,
            "EVENT_SOURCE": names.event_source,
            "EVENT_BUS_ARN": org.alert_bus_arn,
            "ENGINE_ACCOUNT_ID": account,
            "IDENTITY_STORE_ID": identity_store_id,
            "INSTANCE_ARN": instance_arn,
            "PERMISSION_SET_PARAMETER_PREFIX": org.permission_set_parameter(""),
            "STATE_MACHINE_ARN": arns.state_machine,
            "APPROVER_TOPIC_ARN": topic_arn,
            "DECISION_TOPIC_ARN": decision_topic_arn,
            "SCHEDULE_GROUP": names.schedule_group,
            "SCHEDULER_ROLE_ARN": arns.scheduler_role,
            "REVOKE_FUNCTION_ARN": f"arn:{p}:lambda:{region}:{account}:function:{names.function('revoke')}",
        }
        self.functions = EngineFunctions(
            self,
            "Functions",
            names=names,
            arns=arns,
            key=store.key,
            rules_json=rules_json(rules),
            environment=environment,
            remove_unexplained=elevation.reconciliation.remove_unexplained,
        )
        self.flow = RequestFlow(
            self,
            "Flow",
            names=names,
            partition=p,
            account_id=account,
            region=region,
            key=store.key,
            functions=self.functions.arns,
            reconcile_minutes=elevation.reconciliation.every_minutes,
        )
        for function in self.functions.functions.values():
            self.flow.state_machine.add_resource_dependency(function)
        self.api = ElevationApi(
            self,
            "Api",
            names=names,
            partition=p,
            account_id=account,
            region=region,
            key=store.key,
            api_function_arn=self.functions.functions["api"].attr_arn,
        )
        self.store, self.topic, self.decision_topic = store, topic, decision_topic

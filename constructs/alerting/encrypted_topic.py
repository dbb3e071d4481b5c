"""A notification topic: KMS-encrypted with its own key, TLS-only, publishable by one AWS service."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns

from config.policies.statements import Condition, allow, service
from constructs import Construct
from constructs.shared.keys import retained_key
from constructs.shared.logical_ids import pin_logical_id


def encrypted_topic(
    scope: Construct,
    *,
    partition: str,
    account_id: str,
    name: str,
    display_name: str,
    what: str,
    key_logical_id: str,
    topic_logical_id: str,
    publisher: str,
    publish_sid: str,
    condition: Condition,
    emails: list[str],
) -> tuple[kms.Key, sns.Topic]:
    """Key ("TopicKey") and topic ("Topic") in `scope`, with email subscriptions.

    `publisher` (a service principal such as cloudwatch.amazonaws.com) may use the key and publish, both only
    under `condition` (its aws:SourceAccount / aws:SourceArn). The topic policy replaces SNS's default one,
    so without this grant the service could not publish at all.
    """
    key = retained_key(
        scope,
        "TopicKey",
        logical_id=key_logical_id,
        partition=partition,
        account_id=account_id,
        alias=f"alias/{name}",
        description=f"Encrypts the {what} {name}",
        statements=[
            allow(
                sid=f"{publish_sid}Encrypted",
                principal=service(publisher),
                action=["kms:Decrypt", "kms:GenerateDataKey*"],
                resource="*",
                condition=condition,
            )
        ],
    )
    topic = sns.Topic(scope, "Topic", topic_name=name, display_name=display_name, master_key=key, enforce_ssl=True)
    pin_logical_id(topic, topic_logical_id)
    publish = allow(
        sid=publish_sid,
        principal=service(publisher),
        action="sns:Publish",
        resource=topic.topic_arn,
        condition=condition,
    )
    topic.add_to_resource_policy(iam.PolicyStatement.from_json(publish))
    for email in emails:
        sns.CfnSubscription(scope, f"Email-{email}", topic_arn=topic.topic_arn, protocol="email", endpoint=email)
    return key, topic

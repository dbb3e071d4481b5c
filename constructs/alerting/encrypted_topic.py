"""A notification topic: KMS-encrypted with its own key, TLS-only, publishable by one AWS service."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns

from config.policies.statements import Condition, allow, service
from constructs import Construct
from constructs.shared.keys import retained_key
from constructs.shared.logical_ids import pin_logical_id

# SNS binds each data key to its topic with the encryption context aws:sns:topicArn, which AWS documents as a key
# policy condition for services publishing to encrypted topics
# (https://docs.aws.amazon.com/gamelift/latest/flexmatchguide/queue-notification-sns-sse.html). It is part of the
# KMS request itself, so it holds whoever publishes, EventBridge included.
TOPIC_ENCRYPTION_CONTEXT = "kms:EncryptionContext:aws:sns:topicArn"


def encrypted_topic(
    scope: Construct,
    *,
    partition: str,
    account_id: str,
    region: str,
    name: str,
    display_name: str,
    what: str,
    key_logical_id: str,
    topic_logical_id: str,
    publisher: str,
    publish_sid: str,
    topic_condition: Condition,
    key_condition: Condition,
    emails: list[str],
) -> tuple[kms.Key, sns.Topic]:
    """Key ("TopicKey") and topic ("Topic") in `scope`, with email subscriptions.

    `publisher` (a service principal such as cloudwatch.amazonaws.com) may publish under `topic_condition` and
    use the key (kms:GenerateDataKey*, kms:Decrypt: what the SNS developer guide lists for event sources of
    encrypted topics, https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html) for this topic only,
    under `key_condition` as well. The two conditions differ because services differ: EventBridge's key grant
    must carry no aws:SourceAccount/aws:SourceArn (see hub.py), CloudWatch's may. The topic policy replaces
    SNS's default one, so without this grant the service could not publish at all.
    """
    topic_arn = f"arn:{partition}:sns:{region}:{account_id}:{name}"  # written out: the key cannot Ref its topic
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
                condition={
                    **key_condition,
                    "StringEquals": {**key_condition.get("StringEquals", {}), TOPIC_ENCRYPTION_CONTEXT: topic_arn},
                },
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
        condition=topic_condition,
    )
    topic.add_to_resource_policy(iam.PolicyStatement.from_json(publish))
    for email in emails:
        sns.CfnSubscription(scope, f"Email-{email}", topic_arn=topic.topic_arn, protocol="email", endpoint=email)
    return key, topic

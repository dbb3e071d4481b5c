"""AWS Config in one account and region: the configuration recorder and its delivery channel.

The recorder records every supported resource type, current and future (`AllSupported`); the global IAM types
(users, groups, roles, customer managed policies) only where `IncludeGlobalResourceTypes` is true, which is the
home region alone, so they are recorded (and paid for) once per account:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-config-configurationrecorder-recordinggroup.html
It records as the service-linked role AWSServiceRoleForConfig, which AWS maintains (AWSConfigServiceRolePolicy):
https://docs.aws.amazon.com/config/latest/developerguide/using-service-linked-roles-config.html
The role is created, if missing, by the account-settings function in the home region
(`Custom::ConfigServiceLinkedRole`); IAM is global, so the other regions' stacks, deployed after the home one,
find it. The delivery channel sends history and snapshots to the Config bucket of the log-archive account
(constructs/logging/config_bucket.py), whose policies admit AWS Config for the organization.

An account and region holds one recorder and one delivery channel: a recorder someone made before the baseline
must be deleted (or imported) before this stack deploys there.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-config-deliverychannel.html
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_config as config

from config.naming import Organization
from constructs import Construct

CONFIG_SERVICE_LINKED_ROLE = "AWSServiceRoleForConfig"


def config_service_linked_role_arn(partition: str, account_id: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/aws-service-role/config.amazonaws.com/{CONFIG_SERVICE_LINKED_ROLE}"


class ConfigRecorder(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        account_id: str,
        home_region: bool,
        settings_function_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.service_linked_role: cdk.CustomResource | None = None
        if home_region:
            self.service_linked_role = cdk.CustomResource(
                self,
                "ServiceLinkedRole",
                service_token=settings_function_arn,
                resource_type="Custom::ConfigServiceLinkedRole",
            )
        self.recorder = config.CfnConfigurationRecorder(
            self,
            "Recorder",
            name=org.config_recorder,
            role_arn=config_service_linked_role_arn(org.partition, account_id),
            recording_group=config.CfnConfigurationRecorder.RecordingGroupProperty(
                all_supported=True,
                include_global_resource_types=home_region,
                recording_strategy=config.CfnConfigurationRecorder.RecordingStrategyProperty(
                    use_only="ALL_SUPPORTED_RESOURCE_TYPES"
                ),
            ),
        )
        if self.service_linked_role is not None:
            self.recorder.node.add_dependency(self.service_linked_role)
        # The delivery channel needs the recorder ("Before you can create a delivery channel, you must create a
        # configuration recorder", the delivery channel page above).
        self.delivery_channel = config.CfnDeliveryChannel(
            self,
            "DeliveryChannel",
            name=org.config_recorder,
            s3_bucket_name=org.config_bucket,
            config_snapshot_delivery_properties=config.CfnDeliveryChannel.ConfigSnapshotDeliveryPropertiesProperty(
                delivery_frequency="TwentyFour_Hours"
            ),
        )
        self.delivery_channel.add_resource_dependency(self.recorder)

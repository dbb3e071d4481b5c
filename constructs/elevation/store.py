"""The engine's key and its requests table: every request with its decision, kept a little over a year (TTL)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms

from config.elevation import EngineNames
from constructs import Construct
from constructs.shared.keys import logs_may_use_key, retained_key
from constructs.shared.logical_ids import pin_logical_id
from constructs.shared.retention import STATEFUL

# The attribute the handlers write with the epoch second a request may be deleted (api.py RECORD_DAYS).
TTL_ATTRIBUTE = "expires_at"
INDEXES = ("requester", "status")  # by-requester (scope=mine), by-status (pending, active, reconciliation)


class RequestStore(Construct):
    """A retained KMS key (table, logs, approver and decision topics) and the retained, point-in-time-recoverable
    table."""

    def __init__(
        self, scope: Construct, construct_id: str, *, names: EngineNames, partition: str, account_id: str, region: str
    ) -> None:
        super().__init__(scope, construct_id)
        names_ = [f"/aws/lambda/{names.function(h)}" for h in ("api", "grant", "revoke", "reconcile")]
        names_ += [f"/aws/vendedlogs/states/{names.state_machine}", f"/{names.prefix}/api-access"]
        log_groups = [f"arn:{partition}:logs:{region}:{account_id}:log-group:{name}" for name in names_]
        self.key: kms.Key = retained_key(
            self,
            "Key",
            logical_id="ElevationKey",
            partition=partition,
            account_id=account_id,
            alias=f"alias/{names.prefix}",
            description="Encrypts the elevation engine's requests, logs, approver and decision topics",
            statements=[logs_may_use_key("AllowEngineLogGroups", region, log_groups)],
        )
        self.table = dynamodb.CfnTable(
            self,
            "Table",
            table_name=names.table,
            billing_mode="PAY_PER_REQUEST",
            key_schema=[dynamodb.CfnTable.KeySchemaProperty(attribute_name="id", key_type="HASH")],
            attribute_definitions=[
                dynamodb.CfnTable.AttributeDefinitionProperty(attribute_name=name, attribute_type="S")
                for name in ("id", *INDEXES, "created_at")
            ],
            global_secondary_indexes=[
                dynamodb.CfnTable.GlobalSecondaryIndexProperty(
                    index_name=f"by-{name}",
                    key_schema=[
                        dynamodb.CfnTable.KeySchemaProperty(attribute_name=name, key_type="HASH"),
                        dynamodb.CfnTable.KeySchemaProperty(attribute_name="created_at", key_type="RANGE"),
                    ],
                    projection=dynamodb.CfnTable.ProjectionProperty(projection_type="ALL"),
                )
                for name in INDEXES
            ],
            time_to_live_specification=dynamodb.CfnTable.TimeToLiveSpecificationProperty(
                attribute_name=TTL_ATTRIBUTE, enabled=True
            ),
            point_in_time_recovery_specification=dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty(
                point_in_time_recovery_enabled=True
            ),
            sse_specification=dynamodb.CfnTable.SSESpecificationProperty(
                sse_enabled=True, sse_type="KMS", kms_master_key_id=self.key.key_arn
            ),
            deletion_protection_enabled=True,
        )
        self.table.apply_removal_policy(STATEFUL)
        no_plan = (
            "Point-in-time recovery keeps 35 days of every change, deletion protection and RETAIN keep the table, "
            "and the records' own lifetime is a year: a backup plan would copy what PITR already restores."
        )
        cdk.Validations.of(self.table).acknowledge(
            cdk.Acknowledgment(id="NIST.800.53.R5-DynamoDBInBackupPlan", reason=no_plan)
        )
        pin_logical_id(self.table, "ElevationRequests")
        self.table_arn = f"arn:{partition}:dynamodb:{region}:{account_id}:table/{names.table}"

"""A metric filter on a log group and the alarm on its metric: any match within five minutes alarms the topic."""

from __future__ import annotations

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs

from constructs import Construct

PERIOD_SECONDS = 300  # CIS AWS Foundations: Sum >= 1 over 300 s, one period


def log_metric_alarm(
    scope: Construct,
    *,
    filter_id: str,
    alarm_id: str,
    name: str,
    log_group: logs.CfnLogGroup,
    pattern: str,
    namespace: str,
    metric: str,
    description: str,
    topic_arn: str,
) -> cloudwatch.CfnAlarm:
    """Filter and alarm, both named `name`. A period without matches is not a breach: the metric only has data
    points when something matched."""
    transformation = logs.CfnMetricFilter.MetricTransformationProperty(
        metric_namespace=namespace, metric_name=metric, metric_value="1"
    )
    metric_filter = logs.CfnMetricFilter(
        scope,
        filter_id,
        filter_name=name,
        log_group_name=log_group.ref,
        filter_pattern=pattern,
        metric_transformations=[transformation],
    )
    alarm = cloudwatch.CfnAlarm(
        scope,
        alarm_id,
        alarm_name=name,
        alarm_description=description,
        namespace=namespace,
        metric_name=metric,
        statistic="Sum",
        period=PERIOD_SECONDS,
        evaluation_periods=1,
        threshold=1,
        comparison_operator="GreaterThanOrEqualToThreshold",
        treat_missing_data="notBreaching",
        actions_enabled=True,
        alarm_actions=[topic_arn],
    )
    alarm.add_resource_dependency(metric_filter)
    return alarm

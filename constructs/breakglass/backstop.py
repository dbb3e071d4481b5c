"""A backstop for the breakglass alerts: a metric filter and alarm on the organization trail's log group.

The EventBridge rules (constructs/alerting/access_alerts.py) see events only in the regions where an account has a
baseline or alert stack. STS also has an endpoint in every other region (and the region lock exempts sts:*), and a
call through it is recorded there; so is a call to the global endpoint, which AWS now serves in the caller's region
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_region-endpoints.html). The organization
trail's log group in the management account holds every region of every account, so this filter catches breakglass
use wherever it was recorded, a few minutes later than the rules.
"""

from __future__ import annotations

from aws_cdk import aws_logs as logs

from config.naming import Organization
from constructs import Construct
from constructs.alerting.log_alarm import log_metric_alarm

METRIC_NAMESPACE = "OrgBaseline/Access"
METRIC_NAME = "BreakglassAssumeRole"


def backstop_pattern(role_name: str) -> str:
    # The request's roleArn as the caller typed it (attempts included), or the session STS issued (its ARN
    # carries the role's real name whatever case the caller used).
    return (
        '{ ($.eventSource = "sts.amazonaws.com") && ($.eventName = "AssumeRole*") && '
        f'(($.requestParameters.roleArn = "*:role/{role_name}") || '
        f'($.responseElements.assumedRoleUser.arn = "*:assumed-role/{role_name}/*")) }}'
    )


class BreakglassBackstop(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, org: Organization, log_group: logs.CfnLogGroup, topic_arn: str
    ) -> None:
        super().__init__(scope, construct_id)
        log_metric_alarm(
            self,
            filter_id="Filter",
            alarm_id="Alarm",
            name=org.breakglass_backstop_alarm,
            log_group=log_group,
            pattern=backstop_pattern(org.breakglass_role),
            namespace=METRIC_NAMESPACE,
            metric=METRIC_NAME,
            description="org-baseline: the breakglass role was assumed (or an attempt was made) in some account and "
            "region; the organization trail saw it",
            topic_arn=topic_arn,
        )

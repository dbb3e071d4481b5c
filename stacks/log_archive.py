"""The partition's log-archive account: where the organization trail's logs, session logs, AWS Config history and
GuardDuty findings are kept."""

from __future__ import annotations

from config.models import AwsConfig, GuardDuty, Logging, SessionManager
from config.naming import Organization
from constructs import Construct
from constructs.logging.config_bucket import ConfigBucket
from constructs.logging.guardduty_findings_bucket import GuardDutyFindingsBucket
from constructs.logging.trail_bucket import OrgTrailBucket
from constructs.sessions.log_bucket import SessionLogBucket
from stacks.base import OrgBaselineStack


class LogArchiveStack(OrgBaselineStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        logging: Logging,
        session_manager: SessionManager,
        aws_config: AwsConfig,
        guardduty: GuardDuty,
        regions: list[str],
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=org.log_archive_account_id,
            region=org.home_region,
            description=f"organization trail, session log, AWS Config and GuardDuty findings buckets for partition "
            f"{org.partition} "
            "(stateful, retained; deploy before the organization stack)",
        )
        self.trail_bucket = OrgTrailBucket(self, "OrgTrailBucket", org=org, logging=logging)
        self.session_log_bucket = SessionLogBucket(
            self,
            "SessionLogBucket",
            org=org,
            lifecycle=session_manager.log_bucket,
            access_log_bucket=self.trail_bucket.access_log_bucket,
        )
        # AWS Config history keeps the trail's lifecycle: both are the audit record of the organization.
        self.config_bucket: ConfigBucket | None = None
        if aws_config.enabled:
            self.config_bucket = ConfigBucket(
                self,
                "ConfigBucket",
                org=org,
                lifecycle=logging.trail_bucket,
                access_log_bucket=self.trail_bucket.access_log_bucket,
            )
        # GuardDuty findings too: the security account's detectors in every allowed region export here.
        self.guardduty_findings_bucket: GuardDutyFindingsBucket | None = None
        if guardduty.enabled and guardduty.export_findings:
            self.guardduty_findings_bucket = GuardDutyFindingsBucket(
                self,
                "GuardDutyFindingsBucket",
                org=org,
                regions=regions,
                lifecycle=logging.trail_bucket,
                access_log_bucket=self.trail_bucket.access_log_bucket,
            )

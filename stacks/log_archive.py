"""The partition's log-archive account: where the organization trail's logs are kept."""

from __future__ import annotations

from config.models import Logging, SessionManager
from config.naming import PartitionNames
from constructs import Construct
from constructs.logging.trail_bucket import OrgTrailBucket
from constructs.sessions.log_bucket import SessionLogBucket
from stacks.base import OrgBaselineStack


class LogArchiveStack(OrgBaselineStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: PartitionNames,
        logging: Logging,
        session_manager: SessionManager,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=names.log_archive_account_id,
            region=names.home_region,
            description=f"organization trail and session log buckets for partition {names.partition} "
            "(stateful, retained; deploy before the organization stack)",
        )
        self.trail_bucket = OrgTrailBucket(self, "OrgTrailBucket", names=names, logging=logging)
        self.session_log_bucket = SessionLogBucket(
            self,
            "SessionLogBucket",
            names=names,
            lifecycle=session_manager.log_bucket,
            access_log_bucket=self.trail_bucket.access_log_bucket,
        )

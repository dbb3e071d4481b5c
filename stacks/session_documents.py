"""The approved Session Manager documents in one allowed region other than the home region (security account)."""

from __future__ import annotations

from config.models import SessionManager
from config.naming import PartitionNames
from constructs import Construct
from constructs.sessions.documents import ApprovedSessionDocuments
from stacks.base import OrgBaselineStack


class SessionDocumentsStack(OrgBaselineStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: PartitionNames,
        region: str,
        session_manager: SessionManager,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=names.security_account_id,
            region=region,
            description=f"approved session documents of partition {names.partition} in {region} "
            "(deploy with the security stack, before account baselines)",
        )
        self.session_documents = ApprovedSessionDocuments(
            self, "ApprovedSessionDocuments", names=names, settings=session_manager
        )

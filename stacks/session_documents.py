"""The approved Session Manager documents in one allowed region other than the home region (security account)."""

from __future__ import annotations

from config.models import SessionManager
from config.naming import Organization
from constructs import Construct
from constructs.sessions.documents import ApprovedSessionDocuments
from stacks.base import OrgBaselineStack


class SessionDocumentsStack(OrgBaselineStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        region: str,
        session_manager: SessionManager,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=org.security_account_id,
            region=region,
            description=f"approved session documents of partition {org.partition} in {region} "
            "(deploy with the security stack, before account baselines)",
        )
        self.session_documents = ApprovedSessionDocuments(
            self, "ApprovedSessionDocuments", org=org, settings=session_manager
        )

"""The partition's security account, home region: the central alert hub, the approved Session Manager documents
of the home region and the role that shares them (other regions: stacks/session_documents.py).

IAM is global, documents are regional: the sharer role lives here once. Nothing here lists member accounts
(each account shares the documents with itself), so onboarding never touches this stack.
"""

from __future__ import annotations

from config.models import Alerts, SessionManager
from config.naming import Organization
from constructs import Construct
from constructs.alerting.hub import AlertHub
from constructs.sessions.documents import ApprovedSessionDocuments, DocumentSharerRole
from stacks.base import OrgBaselineStack


class SecurityStack(OrgBaselineStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        regions: list[str],
        session_manager: SessionManager,
        alerts: Alerts,
        elevation_source: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            account_id=org.security_account_id,
            region=org.home_region,
            description=f"security account of partition {org.partition}: alert hub, approved "
            "session documents and their sharing role (deploy after the organization stack, before account "
            "baselines)",
        )
        self.session_documents = ApprovedSessionDocuments(
            self, "ApprovedSessionDocuments", org=org, settings=session_manager
        )
        self.document_sharer = DocumentSharerRole(self, "DocumentSharerRole", org=org, regions=regions)
        self.alert_hub = AlertHub(
            self,
            "AlertHub",
            org=org,
            emails=alerts.emails,
            slack=alerts.slack.get(org.partition),
            elevation_source=elevation_source,
        )

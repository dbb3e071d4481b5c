"""The partition's security account: the central alert hub, and the approved Session Manager documents and the
role that shares them.

Documents are regional, IAM is global: the home-region `SecurityStack` holds the sharer role and the home
region's documents; a `SessionDocumentsStack` per other allowed region holds that region's documents. Neither
lists member accounts (each account shares the documents with itself), so onboarding never touches them.
"""

from __future__ import annotations

import aws_cdk as cdk

from config.models import Alerts, SessionManager
from config.naming import PartitionNames
from constructs import Construct
from constructs.alert_hub import AlertHub
from constructs.session_documents import ApprovedSessionDocuments, DocumentSharerRole


class SecurityStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: PartitionNames,
        regions: list[str],
        session_manager: SessionManager,
        alerts: Alerts,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            env=cdk.Environment(account=names.security_account_id, region=names.home_region),
            description=f"org-baseline: security account of partition {names.partition}: alert hub, approved "
            "session documents and their sharing role (deploy after the organization stack, before account "
            "baselines)",
            termination_protection=True,
        )
        self.session_documents = ApprovedSessionDocuments(
            self, "ApprovedSessionDocuments", names=names, settings=session_manager
        )
        self.document_sharer = DocumentSharerRole(self, "DocumentSharerRole", names=names, regions=regions)
        self.alert_hub = AlertHub(
            self, "AlertHub", names=names, emails=alerts.emails, slack=alerts.slack.get(names.partition)
        )


class SessionDocumentsStack(cdk.Stack):
    """The approved session documents in one allowed region other than the home region."""

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
            env=cdk.Environment(account=names.security_account_id, region=region),
            description=f"org-baseline: approved session documents of partition {names.partition} in {region} "
            "(deploy with the security stack, before account baselines)",
            termination_protection=True,
        )
        self.session_documents = ApprovedSessionDocuments(
            self, "ApprovedSessionDocuments", names=names, settings=session_manager
        )

"""`session_manager`: retention, the session log bucket's lifecycle, the timeouts, how many accounts the
approved documents can be shared with, and that the permission sets given the session access policy are bound
by it."""

from __future__ import annotations

from collections.abc import Iterable

from config.models import OrgConfig
from config.naming import organization
from config.policies.permission_sets import access_model, session_access
from config.problems import Problem
from config.quotas import DOCUMENT_MAX_SHARED_ACCOUNTS
from config.validation.common import lifecycle_problems, retention_problems


def problems(config: OrgConfig) -> Iterable[Problem]:
    sessions = config.session_manager
    yield from retention_problems("session_manager.cloudwatch_retention_days", sessions.cloudwatch_retention_days)
    yield from lifecycle_problems("session_manager.log_bucket", sessions.log_bucket)
    if sessions.idle_session_timeout_minutes > sessions.max_session_duration_minutes:
        yield Problem(
            "session_manager.idle_session_timeout_minutes",
            f"{sessions.idle_session_timeout_minutes} minutes is longer than max_session_duration_minutes "
            f"({sessions.max_session_duration_minutes}); the idle timeout would never apply",
        )
    yield from _shared_accounts(config)
    yield from _bound_session_sets(config)


def _shared_accounts(config: OrgConfig) -> Iterable[Problem]:
    """Every account of a partition but the security account (which owns them) shares the approved documents."""
    for name, part in config.partitions.items():
        sharing = [a.name for a in config.accounts if a.partition == name and a.name != part.security_account]
        if len(sharing) > DOCUMENT_MAX_SHARED_ACCOUNTS:
            yield Problem(
                f"partitions.{name}",
                f"{len(sharing):,} accounts would share the approved session documents; SSM shares a document with "
                f"at most {DOCUMENT_MAX_SHARED_ACCOUNTS:,} accounts (DocumentPermissionLimit). Ask AWS Support to "
                "raise the quota first, then raise DOCUMENT_MAX_SHARED_ACCOUNTS in config/quotas.py",
            )


def _bound_session_sets(config: OrgConfig) -> Iterable[Problem]:
    """A set that attaches the session access policy claims sessions with the approved documents only; that holds
    only if nothing else in it allows ssm:StartSession without the document access check. Policy names are the
    same in every partition, so one partition answers for all."""
    try:
        org = organization(config, next(iter(config.partitions)))
    except KeyError:
        return  # a special account is missing: reported by the organization checks
    model = access_model(config, org)
    for index, pset in enumerate(config.identity_center.permission_sets):
        access = session_access(model.permission_sets[pset.name], model, org)
        if org.session_access_role in pset.customer_managed_policies and not access.approved_documents_only:
            yield Problem(
                f"identity_center.permission_sets[{index}]",
                f"{pset.name} attaches {org.session_access_role}, but {', '.join(access.broader)} also allows "
                "ssm:StartSession without ssm:SessionDocumentAccessCheck, so its sessions are not limited to the "
                "approved documents: give session access its own permission set",
            )

"""Semantic validation: rules that relate one part of the config to another (uniqueness, cross-references,
partition and region consistency, AWS limits). One module per config section, run in a fixed order; none stops
at the first problem, so the loader reports them all at once with their lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from config import capabilities
from config.models import OrgConfig
from config.problems import Problem
from config.validation import (
    alerts,
    atlantis,
    backup,
    breakglass,
    deployment,
    elevation,
    identity_center,
    logging,
    network_restriction,
    organization,
    organization_policies,
    resource_control_policies,
    security_services,
    service_control_policies,
    session_manager,
)

SECTIONS: tuple[Callable[[OrgConfig], Iterable[Problem]], ...] = (
    organization.problems,
    logging.problems,
    network_restriction.problems,
    backup.problems,
    session_manager.problems,
    breakglass.problems,
    alerts.problems,
    capabilities.problems,
    atlantis.problems,
    service_control_policies.problems,
    resource_control_policies.problems,
    organization_policies.problems,
    identity_center.problems,
    security_services.problems,
    elevation.problems,
    deployment.problems,
)


def semantic_problems(config: OrgConfig) -> list[Problem]:
    return [problem for section in SECTIONS for problem in section(config)]

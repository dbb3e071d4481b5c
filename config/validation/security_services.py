"""`security_services`: GuardDuty plans, Security Hub standards and disabled controls, each listed once.

Partition gaps: none of the settings here is documented as missing in GovCloud. The GovCloud user guide's GuardDuty
page lists Runtime Monitoring as available there, through the `guardduty-data-fips` VPC endpoint
(https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-guardduty.html), and cfn-lint's provider schemas
of both GovCloud regions have every resource type the security services stacks use (tests/test_security_services.py
checks that). The partition capability matrix (config/capabilities.py) is where a documented gap goes.
"""

from __future__ import annotations

from collections.abc import Iterable

from config.models import OrgConfig
from config.problems import Problem
from config.validation.common import duplicates


def problems(config: OrgConfig) -> Iterable[Problem]:
    services = config.security_services
    plans = services.guardduty.protection_plans
    yield from duplicates(
        ((f"security_services.guardduty.protection_plans[{i}]", plan) for i, plan in enumerate(plans)),
        "protection plan",
    )
    hub = services.security_hub
    yield from duplicates(
        ((f"security_services.security_hub.standards[{i}]", s) for i, s in enumerate(hub.standards)), "standard"
    )
    controls = [
        (f"security_services.security_hub.disabled_controls[{i}].control", c.control)
        for i, c in enumerate(hub.disabled_controls)
    ]
    yield from duplicates(controls, "control")
    if hub.enabled and not hub.standards and not hub.disabled_controls:
        yield Problem(
            "security_services.security_hub.standards",
            "Security Hub is enabled with no standard: its configuration policy would run no control. Name at least "
            "one standard, or set security_services.security_hub.enabled to false",
        )

"""Generated organizations: the example org plus N workload accounts, for the benchmark and the scale tests."""

from __future__ import annotations

import yaml

from config.loader import parse_config
from config.models import OrgConfig
from tests.support.project import EXAMPLE_CONFIG

# Identity store prefixes of the example org's two partitions (group IDs are per identity store).
GROUP_PREFIX = {"aws": "9067a3c4e1", "aws-us-gov": "98674b0e2c"}
TEAM_SETS = ("PowerUser", "ReadOnly", "SessionManager", "Support", "OnCall")


def generated_org(accounts: int, team_assignments: int = 0) -> OrgConfig:
    """The example org plus `accounts` workload accounts spread over its OUs and both partitions.

    Each generated account also gets `team_assignments` account-targeted assignments (its own team groups),
    on top of what the example's OU- and root-targeted assignments give it.
    """
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    ous = {name: [ou["path"] for ou in part["organizational_units"]] for name, part in data["partitions"].items()}
    scp_partitions = data.get("service_control_policies", {}).get("partitions", {})
    narrowed = {
        name: {
            o["organizational_unit"]: o["allowed_regions"]
            for o in scp_partitions.get(name, {}).get("region_overrides", [])
        }
        for name in data["partitions"]
    }
    for n in range(accounts):
        partition = "aws-us-gov" if n % 5 == 4 else "aws"  # one in five in GovCloud
        # Every fifth account is in GovCloud, so OUs turn per five accounts: each partition gets all its OUs.
        name, ou = f"gen-{n:04d}", ous[partition][(n // 5) % len(ous[partition])]
        account = {"name": name, "id": f"9{n:011d}", "email": f"{name}@example.com", "partition": partition, "ou": ou}
        if ou in narrowed[partition]:  # an OU whose SCP allows fewer regions: baselines only there
            account["regions"] = narrowed[partition][ou]
            account["backup_plans"] = []  # the example's plans copy to a region these accounts do not use
        data["accounts"].append(account)
        for k in range(team_assignments):
            data["identity_center"]["assignments"].append(
                {
                    "group_id": f"{GROUP_PREFIX[partition]}-{n:08x}-0000-4000-8000-{k:012x}",
                    "group_name": f"{name}-team-{k}",
                    "partition": partition,
                    "permission_set": TEAM_SETS[k % len(TEAM_SETS)],
                    "targets": {"accounts": [name]},
                }
            )
    return parse_config(yaml.safe_dump(data, sort_keys=False), source=f"generated-{accounts}")

"""`network_restriction`: the networks network-restricted credentials may be used from."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from config.models import OrgConfig
from config.problems import Problem


def problems(config: OrgConfig) -> Iterable[Problem]:
    if config.network_restriction is None:
        return
    for index, cidr in enumerate(config.network_restriction.allowed_cidrs):
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError as err:
            yield Problem(f"network_restriction.allowed_cidrs[{index}]", f"{cidr!r} is not a CIDR range: {err}")
            continue
        if network.prefixlen == 0:
            yield Problem(
                f"network_restriction.allowed_cidrs[{index}]", f"{cidr!r} allows every address, which restricts nothing"
            )

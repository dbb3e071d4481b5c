"""Partitions and their regions: plain data, used by validation, synthesis and the partition lint."""

from __future__ import annotations

import re
from typing import Final, Literal, get_args

# The partitions this project deploys to. Everything keyed by partition is keyed by this type.
PartitionName = Literal["aws", "aws-us-gov"]
PARTITION_NAMES: Final[tuple[PartitionName, ...]] = get_args(PartitionName)

COMMERCIAL_REGIONS = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "af-south-1",
    "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7",
    "ca-central-1", "ca-west-1",
    "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
    "eu-west-1", "eu-west-2", "eu-west-3",
    "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
})  # fmt: skip
GOVCLOUD_REGIONS = frozenset({"us-gov-west-1", "us-gov-east-1"})

PARTITIONS: Final[dict[PartitionName, frozenset[str]]] = {"aws": COMMERCIAL_REGIONS, "aws-us-gov": GOVCLOUD_REGIONS}

# Where events of global services (IAM, STS global endpoint, sign-in) are recorded.
GLOBAL_EVENTS_REGION: Final[dict[PartitionName, str]] = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}

# The prefix of every commercial-partition ARN. Only the partition lints search for it; code that builds ARNs
# uses the partition instead (f"arn:{partition}:..."), so this is the one place the literal is written.
COMMERCIAL_ARN_PREFIX = "arn:" + "aws" + ":"

# A commercial region name anywhere in a text (used to lint GovCloud templates).
COMMERCIAL_REGION_PATTERN = re.compile(
    r"(?<![a-z0-9-])(" + "|".join(sorted(map(re.escape, COMMERCIAL_REGIONS), key=len, reverse=True)) + r")(?![0-9])"
)


def partition_of_region(region: str) -> PartitionName | None:
    """The partition a region belongs to, or None for a region this project does not know."""
    for partition, regions in PARTITIONS.items():
        if region in regions:
            return partition
    return None

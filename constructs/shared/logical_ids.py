"""Logical IDs that survive refactoring: pinned for stateful resources, derived from names for the rest."""

from __future__ import annotations

import re

import aws_cdk as cdk

from constructs import Construct


def pin_logical_id(construct: Construct, logical_id: str) -> None:
    """Keep a stateful resource's logical ID when the construct tree is refactored.

    A changed logical ID makes CloudFormation create a new resource and orphan (RETAIN) or delete the old one:
    for a bucket, key, trail or vault that means lost data or a second copy nobody watches.
    """
    resource = construct if isinstance(construct, cdk.CfnResource) else construct.node.default_child
    if not isinstance(resource, cdk.CfnResource):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource to pin")
    resource.override_logical_id(logical_id)


def logical_name(name: str) -> str:
    """`examplecorp-scp-region-lock-2` -> `ExamplecorpScpRegionLock2`: a stable logical ID from a resource's name
    in the config, so IDs follow names, never positions."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)

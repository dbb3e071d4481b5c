"""Pinned logical IDs for stateful resources."""

from __future__ import annotations

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

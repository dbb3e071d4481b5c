"""checkov skips recorded in the template next to the resource, each with its reason (docs/verification.md).

The only way to skip a checkov check: the gate (checks/checkov_scan.py) fails a skip with a shorter reason.
"""

from __future__ import annotations

import aws_cdk as cdk

from constructs import Construct

MIN_REASON_WORDS = 8  # a specific reason says why this resource is safe; "not needed" is not one


def skip_checkov(construct: Construct, *skips: tuple[str, str]) -> None:
    """Add `Metadata.checkov.skip` entries `(check id, specific reason)` to the construct's resource."""
    resource = construct if isinstance(construct, cdk.CfnResource) else construct.node.default_child
    if not isinstance(resource, cdk.CfnResource):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource to annotate")
    for check_id, reason in skips:
        if len(reason.split()) < MIN_REASON_WORDS:
            raise ValueError(f"checkov skip {check_id} on {construct.node.path} needs a specific reason")
    resource.add_metadata("checkov", {"skip": [{"id": check_id, "comment": reason} for check_id, reason in skips]})

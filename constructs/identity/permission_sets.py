"""Identity Center permission sets, and an SSM parameter per set holding its ARN for the access stacks."""

from __future__ import annotations

from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_sso as sso

from config.models import PermissionSet
from config.naming import Organization
from constructs import Construct
from constructs.shared.logical_ids import logical_name


class PermissionSets(Construct):
    """Identity Center generates permission set ARNs (`ps-` + random); the per-account access stacks cannot
    compute them, and CloudFormation exports would tie 1,000 stacks to this one. Each ARN is published as an
    SSM parameter with a name from the config, which the access stacks resolve at deploy time."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        org: Organization,
        instance_arn: str,
        permission_sets: list[PermissionSet],
    ) -> None:
        super().__init__(scope, construct_id)
        self.permission_sets: dict[str, sso.CfnPermissionSet] = {}
        for pset in permission_sets:
            boundary = None
            if pset.permissions_boundary is not None:
                pb = pset.permissions_boundary
                boundary = (
                    sso.CfnPermissionSet.PermissionsBoundaryProperty(
                        managed_policy_arn=org.aws_managed_policy_arn(pb.aws_managed_policy)
                    )
                    if pb.aws_managed_policy
                    else sso.CfnPermissionSet.PermissionsBoundaryProperty(
                        customer_managed_policy_reference=sso.CfnPermissionSet.CustomerManagedPolicyReferenceProperty(
                            name=pb.customer_managed_policy or "", path="/"
                        )
                    )
                )
            resource = sso.CfnPermissionSet(
                self,
                pset.name,
                instance_arn=instance_arn,
                name=pset.name,
                description=pset.description or None,
                session_duration=pset.session_duration,
                relay_state_type=pset.relay_state,
                managed_policies=[org.aws_managed_policy_arn(n) for n in pset.aws_managed_policies] or None,
                customer_managed_policy_references=[{"name": n, "path": "/"} for n in pset.customer_managed_policies]
                or None,
                inline_policy=pset.inline_policy,
                permissions_boundary=boundary,
            )
            resource.override_logical_id(f"PermissionSet{logical_name(pset.name)}")
            parameter = ssm.CfnParameter(
                self,
                f"{pset.name}Arn",
                name=org.permission_set_parameter(pset.name),
                type="String",
                value=resource.attr_permission_set_arn,
                description=f"org-baseline: ARN of Identity Center permission set {pset.name} (read by Access-*)",
            )
            parameter.override_logical_id(f"PermissionSet{logical_name(pset.name)}Arn")
            self.permission_sets[pset.name] = resource

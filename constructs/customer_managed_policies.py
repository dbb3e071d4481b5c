"""Customer-managed policies that Identity Center permission sets reference, created in each assigned account."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from config.models import CustomerManagedPolicy
from config.naming import PartitionNames
from constructs import Construct
from constructs.service_control_policies import logical_name
from policies.permission_sets import session_manager_policy_name


class CustomerManagedPolicies(Construct):
    """A permission set that references a customer-managed policy can only be provisioned into an account where
    a policy of that name exists; the account's home-region baseline stack creates it (deploy it before Access-*)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, names: PartitionNames, policies: list[CustomerManagedPolicy]
    ) -> None:
        super().__init__(scope, construct_id)
        self.policies: dict[str, iam.CfnManagedPolicy] = {}
        for policy in policies:
            resource = iam.CfnManagedPolicy(
                self,
                policy.name,
                managed_policy_name=policy.name,
                description=policy.description or None,
                policy_document=policy.document,
            )
            resource.override_logical_id(f"IdentityCenterPolicy{logical_name(policy.name)}")
            self.policies[policy.name] = resource
            if policy.name == session_manager_policy_name(names):
                self._acknowledge_session_manager(resource, names)

    @staticmethod
    def _acknowledge_session_manager(resource: iam.CfnManagedPolicy, names: PartitionNames) -> None:
        p = names.partition
        reasons = {
            f"arn:{p}:ec2:*:*:instance/*": "Session Manager access is granted per account, to any of its instances; "
            "the approved-document check (ssm:SessionDocumentAccessCheck) limits what a session may run.",
            # cdk-nag shows the policy variable ${aws:userid} as <aws:userid>.
            f"arn:{p}:ssm:*:*:session/<aws:userid>-*": "Session IDs are generated per session; the wildcard is "
            "limited to the caller's own sessions through the aws:userid prefix.",
            "*": "Describe and connection-status calls do not support resource-level permissions.",
        }
        for document in names.session_documents.values():
            reasons[f"arn:{p}:ssm:*:{names.session_documents_account_id}:document/{document}"] = (
                "The approved session document is shared to every region of the organization; only the region is "
                "a wildcard, account and document name are fixed."
            )
        cdk.Validations.of(resource).acknowledge(
            *(cdk.Acknowledgment(id=f"AwsSolutions-IAM5[Resource::{arn}]", reason=why) for arn, why in reasons.items())
        )

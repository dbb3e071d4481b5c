"""Budgets: stack size, template size, and the IAM, SCP, RCP and Identity Center quotas every template must keep.

The SCP and RCP quotas are the organization's own (`service_control_policies.partitions.<p>` and
`resource_control_policies.partitions.<p>` in the config, defaults in config/quotas.py), the same the libraries
were built against; the other limits are AWS's, from config/quotas.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks.cloud_assembly import Finding, Result, StackTemplate
from config.models import OrgConfig, RcpPartitionSettings, ScpPartitionSettings
from config.policies.permission_sets import duration_hours
from config.quotas import (
    MANAGED_POLICY_MAX_CHARS,
    PERMISSION_SET_INLINE_MAX_CHARS,
    PERMISSION_SET_MAX_ATTACHED_POLICIES,
    PERMISSION_SET_SESSION_HOURS,
    RCP_MAX_CHARS,
    RCP_MAX_POLICIES_PER_TARGET,
    ROLE_MAX_MANAGED_POLICIES,
    SCP_MAX_CHARS,
    SCP_MAX_POLICIES_PER_TARGET,
    STACK_RESOURCE_BUDGET,
    TEMPLATE_MAX_BYTES,
    TRUST_POLICY_MAX_CHARS,
)
from config.regions import PartitionName


@dataclass(frozen=True)
class ScpQuotas:
    """One organization's SCP quotas: size of one policy, and policies per root, OU or account."""

    max_policy_chars: int = SCP_MAX_CHARS
    max_policies_per_target: int = SCP_MAX_POLICIES_PER_TARGET  # FullAWSAccess included
    reserved_slots: int = 0  # kept free for SCPs managed elsewhere (e.g. Control Tower)

    @classmethod
    def of(cls, config: OrgConfig) -> dict[PartitionName, ScpQuotas]:
        return {p: cls.from_settings(config.service_control_policies.settings(p)) for p in config.partitions}

    @classmethod
    def rcp_of(cls, config: OrgConfig) -> dict[PartitionName, ScpQuotas]:
        """The RCP quotas of each partition's organization (the same three numbers, for RCPs)."""
        return {p: cls.from_settings(config.resource_control_policies.settings(p)) for p in config.partitions}

    @classmethod
    def from_settings(cls, settings: ScpPartitionSettings | RcpPartitionSettings) -> ScpQuotas:
        return cls(settings.max_policy_chars, settings.max_policies_per_target, settings.reserved_slots)


RCP_DEFAULTS = ScpQuotas(RCP_MAX_CHARS, RCP_MAX_POLICIES_PER_TARGET)
# Per authorization policy type: its short name, and the AWS-managed policy every target carries.
COUNTED_TYPES = {
    "SERVICE_CONTROL_POLICY": ("SCP", "FullAWSAccess"),
    "RESOURCE_CONTROL_POLICY": ("RCP", "RCPFullAWSAccess"),
}


def _chars(document: Any) -> int:
    """Characters as IAM and Organizations count them: minified, whitespace excluded."""
    return len(re.sub(r"\s", "", json.dumps(document, separators=(",", ":"))))


def run_budgets(
    stacks: list[StackTemplate],
    outdir: Path,
    scp_quotas: Mapping[PartitionName, ScpQuotas],
    rcp_quotas: Mapping[PartitionName, ScpQuotas] | None = None,
) -> Result:
    findings: list[Finding] = []
    per_type = {"SERVICE_CONTROL_POLICY": scp_quotas, "RESOURCE_CONTROL_POLICY": rcp_quotas or {}}

    def quotas_of(partition: PartitionName, policy_type: str) -> ScpQuotas:
        default = RCP_DEFAULTS if policy_type == "RESOURCE_CONTROL_POLICY" else ScpQuotas()
        return per_type[policy_type].get(partition, default)

    attached: dict[tuple[PartitionName, str, str], int] = {}
    for stack in stacks:
        findings += _stack_findings(stack)
        for logical_id, resource in stack.body.get("Resources", {}).items():
            where = f"{stack.name}/{logical_id}"
            props = resource.get("Properties", {})
            policy_type = props.get("Type") if resource.get("Type") == "AWS::Organizations::Policy" else None
            counted = policy_type in COUNTED_TYPES
            quotas = quotas_of(stack.partition, policy_type) if policy_type in COUNTED_TYPES else ScpQuotas()
            findings += _resource_findings(where, resource, quotas)
            if counted:
                for target in props.get("TargetIds", []):
                    key = (stack.partition, str(policy_type), json.dumps(target))
                    # The AWS-managed full-access policy and the reserved slots count too.
                    # A template standing for others (checks.cloud_assembly.distinct_templates) attaches once each.
                    attached[key] = attached.get(key, 1 + quotas.reserved_slots) + 1 + len(stack.stands_for)
    for (partition, policy_type, target), count in attached.items():
        quotas = quotas_of(partition, policy_type)
        if count > quotas.max_policies_per_target:
            short, managed = COUNTED_TYPES[policy_type]
            reserved = f" and {quotas.reserved_slots} reserved" if quotas.reserved_slots else ""
            message = f"{count} {short}s including {managed}{reserved}, over {quotas.max_policies_per_target}"
            findings.append(Finding(f"{partition} target {target}", message))
    largest = max(stacks, key=lambda s: len(s.body.get("Resources", {})))
    summary = (
        f"{len(stacks)} stacks, largest {largest.name} with {len(largest.body.get('Resources', {}))} "
        f"resources (budget {STACK_RESOURCE_BUDGET}), {len(findings)} over budget"
    )
    return Result("budgets", summary, findings, hint="split the stack or the policy; limits in config/quotas.py")


def _stack_findings(stack: StackTemplate) -> list[Finding]:
    findings = _role_attachment_findings(stack)
    resources = len(stack.body.get("Resources", {}))
    if resources > STACK_RESOURCE_BUDGET:
        findings.append(Finding(stack.name, f"{resources} resources, over the budget of {STACK_RESOURCE_BUDGET}"))
    size = stack.path.stat().st_size
    if size > TEMPLATE_MAX_BYTES:
        findings.append(Finding(stack.name, f"template is {size:,} bytes, over {TEMPLATE_MAX_BYTES:,}"))
    return findings


def _role_attachment_findings(stack: StackTemplate) -> list[Finding]:
    """Managed policies per role of the stack: the role's own ManagedPolicyArns and the stack's managed policies
    that name it in Roles (a policy may attach to several roles)."""
    resources = stack.body.get("Resources", {})
    attached = {
        logical_id: len(resource.get("Properties", {}).get("ManagedPolicyArns", []))
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::IAM::Role"
    }
    for resource in resources.values():
        if resource.get("Type") == "AWS::IAM::ManagedPolicy":
            for role in resource.get("Properties", {}).get("Roles", []):
                if isinstance(role, dict) and role.get("Ref") in attached:
                    attached[role["Ref"]] += 1
    message = "{} managed policies attached, over IAM's " + str(ROLE_MAX_MANAGED_POLICIES)
    return [
        Finding(f"{stack.name}/{logical_id}", message.format(count))
        for logical_id, count in attached.items()
        if count > ROLE_MAX_MANAGED_POLICIES
    ]


def _resource_findings(where: str, resource: dict[str, Any], quotas: ScpQuotas) -> list[Finding]:
    props, kind = resource.get("Properties", {}), resource.get("Type")
    findings = []
    if kind == "AWS::IAM::ManagedPolicy" and (chars := _chars(props.get("PolicyDocument"))) > MANAGED_POLICY_MAX_CHARS:
        findings.append(
            Finding(where, f"managed policy has {chars:,} characters, over IAM's {MANAGED_POLICY_MAX_CHARS:,}")
        )
    if kind == "AWS::IAM::Role" and _chars(props.get("AssumeRolePolicyDocument")) > TRUST_POLICY_MAX_CHARS:
        findings.append(Finding(where, f"trust policy over IAM's {TRUST_POLICY_MAX_CHARS:,} characters"))
    if kind == "AWS::Organizations::Policy" and props.get("Type") in COUNTED_TYPES:
        content = props.get("Content")
        chars = _chars(json.loads(content) if isinstance(content, str) else content)
        if chars > quotas.max_policy_chars:
            findings.append(
                Finding(
                    where,
                    f"{COUNTED_TYPES[props['Type']][0]} {props.get('Name')} has {chars:,} characters minified, "
                    f"{chars - quotas.max_policy_chars:,} over {quotas.max_policy_chars:,}",
                )
            )
    if kind == "AWS::SSO::PermissionSet":
        findings += _permission_set_findings(where, props)
    return findings


def _permission_set_findings(where: str, props: dict[str, Any]) -> list[Finding]:
    findings = []
    inline = props.get("InlinePolicy")
    if inline and (chars := _chars(inline)) > PERMISSION_SET_INLINE_MAX_CHARS:
        message = (
            f"inline policy of {props.get('Name')} is {chars:,} characters, over {PERMISSION_SET_INLINE_MAX_CHARS:,}"
        )
        findings.append(Finding(where, message))
    attached = len(props.get("ManagedPolicies", [])) + len(props.get("CustomerManagedPolicyReferences", []))
    if attached > PERMISSION_SET_MAX_ATTACHED_POLICIES:
        findings.append(Finding(where, f"{attached} managed policies, over {PERMISSION_SET_MAX_ATTACHED_POLICIES}"))
    duration = props.get("SessionDuration")
    shortest, longest = PERMISSION_SET_SESSION_HOURS
    if duration and not shortest <= duration_hours(duration) <= longest:
        findings.append(Finding(where, f"session duration {duration} is not PT{shortest}H..PT{longest}H"))
    return findings

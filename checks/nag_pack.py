"""The project's own cdk-nag pack: rules no public pack has, for properties this baseline promises.

Each rule sees one CloudFormation resource with its properties resolved to JSON. Findings fail synthesis
like those of the public packs and are acknowledged the same way (`OrgBaseline-<Rule>`), which should
almost never be right.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any, cast

import aws_cdk as cdk
import jsii
from cdk_nag import IApplyRule, NagMessageLevel, NagPack, NagRuleCompliance

from config.regions import COMMERCIAL_ARN_PREFIX

PACK_NAME = "OrgBaseline"
Compliance = NagRuleCompliance


class Resource:
    """One CloudFormation resource as the rules read it. Each read crosses from Python into the CDK's JavaScript
    (jsii), which is what makes a Python pack slow; this reads the type, the properties and the region at most once
    per resource, and the region once per stack (`regions`, shared by the pack)."""

    def __init__(self, node: cdk.CfnResource, regions: dict[int, tuple[cdk.Stack, str]]) -> None:
        self.node = node
        self._regions = regions

    @cached_property
    def type(self) -> str:
        return self.node.cfn_resource_type

    @cached_property
    def _stack(self) -> cdk.Stack:
        return self.node.stack

    @cached_property
    def properties(self) -> dict[str, Any]:
        """The properties as they will appear in the template (keys camelCased at the top level)."""
        # `_cfn_properties` is the protected member jsii exposes to packs; resolving gives template JSON.
        resolved = self._stack.resolve(self.node._cfn_properties)
        return resolved if isinstance(resolved, dict) else {}

    @property
    def region(self) -> str:
        """The region of the innermost stack with a known one ("" if none): a StackSet's template (region-agnostic,
        cdk-stacksets) deploys to the regions of the partition of the stack that holds it (decision 0021)."""
        stack = self._stack
        if id(stack) not in self._regions:  # the stack is kept in the value, so its id is not reused
            stacks = [scope for scope in stack.node.scopes if isinstance(scope, cdk.Stack)]
            region = next((s.region for s in reversed(stacks) if not cdk.Token.is_unresolved(s.region)), "")
            self._regions[id(stack)] = (stack, region)
        return self._regions[id(stack)][1]


def _statements(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement", [])
    return [s for s in (statements if isinstance(statements, list) else [statements]) if isinstance(s, dict)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_documents(resource: Resource) -> Iterable[Any]:
    """Every identity-policy document a resource carries (inline role policies, managed policies, permission sets)."""
    kind = resource.type
    if kind not in POLICY_TYPES:
        return
    props = resource.properties
    if kind in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
        yield props.get("policyDocument")
    elif kind in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
        for policy in props.get("policies") or []:
            yield policy.get("policyDocument") if isinstance(policy, dict) else None
    elif kind == "AWS::SSO::PermissionSet":
        yield props.get("inlinePolicy")


POLICY_TYPES = frozenset(
    {"AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group",
     "AWS::SSO::PermissionSet"}
)  # fmt: skip


def _condition_value(statement: dict[str, Any], operators: tuple[str, ...], key: str) -> list[str]:
    condition = statement.get("Condition") or {}
    values: list[str] = []
    for operator in operators:
        for name, value in (condition.get(operator) or {}).items():
            if name.lower() == key.lower():
                values += [str(v).lower() for v in _as_list(value)]
    return values


def backup_vault_locked(resource: Resource) -> Compliance:
    if resource.type != "AWS::Backup::BackupVault":
        return Compliance.NOT_APPLICABLE
    lock = resource.properties.get("lockConfiguration")
    return Compliance.COMPLIANT if isinstance(lock, dict) and lock.get("minRetentionDays") else Compliance.NON_COMPLIANT


def _seconds_at_most(value: str, longest: object) -> bool:
    return value.isdigit() and isinstance(longest, int) and int(value) <= longest


def breakglass_requires_mfa(resource: Resource) -> Compliance:
    if resource.type != "AWS::IAM::Role":
        return Compliance.NOT_APPLICABLE
    props = resource.properties
    if "breakglass" not in str(props.get("roleName", "")).lower():
        return Compliance.NOT_APPLICABLE
    # The MFA may be no older than the longest session the role allows (MaxSessionDuration, 3600 seconds unless
    # set: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html), or an old sign-in would do.
    longest = props.get("maxSessionDuration", 3600)
    allows = [s for s in _statements(props.get("assumeRolePolicyDocument")) if s.get("Effect") == "Allow"]
    for statement in allows:
        present = _condition_value(statement, ("Bool",), "aws:MultiFactorAuthPresent")
        age = _condition_value(statement, ("NumericLessThan", "NumericLessThanEquals"), "aws:MultiFactorAuthAge")
        if present != ["true"] or not age or not all(_seconds_at_most(a, longest) for a in age):
            return Compliance.NON_COMPLIANT
    return Compliance.COMPLIANT if allows else Compliance.NON_COMPLIANT


def start_session_checks_document(resource: Resource) -> Compliance:
    applicable = False
    for document in policy_documents(resource):
        for statement in _statements(document):
            actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
            if statement.get("Effect") != "Allow" or not any(fnmatch.fnmatch("ssm:startsession", a) for a in actions):
                continue
            applicable = True
            check = _condition_value(statement, ("Bool", "BoolIfExists"), "ssm:SessionDocumentAccessCheck")
            if check != ["true"]:
                return Compliance.NON_COMPLIANT
    return Compliance.COMPLIANT if applicable else Compliance.NOT_APPLICABLE


def session_preferences_encrypted(resource: Resource) -> Compliance:
    if resource.type != "AWS::SSM::Document":
        return Compliance.NOT_APPLICABLE
    props = resource.properties
    if props.get("documentType") != "Session":
        return Compliance.NOT_APPLICABLE
    content = props.get("content")
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return Compliance.NON_COMPLIANT
    inputs = (content or {}).get("inputs", {}) if isinstance(content, dict) else {}
    if not inputs.get("s3BucketName") and not inputs.get("cloudWatchLogGroupName"):
        return Compliance.NOT_APPLICABLE  # a port-forwarding or command document that logs nothing itself
    encrypted = (
        (not inputs.get("s3BucketName") or inputs.get("s3EncryptionEnabled") in (True, "true"))
        and (not inputs.get("cloudWatchLogGroupName") or inputs.get("cloudWatchEncryptionEnabled") in (True, "true"))
        and bool(inputs.get("kmsKeyId"))
    )
    return Compliance.COMPLIANT if encrypted else Compliance.NON_COMPLIANT


def no_commercial_arn_in_govcloud(resource: Resource) -> Compliance:
    if not resource.region.startswith("us-gov-"):
        return Compliance.NOT_APPLICABLE
    text = json.dumps(resource.properties)
    return Compliance.NON_COMPLIANT if COMMERCIAL_ARN_PREFIX in text else Compliance.COMPLIANT


@jsii.implements(IApplyRule)
class _Finding:
    """A rule's outcome on one resource, worked out in Python, for cdk-nag to report: nag checks the resource's
    acknowledgments (`OrgBaseline-<Rule>`) and records the violation. An exception the rule raised is raised again
    inside nag, which reports it as a finding too ("Rule threw an error")."""

    def __init__(
        self, rule_id: str, info: str, explanation: str, node: cdk.CfnResource, outcome: Compliance | Exception
    ) -> None:
        self._id, self._info, self._explanation, self._node, self._outcome = rule_id, info, explanation, node, outcome

    @property
    def rule_suffix_override(self) -> str | None:
        return self._id

    @property
    def info(self) -> str:
        return self._info

    @property
    def explanation(self) -> str:
        return self._explanation

    @property
    def level(self) -> NagMessageLevel:
        return NagMessageLevel.ERROR

    @property
    def node(self) -> cdk.CfnResource:
        return self._node

    def rule(self, node: cdk.CfnResource) -> Compliance:
        if isinstance(self._outcome, Exception):
            raise self._outcome
        return self._outcome


RULES: tuple[tuple[str, str, str, Callable[[Resource], Compliance]], ...] = (
    ("BackupVaultLocked", "The backup vault has no Vault Lock.",
     "Without a lock an account administrator can delete recovery points; set lockConfiguration with minimum "
     "retention (governance mode at least).", backup_vault_locked),
    ("BreakglassRequiresMfa", "A breakglass role can be assumed without recent MFA.",
     "Every Allow in a breakglass role's trust policy needs Bool aws:MultiFactorAuthPresent true and "
     "NumericLessThan aws:MultiFactorAuthAge of at most the role's MaxSessionDuration (3600 unless set).",
     breakglass_requires_mfa),
    ("StartSessionChecksDocument", "ssm:StartSession is allowed without the session document access check.",
     "Statements allowing ssm:StartSession must carry BoolIfExists ssm:SessionDocumentAccessCheck true, or "
     "callers can start sessions with any document (e.g. a shell without logging).", start_session_checks_document),
    ("SessionPreferencesEncrypted", "Session Manager logging is not encrypted.",
     "Session documents that log to S3 or CloudWatch Logs must enable s3EncryptionEnabled / "
     "cloudWatchEncryptionEnabled and set kmsKeyId for session data.", session_preferences_encrypted),
    ("NoCommercialArnInGovCloud", f"A GovCloud resource contains a commercial ARN ({COMMERCIAL_ARN_PREFIX}).",
     "In GovCloud such ARNs never match, so Deny statements silently do nothing; build ARNs from the partition.",
     no_commercial_arn_in_govcloud),
)  # fmt: skip


class BaselineChecks(NagPack):
    """The rules above as a cdk-nag v3 pack (`Validations.of(app).add_plugins(BaselineChecks(app))`)."""

    def __init__(self, scope: cdk.App | None = None) -> None:
        super().__init__(scope)
        self._pack_name = PACK_NAME
        self._regions: dict[int, tuple[cdk.Stack, str]] = {}

    @property
    def name(self) -> str:
        return PACK_NAME

    def _check_resource(self, node: cdk.CfnResource) -> None:
        resource = Resource(node, self._regions)
        for rule_id, info, explanation, check in RULES:
            try:
                outcome: Compliance | Exception = check(resource)
            except Exception as error:  # nag reports it, as it would an error of a rule it called itself
                outcome = error
            # cdk-nag 3.0.2 (lib/nag-pack.js, applyRule) does nothing with a COMPLIANT or NOT_APPLICABLE result, so
            # only findings go to nag; each call into nag costs several crossings into JavaScript and back.
            if isinstance(outcome, Exception) or outcome == Compliance.NON_COMPLIANT:
                # jsii reads a rule's members through the properties of _Finding; IApplyRule also declares
                # setters, which cdk-nag never calls.
                self._apply_rule(cast(IApplyRule, _Finding(rule_id, info, explanation, node, outcome)))

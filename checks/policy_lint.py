"""IAM policy lint with parliament: every identity, trust, resource, key, SCP and permission-set policy document.

Templates hold intrinsics, so each document is first resolved to placeholder ARNs of its stack's own partition.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from checks.cloud_assembly import Finding, Result, StackTemplate

POLICY_PROPERTIES = {
    "AWS::IAM::Role": ["AssumeRolePolicyDocument", "Policies[].PolicyDocument"],
    "AWS::IAM::User": ["Policies[].PolicyDocument"],
    "AWS::IAM::Group": ["Policies[].PolicyDocument"],
    "AWS::IAM::ManagedPolicy": ["PolicyDocument"],
    "AWS::IAM::Policy": ["PolicyDocument"],
    "AWS::S3::BucketPolicy": ["PolicyDocument"],
    "AWS::SNS::TopicPolicy": ["PolicyDocument"],
    "AWS::SQS::QueuePolicy": ["PolicyDocument"],
    "AWS::KMS::Key": ["KeyPolicy"],
    "AWS::Backup::BackupVault": ["AccessPolicy"],
    "AWS::Events::EventBus": ["Policy"],
    "AWS::Organizations::Policy": ["Content"],
    "AWS::SSO::PermissionSet": ["InlinePolicy"],
}

# Parliament findings that are correct by design or parliament's own limits, each with the reason:
# (issue, regex on the finding's detail, regex on the location "<stack>/<logical id>/<property>", reason).
PARLIAMENT_EXPLAINED: list[tuple[str, str, str, str]] = [
    (
        "UNKNOWN_CONDITION_FOR_ACTION",
        r"kms:ResourceAliases for action kms:",
        r"/AtlantisApplyBoundary[0-9A-F]*/PolicyDocument$",
        "kms:ResourceAliases is a condition key of the KMS key resource type (alias-based access control), so it "
        "applies to every operation on a key; parliament only knows action-level keys.",
    ),
    (
        "RESOURCE_STAR",
        ".*",
        r"/KeyPolicy$",
        "In a KMS key policy, Resource * means the key itself; key policies cannot name other resources.",
    ),
    (
        "MALFORMED",
        "neither Resource nor NotResource",
        r"/AssumeRolePolicyDocument$",
        "A role trust policy has no Resource element by definition; the role is the resource.",
    ),
    (
        "MISMATCHED_TYPE",
        r"s3:TlsVersion requires a value of type Numeric but given \['1\.2'\]",
        r"BucketPolicy|Policy",
        "TLS versions are decimals (1.2) and AWS documents NumericLessThan s3:TlsVersion 1.2; parliament's Numeric "
        "type accepts integers only.",
    ),
    (
        "UNKNOWN_CONDITION_FOR_ACTION",
        r"s3:TlsVersion for action",
        r"Policy",
        "The TLS 1.2 Deny covers s3:*; the few actions without s3:TlsVersion stay covered by the aws:SecureTransport "
        "Deny in the same policy.",
    ),
    (
        "MISMATCHED_TYPE",
        r"ArnEquals requires a value of type Arn but given String",
        r"/KeyPolicy$",
        "kms:EncryptionContext:aws:logs:arn holds a log group ARN; AWS documents ArnEquals/ArnLike for it, and "
        "parliament types encryption-context keys as plain strings.",
    ),
    (
        "UNKNOWN_CONDITION_FOR_ACTION",
        r"ssm:SessionDocumentAccessCheck for action ssm:StartSession",
        r".",
        "AWS documents ssm:SessionDocumentAccessCheck for ssm:StartSession; parliament's bundled action database "
        "predates the key.",
    ),
    (
        "UNKNOWN_CONDITION_FOR_ACTION",
        r"kms:ResourceAliases for action kms:",
        r".",
        "kms:ResourceAliases (2021) applies to KMS key operations; parliament's bundled database predates it.",
    ),
]


def _placeholder_arn(template: dict[str, Any], logical_id: str, stack: StackTemplate) -> str:
    kind = template.get("Resources", {}).get(logical_id, {}).get("Type", "AWS::Unknown::Thing")
    props = template.get("Resources", {}).get(logical_id, {}).get("Properties", {})
    p, r, a = stack.partition, stack.region, stack.account
    name = next((v for k, v in props.items() if k.endswith("Name") and isinstance(v, str)), logical_id.lower())
    return {
        "AWS::S3::Bucket": f"arn:{p}:s3:::{name}",
        "AWS::KMS::Key": f"arn:{p}:kms:{r}:{a}:key/00000000-0000-4000-8000-000000000000",
        "AWS::IAM::Role": f"arn:{p}:iam::{a}:role/{name}",
        "AWS::IAM::ManagedPolicy": f"arn:{p}:iam::{a}:policy/{name}",
        "AWS::Logs::LogGroup": f"arn:{p}:logs:{r}:{a}:log-group:{name}:*",
        "AWS::SNS::Topic": f"arn:{p}:sns:{r}:{a}:{name}",
        "AWS::Events::EventBus": f"arn:{p}:events:{r}:{a}:event-bus/{name}",
        "AWS::Lambda::Function": f"arn:{p}:lambda:{r}:{a}:function:{name}",
        "AWS::Backup::BackupVault": f"arn:{p}:backup:{r}:{a}:backup-vault:{name}",
    }.get(kind, f"arn:{p}:{kind.split('::')[1].lower()}:{r}:{a}:{logical_id.lower()}")


def resolve(value: Any, stack: StackTemplate) -> Any:
    """Replace CloudFormation intrinsics with placeholder values so linters see plain policy JSON."""
    template = stack.body
    if isinstance(value, list):
        return [resolve(v, stack) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        ref = value["Ref"]
        pseudo = {
            "AWS::Partition": stack.partition,
            "AWS::Region": stack.region,
            "AWS::AccountId": stack.account,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack.name,
        }
        if ref in pseudo:
            return pseudo[ref]
        kind = template.get("Resources", {}).get(ref, {}).get("Type", "")
        arn = _placeholder_arn(template, ref, stack)
        return arn if kind in ("AWS::SNS::Topic", "AWS::IAM::ManagedPolicy") else arn.rsplit(":", 1)[-1].split("/")[-1]
    if set(value) == {"Fn::GetAtt"}:
        target = value["Fn::GetAtt"]
        logical_id, attribute = target if isinstance(target, list) else target.split(".", 1)
        arn = _placeholder_arn(template, logical_id, stack)
        return arn if attribute.endswith("Arn") else arn.rsplit("/", 1)[-1]
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(str(resolve(part, stack)) for part in parts)
    if set(value) == {"Fn::Sub"}:
        text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            intrinsic = {"Fn::GetAtt": name.split(".", 1)} if "." in name else {"Ref": name}
            return str(resolve(variables.get(name) or intrinsic, stack))

        return re.sub(r"\$\{([^}!]+)\}", substitute, text)
    return {k: resolve(v, stack) for k, v in value.items()}


def extract_policies(stack: StackTemplate) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(location, kind, resolved policy document) for every policy in the template."""
    for logical_id, res in stack.body.get("Resources", {}).items():
        props = res.get("Properties", {})
        for prop in POLICY_PROPERTIES.get(res.get("Type", ""), []):
            if prop.endswith("[].PolicyDocument"):
                listed = prop.split("[")[0]
                documents = [(f"{listed}[{i}]", p.get("PolicyDocument")) for i, p in enumerate(props.get(listed, []))]
            else:
                documents = [(prop, props.get(prop))]
            for where, document in documents:
                if isinstance(document, str):
                    document = json.loads(document)
                if isinstance(document, dict):
                    yield f"{stack.name}/{logical_id}/{where}", res["Type"], resolve(document, stack)


def _string_conditions(document: Any) -> Any:
    """IAM compares condition values as strings (`"1.2"` and `1.2` mean the same); parliament needs strings."""
    if isinstance(document, list):
        return [_string_conditions(item) for item in document]
    if not isinstance(document, dict):
        return document
    out = {}
    for key, value in document.items():
        if key == "Condition" and isinstance(value, dict):
            out[key] = {op: {k: _as_strings(v) for k, v in block.items()} for op, block in value.items()}
        else:
            out[key] = _string_conditions(value)
    return out


def _as_strings(value: Any) -> Any:
    if isinstance(value, list):
        return [str(item) for item in value]
    return str(value).lower() if isinstance(value, bool) else str(value)


def explanation(issue: str, detail: str, location: str) -> str | None:
    """The reason a parliament finding is correct by design, if PARLIAMENT_EXPLAINED has one that matches."""
    for explained_issue, detail_pattern, where_pattern, why in PARLIAMENT_EXPLAINED:
        if explained_issue == issue and re.search(detail_pattern, detail) and re.search(where_pattern, location):
            return why
    return None


def run_policy_lint(stacks: list[StackTemplate], outdir: Path) -> Result:
    from parliament import analyze_policy_string  # imported late: slow import, only this checker needs it

    findings: list[Finding] = []
    explained: list[tuple[Finding, str]] = []
    count = 0
    for stack in stacks:
        for location, _kind, document in extract_policies(stack):
            count += 1
            try:
                policy = analyze_policy_string(
                    json.dumps(_string_conditions(document)), include_community_auditors=False
                )
            except Exception as err:  # parliament raises on shapes it does not model; report, do not crash
                findings.append(Finding(location, f"parliament could not analyze the policy: {err!r}"))
                continue
            for finding in policy.findings:
                item = Finding(location, f"{finding.issue}: {finding.detail}")
                reason = explanation(finding.issue, str(finding.detail), location)
                if reason:
                    explained.append((item, reason))
                else:
                    findings.append(item)
    summary = f"{count} policies, {len(findings)} findings, {len(explained)} explained"
    hint = (
        "see https://github.com/duo-labs/parliament for each issue; explain a correct-by-design finding in "
        "PARLIAMENT_EXPLAINED (checks/policy_lint.py) with the reason"
    )
    return Result("IAM policy lint (parliament)", summary, findings, explained, hint=hint)

"""IAM policy lint with parliament: every identity, trust, resource, key, SCP and permission-set policy document.

Templates hold intrinsics, so each document is first resolved to placeholder ARNs of its stack's own partition.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
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
    "AWS::Backup::LogicallyAirGappedBackupVault": ["AccessPolicy"],
    "AWS::Events::EventBus": ["Policy"],
    "AWS::Organizations::Policy": ["Content"],
    "AWS::SSO::PermissionSet": ["InlinePolicy"],
}

# Organizations policy types whose content is an IAM policy document.
IAM_POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")


@dataclass(frozen=True)
class Explained:
    """A parliament finding that is correct by design or one of parliament's limits, and exactly where it occurs.

    `covers` names each (policy, statement) it explains: the policy's logical ID without CDK's hash suffix, and
    the statement's Sid (or, for a statement without one, its `statement_label`). A finding elsewhere is
    unexplained, and tests/test_verify.py fails if an explanation covers a pair the example org does not have.
    """

    issue: str
    detail: str  # a regex the whole finding detail must match
    covers: frozenset[tuple[str, str]]
    reason: str


# One of parliament's RESOURCE_MISMATCH items: an account assignment action without the instance or the set.
ASSIGNMENT_FORMAT = (
    r"\{'action': 'sso:(Create|Delete|List)AccountAssignments?', "
    r"'required_format': 'arn:\*:sso:::(instance/\*|permissionSet/\*/\*)'\}"
)
TLS_DENY = "Deny NumericLessThan s3:TlsVersion"  # the label of CDK's unnamed `minimumTLSVersion` statement
TLS_BUCKET_POLICIES = (
    "OrgTrailBucketPolicy",
    "OrgTrailBucketAccessLogsPolicy",
    "SessionLogBucketPolicy",
    "ConfigBucketPolicy",
    "GuardDutyFindingsBucketPolicy",
    "TerraformStateBucketPolicy",
    "TerraformStateAccessLogsPolicy",
    "AssetsBucketPolicy",  # StackSets mode: the StackSets' Lambda code bucket and its access logs (decision 0021)
    "AssetsAccessLogsPolicy",
)
# StackSets mode: the CDK's BucketDeployment function that copies the StackSets' Lambda code (decision 0021).
ASSET_COPIER_POLICY = "CustomCDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756CServiceRoleDefaultPolicy"
ADMINISTERED_KEYS = (
    "AlertTopicKey",
    "DelegatedAdminHandlerKey",
    "SecurityServicesHandlerKey",
    "BackupVaultKey",
    "ElevationKey",
    "OrgTrailBucketKey",
    "OrgTrailKey",
    "SecurityAlarmTopicKey",
    "SessionKey",
    "SessionLogBucketKey",
    "ConfigBucketKey",
    "GuardDutyFindingsBucketKey",
    "TerraformStateKey",
)

PARLIAMENT_EXPLAINED: list[Explained] = [
    Explained(
        "RESOURCE_STAR",
        r".*",
        frozenset(
            {(key, "AllowAccountIamToAdministerKey") for key in ADMINISTERED_KEYS}
            | {
                ("AlertTopicKey", "AllowAlertRuleToPublishEncrypted"),
                ("BackupVaultKey", "AllowBaselineBackupRoleGrantsForAwsBackup"),
                ("BackupVaultKey", "AllowBaselineBackupRoleToUseKeyThroughAwsBackup"),
                ("ElevationKey", "AllowEngineLogGroups"),
                ("OrgTrailBucketKey", "AllowOrgTrailToEncryptWithBucketDefault"),
                ("OrgTrailKey", "AllowCloudTrailToDescribeKey"),
                ("OrgTrailKey", "AllowCloudTrailToEncrypt"),
                ("OrgTrailKey", "AllowCloudWatchLogsForTrailLogGroup"),
                ("OrgTrailKey", "AllowLogReadersToDecryptTrailLogs"),
                ("SecurityAlarmTopicKey", "AllowCloudWatchAlarmsToPublishEncrypted"),
                ("SessionKey", "AllowCloudWatchLogsForSessionLogGroups"),
                ("DelegatedAdminHandlerKey", "AllowCloudWatchLogsForHandlerLogGroup"),
                ("SecurityServicesHandlerKey", "AllowCloudWatchLogsForHandlerLogGroup"),
                ("SessionLogBucketKey", "AllowOrgInstanceRolesToEncryptThroughS3"),
                ("ConfigBucketKey", "AWSConfigKMSPolicy"),
                ("GuardDutyFindingsBucketKey", "AllowGuardDutyToEncryptFindings"),
                ("GuardDutyFindingsBucketKey", "AllowSecurityServicesHandlerToFindTheKey"),
                ("TerraformStateKey", "AtlantisUseThroughS3ForOwnState"),
            }
        ),
        "In a KMS key policy, Resource * means the key itself; key policies cannot name other resources "
        "(https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html).",
    ),
    Explained(
        "MISMATCHED_TYPE",
        r"Type mismatch: s3:TlsVersion requires a value of type Numeric but given \['1\.2'\]",
        frozenset((policy, TLS_DENY) for policy in TLS_BUCKET_POLICIES),
        "TLS versions are decimals (1.2) and AWS documents NumericLessThan s3:TlsVersion 1.2; parliament's Numeric "
        "type accepts integers only.",
    ),
    Explained(
        "UNKNOWN_CONDITION_FOR_ACTION",
        r"Unknown condition s3:TlsVersion for action s3:\w+",
        frozenset((policy, TLS_DENY) for policy in TLS_BUCKET_POLICIES),
        "The TLS 1.2 Deny covers s3:*; the few actions without s3:TlsVersion stay covered by the aws:SecureTransport "
        "Deny in the same policy.",
    ),
    Explained(
        "MISMATCHED_TYPE",
        r"Type mismatch: ArnEquals requires a value of type Arn but given String",
        frozenset(
            {
                ("OrgTrailKey", "AllowCloudWatchLogsForTrailLogGroup"),
                ("SessionKey", "AllowCloudWatchLogsForSessionLogGroups"),
                ("DelegatedAdminHandlerKey", "AllowCloudWatchLogsForHandlerLogGroup"),
                ("SecurityServicesHandlerKey", "AllowCloudWatchLogsForHandlerLogGroup"),
                ("ElevationKey", "AllowEngineLogGroups"),
            }
        ),
        "kms:EncryptionContext:aws:logs:arn holds a log group ARN; AWS documents ArnEquals/ArnLike for it, and "
        "parliament types encryption-context keys as plain strings.",
    ),
    Explained(
        "MISMATCHED_TYPE_BUT_USABLE",
        r"Type mismatch: StringNotEquals requires a value of type String but given Arn",
        frozenset({("GuardDutyFindingsBucketPolicy", "DenyGuardDutyUploadsWithAnotherKey")}),
        "The GuardDuty user guide's bucket policy denies uploads whose s3:x-amz-server-side-encryption-aws-kms-key-id "
        "is not the key's ARN with StringNotEquals "
        "(https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html); the header is a string "
        "that holds an ARN.",
    ),
    Explained(
        "INVALID_ARN",
        r"Does not have 6 parts",
        frozenset(
            {
                ("FunctionsGrantPolicy", "AssignEligibleSets"),
                ("FunctionsRevokePolicy", "UnassignEligibleSets"),
                ("FunctionsReconcilePolicy", "ListAssignments"),
            }
        ),
        "The eligible permission sets' ARNs are `{{resolve:ssm:...}}` dynamic references to the IdentityCenter "
        "stack's parameters: Identity Center generates the ARNs, and CloudFormation resolves them at deploy time.",
    ),
    Explained(
        "UNKNOWN_CONDITION_FOR_ACTION",
        r"Unknown condition aws:SourceOrgID for action (s3|sqs|kms|secretsmanager|sts):\w+",
        frozenset(
            {
                ("ExamplecorpRcpEnforceConfusedDeputyProtection", "EnforceConfusedDeputyProtection"),
                ("ConfigBucketKey", "AWSConfigKMSPolicy"),
                ("ConfigBucketPolicy", "AWSConfigBucketPermissionsCheck"),
                ("ConfigBucketPolicy", "AWSConfigBucketExistenceCheck"),
                ("ConfigBucketPolicy", "AWSConfigBucketDelivery"),
            }
        ),
        "aws:SourceOrgID is a global condition key present when a service principal acts for a resource of an "
        "organization (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html); "
        "parliament's bundled database predates it.",
    ),
    Explained(
        "UNKNOWN_CONDITION_FOR_ACTION",
        r"Unknown condition ssm:SessionDocumentAccessCheck for action ssm:StartSession",
        frozenset({("SessionAccessPolicy", "StartSessionsOnInstancesWithApprovedDocumentsOnly")}),
        "AWS documents ssm:SessionDocumentAccessCheck for ssm:StartSession; parliament's bundled action database "
        "predates the key.",
    ),
    Explained(
        "UNKNOWN_CONDITION_FOR_ACTION",
        # Only operations on an existing key, whose resource is the key: there kms:ResourceAliases applies.
        r"Unknown condition kms:ResourceAliases for action kms:(CancelKeyDeletion|CreateGrant|Decrypt|"
        r"DeleteImportedKeyMaterial|DisableKey|DisableKeyRotation|GenerateDataKey|PutKeyPolicy|ScheduleKeyDeletion)",
        frozenset(
            {
                ("AtlantisApplyBoundary", "DenyWeakeningBaselineKeys"),
                ("ScpProtectBaseline", "ProtectBaselineKeys"),
                ("SessionAccessPolicy", "EncryptSessionData"),
                ("SessionInstanceRolePolicy", "DecryptSessionData"),
            }
        ),
        "kms:ResourceAliases (2021) is a condition key of the KMS key resource type, so it applies to these "
        "operations on a key (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html); "
        "parliament's bundled database predates it.",
    ),
    Explained(
        "INVALID_ARN",
        r"Account expected to be of form like 123456789012",
        frozenset({("AccessAuditPolicy", "ReadPolicyDocuments")}),
        "AWS managed policies have the account `aws` in their ARN (arn:<partition>:iam::aws:policy/...); the parity "
        "check reads their documents (decision 0016).",
    ),
    Explained(
        "RESOURCE_MISMATCH",
        r"\[\{'action': 's3:GetObjectAttributes'.*",
        frozenset({(ASSET_COPIER_POLICY, "Allow")}),
        "The CDK's BucketDeployment grants s3:GetObject*/s3:List* on the buckets it copies between and their objects; "
        "parliament lists the access-point and access-grants formats those wildcards also match, which no bucket "
        "ARN can be (StackSets mode, decision 0021).",
    ),
    Explained(
        "RESOURCE_MISMATCH",
        r".*'iam:GenerateServiceLastAccessedDetails'.*",
        frozenset({("AccessAuditPolicy", "ReportLastAccessed")}),
        "The report can be made for users, groups, roles or policies; the statement allows it on the account's "
        "users and roles only, which is all the parity check reports on, so the group and policy formats are "
        "left out on purpose.",
    ),
    Explained(
        "RESOURCE_MISMATCH",
        rf"\[{ASSIGNMENT_FORMAT}(, {ASSIGNMENT_FORMAT})*\]",
        frozenset({("RuleAccounts", "InRuleAccounts")}),
        "The elevation roles' account policies (FunctionsGrantPart<n>RuleAccounts, ...) name only the rules' accounts: "
        "IAM authorizes each resource of the request on its own, and the instance and the eligible sets are in the "
        "role's own policy (decision 0023), which would pass IAM's size limit with the accounts in it.",
    ),
    Explained(
        "RESOURCE_STAR",
        r".*",
        frozenset({("AccessAuditorPolicy", "ReadIdentityCenterAssignments")}),
        "List and describe only: the audit reads every permission set of the instance and every account's "
        "assignments, and Identity Center generates the permission set IDs at deploy time, so the statement cannot "
        "name them in advance.",
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
        "AWS::Backup::LogicallyAirGappedBackupVault": f"arn:{p}:backup:{r}:{a}:backup-vault:{name}",
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
        if res.get("Type") == "AWS::Organizations::Policy" and props.get("Type") not in IAM_POLICY_TYPES:
            continue  # backup, declarative and S3 policies are not IAM documents
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


def policy_name(location: str) -> str:
    """The policy's logical ID without CDK's 8-character hash suffix: `<stack>/<logical id>/<property>`."""
    return re.sub(r"[0-9A-F]{8}$", "", location.split("/")[1])


def statement_label(statement: dict[str, Any]) -> str:
    """The statement's Sid or, without one, its effect and condition keys (`Deny NumericLessThan s3:TlsVersion`)."""
    if statement.get("Sid"):
        return str(statement["Sid"])
    conditions = statement.get("Condition", {})
    keys = [f"{op} {key}" for op, block in sorted(conditions.items()) for key in sorted(block)]
    return " ".join([str(statement.get("Effect")), *keys])


def _covers(covered: tuple[str, str], policy: str, label: str) -> bool:
    # Suffix: SCP logical IDs start with the config's name prefix (`ExamplecorpScpProtectBaseline`).
    return policy.endswith(covered[0]) and label == covered[1]


def explanation(issue: str, detail: str, policy: str, label: str) -> Explained | None:
    """The explanation of a parliament finding in the policy and statement named, if PARLIAMENT_EXPLAINED has one."""
    for explained in PARLIAMENT_EXPLAINED:
        if (
            explained.issue == issue
            and re.fullmatch(explained.detail, detail)
            and any(_covers(covered, policy, label) for covered in explained.covers)
        ):
            return explained
    return None


def statements_to_lint(location: str, document: dict[str, Any], stack: StackTemplate) -> list[dict[str, Any]]:
    """The document's statements, each as it is linted: a trust policy statement gets the role as its Resource.

    A trust policy has no Resource (the role is the resource); parliament stops at a statement without one, so
    without the placeholder it would never look at the conditions and actions of trust policies.
    """
    statements = document.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    if location.endswith("/AssumeRolePolicyDocument"):
        role = f"arn:{stack.partition}:iam::{stack.account}:role/{policy_name(location)}"
        return [{**st, "Resource": role} if "Resource" not in st else st for st in statements]
    return statements


# Condition keys that name who may act (AWS documents them as global or KMS keys:
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html,
# https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account).
PRINCIPAL_RESTRICTING_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "kms:calleraccount",
    }
)
POSITIVE_OPERATORS = ("StringEquals", "StringLike", "ArnEquals", "ArnLike")
OPEN_PRINCIPAL = "OPEN_PRINCIPAL"  # the gate's own issue, beside parliament's


def is_open_principal(principal: Any) -> bool:
    """`Principal: "*"` or `{"AWS": "*"}` (alone or in a list)."""
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    aws = principal.get("AWS", [])
    return "*" in (aws if isinstance(aws, list) else [aws])


def restricts_principal(statement: dict[str, Any]) -> bool:
    """Whether an Allow's conditions narrow who may act: a positive operator (not ...IfExists) on a key above."""
    return any(
        operator in POSITIVE_OPERATORS and key.lower() in PRINCIPAL_RESTRICTING_KEYS
        for operator, block in statement.get("Condition", {}).items()
        for key in block
    )


@dataclass(frozen=True)
class Linted:
    """One parliament finding in one statement, with its explanation if it has one."""

    finding: Finding
    policy: str
    statement: str
    explained: Explained | None


def lint(stacks: list[StackTemplate]) -> Iterator[Linted]:
    """Every parliament finding of every statement of every policy in the stacks."""
    from parliament import analyze_policy_string  # imported late: slow import, only this checker needs it

    for stack in stacks:
        for location, _kind, document in extract_policies(stack):
            name = policy_name(location)
            # One statement at a time, so every finding names its statement.
            for statement in statements_to_lint(location, document, stack):
                label = statement_label(statement)
                # checkov skips CKV_AWS_33 per key, not per statement: this catches an open Allow in any policy.
                open_allow = statement.get("Effect") == "Allow" and is_open_principal(statement.get("Principal"))
                if open_allow and not restricts_principal(statement):
                    message = f"{OPEN_PRINCIPAL}: Allow to every principal without a condition naming who may act"
                    yield Linted(Finding(f"{location}#{label}", message), name, label, None)
                single = {"Version": document.get("Version", "2012-10-17"), "Statement": [statement]}
                try:
                    policy = analyze_policy_string(
                        json.dumps(_string_conditions(single)), include_community_auditors=False
                    )
                except Exception as err:  # parliament raises on shapes it does not model; report, do not crash
                    failure = Finding(f"{location}#{label}", f"parliament could not analyze it: {err!r}")
                    yield Linted(failure, name, label, None)
                    continue
                for finding in policy.findings:
                    item = Finding(f"{location}#{label}", f"{finding.issue}: {finding.detail}")
                    yield Linted(item, name, label, explanation(finding.issue, str(finding.detail), name, label))


def run_policy_lint(stacks: list[StackTemplate], outdir: Path) -> Result:
    policies = [location for stack in stacks for location, _, _ in extract_policies(stack)]
    trust = sum(location.endswith("/AssumeRolePolicyDocument") for location in policies)
    findings: list[Finding] = []
    explained: dict[tuple[str, str, str], tuple[Finding, str, int]] = {}  # distinct: policy x statement x reason
    for linted in lint(stacks):
        if linted.explained is None:
            findings.append(linted.finding)
            continue
        key = (linted.policy, linted.statement, f"{linted.explained.issue}: {linted.explained.detail}")
        first, reason, seen = explained.get(key, (linted.finding, linted.explained.reason, 0))
        explained[key] = (first, reason, seen + 1)
    occurrences = sum(seen for _, _, seen in explained.values())
    summary = (
        f"{len(policies)} policies ({trust} trust), {len(findings)} findings, {len(explained)} distinct explained "
        f"(policy x statement x reason; {occurrences} occurrences)"
    )
    hint = (
        "see https://github.com/duo-labs/parliament for each issue; explain a correct-by-design finding in "
        "PARLIAMENT_EXPLAINED (checks/policy_lint.py) naming the policy and statement it covers, with the reason"
    )
    distinct = [
        (Finding(first.location, f"{first.message} (and {seen - 1} more like it)" if seen > 1 else first.message), why)
        for first, why, seen in explained.values()
    ]
    return Result("IAM policy lint (parliament)", summary, findings, distinct, hint=hint)

"""Independent verification of a synthesized cloud assembly: checkers written by others, plus budgets.

    make verify                      # synthesizes config/org.yaml, then runs every checker on cdk.out
    python -m tests.verify cdk.out   # every checker on an existing cdk.out
    python -m tests.verify cdk.out --only checkov

cdk-nag checks the app from inside during synthesis; these read the templates CloudFormation will get, so a
mistake cdk-nag does not know about still fails CI. Exit code 1 when any checker has an unexplained finding.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.regions import GOVCLOUD_REGIONS, PARTITIONS
from stacks.checks import partition_findings

VENV_BIN = Path(sys.executable).parent

# --- the assembly -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackTemplate:
    name: str
    path: Path
    account: str
    region: str
    body: dict[str, Any]

    @property
    def partition(self) -> str:
        return "aws-us-gov" if self.region in GOVCLOUD_REGIONS else "aws"


def load_assembly(outdir: Path) -> list[StackTemplate]:
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = []
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        account, region = artifact["environment"].removeprefix("aws://").split("/")
        path = outdir / artifact["properties"]["templateFile"]
        stacks.append(StackTemplate(name, path, account, region, json.loads(path.read_text())))
    if not stacks:
        raise SystemExit(f"verify: no stacks in {outdir}/manifest.json; synthesize first (make synth)")
    return stacks


@dataclass(frozen=True)
class Finding:
    location: str  # "<stack>/<logical id>" or a file
    message: str


@dataclass
class Result:
    checker: str
    summary: str  # counts, for the one-line report
    findings: list[Finding] = field(default_factory=list)
    explained: list[tuple[Finding, str]] = field(default_factory=list)
    hint: str = ""  # where to look on failure

    @property
    def ok(self) -> bool:
        return not self.findings


# --- cfn-lint -----------------------------------------------------------------------------------------

# cfn-lint rules we do not treat as failures, each with the reason.
CFN_LINT_IGNORED = {
    "W3005": "CDK adds DependsOn edges that are also implied by Ref/GetAtt; redundant, harmless.",
}


def run_cfn_lint(stacks: list[StackTemplate], outdir: Path) -> Result:
    findings, counts = [], []
    for partition, regions in PARTITIONS.items():
        group = [s for s in stacks if s.partition == partition]
        if not group:
            continue
        lint_regions = sorted(regions) if partition == "aws-us-gov" else sorted({s.region for s in group})
        counts.append(f"{partition}: {len(group)} templates in {', '.join(lint_regions)}")
        command = [str(VENV_BIN / "cfn-lint"), "--format", "json", "--regions", *lint_regions,
                   "--ignore-checks", *CFN_LINT_IGNORED, "--", *(str(s.path) for s in group)]  # fmt: skip
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if completed.returncode not in (0, 2, 4, 6, 8, 10, 12, 14) or not completed.stdout.strip():
            if completed.returncode == 0:
                continue
            findings.append(Finding("cfn-lint", f"did not run: {completed.stderr.strip()[:500]}"))
            continue
        for match in json.loads(completed.stdout):
            rule = match["Rule"]["Id"]
            where = f"{Path(match['Filename']).name.removesuffix('.template.json')}:{match['Location']['Start']['LineNumber']}"
            findings.append(Finding(where, f"{rule} {match['Message']}"))
    return Result("cfn-lint", "; ".join(counts) + f"; {len(findings)} findings", findings,
                  hint="re-run: cfn-lint --regions <partition regions> -- cdk.out/<stack>.template.json")  # fmt: skip


# --- checkov ------------------------------------------------------------------------------------------


def run_checkov(stacks: list[StackTemplate], outdir: Path) -> Result:
    command = [str(VENV_BIN / "checkov"), "-d", str(outdir), "--framework", "cloudformation", "--skip-download",
               "--compact", "-o", "json"]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        reports = json.loads(completed.stdout)
    except json.JSONDecodeError:
        return Result("checkov", "did not run", [Finding("checkov", completed.stderr.strip()[-500:])])
    reports = reports if isinstance(reports, list) else [reports]
    results = [r.get("results", {}) for r in reports if isinstance(r, dict)]
    failed = [c for r in results for c in r.get("failed_checks", [])]
    parsing_errors = sum((r.get("summary") or {}).get("parsing_errors", 0) for r in reports if isinstance(r, dict))
    passed = sum((r.get("summary") or {}).get("passed", 0) for r in reports if isinstance(r, dict))
    skipped = [c for r in results for c in r.get("skipped_checks", [])]
    findings = [Finding(f"{Path(c['file_path']).name}:{c['resource']}", f"{c['check_id']} {c['check_name']}")
                for c in failed]  # fmt: skip
    if parsing_errors:
        findings.append(Finding(str(outdir), f"checkov could not parse {parsing_errors} template(s)"))
    explained = []
    for check in skipped:
        reason = (check.get("check_result") or {}).get("suppress_comment") or ""
        item = Finding(f"{Path(check['file_path']).name}:{check['resource']}", check["check_id"])
        if len(reason.split()) < 8:
            findings.append(Finding(item.location, f"{item.message} skipped without a specific reason: {reason!r}"))
        else:
            explained.append((item, reason))
    return Result("checkov", f"{passed} passed, {len(failed)} failed, {len(explained)} skipped with a reason",
                  findings, explained,
                  hint="skip only via Metadata.checkov.skip with a specific comment, next to the construct")  # fmt: skip


# --- IAM policy lint ----------------------------------------------------------------------------------

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
        pseudo = {"AWS::Partition": stack.partition, "AWS::Region": stack.region, "AWS::AccountId": stack.account,
                  "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": stack.name}  # fmt: skip
        if ref in pseudo:
            return pseudo[ref]
        kind = template.get("Resources", {}).get(ref, {}).get("Type", "")
        arn = _placeholder_arn(template, ref, stack)
        return arn if kind in ("AWS::SNS::Topic", "AWS::IAM::ManagedPolicy") else arn.rsplit(":", 1)[-1].split("/")[-1]
    if set(value) == {"Fn::GetAtt"}:
        logical_id, attribute = value["Fn::GetAtt"] if isinstance(value["Fn::GetAtt"], list) else \
            value["Fn::GetAtt"].split(".", 1)  # fmt: skip
        arn = _placeholder_arn(template, logical_id, stack)
        return arn if attribute.endswith("Arn") else arn.rsplit("/", 1)[-1]
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(str(resolve(part, stack)) for part in parts)
    if set(value) == {"Fn::Sub"}:
        text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
        return re.sub(r"\$\{([^}!]+)\}", lambda m: str(resolve(variables.get(m.group(1)) or
                      ({"Fn::GetAtt": m.group(1).split(".", 1)} if "." in m.group(1) else {"Ref": m.group(1)}),
                      stack)), text)  # fmt: skip
    return {k: resolve(v, stack) for k, v in value.items()}


def extract_policies(stack: StackTemplate) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(location, kind, resolved policy document) for every policy in the template."""
    for logical_id, res in stack.body.get("Resources", {}).items():
        props = res.get("Properties", {})
        for prop in POLICY_PROPERTIES.get(res.get("Type", ""), []):
            if prop.endswith("[].PolicyDocument"):
                documents = [(f"{prop.split('[')[0]}[{i}]", p.get("PolicyDocument"))
                             for i, p in enumerate(props.get(prop.split("[")[0], []))]  # fmt: skip
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
            value = {op: {k: [str(x) for x in v] if isinstance(v, list) else str(v) if not isinstance(v, bool)
                          else str(v).lower() for k, v in block.items()} for op, block in value.items()}  # fmt: skip
        out[key] = _string_conditions(value) if key != "Condition" else value
    return out


def run_policy_lint(stacks: list[StackTemplate], outdir: Path) -> Result:
    from parliament import analyze_policy_string  # imported late: slow import, only this checker needs it

    findings, explained, count = [], [], 0
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
                reason = next((why for issue, detail, where, why in PARLIAMENT_EXPLAINED
                               if issue == finding.issue and re.search(detail, str(finding.detail))
                               and re.search(where, location)), None)  # fmt: skip
                if reason:
                    explained.append((item, reason))
                else:
                    findings.append(item)
    return Result("IAM policy lint (parliament)", f"{count} policies, {len(findings)} findings, "
                  f"{len(explained)} explained", findings, explained,
                  hint="see https://github.com/duo-labs/parliament for each issue; explain a correct-by-design "
                  "finding in PARLIAMENT_EXPLAINED (tests/verify.py) with the reason")  # fmt: skip


# --- partition lint ----------------------------------------------------------------------------------


def run_partition_lint(stacks: list[StackTemplate], outdir: Path) -> Result:
    findings = [Finding(f"{stack.name}/{location}", problem)
                for stack in stacks for location, problem in partition_findings(stack.body, stack.partition)]  # fmt: skip
    return Result("partition lint", f"{len(stacks)} templates, {len(findings)} findings", findings,
                  hint="build ARNs and regions from the partition (config/naming.py), never literally")  # fmt: skip


# --- budgets -----------------------------------------------------------------------------------------

MAX_RESOURCES = 450  # CloudFormation allows 500; keep headroom for growth of each feature
MAX_TEMPLATE_BYTES = 1_000_000  # from S3; the CDK CLI uploads templates over 51,200 bytes
MAX_MANAGED_POLICY_CHARS = 6_144  # IAM customer-managed policy, whitespace excluded
MAX_TRUST_POLICY_CHARS = 2_048  # IAM default quota for role trust policies
MAX_SCP_CHARS = 10_240
MAX_POLICIES_PER_TARGET = 10  # including FullAWSAccess
MAX_PERMISSION_SET_INLINE_CHARS = 10_240  # non-whitespace
MAX_PERMISSION_SET_MANAGED = 20


def _chars(document: Any) -> int:
    return len(re.sub(r"\s", "", json.dumps(document, separators=(",", ":"))))


def run_budgets(stacks: list[StackTemplate], outdir: Path) -> Result:
    findings: list[Finding] = []
    scp_targets: dict[tuple[str, str], int] = {}
    largest = max(stacks, key=lambda s: len(s.body.get("Resources", {})))
    for stack in stacks:
        resources = stack.body.get("Resources", {})
        if len(resources) > MAX_RESOURCES:
            findings.append(Finding(stack.name, f"{len(resources)} resources, over the budget of {MAX_RESOURCES}"))
        size = stack.path.stat().st_size
        if size > MAX_TEMPLATE_BYTES:
            findings.append(Finding(stack.name, f"template is {size:,} bytes, over {MAX_TEMPLATE_BYTES:,}"))
        for logical_id, res in resources.items():
            props, where = res.get("Properties", {}), f"{stack.name}/{logical_id}"
            kind = res.get("Type")
            if kind == "AWS::IAM::ManagedPolicy" and _chars(props.get("PolicyDocument")) > MAX_MANAGED_POLICY_CHARS:
                findings.append(Finding(where, f"managed policy has {_chars(props['PolicyDocument']):,} characters, "
                                               f"over IAM's {MAX_MANAGED_POLICY_CHARS:,}"))  # fmt: skip
            if kind == "AWS::IAM::Role" and _chars(props.get("AssumeRolePolicyDocument")) > MAX_TRUST_POLICY_CHARS:
                findings.append(Finding(where, f"trust policy over IAM's {MAX_TRUST_POLICY_CHARS:,} characters"))
            if kind == "AWS::Organizations::Policy" and props.get("Type") == "SERVICE_CONTROL_POLICY":
                content = props.get("Content")
                content = json.loads(content) if isinstance(content, str) else content
                if _chars(content) > MAX_SCP_CHARS:
                    findings.append(Finding(where, f"SCP {props.get('Name')} has {_chars(content):,} characters "
                                                   f"minified, {_chars(content) - MAX_SCP_CHARS:,} over "
                                                   f"{MAX_SCP_CHARS:,}"))  # fmt: skip
                for target in props.get("TargetIds", []):
                    key = (stack.partition, json.dumps(target))
                    scp_targets[key] = scp_targets.get(key, 1) + 1  # FullAWSAccess counts as one
            if kind == "AWS::SSO::PermissionSet":
                inline = props.get("InlinePolicy")
                if inline and _chars(inline) > MAX_PERMISSION_SET_INLINE_CHARS:
                    findings.append(Finding(where, f"inline policy of {props.get('Name')} is {_chars(inline):,} "
                                                   f"characters, over {MAX_PERMISSION_SET_INLINE_CHARS:,}"))  # fmt: skip
                managed = len(props.get("ManagedPolicies", [])) + len(props.get("CustomerManagedPolicyReferences", []))
                if managed > MAX_PERMISSION_SET_MANAGED:
                    findings.append(Finding(where, f"{managed} managed policies, over {MAX_PERMISSION_SET_MANAGED}"))
                duration = props.get("SessionDuration")
                if duration and not re.fullmatch(r"PT([1-9]|1[0-2])H", duration):
                    findings.append(Finding(where, f"session duration {duration} is not PT1H..PT12H"))
    for (partition, target), count in scp_targets.items():
        if count > MAX_POLICIES_PER_TARGET:
            findings.append(Finding(f"{partition} target {target}", f"{count} SCPs including FullAWSAccess, over "
                                                                    f"{MAX_POLICIES_PER_TARGET}"))  # fmt: skip
    summary = (f"{len(stacks)} stacks, largest {largest.name} with {len(largest.body.get('Resources', {}))} "
               f"resources (budget {MAX_RESOURCES}), {len(findings)} over budget")  # fmt: skip
    return Result("budgets", summary, findings, hint="split the stack or the policy; limits in tests/verify.py")


# --- the gate ----------------------------------------------------------------------------------------

CHECKERS: dict[str, Callable[[list[StackTemplate], Path], Result]] = {
    "cfn-lint": run_cfn_lint,
    "checkov": run_checkov,
    "policy-lint": run_policy_lint,
    "partition-lint": run_partition_lint,
    "budgets": run_budgets,
}


def verify(outdir: Path, only: Iterable[str] | None = None) -> list[Result]:
    stacks = load_assembly(outdir)
    return [CHECKERS[name](stacks, outdir) for name in (only or CHECKERS)]


def report(results: list[Result], outdir: Path) -> str:
    lines = []
    for result in results:
        lines.append(f"  {'ok  ' if result.ok else 'FAIL'} {result.checker:<30} {result.summary}")
        for finding in result.findings[:50]:
            lines.append(f"         {finding.location}: {finding.message}")
        if len(result.findings) > 50:
            lines.append(f"         ... and {len(result.findings) - 50} more")
        if not result.ok and result.hint:
            lines.append(f"         where to look: {result.hint}")
    failed = [r.checker for r in results if not r.ok]
    verdict = f"FAILED: {', '.join(failed)}" if failed else "passed"
    lines.append(f"verify {verdict} (details: {outdir}/verify-report.json)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", nargs="?", default="cdk.out", type=Path)
    parser.add_argument("--only", action="append", choices=sorted(CHECKERS), help="run only this checker")
    args = parser.parse_args(argv)
    results = verify(args.outdir, args.only)
    (args.outdir / "verify-report.json").write_text(json.dumps([
        {"checker": r.checker, "summary": r.summary, "findings": [vars(f) for f in r.findings],
         "explained": [{**vars(f), "reason": why} for f, why in r.explained]} for r in results
    ], indent=2))  # fmt: skip
    print(report(results, args.outdir))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

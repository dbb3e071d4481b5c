"""The resource control policy (RCP) library: a data perimeter per partition, with the SCP library's budgets.

RCPs limit what may be done to the organization's resources, whoever asks
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html). The library follows
AWS's data-perimeter examples (https://github.com/aws-samples/data-perimeter-policy-examples,
resource_control_policies/identity_perimeter_rcp.json, and
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_examples.html):

- `enforce-org-identities`: only principals of the organization (`aws:PrincipalOrgID`), of the trusted accounts,
  or AWS services (`aws:PrincipalIsAWSService`) may act on the resources; an anonymous request has no
  `aws:PrincipalOrgID` and is denied too (`...IfExists`).
- `enforce-confused-deputy-protection`: an AWS service acts on them only for the organization (`aws:SourceOrgID`)
  or a trusted account (`aws:SourceAccount`), whenever the request says for whom (`aws:SourceAccount` present).
- `enforce-secure-transport`: TLS only (`aws:SecureTransport`).

RCP syntax rules (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html):
Deny only (Allow is for `RCPFullAWSAccess`), `Principal` is `"*"`, and `Action` cannot be `"*"`: each statement
lists the services RCPs support here, `s3:*`, `sqs:*`, `kms:*`, `secretsmanager:*` and STS actions. For STS the
identity perimeter lists the actions of the AWS example, leaving out `AssumeRoleWithSAML` and
`AssumeRoleWithWebIdentity`: federated principals belong to no organization, so denying them would end federation.

Resources are `"*"`: a Deny on `"*"` matches every partition's ARNs, where a resource ARN written for one
partition (a commercial `arn:` prefix) would silently never match in the other. RCPs do not apply to the management
account's resources nor to service-linked roles (first page above).

Exemptions are conditions, as in the SCP library: excluded accounts (`StringNotEquals aws:ResourceAccount`) and the
partition's `trusted_accounts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.models import RCP_NAMES, OrgConfig, RcpName
from config.naming import Organization
from config.policies.service_control import Budget, Unit, minified, over_count, packed, split, with_exclusions
from config.policies.statements import Condition, Statement, deny, document
from config.problems import Problem
from config.regions import PartitionName
from config.targets import excluded_account_ids, targets_in

DATA_SERVICES = ["s3:*", "sqs:*", "kms:*", "secretsmanager:*"]
# STS actions an outside principal could call on the organization's roles (AWS's identity perimeter example).
STS_IDENTITY_ACTIONS = [
    "sts:AssumeRole", "sts:DecodeAuthorizationMessage", "sts:GetAccessKeyInfo", "sts:GetFederationToken",
    "sts:GetServiceBearerToken", "sts:GetSessionToken", "sts:SetContext",
]  # fmt: skip
ALL_SERVICES = [*DATA_SERVICES, "sts:*"]
PRINCIPAL_ALL = "*"


def rcp_name(org: Organization, policy: str) -> str:
    return f"{org.name_prefix}-rcp-{policy}"


@dataclass(frozen=True)
class RcpLibrary:
    """Builds each library policy's statements for one partition's organization."""

    organization_id: str
    trusted_accounts: tuple[str, ...] = ()

    def statements(self, policy: RcpName) -> list[Statement]:
        return {
            "enforce-org-identities": self.enforce_org_identities,
            "enforce-confused-deputy-protection": self.enforce_confused_deputy_protection,
            "enforce-secure-transport": self.enforce_secure_transport,
        }[policy]()

    def _not_ours(self, org_key: str, account_key: str) -> dict[str, object]:
        keys: dict[str, object] = {org_key: self.organization_id}
        if self.trusted_accounts:
            keys[account_key] = list(self.trusted_accounts)
        return keys

    def enforce_org_identities(self) -> list[Statement]:
        condition: Condition = {
            "StringNotEqualsIfExists": self._not_ours("aws:PrincipalOrgID", "aws:PrincipalAccount"),
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        }
        return [
            deny(
                sid="EnforceOrgIdentities",
                principal=PRINCIPAL_ALL,
                action=[*DATA_SERVICES, *STS_IDENTITY_ACTIONS],
                resource="*",
                condition=condition,
            )
        ]

    def enforce_confused_deputy_protection(self) -> list[Statement]:
        condition: Condition = {
            "StringNotEqualsIfExists": self._not_ours("aws:SourceOrgID", "aws:SourceAccount"),
            "Null": {"aws:SourceAccount": "false"},
            "Bool": {"aws:PrincipalIsAWSService": "true"},
        }
        return [
            deny(
                sid="EnforceConfusedDeputyProtection",
                principal=PRINCIPAL_ALL,
                action=list(ALL_SERVICES),
                resource="*",
                condition=condition,
            )
        ]

    def enforce_secure_transport(self) -> list[Statement]:
        return [
            deny(
                sid="EnforceSecureTransport",
                principal=PRINCIPAL_ALL,
                action=list(ALL_SERVICES),
                resource="*",
                condition={"BoolIfExists": {"aws:SecureTransport": "false"}},
            )
        ]


def enabled_rcps(config: OrgConfig) -> list[RcpName]:
    rcps = config.resource_control_policies
    return [name for name in RCP_NAMES if rcps.attachment(name).enabled]


def rcp_budget(config: OrgConfig, partition: PartitionName, org: Organization) -> Budget:
    """The partition's RCPs after splitting (and packing, if a target is over its count), with every problem."""
    rcps = config.resource_control_policies
    settings = rcps.settings(partition)
    library = RcpLibrary(org.organization_id, tuple(settings.trusted_accounts))
    budget = Budget(partition)
    units: list[Unit] = []
    for policy in enabled_rcps(config):
        attachment = rcps.attachment(policy)
        targets = tuple(targets_in(config, partition, attachment.targets))
        if not targets:
            continue
        excluded = excluded_account_ids(config, partition, attachment.targets)
        statements = with_exclusions(library.statements(policy), excluded, key="aws:ResourceAccount")
        units.append(Unit(rcp_name(org, policy), (policy,), statements, targets))

    limit = settings.max_policy_chars
    for unit in units:
        parts, too_big = split(unit, limit)
        budget.scps += parts
        for statement in too_big:
            size = len(minified(document(statement)))
            message = (
                f"RCP {unit.policies[0]} for partitions.{partition}: statement {statement.get('Sid')} alone is "
                f"{size:,} characters minified, {size - limit:,} over the {limit:,} limit (max_policy_chars); "
                "shorten trusted_accounts or exclude_accounts, or raise the limit"
            )
            budget.problems.append(Problem(f"resource_control_policies.policies.{unit.policies[0]}", message))

    if over_count(budget.scps, settings):
        budget.scps = packed(budget.scps, lambda name: rcp_name(org, name), limit)
    for target, count in over_count(budget.scps, settings).items():
        quota = settings.max_policies_per_target
        message = (
            f"{target.label} in partitions.{partition} would have {count} RCPs attached (RCPFullAWSAccess, "
            f"{settings.reserved_slots} reserved, {count - 1 - settings.reserved_slots} from the library even after "
            f"packing), {count - quota} over the limit of {quota}"
        )
        path = f"resource_control_policies.partitions.{partition}.max_policies_per_target"
        budget.problems.append(Problem(path, message))
    return budget

"""A small IAM policy evaluator: does a set of policies deny, allow or not decide a request?

It implements what the SCPs and permission sets here use, following the IAM policy evaluation rules:
explicit Deny overrides Allow; Action/NotAction (case-insensitive, `*` and `?`); Resource/NotResource (ARN
text, case-sensitive, policy variables such as `${aws:userid}` filled from the request context); condition
operators String*, Arn*, Bool, Null, IpAddress/NotIpAddress, Date*, Numeric*, each with `...IfExists` and the
`ForAnyValue:`/`ForAllValues:` set prefixes. Several keys in an operator, and several operators, must all
match; several values of one key match if any does (for negated operators: if none does). A key missing from
the request makes a positive operator false and a negated one true, `...IfExists` true, `ForAnyValue` false
and `ForAllValues` true.

Principal (for trust and resource policies) is matched when the request names its principal
(`Request.principal`, e.g. `{"AWS": "<user ARN>"}` or `{"Service": "events.amazonaws.com"}`): `"*"` and
`{"AWS": "*"}` match every principal; an account (`<id>` or `arn:<partition>:iam::<id>:root`) matches every
principal of that account, which the account's own IAM policies then must allow
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html); any other value
matches the same ARN or service name. A request without a principal ignores Principal, as before. The principal
also gives `aws:PrincipalIsAWSService` and `aws:PrincipalAccount` when the context does not (RCP decisions).

Not implemented (not used here): NotPrincipal, `*Equals` variants of Date/Numeric beyond the basic
ones, binary operators. `tests/test_iam_eval.py` tests the evaluator itself.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Value = str | list[str]

NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NotIpAddress": "IpAddress",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
}


@dataclass
class Request:
    action: str
    resource: str = "*"
    context: dict[str, Value] = field(default_factory=dict)  # condition keys; names are case-insensitive
    principal: dict[str, str] | None = None  # {"AWS": ARN} or {"Service": name}: who makes the request

    def value(self, key: str) -> list[str] | None:
        for name, value in self.context.items():
            if name.lower() == key.lower():
                return value if isinstance(value, list) else [value]
        return self._from_principal(key.lower())

    def _from_principal(self, key: str) -> list[str] | None:
        """Keys AWS sets from who the principal is, when the context does not give them: `aws:PrincipalIsAWSService`
        (true for a service principal, false for an IAM identity) and `aws:PrincipalAccount` (an IAM identity's
        account) (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
        Organization keys (`aws:PrincipalOrgID`, `aws:SourceOrgID`) depend on membership and come from the context."""
        if self.principal is None:
            return None
        if key == "aws:principalisawsservice":
            return ["true" if "Service" in self.principal else "false"]
        if key == "aws:principalaccount" and "AWS" in self.principal:
            account = _account_of(self.principal["AWS"])
            return [account] if account else None
        return None


# Cached: an access audit or parity check evaluates the same few hundred patterns against thousands of requests,
# more than `re`'s own cache of 512 compiled patterns holds (recompiling was a quarter of those tests' CPU time).
@functools.lru_cache(maxsize=8192)
def _wildcard(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    return bool(_wildcard(pattern, ignore_case=ignore_case).match(text))


def arn_match(pattern: str, arn: str) -> bool:
    """ArnLike: each of the six colon-separated parts matches on its own (wildcards stay within a part,
    except in the last part, the resource, which may itself contain colons)."""
    p_parts, a_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(p_parts) != 6 or len(a_parts) != 6:
        return False
    return all(wildcard_match(p, a) for p, a in zip(p_parts, a_parts, strict=True))


def _substitute(text: str, request: Request) -> str:
    def replace(match: re.Match[str]) -> str:
        value = request.value(match.group(1))
        return value[0] if value else match.group(0)

    return re.sub(r"\$\{([^}]+)\}", replace, text)


def _positive(base: str, policy_value: str, request_value: str) -> bool:
    if base == "StringEquals":
        return request_value == policy_value
    if base == "StringEqualsIgnoreCase":
        return request_value.lower() == policy_value.lower()
    if base == "StringLike":
        return wildcard_match(policy_value, request_value)
    if base in ("ArnEquals", "ArnLike"):
        return arn_match(policy_value, request_value)
    if base == "Bool":
        return request_value.lower() == policy_value.lower()
    if base == "IpAddress":
        try:
            return ipaddress.ip_address(request_value) in ipaddress.ip_network(policy_value, strict=False)
        except ValueError:
            return False
    if base.startswith("Date"):
        moment, bound = _date(request_value), _date(policy_value)
        by_date = {
            "DateEquals": moment == bound,
            "DateGreaterThan": moment > bound,
            "DateGreaterThanEquals": moment >= bound,
            "DateLessThan": moment < bound,
            "DateLessThanEquals": moment <= bound,
        }
        return by_date[base]
    if base.startswith("Numeric"):
        number, limit = float(request_value), float(policy_value)
        by_number = {
            "NumericEquals": number == limit,
            "NumericGreaterThan": number > limit,
            "NumericGreaterThanEquals": number >= limit,
            "NumericLessThan": number < limit,
            "NumericLessThanEquals": number <= limit,
        }
        return by_number[base]
    raise ValueError(f"condition operator {base!r} is not implemented by the test evaluator")


def _date(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def condition_matches(operator: str, key: str, policy_values: Any, request: Request) -> bool:
    # Policy variables (`${aws:username}`) are filled in condition values too:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    values = [str(v).lower() if isinstance(v, bool) else _substitute(str(v), request) for v in _as_list(policy_values)]
    set_op = None
    if ":" in operator and operator.split(":", 1)[0] in ("ForAnyValue", "ForAllValues"):
        set_op, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    present = request.value(key)

    if base == "Null":
        return (present is None) == (values[0].lower() == "true")
    if present is None:
        if if_exists:
            return True
        if set_op == "ForAllValues":
            return True
        if set_op == "ForAnyValue":
            return False
        return base in NEGATED

    def single(request_value: str) -> bool:
        if base in NEGATED:
            return not any(_positive(NEGATED[base], v, request_value) for v in values)
        return any(_positive(base, v, request_value) for v in values)

    if set_op == "ForAllValues":
        return all(single(r) for r in present)
    # ForAnyValue, and a single-valued key (a multivalued key without a set operator: any value).
    return any(single(r) for r in present)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def principal_matches(principal: Any, request: Request) -> bool:
    """Whether the statement's Principal element names the request's principal (see the module docstring)."""
    if request.principal is None or principal == "*" or "*" in _as_list(principal.get("AWS", [])):
        return True
    for kind, named in request.principal.items():
        account = _account_of(named) if kind == "AWS" else ""
        for value in _as_list(principal.get(kind, [])):
            if value == named or (account and (value == account or value.endswith(f":iam::{account}:root"))):
                return True
    return False


def statement_applies(statement: dict[str, Any], request: Request) -> bool:
    if "Principal" in statement and not principal_matches(statement["Principal"], request):
        return False
    if "Action" in statement:
        if not any(wildcard_match(a, request.action, ignore_case=True) for a in _as_list(statement["Action"])):
            return False
    elif "NotAction" not in statement or any(
        wildcard_match(a, request.action, ignore_case=True) for a in _as_list(statement["NotAction"])
    ):
        return False
    if "Resource" in statement:
        if not any(wildcard_match(_substitute(r, request), request.resource) for r in _as_list(statement["Resource"])):
            return False
    elif "NotResource" in statement and any(
        wildcard_match(_substitute(r, request), request.resource) for r in _as_list(statement["NotResource"])
    ):
        return False
    for operator, keys in statement.get("Condition", {}).items():
        for key, policy_values in keys.items():
            if not condition_matches(operator, key, policy_values, request):
                return False
    return True


def evaluate(documents: list[dict[str, Any]], request: Request) -> str:
    """ "Deny" (an explicit Deny applies), "Allow" (an Allow applies and no Deny) or "ImplicitDeny"."""
    statements = [s for d in documents for s in _as_list(d["Statement"])]
    applying = [s for s in statements if statement_applies(s, request)]
    if any(s["Effect"] == "Deny" for s in applying):
        return "Deny"
    if any(s["Effect"] == "Allow" for s in applying):
        return "Allow"
    return "ImplicitDeny"


def denying_sids(documents: list[dict[str, Any]], request: Request) -> list[str]:
    """Sids of the Deny statements that apply: says why a request is denied when a test fails."""
    statements = [s for d in documents for s in _as_list(d["Statement"])]
    return [s.get("Sid", "?") for s in statements if s["Effect"] == "Deny" and statement_applies(s, request)]


FULL_AWS_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

"""The test evaluator itself: each rule the SCP decision tests rely on, with a case that matches and one that does not."""

from __future__ import annotations

from typing import Any

import pytest

from config.policies.evaluator import (
    FULL_AWS_ACCESS,
    Request,
    Value,
    arn_match,
    condition_matches,
    evaluate,
    wildcard_match,
)


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def deny(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Resource": "*", **fields}


def test_deny_overrides_allow_and_nothing_is_an_implicit_deny() -> None:
    request = Request("s3:GetObject", "arn:aws:s3:::b/k")
    assert evaluate([FULL_AWS_ACCESS], request) == "Allow"
    assert evaluate([FULL_AWS_ACCESS, doc(deny(Action="s3:GetObject"))], request) == "Deny"
    assert evaluate([doc(deny(Action="s3:PutObject"))], request) == "ImplicitDeny"


# (Action pattern, requested action, denied?)
ACTION_CASES = [("s3:*", "s3:GetObject", True), ("S3:get*", "s3:GetObject", True), ("s3:Get?bject", "s3:GetObject", True),
                ("s3:Put*", "s3:GetObject", False), ("iam:*", "s3:GetObject", False), ("*", "kms:Decrypt", True)]  # fmt: skip


@pytest.mark.parametrize(("pattern", "action", "expected"), ACTION_CASES)
def test_action_wildcards_are_case_insensitive(pattern: str, action: str, expected: bool) -> None:
    assert (evaluate([doc(deny(Action=pattern))], Request(action)) == "Deny") is expected


def test_not_action_denies_everything_else() -> None:
    policy = doc(deny(NotAction=["iam:*", "sts:*"]))
    assert evaluate([policy], Request("ec2:RunInstances")) == "Deny"
    assert evaluate([policy], Request("iam:CreateRole")) == "ImplicitDeny"


def test_resource_and_not_resource() -> None:
    policy = doc({"Effect": "Deny", "Action": "*", "Resource": "arn:aws:s3:::logs-*/*"})
    assert evaluate([policy], Request("s3:DeleteObject", "arn:aws:s3:::logs-1/a/b")) == "Deny"
    assert evaluate([policy], Request("s3:DeleteObject", "arn:aws:s3:::LOGS-1/a")) == "ImplicitDeny"  # case-sensitive
    inverse = doc({"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::logs-*"})
    assert evaluate([inverse], Request("s3:DeleteBucket", "arn:aws:s3:::logs-1")) == "ImplicitDeny"
    assert evaluate([inverse], Request("s3:DeleteBucket", "arn:aws:s3:::data")) == "Deny"


def test_policy_variables_in_resources_come_from_the_context() -> None:
    policy = doc(
        {"Effect": "Allow", "Action": "ssm:TerminateSession", "Resource": "arn:aws:ssm:*:*:session/${aws:userid}-*"}
    )
    mine = Request(
        "ssm:TerminateSession", "arn:aws:ssm:us-east-1:1:session/AROA1:alice-0a1b", {"aws:userid": "AROA1:alice"}
    )
    theirs = Request(
        "ssm:TerminateSession", "arn:aws:ssm:us-east-1:1:session/AROA1:bob-0a1b", {"aws:userid": "AROA1:alice"}
    )
    assert evaluate([policy], mine) == "Allow"
    assert evaluate([policy], theirs) == "ImplicitDeny"


def test_arn_like_matches_part_by_part() -> None:
    assert arn_match("arn:aws:iam::*:role/cdk-*", "arn:aws:iam::123456789012:role/cdk-exec")
    assert not arn_match("arn:aws:iam::*:role/cdk-*", "arn:aws-us-gov:iam::123456789012:role/cdk-exec")
    assert not arn_match("arn:aws:iam::*:root", "arn:aws:iam::123456789012:role/root")
    assert not arn_match("arn:aws:iam::*:role/x", "not-an-arn")
    assert wildcard_match("a?c", "abc") and not wildcard_match("a?c", "abbc")


def _matches(operator: str, key: str, values: Any, context: dict[str, Value]) -> bool:
    return condition_matches(operator, key, values, Request("x:Y", context=context))


@pytest.mark.parametrize(
    ("operator", "values", "context", "expected"),
    [
        ("StringEquals", ["a", "b"], {"k": "b"}, True),  # several policy values: any
        ("StringEquals", "a", {"k": "A"}, False),
        ("StringEquals", "a", {}, False),  # missing key: positive operator is false
        ("StringNotEquals", ["a", "b"], {"k": "b"}, False),  # negated: none may match
        ("StringNotEquals", ["a", "b"], {"k": "c"}, True),
        ("StringNotEquals", "a", {}, True),  # missing key: negated operator is true
        ("StringEqualsIgnoreCase", "Tag:Key", {"k": "tag:key"}, True),
        ("StringLike", "alias/corp-*", {"k": "alias/corp-trail"}, True),
        ("StringLike", "alias/corp-*", {"k": "alias/other"}, False),
        ("StringNotLike", "alias/corp-*", {"k": "alias/other"}, True),
        ("ArnLike", "arn:aws:iam::*:root", {"k": "arn:aws:iam::123456789012:root"}, True),
        ("ArnNotLike", ["arn:aws:iam::*:role/a-*", "arn:aws:iam::*:role/b"], {"k": "arn:aws:iam::1:role/b"}, False),
        ("ArnNotLike", ["arn:aws:iam::*:role/a-*", "arn:aws:iam::*:role/b"], {"k": "arn:aws:iam::1:role/c"}, True),
        ("Bool", "false", {"k": "false"}, True),
        ("Bool", "false", {"k": "true"}, False),
        ("Bool", "false", {}, False),
        ("BoolIfExists", "false", {}, True),  # IfExists: missing key is true
        ("BoolIfExists", "false", {"k": "true"}, False),
        ("StringNotEqualsIfExists", "vpce-1", {"k": "vpce-1"}, False),
        ("Null", "true", {}, True),
        ("Null", "true", {"k": "x"}, False),
        ("Null", "false", {"k": "x"}, True),
        ("IpAddress", ["10.0.0.0/8"], {"k": "10.1.2.3"}, True),
        ("NotIpAddress", ["10.0.0.0/8", "192.0.2.0/24"], {"k": "192.0.2.9"}, False),
        ("NotIpAddress", ["10.0.0.0/8"], {"k": "203.0.113.1"}, True),
        ("NotIpAddressIfExists", ["10.0.0.0/8"], {}, True),
        ("DateGreaterThan", "2026-11-23T08:00:00Z", {"k": "2026-11-24T00:00:00Z"}, True),
        ("DateLessThan", "2026-11-23T08:00:00Z", {"k": "2026-11-24T00:00:00Z"}, False),
        ("NumericLessThan", "3600", {"k": "120"}, True),
        ("ForAnyValue:StringLike", "alias/corp-*", {"k": ["alias/x", "alias/corp-key"]}, True),
        ("ForAnyValue:StringLike", "alias/corp-*", {"k": ["alias/x"]}, False),
        ("ForAnyValue:StringLike", "alias/corp-*", {}, False),  # missing: ForAnyValue is false
        ("ForAllValues:StringEquals", ["a", "b"], {"k": ["a", "b"]}, True),
        ("ForAllValues:StringEquals", ["a", "b"], {"k": ["a", "c"]}, False),
        ("ForAllValues:StringEquals", ["a"], {}, True),  # missing: ForAllValues is true
        ("ForAnyValue:StringEqualsIgnoreCase", ["Tag:Key"], {"k": ["other", "TAG:KEY"]}, True),
    ],
)
def test_condition_operators(operator: str, values: str | list[str], context: dict[str, Value], expected: bool) -> None:
    assert _matches(operator, "k", values, context) is expected


def test_condition_key_names_are_case_insensitive() -> None:
    assert _matches("StringEquals", "aws:PrincipalTag/Team", "x", {"aws:principaltag/team": "x"})


def test_all_keys_and_all_operators_must_match() -> None:
    policy = doc(deny(Action="*", Condition={"StringEquals": {"a": "1", "b": "2"}, "Bool": {"c": "true"}}))
    assert evaluate([policy], Request("x:Y", context={"a": "1", "b": "2", "c": "true"})) == "Deny"
    assert evaluate([policy], Request("x:Y", context={"a": "1", "b": "3", "c": "true"})) == "ImplicitDeny"
    assert evaluate([policy], Request("x:Y", context={"a": "1", "b": "2", "c": "false"})) == "ImplicitDeny"


def test_unknown_operators_fail_loudly() -> None:
    with pytest.raises(ValueError, match="not implemented"):
        _matches("BinaryEquals", "k", "x", {"k": "x"})


def test_principal_matching_of_trust_policies() -> None:
    user = "arn:aws:iam::111122223333:user/alice"
    policy = doc({"Effect": "Allow", "Principal": {"AWS": user}, "Action": "sts:AssumeRole"})
    assert evaluate([policy], Request("sts:AssumeRole", principal={"AWS": user})) == "Allow"
    bob = {"AWS": "arn:aws:iam::111122223333:user/bob"}
    assert evaluate([policy], Request("sts:AssumeRole", principal=bob)) == "ImplicitDeny"
    assert evaluate([policy], Request("sts:AssumeRole", principal={"Service": "ec2.amazonaws.com"})) == "ImplicitDeny"
    account = doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "*"})
    assert evaluate([account], Request("sts:AssumeRole", principal=bob)) == "Allow"
    other = {"AWS": "arn:aws:iam::444455556666:user/bob"}
    assert evaluate([account], Request("sts:AssumeRole", principal=other)) == "ImplicitDeny"
    anyone = doc({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*"})
    assert evaluate([anyone], Request("sts:AssumeRole", principal={"Service": "ec2.amazonaws.com"})) == "Deny"
    service = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    assert evaluate([service], Request("sts:AssumeRole", principal={"Service": "ec2.amazonaws.com"})) == "Allow"
    assert evaluate([service], Request("sts:AssumeRole", principal={"Service": "lambda.amazonaws.com"})) != "Allow"


def test_policy_variables_are_filled_in_condition_values() -> None:
    policy = doc(deny(Action="*", Condition={"StringNotEquals": {"sts:SourceIdentity": "${aws:username}"}}))
    same: dict[str, Value] = {"aws:username": "alice", "sts:SourceIdentity": "alice"}
    assert evaluate([policy], Request("sts:AssumeRole", context=same)) == "ImplicitDeny"
    assert evaluate([policy], Request("sts:AssumeRole", context={**same, "sts:SourceIdentity": "bob"})) == "Deny"


def test_the_principal_gives_principal_is_aws_service_and_principal_account() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    service = Request("s3:PutObject", principal={"Service": "cloudtrail.amazonaws.com"})
    role = Request("s3:GetObject", principal={"AWS": "arn:aws-us-gov:iam::222222222222:role/app"})
    assert service.value("aws:PrincipalIsAWSService") == ["true"]
    assert role.value("aws:PrincipalIsAWSService") == ["false"]
    assert role.value("aws:PrincipalAccount") == ["222222222222"]
    assert service.value("aws:PrincipalAccount") is None
    # The context still wins, and a request without a principal has neither key.
    given = Request(
        "s3:GetObject", context={"aws:PrincipalIsAWSService": "true"}, principal={"AWS": "arn:aws:iam::1:root"}
    )
    assert given.value("aws:PrincipalIsAWSService") == ["true"]
    assert Request("s3:GetObject").value("aws:PrincipalIsAWSService") is None
    # So an RCP-style `BoolIfExists aws:PrincipalIsAWSService false` denies an IAM role but not a service.
    deny_people = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                    "Resource": "*", "Condition": {"BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}  # fmt: skip
    assert evaluate([deny_people], role) == "Deny"
    assert evaluate([deny_people], service) == "ImplicitDeny"

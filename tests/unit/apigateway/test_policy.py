"""Lambda authorizer policies evaluated as IAM does: explicit Deny wins, then Allow, else implicit deny."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.services.aws.apigateway.policy import (
    Decision,
    InvalidPolicy,
    evaluate,
    method_arn,
    wildcard_match,
)

ARN = method_arn("us-east-1", "000000000000", "abc123", "dev", "GET", "/pets/42")


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(resource: Any, action: Any = "execute-api:Invoke") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def deny(resource: Any, action: Any = "execute-api:Invoke") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def test_the_method_arn_names_the_request_path() -> None:
    assert ARN == "arn:aws:execute-api:us-east-1:000000000000:abc123/dev/GET/pets/42"
    assert method_arn("us-east-1", "1", "a", "dev", "GET", "/").endswith("a/dev/GET/")


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (ARN, Decision.ALLOW),
        ("arn:aws:execute-api:us-east-1:000000000000:abc123/dev/GET/pets/*", Decision.ALLOW),
        ("arn:aws:execute-api:us-east-1:000000000000:abc123/*", Decision.ALLOW),
        ("arn:aws:execute-api:us-east-1:000000000000:abc123/*/GET/*", Decision.ALLOW),
        ("arn:aws:execute-api:us-east-1:000000000000:abc123/dev/GET/pets/4?", Decision.ALLOW),
        ("arn:aws:execute-api:us-east-1:000000000000:abc123/dev/POST/*", Decision.IMPLICIT_DENY),
        ("arn:aws:execute-api:us-east-1:000000000000:abc123/dev/GET/pets/4", Decision.IMPLICIT_DENY),
        ("arn:aws:execute-api:us-east-1:000000000000:other/*", Decision.IMPLICIT_DENY),
        ("*", Decision.ALLOW),
        ([ARN.replace("GET", "PUT"), ARN], Decision.ALLOW),
    ],
)
def test_allow_with_wildcards(resource: Any, expected: Decision) -> None:
    assert evaluate(policy(allow(resource)), ARN) is expected


def test_explicit_deny_wins_over_allow() -> None:
    document = policy(allow("*"), deny("arn:aws:execute-api:*:*:abc123/dev/GET/pets/*"))
    assert evaluate(document, ARN) is Decision.EXPLICIT_DENY
    other = method_arn("us-east-1", "000000000000", "abc123", "dev", "GET", "/owners")
    assert evaluate(document, other) is Decision.ALLOW


def test_actions_match_case_insensitively_with_wildcards() -> None:
    assert evaluate(policy(allow("*", "execute-api:*")), ARN) is Decision.ALLOW
    assert evaluate(policy(allow("*", "Execute-Api:invoke")), ARN) is Decision.ALLOW
    assert evaluate(policy(allow("*", ["s3:GetObject"])), ARN) is Decision.IMPLICIT_DENY
    assert evaluate(policy(allow("*", "*")), ARN) is Decision.ALLOW


def test_a_single_statement_object_and_not_resource() -> None:
    document = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "NotResource": ARN}}
    assert evaluate(document, ARN) is Decision.IMPLICIT_DENY
    assert evaluate(document, ARN + "x") is Decision.ALLOW


def test_no_statement_is_an_implicit_deny_and_junk_is_invalid() -> None:
    assert evaluate(policy(), ARN) is Decision.IMPLICIT_DENY
    with pytest.raises(InvalidPolicy):
        evaluate("nope", ARN)
    with pytest.raises(InvalidPolicy):
        evaluate({"Statement": "x"}, ARN)
    with pytest.raises(InvalidPolicy):
        evaluate(policy({"Effect": "Maybe", "Action": "*", "Resource": "*"}), ARN)


def test_wildcards() -> None:
    assert wildcard_match("a*c", "abbbc") and wildcard_match("a?c", "abc")
    assert not wildcard_match("a?c", "abbc") and not wildcard_match("a.c", "abc")

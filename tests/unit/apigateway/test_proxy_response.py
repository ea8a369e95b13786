"""The Lambda proxy response contract, and API Gateway's 502 for anything outside it."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from sandbox.services.aws.apigateway import errors
from sandbox.services.aws.apigateway.lambda_integration import proxy_response


def answer(data: Any) -> bytes:
    return json.dumps(data).encode()


def test_status_headers_and_body() -> None:
    response = proxy_response(
        answer(
            {
                "statusCode": 201,
                "headers": {"X-One": "1", "Set-Cookie": "ignored", "X-Flag": True},
                "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
                "body": "created",
            }
        )
    )
    assert response.status == 201 and response.body == b"created"
    assert ("Set-Cookie", "a=1") in response.headers and ("Set-Cookie", "b=2") in response.headers
    assert ("Set-Cookie", "ignored") not in response.headers
    assert response.header("x-one") == "1" and response.header("x-flag") == "true"
    assert response.header("content-type") == "application/json"


def test_defaults_and_string_status() -> None:
    assert proxy_response(answer({})).status == 200
    assert proxy_response(answer({"statusCode": "404"})).status == 404
    assert proxy_response(answer({"statusCode": 200, "body": None})).body == b""


def test_base64_bodies_are_decoded() -> None:
    data = base64.b64encode(b"\x89PNG").decode()
    response = proxy_response(answer({"statusCode": 200, "body": data, "isBase64Encoded": True}))
    assert response.body == b"\x89PNG"


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        answer("a string"),
        answer([1, 2]),
        answer({"statusCode": 200, "body": {"a": 1}}),
        answer({"statusCode": 200, "unexpected": 1}),
        answer({"statusCode": "abc"}),
        answer({"statusCode": 200, "headers": "x"}),
        answer({"statusCode": 200, "headers": {"a": {"b": 1}}}),
        answer({"statusCode": 200, "body": "***", "isBase64Encoded": True}),
        answer({"errorMessage": "boom", "errorType": "Exception"}),
        b"",
    ],
)
def test_malformed_answers_are_502(payload: bytes) -> None:
    with pytest.raises(errors.BadGateway) as caught:
        proxy_response(payload)
    assert caught.value.status == 502 and caught.value.message == "Internal server error"

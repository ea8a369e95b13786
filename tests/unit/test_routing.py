"""`routing.identify` against request shapes captured from boto3 and the aws CLI.

`data/request_shapes.json` holds what real clients put on the wire (or, for hosts that cannot resolve offline,
what botocore handed to its HTTP layer), plus a few hand-written API Gateway invoke shapes. Paths are stored
as sent, percent-encoded; the gateway passes the ASGI `scope["path"]`, which is decoded, so the tests do too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from sandbox.services.aws.routing import Target, identify

SHAPES_FILE = Path(__file__).parent / "data" / "request_shapes.json"
SHAPES: list[dict[str, Any]] = json.loads(SHAPES_FILE.read_text())


def _params() -> list[Any]:
    return [pytest.param(shape, id=shape["description"]) for shape in SHAPES]


def _identify(shape: dict[str, Any]) -> Target:
    return identify(shape["method"], unquote(shape["path"]), shape["query"], shape["headers"])


def test_shapes_file_is_well_formed() -> None:
    descriptions = [shape["description"] for shape in SHAPES]
    assert len(descriptions) == len(set(descriptions)), "descriptions are test ids and must be unique"
    for shape in SHAPES:
        assert {"client", "description", "method", "path", "query", "headers", "expect"} <= shape.keys()
        assert all(name == name.lower() for name in shape["headers"]), shape["description"]
        assert "service" in shape["expect"], shape["description"]
        assert set(shape["expect"]) <= set(Target.__dataclass_fields__), shape["description"]


@pytest.mark.parametrize("shape", _params())
def test_captured_shape(shape: dict[str, Any]) -> None:
    target = _identify(shape)
    actual = {field: getattr(target, field) for field in shape["expect"]}
    assert actual == shape["expect"]


def _headers(**extra: str) -> dict[str, str]:
    return {"host": "127.0.0.1:4566", "accept-encoding": "identity", **extra}


@pytest.mark.parametrize(
    ("target_header", "service", "operation"),
    [
        ("DynamoDB_20120810.PutItem", "dynamodb", "PutItem"),
        ("AmazonSQS.SendMessage", "sqs", "SendMessage"),
    ],
)
def test_x_amz_target_without_authorization(target_header: str, service: str, operation: str) -> None:
    headers = _headers(**{"x-amz-target": target_header, "content-type": "application/x-amz-json-1.0"})
    target = identify("POST", "/", "", headers, b"{}")
    assert (target.service, target.operation, target.region) == (service, operation, None)


def test_unknown_unsigned_request_defaults_to_s3() -> None:
    assert identify("GET", "/some/thing", "", _headers()) == Target("s3")


def test_unknown_x_amz_target_without_authorization_defaults_to_s3() -> None:
    headers = _headers(**{"x-amz-target": "NoSuchService_20200101.DoThing"})
    assert identify("POST", "/", "", headers).service == "s3"


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + "0" * 64,
    ],
    ids=["unsigned", "signed"],
)
def test_path_style_on_s3_service_host_has_no_bucket(authorization: str) -> None:
    headers = {"host": "s3.localhost.localstack.cloud:4566"}
    if authorization:
        headers["authorization"] = authorization
    target = identify("GET", "/my-bucket/key.txt", "", headers)
    assert target.service == "s3"
    assert target.bucket is None


def test_signed_scope_wins_over_x_amz_target() -> None:
    headers = _headers(
        **{
            "x-amz-target": "DynamoDB_20120810.GetItem",
            "authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/eu-west-1/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=" + "0" * 64,
        }
    )
    assert identify("POST", "/", "", headers) == Target("dynamodb", region="eu-west-1", operation="GetItem")


def test_query_protocol_action_comes_from_the_form_body() -> None:
    headers = _headers(
        **{
            "content-type": "application/x-www-form-urlencoded; charset=utf-8",
            "authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sns/aws4_request, "
            "SignedHeaders=host, Signature=" + "0" * 64,
        }
    )
    body = b"Action=Publish&Version=2010-03-31&Message=hi"
    assert identify("POST", "/", "", headers, body).operation == "Publish"

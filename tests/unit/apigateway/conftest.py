"""An execute-api provider over moto's in-process apigateway backend (mock_aws), driven through ASGI, with a
fake Lambda runtime whose functions are plain Python callables."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from moto import mock_aws

from sandbox.core.config import Settings
from sandbox.services.aws.apigateway.control import ControlPlaneProvider
from sandbox.services.aws.apigateway.provider import ExecuteApiProvider
from sandbox.services.aws.bridge.lambda_ import FunctionNotFound
from sandbox.services.aws.context import AwsContext

ACCOUNT = "000000000000"
REGION = "us-east-1"


def lambda_uri(name: str) -> str:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"


@dataclass
class FakeResult:
    payload: bytes
    function_error: str | None = None
    status: int = 200
    executed_version: str = "$LATEST"
    log_tail: str = ""
    request_id: str = "fake"
    duration_ms: float = 1.0
    cold: bool = False


@dataclass
class FakeRuntime:
    """Functions by name: a callable(event) returning the result, or raising for a function error."""

    functions: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    delay_s: float = 0.0

    async def invoke(
        self,
        name_or_arn: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        region: str | None = None,
        client_context: str | None = None,
    ) -> FakeResult:
        name = name_or_arn.rsplit(":", 1)[-1]
        handler = self.functions.get(name)
        if handler is None:
            raise FunctionNotFound(name_or_arn)
        event = json.loads(payload)
        self.calls.append((name, event))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        try:
            out = handler(event)
        except Exception as exc:
            error = {"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": []}
            return FakeResult(json.dumps(error).encode(), function_error="Unhandled")
        return FakeResult(json.dumps(out).encode())


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def _asgi(app: Any, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "http_version": "1.1",
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    reply_headers: dict[str, str] = {}
    for k, v in start["headers"]:
        name = k.decode().lower()
        reply_headers[name] = f"{reply_headers[name]}, {v.decode()}" if name in reply_headers else v.decode()
    return Reply(start["status"], reply_headers, b"".join(m.get("body", b"") for m in sent[1:]))


@dataclass
class Lab:
    client: Any
    runtime: FakeRuntime
    provider: ExecuteApiProvider
    control: ControlPlaneProvider

    def call(
        self,
        method: str,
        api_id: str,
        stage: str,
        path: str = "/",
        *,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        body: bytes | str = b"",
        form: str = "restapis",
    ) -> Reply:
        if form == "restapis":
            url, host = f"/restapis/{api_id}/{stage}/_user_request_{path}", "127.0.0.1:4566"
        elif form == "host":
            url, host = f"/{stage}{path}", f"{api_id}.execute-api.localhost.localstack.cloud:4566"
        else:
            url, host = f"/_aws/execute-api/{api_id}/{stage}{path}", "localhost:4566"
        all_headers = {"host": host, **(headers or {})}
        data = body.encode() if isinstance(body, str) else body
        return asyncio.run(_asgi(self.provider, method, url, urlencode(query or {}), all_headers, data))

    def get_usage(self, plan_id: str, **query: str) -> Reply:
        auth = f"AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/apigateway/aws4_request, Signature=x"
        return asyncio.run(
            _asgi(
                self.control,
                "GET",
                f"/usageplans/{plan_id}/usage",
                urlencode(query),
                {"authorization": auth},
                b"",
            )
        )

    # --- building REST APIs through boto3 -------------------------------------------------------------
    def api(self, name: str = "lab") -> tuple[str, str]:
        created = self.client.create_rest_api(name=name)
        return created["id"], created["rootResourceId"]

    def resource(self, api_id: str, parent: str, part: str) -> str:
        return str(self.client.create_resource(restApiId=api_id, parentId=parent, pathPart=part)["id"])

    def method(
        self, api_id: str, resource_id: str, verb: str, integration: dict[str, Any], **method: Any
    ) -> None:
        method.setdefault("authorizationType", "NONE")
        self.client.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=verb, **method)
        self.client.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=verb, **integration)

    def integration_response(
        self, api_id: str, resource_id: str, verb: str, status: str, **kwargs: Any
    ) -> None:
        self.client.put_method_response(
            restApiId=api_id, resourceId=resource_id, httpMethod=verb, statusCode=status
        )
        self.client.put_integration_response(
            restApiId=api_id, resourceId=resource_id, httpMethod=verb, statusCode=status, **kwargs
        )

    def deploy(self, api_id: str, stage: str = "dev", **variables: str) -> None:
        self.client.create_deployment(restApiId=api_id, stageName=stage, variables=variables)


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    for name, value in {
        "MOTO_ACCOUNT_ID": ACCOUNT,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        ctx = AwsContext(Settings(home=tmp_path), fallback=None)  # type: ignore[arg-type]
        runtime = FakeRuntime()
        ctx.lambda_runtime = runtime  # type: ignore[assignment]
        client = boto3.client("apigateway", region_name=REGION)
        yield Lab(client, runtime, ExecuteApiProvider(ctx), ControlPlaneProvider(ctx))

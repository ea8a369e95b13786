"""Lambda behind a method: AWS_PROXY (the proxy event in, the proxy response contract out) and AWS (mapping
templates in, integration responses chosen by the function's errorMessage out)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from sandbox.services.aws.apigateway import errors, functions
from sandbox.services.aws.apigateway.events import Invocation, proxy_event
from sandbox.services.aws.apigateway.mapping import method_response, request_body, select_response
from sandbox.services.aws.apigateway.messages import ApiResponse
from sandbox.services.aws.bridge.apigateway import Integration

PROXY_RESPONSE_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})


async def aws_proxy(
    runtime: functions.LambdaRuntime, inv: Invocation, integration: Integration
) -> ApiResponse:
    ref = functions.function_ref(integration.uri, inv.stage_variables, inv.api.region)
    payload = json.dumps(proxy_event(inv)).encode()
    result = await functions.invoke(
        runtime, ref, payload, timeout_s=functions.timeout_of(integration.timeout_ms)
    )
    if result.function_error:
        raise errors.BadGateway(detail=f"Lambda function error: {result.error_message()}")
    return proxy_response(result.payload)


def proxy_response(payload: bytes) -> ApiResponse:
    """A function's answer under the proxy contract; anything else is API Gateway's 502."""
    try:
        data = json.loads(payload.decode("utf-8")) if payload.strip() else None
    except ValueError:
        raise errors.BadGateway(detail="Malformed Lambda proxy response: not JSON") from None
    if not isinstance(data, dict):
        raise errors.BadGateway(detail="Malformed Lambda proxy response: not a JSON object")
    extra = set(data) - PROXY_RESPONSE_KEYS
    if extra:
        raise errors.BadGateway(detail=f"Malformed Lambda proxy response: unexpected keys {sorted(extra)}")
    status = _status(data.get("statusCode"))
    single = _header_map(data.get("headers"))
    multi = _multi_header_map(data.get("multiValueHeaders"))
    headers: list[tuple[str, str]] = []
    for name, values in multi.items():
        headers.extend((name, v) for v in values)
    lowered = {name.lower() for name in multi}
    headers.extend((name, value) for name, value in single.items() if name.lower() not in lowered)
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", "application/json"))
    return ApiResponse(
        status=status, headers=headers, body=_body(data.get("body"), data.get("isBase64Encoded"))
    )


def _status(value: Any) -> int:
    if value is None:
        return 200
    if isinstance(value, bool):
        raise errors.BadGateway(detail="Malformed Lambda proxy response: statusCode is not a number")
    try:
        status = int(value)
    except (TypeError, ValueError):
        raise errors.BadGateway(
            detail="Malformed Lambda proxy response: statusCode is not a number"
        ) from None
    if not 100 <= status <= 599:
        raise errors.BadGateway(detail=f"Malformed Lambda proxy response: statusCode {status}")
    return status


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise errors.BadGateway(detail="Malformed Lambda proxy response: a header value is not a string")


def _header_map(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise errors.BadGateway(detail="Malformed Lambda proxy response: headers is not an object")
    return {str(k): _scalar(v) for k, v in value.items() if v is not None}


def _multi_header_map(value: Any) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise errors.BadGateway(detail="Malformed Lambda proxy response: multiValueHeaders is not an object")
    out: dict[str, list[str]] = {}
    for key, values in value.items():
        items = values if isinstance(values, list) else [values]
        out[str(key)] = [_scalar(v) for v in items if v is not None]
    return out


def _body(body: Any, is_base64: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, Mapping | list):
        raise errors.BadGateway(detail="Malformed Lambda proxy response: body must be a string")
    text = _scalar(body)
    if is_base64 is True or (isinstance(is_base64, str) and is_base64.lower() == "true"):
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise errors.BadGateway(detail="Malformed Lambda proxy response: body is not base64") from None
    return text.encode("utf-8")


async def aws_lambda(
    runtime: functions.LambdaRuntime, inv: Invocation, integration: Integration
) -> ApiResponse:
    """AWS (non-proxy) to Lambda: the request template's output is the event; the function's error message
    picks the integration response."""
    ref = functions.function_ref(integration.uri, inv.stage_variables, inv.api.region)
    payload = request_body(inv, integration)
    if not payload.strip():
        payload = b"{}"
    result = await functions.invoke(
        runtime, ref, payload, timeout_s=functions.timeout_of(integration.timeout_ms)
    )
    selector = result.error_message() if result.function_error else None
    chosen = select_response(integration, selector)
    return method_response(inv, chosen, result.payload)

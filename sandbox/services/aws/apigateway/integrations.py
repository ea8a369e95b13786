"""The integration a method hands its request to, by type: MOCK here; Lambda and HTTP in their modules."""

from __future__ import annotations

import json

from sandbox.services.aws.apigateway import errors, functions, http_integration, lambda_integration
from sandbox.services.aws.apigateway.events import Invocation
from sandbox.services.aws.apigateway.mapping import method_response, request_body, select_response
from sandbox.services.aws.apigateway.messages import ApiResponse
from sandbox.services.aws.bridge.apigateway import Integration


async def integrate(runtime: functions.LambdaRuntime | None, inv: Invocation) -> ApiResponse:
    integration = inv.route.method.integration
    if integration is None:
        raise errors.ApiConfiguration(
            detail=f"no integration for {inv.request.method} {inv.route.resource.path}"
        )
    kind = integration.type
    if kind == "MOCK":
        return mock(inv, integration)
    if kind == "HTTP_PROXY":
        return await http_integration.http_proxy(inv, integration)
    if kind == "HTTP":
        return await http_integration.http(inv, integration)
    if kind in ("AWS_PROXY", "AWS"):
        if not functions.is_lambda_uri(functions.with_stage_variables(integration.uri, inv.stage_variables)):
            raise errors.ApiConfiguration(
                detail=f"{kind} integration with {integration.uri!r}: the sandbox integrates Lambda only"
            )
        if runtime is None:
            raise errors.ApiConfiguration(detail="the Lambda runtime is not available")
        if kind == "AWS_PROXY":
            return await lambda_integration.aws_proxy(runtime, inv, integration)
        return await lambda_integration.aws_lambda(runtime, inv, integration)
    raise errors.ApiConfiguration(detail=f"integration type {kind} is not supported")


def mock(inv: Invocation, integration: Integration) -> ApiResponse:
    """MOCK: the request template's `statusCode` picks the integration response (200 when it names none)."""
    rendered = request_body(inv, integration) if integration.request_templates else b""
    status = 200
    if rendered.strip():
        try:
            data = json.loads(rendered)
        except ValueError:
            raise errors.ApiConfiguration(detail="MOCK request template did not produce JSON") from None
        if isinstance(data, dict) and data.get("statusCode") is not None:
            try:
                status = int(data["statusCode"])
            except (TypeError, ValueError):
                raise errors.ApiConfiguration(detail="MOCK statusCode is not a number") from None
    chosen = select_response(integration, str(status))
    return method_response(inv, chosen, b"")

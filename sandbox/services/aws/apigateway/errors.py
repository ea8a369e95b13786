"""API Gateway's own answers (gateway responses): each error names its gateway response type, its default
status and message, and the `x-amzn-ErrorType` AWS sends with it. A REST API may customise any of them
(PutGatewayResponse, or DEFAULT_4XX / DEFAULT_5XX), and those customisations are applied here.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from sandbox.services.aws.apigateway.messages import ApiResponse
from sandbox.services.aws.apigateway.vtl import Input, TemplateError, render
from sandbox.services.aws.bridge.apigateway import GatewayResponse

log = logging.getLogger("sandbox.aws")

DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'


class GatewayError(Exception):
    status: int = 500
    message: str | None = "Internal server error"
    error_type: str = "InternalServerErrorException"
    response_type: str = "DEFAULT_5XX"

    def __init__(self, message: str | None = None, *, status: int | None = None, detail: str = "") -> None:
        if message is not None:
            self.message = message
        if status is not None:
            self.status = status
        # What went wrong, for the log (AWS writes this to the execution log, never to the client).
        self.detail = detail
        super().__init__(detail or self.message or self.response_type)


class MissingAuthenticationToken(GatewayError):
    status, message = 403, "Missing Authentication Token"
    error_type, response_type = "MissingAuthenticationTokenException", "MISSING_AUTHENTICATION_TOKEN"


class UnknownApi(GatewayError):
    """An invoke URL whose API id exists nowhere: AWS's edge answers this before any API is involved."""

    status, message = 403, "Forbidden"
    error_type, response_type = "ForbiddenException", "DEFAULT_4XX"


class InvalidApiKey(GatewayError):
    status, message = 403, "Forbidden"
    error_type, response_type = "ForbiddenException", "INVALID_API_KEY"


class Throttled(GatewayError):
    status, message = 429, "Too Many Requests"
    error_type, response_type = "TooManyRequestsException", "THROTTLED"


class QuotaExceeded(GatewayError):
    status, message = 429, "Limit Exceeded"
    error_type, response_type = "LimitExceededException", "QUOTA_EXCEEDED"


class Unauthorized(GatewayError):
    status, message = 401, "Unauthorized"
    error_type, response_type = "UnauthorizedException", "UNAUTHORIZED"


class AccessDenied(GatewayError):
    status, message = 403, "User is not authorized to access this resource"
    error_type, response_type = "AccessDeniedException", "ACCESS_DENIED"


class AuthorizerConfiguration(GatewayError):
    status, message = 500, None
    error_type, response_type = "AuthorizerConfigurationException", "AUTHORIZER_CONFIGURATION_ERROR"


class AuthorizerFailure(GatewayError):
    status, message = 500, None
    error_type, response_type = "AuthorizerFailureException", "AUTHORIZER_FAILURE"


class ApiConfiguration(GatewayError):
    status, message = 500, "Internal server error"
    error_type, response_type = "InternalServerErrorException", "API_CONFIGURATION_ERROR"


class BadGateway(GatewayError):
    """A malformed Lambda proxy response, or a function that failed behind AWS_PROXY."""

    status, message = 502, "Internal server error"
    error_type, response_type = "InternalServerErrorException", "DEFAULT_5XX"


class IntegrationTimeout(GatewayError):
    status, message = 504, "Endpoint request timed out"
    error_type, response_type = "InternalServerErrorException", "INTEGRATION_TIMEOUT"


class IntegrationFailure(GatewayError):
    status, message = 504, "Network error communicating with endpoint"
    error_type, response_type = "InternalServerErrorException", "INTEGRATION_FAILURE"


class UnsupportedMediaType(GatewayError):
    status, message = 415, "Unsupported Media Type"
    error_type, response_type = "UnsupportedMediaTypeException", "UNSUPPORTED_MEDIA_TYPE"


class RequestTooLarge(GatewayError):
    status, message = 413, "Request Too Long"
    error_type, response_type = "RequestTooLargeException", "REQUEST_TOO_LARGE"


class BadRequestParameters(GatewayError):
    status, message = 400, "Missing required request parameters"
    error_type, response_type = "BadRequestException", "BAD_REQUEST_PARAMETERS"


_GATEWAY_HEADER = re.compile(r"^gatewayresponse\.header\.(?P<name>.+)$")


def error_response(
    error: GatewayError,
    *,
    request_id: str,
    customised: Mapping[str, GatewayResponse] | None = None,
    context: Mapping[str, Any] | None = None,
    stage_variables: Mapping[str, str] | None = None,
) -> ApiResponse:
    """The answer for `error`, shaped by the API's gateway responses when it has any."""
    custom = _customisation(error, customised or {})
    status = int(custom.status_code) if custom is not None and custom.status_code else error.status
    template = DEFAULT_TEMPLATE
    if custom is not None and custom.templates:
        template = custom.templates.get("application/json") or next(iter(custom.templates.values()))
    variables = dict(context or {})
    variables["error"] = {
        "message": error.message,
        "messageString": json.dumps(error.message),
        "responseType": error.response_type,
    }
    variables.setdefault("requestId", request_id)
    try:
        body = render(template, input=Input(""), context=variables, stage_variables=stage_variables).text
    except TemplateError as exc:
        log.warning("gateway response template for %s failed: %s", error.response_type, exc)
        body = json.dumps({"message": error.message}, separators=(",", ":"))
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.error_type)]
    if custom is not None:
        for key, value in custom.parameters.items():
            match = _GATEWAY_HEADER.match(key)
            if match is not None:
                headers.append((match["name"], _literal(value, stage_variables or {})))
    return ApiResponse(status=status, headers=headers, body=body.encode())


def _customisation(error: GatewayError, customised: Mapping[str, GatewayResponse]) -> GatewayResponse | None:
    if error.response_type in customised:
        return customised[error.response_type]
    fallback = "DEFAULT_5XX" if error.status >= 500 else "DEFAULT_4XX"
    default = customised.get(fallback)
    if default is None:
        return None
    # A DEFAULT_4XX/5XX customises headers and templates, but each type keeps its own status code.
    return GatewayResponse(type=fallback, parameters=default.parameters, templates=default.templates)


def _literal(value: str, stage_variables: Mapping[str, str]) -> str:
    """Gateway response header values are quoted literals ('*') or stage variables."""
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    if value.startswith("stageVariables."):
        return stage_variables.get(value.removeprefix("stageVariables."), "")
    return value

"""What API Gateway hands to Lambda, in REST API (v1) shapes: the `$context` / requestContext variables, the
AWS_PROXY event, and the TOKEN and REQUEST authorizer events."""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.services.aws.apigateway.messages import ApiRequest, display_name
from sandbox.services.aws.apigateway.policy import method_arn, wildcard_match
from sandbox.services.aws.apigateway.routing import Route
from sandbox.services.aws.bridge.apigateway import RestApi

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class Invocation:
    """One request on its way through the data plane: what later stages add lands here."""

    request: ApiRequest
    api: RestApi
    route: Route
    stage_variables: dict[str, str]
    api_key: str | None = None
    api_key_id: str | None = None
    # requestContext.authorizer: principalId and the authorizer's context, or Cognito's claims.
    authorizer: dict[str, Any] | None = None
    trace_id: str = field(default_factory=lambda: trace_id())

    @property
    def stage(self) -> str:
        return self.request.stage or ""

    def method_arn(self) -> str:
        req = self.request
        return method_arn(self.api.region, self.api.account_id, self.api.id, self.stage, req.method, req.path)


def trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{os.urandom(12).hex()}"


def request_time(epoch: float) -> str:
    t = time.gmtime(epoch)
    return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"


def domain_name(request: ApiRequest) -> str:
    host = request.host.split(":", 1)[0]
    if ".execute-api." in host:
        return host
    return f"{request.api_id}.execute-api.localhost.localstack.cloud"


def request_context(inv: Invocation, *, with_authorizer: bool = True) -> dict[str, Any]:
    req = inv.request
    identity: dict[str, Any] = {
        "cognitoIdentityPoolId": None,
        "accountId": None,
        "cognitoIdentityId": None,
        "caller": None,
        "sourceIp": req.source_ip,
        "principalOrgId": None,
        "accessKey": None,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": None,
        "userAgent": req.header("user-agent"),
        "user": None,
    }
    if inv.api_key is not None:
        identity["apiKey"] = inv.api_key
        identity["apiKeyId"] = inv.api_key_id
    domain = domain_name(req)
    context: dict[str, Any] = {
        "resourceId": inv.route.resource.id,
        "resourcePath": inv.route.resource.path,
        "httpMethod": req.method,
        "extendedRequestId": req.extended_request_id,
        "requestTime": request_time(req.received_at),
        "path": f"/{inv.stage}{req.path}",
        "accountId": inv.api.account_id,
        "protocol": req.protocol,
        "stage": inv.stage,
        "domainPrefix": domain.split(".", 1)[0],
        "requestTimeEpoch": int(req.received_at * 1000),
        "requestId": req.request_id,
        "identity": identity,
        "domainName": domain,
        "apiId": inv.api.id,
    }
    if with_authorizer and inv.authorizer is not None:
        context["authorizer"] = inv.authorizer
    return context


def forwarded_headers(inv: Invocation) -> list[tuple[str, str]]:
    """The request's headers plus those API Gateway's front end adds on the way to the integration."""
    req = inv.request
    headers = [(k, v) for k, v in req.headers if k not in ("x-forwarded-for", "x-amzn-trace-id")]
    forwarded = req.header("x-forwarded-for")
    port = req.host.rsplit(":", 1)[1] if ":" in req.host else "80"
    headers.append(("x-forwarded-for", f"{forwarded}, {req.source_ip}" if forwarded else req.source_ip))
    headers.append(("x-amzn-trace-id", inv.trace_id))
    if req.header("x-forwarded-port") is None:
        headers.append(("x-forwarded-port", port))
    if req.header("x-forwarded-proto") is None:
        headers.append(("x-forwarded-proto", "http"))
    return headers


def _single(headers: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in headers:
        out.setdefault(display_name(key), value)
    return out


def _multi(headers: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in headers:
        out.setdefault(display_name(key), []).append(value)
    return out


def is_binary(api: RestApi, content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return any(wildcard_match(pattern.lower(), media) for pattern in api.binary_media_types)


def encoded_body(inv: Invocation) -> tuple[str | None, bool]:
    body = inv.request.body
    if not body:
        return None, False
    if not is_binary(inv.api, inv.request.header("content-type")):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode(), True


def proxy_event(inv: Invocation) -> dict[str, Any]:
    """The AWS_PROXY (Lambda proxy integration) input event."""
    req = inv.request
    headers = forwarded_headers(inv)
    body, is_base64 = encoded_body(inv)
    return {
        "resource": inv.route.resource.path,
        "path": req.path,
        "httpMethod": req.method,
        "headers": _single(headers) or None,
        "multiValueHeaders": _multi(headers) or None,
        "queryStringParameters": req.single_query() or None,
        "multiValueQueryStringParameters": req.multi_query() or None,
        "pathParameters": dict(inv.route.path_params) or None,
        "stageVariables": dict(inv.stage_variables) or None,
        "requestContext": request_context(inv),
        "body": body,
        "isBase64Encoded": is_base64,
    }


def token_authorizer_event(inv: Invocation, token: str) -> dict[str, Any]:
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": inv.method_arn()}


def request_authorizer_event(inv: Invocation) -> dict[str, Any]:
    req = inv.request
    return {
        "type": "REQUEST",
        "methodArn": inv.method_arn(),
        "resource": inv.route.resource.path,
        "path": req.path,
        "httpMethod": req.method,
        "headers": req.single_headers(),
        "multiValueHeaders": req.multi_headers(),
        "queryStringParameters": req.single_query(),
        "multiValueQueryStringParameters": req.multi_query(),
        "pathParameters": dict(inv.route.path_params),
        "stageVariables": dict(inv.stage_variables),
        "requestContext": request_context(inv, with_authorizer=False),
    }

"""Method authorization: Lambda authorizers (TOKEN and REQUEST), Cognito user pools, and the presence of a
SigV4 signature for AWS_IAM.

A Lambda authorizer's answer (principalId, policyDocument, context, usageIdentifierKey) is cached by its
identity source for authorizerResultTtlInSeconds (0: never cached). The policy is evaluated against each
request's method ARN, cached or not, as AWS does: a policy cached for one path can deny another.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sandbox.services.aws.apigateway import cognito, errors, functions
from sandbox.services.aws.apigateway.events import (
    Invocation,
    request_authorizer_event,
    token_authorizer_event,
)
from sandbox.services.aws.apigateway.policy import Decision, InvalidPolicy, evaluate
from sandbox.services.aws.bridge.apigateway import Authorizer

EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"


@dataclass(frozen=True)
class AuthorizerOutput:
    principal_id: str
    policy: Any
    context: dict[str, str]
    usage_key: str | None


class AuthorizerCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, AuthorizerOutput]] = {}

    def get(self, key: Hashable) -> AuthorizerOutput | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self.clock():
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: Hashable, ttl_s: int, output: AuthorizerOutput) -> None:
        with self._lock:
            self._entries[key] = (self.clock() + ttl_s, output)

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()


class Authorization:
    def __init__(self, runtime: Callable[[], functions.LambdaRuntime], cache: AuthorizerCache) -> None:
        self._runtime = runtime
        self.cache = cache

    async def authorize(self, inv: Invocation) -> str | None:
        """Raise the gateway's error, or fill `inv.authorizer`; returns a usage identifier key, if any."""
        method = inv.route.method
        kind = method.authorization_type.upper()
        if kind in ("", "NONE"):
            return None
        if kind == "AWS_IAM":
            if not (inv.request.header("authorization") or "").startswith("AWS4-HMAC-SHA256"):
                raise errors.MissingAuthenticationToken(
                    detail="AWS_IAM method called without a SigV4 signature"
                )
            return None
        authorizer = inv.api.authorizers.get(method.authorizer_id or "")
        if authorizer is None:
            raise errors.ApiConfiguration(detail=f"authorizer {method.authorizer_id!r} not found")
        if kind == "COGNITO_USER_POOLS" or authorizer.type == "COGNITO_USER_POOLS":
            self._cognito(inv, authorizer)
            return None
        return await self._lambda(inv, authorizer)

    def _cognito(self, inv: Invocation, authorizer: Authorizer) -> None:
        header = _header_name(authorizer.identity_source or "method.request.header.Authorization")
        token = inv.request.header(header or "authorization")
        if not token:
            raise errors.Unauthorized(detail="no token in the identity source")
        claims = cognito.verify(
            token,
            provider_arns=authorizer.provider_arns,
            account_id=inv.api.account_id,
            scopes=inv.route.method.authorization_scopes,
        )
        inv.authorizer = {"claims": cognito.claims_for_context(claims)}

    async def _lambda(self, inv: Invocation, authorizer: Authorizer) -> str | None:
        if authorizer.type == "TOKEN":
            header = _header_name(authorizer.identity_source or "") or "authorization"
            token = inv.request.header(header)
            if not token:
                raise errors.Unauthorized(detail=f"no {header} header for the TOKEN authorizer")
            expression = authorizer.validation_expression
            if expression and not _fullmatch(expression, token):
                raise errors.Unauthorized(detail="the token fails identityValidationExpression")
            identity: tuple[str, ...] = (token,)
            event = token_authorizer_event(inv, token)
        else:
            identity = tuple(_identity_values(inv, authorizer.identity_source or ""))
            if authorizer.ttl_s > 0 and (not identity or any(v == "" for v in identity)):
                raise errors.Unauthorized(detail="an identity source of the REQUEST authorizer is missing")
            event = request_authorizer_event(inv)
        key = (inv.api.id, authorizer.id, identity)
        output = self.cache.get(key) if authorizer.ttl_s > 0 else None
        latency_ms = 0
        if output is None:
            started = time.perf_counter()
            output = await self._invoke(inv, authorizer, event)
            latency_ms = int((time.perf_counter() - started) * 1000)
            if authorizer.ttl_s > 0:
                self.cache.put(key, authorizer.ttl_s, output)
        try:
            decision = evaluate(output.policy, inv.method_arn())
        except InvalidPolicy as exc:
            raise errors.AuthorizerConfiguration(detail=f"authorizer policy: {exc}") from None
        if decision is Decision.EXPLICIT_DENY:
            raise errors.AccessDenied(EXPLICIT_DENY, detail=f"policy denies {inv.method_arn()}")
        if decision is Decision.IMPLICIT_DENY:
            raise errors.AccessDenied(detail=f"policy does not allow {inv.method_arn()}")
        inv.authorizer = {
            **output.context,
            "principalId": output.principal_id,
            "integrationLatency": latency_ms,
        }
        return output.usage_key

    async def _invoke(
        self, inv: Invocation, authorizer: Authorizer, event: dict[str, Any]
    ) -> AuthorizerOutput:
        ref = functions.function_ref(authorizer.uri or "", inv.stage_variables, inv.api.region)
        try:
            result = await functions.invoke(self._runtime(), ref, json.dumps(event).encode())
        except errors.GatewayError as exc:
            raise errors.AuthorizerFailure(detail=f"authorizer {authorizer.name}: {exc.detail}") from None
        if result.function_error:
            message = result.error_message()
            if message == "Unauthorized":
                raise errors.Unauthorized(detail="the authorizer answered Unauthorized")
            raise errors.AuthorizerConfiguration(detail=f"authorizer {authorizer.name} failed: {message}")
        return parse_output(result.payload)


def parse_output(payload: bytes) -> AuthorizerOutput:
    try:
        data = json.loads(payload.decode("utf-8"))
    except ValueError:
        raise errors.AuthorizerConfiguration(detail="the authorizer did not answer JSON") from None
    if not isinstance(data, dict) or "policyDocument" not in data or data.get("principalId") in (None, ""):
        raise errors.AuthorizerConfiguration(
            detail="the authorizer's answer lacks principalId or policyDocument"
        )
    context = data.get("context") or {}
    if not isinstance(context, dict):
        raise errors.AuthorizerConfiguration(detail="the authorizer's context is not an object")
    flat: dict[str, str] = {}
    for name, value in context.items():
        if isinstance(value, dict | list):
            raise errors.AuthorizerConfiguration(
                detail=f"context value {name!r} is not a string, number or boolean"
            )
        flat[str(name)] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    usage = data.get("usageIdentifierKey")
    return AuthorizerOutput(
        str(data["principalId"]), data["policyDocument"], flat, None if usage is None else str(usage)
    )


def _header_name(source: str) -> str | None:
    prefix = "method.request.header."
    first = source.split(",", 1)[0].strip()
    return first[len(prefix) :].lower() if first.startswith(prefix) else None


def _fullmatch(expression: str, value: str) -> bool:
    try:
        return re.fullmatch(expression, value) is not None
    except re.error:
        return False


def _identity_values(inv: Invocation, sources: str) -> list[str]:
    values: list[str] = []
    req = inv.request
    for raw in sources.split(","):
        source = raw.strip()
        if not source:
            continue
        if source.startswith("method.request.header."):
            value = req.header(source.removeprefix("method.request.header."))
        elif source.startswith("method.request.querystring."):
            value = req.single_query().get(source.removeprefix("method.request.querystring."))
        elif source.startswith("stageVariables."):
            value = inv.stage_variables.get(source.removeprefix("stageVariables."))
        elif source.startswith("context."):
            context = {"httpMethod": req.method, "resourcePath": inv.route.resource.path, "path": req.path}
            value = context.get(source.removeprefix("context."))
        else:
            value = None
        values.append(value or "")
    return values

"""Calling a Lambda function from API Gateway (integrations and authorizers) through our Lambda runtime.

The runtime is reached as `ctx.lambda_runtime`, built once per daemon. An integration waits at most its
timeout (29 s, or the integration's timeoutInMillis); the function itself keeps running past that, as on
AWS, and its late result is dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sandbox.services.aws.apigateway import errors

log = logging.getLogger("sandbox.aws")

DEFAULT_TIMEOUT_S = 29.0
_LAMBDA_URI = re.compile(
    r"^arn:aws[a-z-]*:apigateway:(?P<region>[^:]*):lambda:path/[^/]+/functions/(?P<fn>.+)/invocations/?$"
)
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


class LambdaRuntime(Protocol):
    async def invoke(
        self,
        name_or_arn: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        region: str | None = None,
        client_context: str | None = None,
    ) -> Any: ...


@dataclass(frozen=True)
class FunctionResult:
    payload: bytes
    function_error: str | None = None

    def json(self) -> Any:
        return json.loads(self.payload.decode("utf-8")) if self.payload.strip() else None

    def error_message(self) -> str:
        """The `errorMessage` of a failed invocation (what selectionPattern and authorizers look at)."""
        try:
            data = self.json()
        except ValueError:
            return self.payload.decode("utf-8", "replace")
        if isinstance(data, Mapping) and "errorMessage" in data:
            return str(data["errorMessage"])
        return self.payload.decode("utf-8", "replace")


def with_stage_variables(text: str, stage_variables: Mapping[str, str]) -> str:
    return _STAGE_VARIABLE.sub(lambda m: stage_variables.get(m.group(1), ""), text)


def is_lambda_uri(uri: str) -> bool:
    return _LAMBDA_URI.match(uri) is not None


@dataclass(frozen=True)
class FunctionRef:
    name_or_arn: str
    qualifier: str | None
    region: str


def function_ref(uri: str, stage_variables: Mapping[str, str], default_region: str) -> FunctionRef:
    """The function an `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations` names."""
    match = _LAMBDA_URI.match(with_stage_variables(uri, stage_variables))
    if match is None:
        raise errors.ApiConfiguration(detail=f"not a Lambda invocation URI: {uri}")
    target = match["fn"]
    parts = target.split(":")
    if target.startswith("arn:") and len(parts) >= 7:
        qualifier = parts[7] if len(parts) > 7 else None
        return FunctionRef(":".join(parts[:7]), qualifier, parts[3] or match["region"] or default_region)
    name, _, qualifier = target.partition(":")
    return FunctionRef(name, qualifier or None, match["region"] or default_region)


async def invoke(
    runtime: LambdaRuntime, ref: FunctionRef, payload: bytes, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> FunctionResult:
    """Run the function; a missing or unrunnable function is the API's configuration error (500)."""
    from sandbox.services.aws.bridge.lambda_ import FunctionNotFound
    from sandbox.services.aws.lambda_.runtime import Throttled
    from sandbox.services.aws.lambda_.runtimes import UnsupportedRuntime

    task = asyncio.ensure_future(
        runtime.invoke(ref.name_or_arn, payload, qualifier=ref.qualifier, region=ref.region)
    )
    done, _ = await asyncio.wait({task}, timeout=timeout_s)
    if not done:
        task.add_done_callback(_drop_late_result)
        raise errors.IntegrationTimeout(detail=f"{ref.name_or_arn} did not answer within {timeout_s:g} s")
    try:
        result = task.result()
    except FunctionNotFound as exc:
        raise errors.ApiConfiguration(detail=f"Invalid permissions on Lambda function: {exc}") from None
    except UnsupportedRuntime as exc:
        raise errors.ApiConfiguration(detail=f"Lambda function cannot run: {exc}") from None
    except Throttled as exc:
        raise errors.BadGateway(detail=f"Lambda throttled the invocation: {exc}") from None
    except Exception as exc:  # the runtime failing for reasons of its own: the function did not answer
        raise errors.BadGateway(detail=f"Lambda invocation failed: {type(exc).__name__}: {exc}") from None
    return FunctionResult(payload=bytes(result.payload or b""), function_error=result.function_error)


def _drop_late_result(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.debug("a Lambda invocation that API Gateway gave up on failed: %s", task.exception())


def timeout_of(timeout_ms: int | None) -> float:
    return DEFAULT_TIMEOUT_S if not timeout_ms or timeout_ms <= 0 else timeout_ms / 1000.0

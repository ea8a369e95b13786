"""The Lambda operations we answer ourselves: Invoke, InvokeAsync and provisioned concurrency.

Every other Lambda operation (CreateFunction, versions, aliases, permissions…) is moto's. Errors use Lambda's
REST-JSON shape: the `x-amzn-ErrorType` header plus `{"Type": "User", "message": …}`.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from typing import Any
from urllib.parse import parse_qs

from sandbox.core.asgi import send_bytes, send_json
from sandbox.services.aws.bridge.lambda_ import FunctionNotFound
from sandbox.services.aws.context import AwsContext
from sandbox.services.aws.lambda_.runtime import LambdaRuntime, Throttled, log_result_header
from sandbox.services.aws.lambda_.runtimes import UnsupportedRuntime
from sandbox.services.aws.passthrough import call_moto, read_body, send_response
from sandbox.services.aws.routing import Target

log = logging.getLogger("sandbox.aws")

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
_INVOKE_ASYNC = re.compile(r"^/2014-11-13/functions/(?P<name>[^/]+)/invoke-async/?$")
_PROVISIONED = re.compile(r"^/2019-09-30/functions/(?P<name>[^/]+)/provisioned-concurrency/?$")
# moto does not keep DeadLetterConfig: we keep it, and add it back to moto's answers.
_CREATE = re.compile(r"^/2015-03-31/functions/?$")
_FUNCTION = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)(?P<configuration>/configuration)?/?$")

SYNC_LIMIT = 6 * 1024 * 1024
ASYNC_LIMIT = 256 * 1024


class LambdaProvider:
    def __init__(self, ctx: AwsContext) -> None:
        self.ctx = ctx

    @property
    def runtime(self) -> LambdaRuntime:
        return self.ctx.lambda_runtime

    def claims(self, target: Target, method: str, path: str) -> bool:
        if _INVOKE.match(path) or _INVOKE_ASYNC.match(path) or _PROVISIONED.match(path):
            return True
        return bool(
            (method == "POST" and _CREATE.match(path))
            or (method in ("GET", "PUT", "DELETE") and _FUNCTION.match(path))
        )

    def reset(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path: str = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = {k: v[0] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
        body = await read_body(receive)
        region = _region(headers) or self.ctx.settings.region
        try:
            if match := _INVOKE.match(path):
                await self._invoke(send, match["name"], query.get("Qualifier"), headers, body, region)
            elif match := _INVOKE_ASYNC.match(path):
                spec = self.runtime.resolve(match["name"], None, region)
                self.runtime.invoke_async(spec, body)
                await send_json(send, 202, {"Status": 202})
            elif match := _PROVISIONED.match(path):
                await self._provisioned(send, scope["method"], match["name"], query, body, region)
            else:
                await self._with_dead_letter_config(scope, send, body)
        except FunctionNotFound as exc:
            await _error(send, 404, "ResourceNotFoundException", str(exc))
        except Throttled as exc:
            await _error(send, 429, "TooManyRequestsException", "Rate Exceeded.", Reason=exc.reason)
        except UnsupportedRuntime as exc:
            await _error(send, 502, "InvalidRuntimeException", str(exc))

    async def _invoke(
        self, send: Any, name: str, qualifier: str | None, headers: dict[str, str], body: bytes, region: str
    ) -> None:
        kind = headers.get("x-amz-invocation-type", "RequestResponse")
        spec = self.runtime.resolve(name, qualifier, region)
        if body:
            try:
                json.loads(body)
            except ValueError:
                await _error(
                    send,
                    400,
                    "InvalidRequestContentException",
                    "Could not parse request body into json: Unrecognized token",
                )
                return
        if kind == "DryRun":
            await send_bytes(send, 204, b"", [])
            return
        if kind == "Event":
            if len(body) > ASYNC_LIMIT:
                await _error(
                    send,
                    413,
                    "RequestTooLargeException",
                    f"Request must be smaller than {ASYNC_LIMIT} bytes for the InvokeAsync operation",
                )
                return
            request_id = self.runtime.invoke_async(spec, body)
            await send_bytes(send, 202, b"", [(b"x-amzn-requestid", request_id.encode())])
            return
        if kind != "RequestResponse":
            await _error(
                send,
                400,
                "InvalidParameterValueException",
                f"Unsupported InvocationType {kind!r}: use RequestResponse, Event or DryRun",
            )
            return
        if len(body) > SYNC_LIMIT:
            await _error(
                send,
                413,
                "RequestTooLargeException",
                f"Request must be smaller than {SYNC_LIMIT} bytes for the Invoke operation",
            )
            return
        context = headers.get("x-amz-client-context")
        if context:
            context = base64.b64decode(context).decode("utf-8", "replace")
        result = await self.runtime.invoke_spec(spec, body, client_context=context)
        extra = [
            (b"x-amz-executed-version", result.executed_version.encode()),
            (b"x-amzn-requestid", result.request_id.encode()),
        ]
        if result.function_error:
            extra.append((b"x-amz-function-error", result.function_error.encode()))
        if headers.get("x-amz-log-type") == "Tail":
            extra.append((b"x-amz-log-result", log_result_header(result).encode()))
        await send_bytes(send, result.status, result.payload, extra)

    async def _with_dead_letter_config(self, scope: Any, send: Any, body: bytes) -> None:
        requested = None
        if scope["method"] in ("POST", "PUT") and body:
            try:
                requested = (json.loads(body).get("DeadLetterConfig") or {}).get("TargetArn")
            except (ValueError, AttributeError):
                requested = None
        if scope["method"] == "DELETE":
            response = await call_moto(self.ctx.fallback, scope, body)
            if response.status < 300:
                name = _FUNCTION.match(scope["path"])["name"]  # type: ignore[index]
                region = _region({k.decode().lower(): v.decode() for k, v in scope["headers"]})
                arn = (
                    name
                    if name.startswith("arn:")
                    else (
                        f"arn:aws:lambda:{region or self.ctx.settings.region}:{self.ctx.account_id}:function:{name}"
                    )
                )
                await self.runtime.forget(_unqualified(arn))
            await send_response(send, response)
            return
        response = await call_moto(self.ctx.fallback, scope, body)
        if response.status < 300:
            document = response.json()
            config = document.get("Configuration", document) if isinstance(document, dict) else None
            if isinstance(config, dict) and "FunctionArn" in config:
                arn = _unqualified(config["FunctionArn"])
                if requested is not None:
                    if requested:
                        self.runtime.dead_letters[arn] = requested
                    else:
                        self.runtime.dead_letters.pop(arn, None)
                target = self.runtime.dead_letters.get(arn)
                if target:
                    config["DeadLetterConfig"] = {"TargetArn": target}
                    response = response.with_json(document)
        await send_response(send, response)

    async def _provisioned(
        self, send: Any, method: str, name: str, query: dict[str, str], body: bytes, region: str
    ) -> None:
        qualifier = query.get("Qualifier")
        if method == "GET" and query.get("List") == "ALL":
            spec = self.runtime.resolve(name, None, region)
            configs = [
                _pc_config(f"{arn}:{q}", n)
                for (arn, q), n in self.runtime.provisioned.items()
                if arn == spec.arn
            ]
            await send_json(send, 200, {"ProvisionedConcurrencyConfigs": configs})
            return
        if not qualifier or qualifier == "$LATEST":
            await _error(
                send,
                400,
                "InvalidParameterValueException",
                "Provisioned concurrency needs a published version or an alias as Qualifier",
            )
            return
        spec = self.runtime.resolve(name, qualifier, region)
        key = (spec.arn, qualifier)
        if method == "PUT":
            count = int(json.loads(body or b"{}").get("ProvisionedConcurrentExecutions", 0))
            if count < 1:
                await _error(
                    send,
                    400,
                    "InvalidParameterValueException",
                    "ProvisionedConcurrentExecutions must be at least 1",
                )
                return
            await self.runtime.provision(spec, qualifier, count)
            await send_json(send, 202, _pc_config(f"{spec.arn}:{qualifier}", count))
        elif method == "GET":
            if key not in self.runtime.provisioned:
                await _error(
                    send,
                    404,
                    "ProvisionedConcurrencyConfigNotFoundException",
                    "No Provisioned Concurrency Config found for this function",
                )
                return
            await send_json(send, 200, _pc_config(f"{spec.arn}:{qualifier}", self.runtime.provisioned[key]))
        elif method == "DELETE":
            self.runtime.provisioned.pop(key, None)
            await self.runtime.provision(spec, qualifier, 0)
            self.runtime.provisioned.pop(key, None)
            await send_bytes(send, 204, b"", [])


def _unqualified(arn: str) -> str:
    return ":".join(arn.split(":")[:7])


def _pc_config(arn: str, count: int) -> dict[str, Any]:
    return {
        "FunctionArn": arn,
        "RequestedProvisionedConcurrentExecutions": count,
        "AvailableProvisionedConcurrentExecutions": count,
        "AllocatedProvisionedConcurrentExecutions": count,
        "Status": "READY",
    }


def _region(headers: dict[str, str]) -> str | None:
    match = re.search(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/", headers.get("authorization", ""))
    return match[1] if match else None


async def _error(send: Any, status: int, code: str, message: str, **extra: str) -> None:
    await send_json(
        send, status, {"Type": "User", "message": message, **extra}, [(b"x-amzn-errortype", code.encode())]
    )


def create(ctx: AwsContext) -> LambdaProvider:
    return LambdaProvider(ctx)
